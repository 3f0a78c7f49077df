"""Run CPython's own scaling benchmark, Tools/ftscalingbench/ftscalingbench.py,
pattern by pattern through the harness.

Used by `pybench-docker run ftscalingbench`: the driver extracts the script
from a verified source tarball (or an own checkout) on the host and mounts it
read-only; this file imports it as a module (never as ``__main__``, so its
own ``main`` with its lscpu-based CPU choice and single timing never runs),
takes the patterns its ``@register_benchmark`` decorator put into
``ALL_BENCHMARKS`` and measures each with :func:`harness.measure`: calibrated
loops, warm-ups, values, and with ``--threads N`` every one of the N threads
calling the pattern (each does the one-thread work, as in the script's own
``benchmark``: speed-up t1*N/tN). One thread runs in a worker thread too
(``in_workers``), so that 1 and N threads take the same path: objects made at
import belong to the main thread, and a free-threaded build counts another
thread's references to them differently. The CPUs are the container's
(pybench-docker pins it), never chosen here.

    ftscaling.py SCRIPT [--patterns A,B] [--threads N] [harness flags]

The machine line is kind "ftscalingbench", schema 2: ``benchmarks`` holds one
harness record per pattern, in the script's order; ``skipped`` the patterns
asked for that did not run here, with why (a pattern the script registers on
newer interpreters only, or one that raised); ``script`` the file's sha256,
``work_scale`` its ``WORK_SCALE``, ``threads`` N. Exit status 1 when no
pattern ran, 2 on wrong arguments.
"""

import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import hashlib  # noqa: E402
import importlib.util  # noqa: E402
import traceback  # noqa: E402

import harness  # noqa: E402
import pyinfo  # noqa: E402

# The name the script is imported under: its own code looks itself up in
# sys.modules by __name__ (module_function's `module.double`).
MODULE_NAME = "ftscalingbench"


def load(path):
    """The script as a module, registered in sys.modules under MODULE_NAME."""
    spec = importlib.util.spec_from_file_location(MODULE_NAME, path)
    if spec is None or spec.loader is None:
        raise ImportError("cannot load %s as a module" % path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE_NAME] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[MODULE_NAME]
        raise
    return module


def patterns_of(module):
    """name -> function, in the order the script registered them."""
    found = getattr(module, "ALL_BENCHMARKS", None)
    if not isinstance(found, dict):
        raise ValueError("the script has no ALL_BENCHMARKS dict: not an ftscalingbench.py")
    return {name: fn for name, fn in found.items() if callable(fn)}


def choose(registered, wanted):
    """(names to run, skipped records) for the patterns asked for; all when none."""
    if not wanted:
        return list(registered), []
    run, skipped = [], []
    for name in wanted:
        if name in registered:
            run.append(name)
        else:
            skipped.append({"name": name, "reason": "not registered by this ftscalingbench.py "
                            "on this interpreter (it has: %s)" % ", ".join(registered)})
    return run, skipped


def looped(pattern):
    """The harness's ``work(loops)``: the pattern's fixed work, ``loops`` times."""
    def work(loops):
        for _ in range(loops):
            pattern()
    return work


def tail(text, lines=6):
    return "\n".join(text.strip().splitlines()[-lines:])


def measure_all(registered, names, threads, options=None):
    """(records, skipped): each pattern measured; one that raises is skipped with its error."""
    records, skipped = [], []
    for name in names:
        try:
            record = harness.measure(name, looped(registered[name]), threads=threads,
                                     options=options, in_workers=True)
        except Exception:
            skipped.append({"name": name, "reason": tail(traceback.format_exc())})
            continue
        per_loop = harness.mean(record["values"])
        print("%-30s %10.3f ms per call x%d" % (name, per_loop * 1e3, threads), flush=True)
        records.append(record)
    return records, skipped


def sha256_of(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Measure the patterns of CPython's Tools/ftscalingbench/ftscalingbench.py "
        "with the harness.")
    parser.add_argument("script", help="the path of ftscalingbench.py")
    parser.add_argument("--patterns", default="", metavar="A,B",
                        help="comma-separated pattern names (default: every registered one)")
    parser.add_argument("-t", "--threads", type=pyinfo.int_at_least(1), default=1, metavar="N",
                        help="threads each calling the pattern (default: 1)")
    parser.add_argument("--no-banner", action="store_true", help="do not print the banner")
    harness.add_arguments(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    options = harness.options_from_args(args)
    info = pyinfo.collect()
    if not args.no_banner:
        pyinfo.print_banner(info)
    module = load(args.script)
    registered = patterns_of(module)
    wanted = [p.strip() for p in args.patterns.split(",") if p.strip()]
    names, skipped = choose(registered, wanted)
    records, failed = measure_all(registered, names, args.threads, options)
    skipped += failed
    if not records:
        print("no pattern of %s ran on this interpreter:" % args.script, file=sys.stderr)
        for s in skipped:
            print("  %s: %s" % (s["name"], s["reason"]), file=sys.stderr)
        return 1
    pyinfo.emit("ftscalingbench", info=info, threads=args.threads, skipped=skipped,
                script=sha256_of(args.script), work_scale=getattr(module, "WORK_SCALE", None),
                **harness.result_fields(records))
    return 0


if __name__ == "__main__":
    sys.exit(main())
