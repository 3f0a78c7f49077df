"""Time any Python script the way the built-in benchmarks are timed.

Used by `pybench-docker run path/to/script.py -- args...`: prints the
environment banner, runs the script as __main__ with its own argv, and reports
on the machine line either what the script measured with `harness.bench()`
(every value, schema 2) or, when it did not use the harness, the wall time of
the whole script as one value.

A pyperf script (the driver sets PYBENCH_PYPERF=1 and puts the pinned pyperf
wheel on PYTHONPATH) runs unchanged in a child process, as `python script.py
ARGS --output FILE`, and every benchmark of its pyperf result becomes a named
benchmark of the machine line (all values of all of pyperf's worker processes).

Memory (memprobe.py): harness records carry their own; a script timed whole
gets the process's peak since it started and the container's; a pyperf
script's values get each worker's ``mem_max_rss``, with the container read
before and after the run.
"""

import sys

sys.dont_write_bytecode = True

import json  # noqa: E402
import os  # noqa: E402
import runpy  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import harness  # noqa: E402
import memprobe  # noqa: E402
import pyinfo  # noqa: E402


def pyperf_records(result):
    """Harness-style records from a pyperf JSON result (format 1.0).

    Each record's "memory" has the peak of the pyperf worker process behind
    each value and warm-up (see :func:`pyperf_memory`).
    """
    common = result.get("metadata", {})
    records = []
    for i, bench in enumerate(result.get("benchmarks", [])):
        meta = dict(common, **bench.get("metadata", {}))
        values, warmups, loops = [], [], None
        peak_values, peak_warmups = [], []
        for run in bench.get("runs", []):
            run_meta = run.get("metadata", {})
            if run_meta.get("calibrate_loops") or run_meta.get("recalibrate_loops"):
                continue
            values.extend(run.get("values", []))
            warmups.extend(value for _, value in run.get("warmups", []))
            loops = loops or run_meta.get("loops") or meta.get("loops")
            peak = pyperf_max_rss(dict(meta, **run_meta))
            peak_values.extend([peak] * len(run.get("values", [])))
            peak_warmups.extend([peak] * len(run.get("warmups", [])))
        if values:
            records.append({"name": meta.get("name") or "benchmark %d" % (i + 1),
                            "loops": loops or 1, "threads": 1, "values": values,
                            "warmups": warmups,
                            "memory": pyperf_memory(peak_values, peak_warmups)})
    return records


def pyperf_max_rss(metadata):
    """A pyperf run's ``mem_max_rss`` (bytes), None when absent or not a count of bytes."""
    value = metadata.get("mem_max_rss")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def pyperf_memory(peak_values, peak_warmups):
    """The harness's memory form for pyperf's values (memprobe.Tracker.as_dict).

    pyperf records each worker process's ``getrusage`` peak (``mem_max_rss``)
    once, at the end of its run: every value of a run gets its worker's peak,
    nothing is reset per value and no resident set is known. The container's
    figures are filled in by :func:`with_container`.
    """
    known = [p for p in peak_values if p is not None]
    return {
        "process_source": "pyperf-mem_max_rss" if known else None,
        "process_reset": False,
        "container_source": None,
        "container_limit": None,
        "peak_warmups": peak_warmups if known else [],
        "peak_values": peak_values if known else [],
        "container_values": [],
        "rss_start": None,
        "rss_after_warmups": None,
        "rss_after_values": None,
        "process_peak": max(known) if known else None,
        "container_peak_start": None,
        "container_peak": None,
    }


def with_container(records, peak_start, container):
    """The container's source, limit and peak before and after a pyperf run, in every record."""
    peak_end, limit = container.peak(), container.limit()
    for record in records:
        record["memory"].update(container_source=container.source, container_limit=limit,
                                container_peak_start=peak_start, container_peak=peak_end)
    return records


def _without_inherit_environ(args):
    """The arguments without the user's --inherit-environ, and its names (merged with ours)."""
    rest, names = [], []
    it = iter(args)
    for arg in it:
        if arg == "--inherit-environ":
            names += next(it, "").split(",")
        elif arg.startswith("--inherit-environ="):
            names += arg.split("=", 1)[1].split(",")
        else:
            rest.append(arg)
    return rest, [n for n in names if n]


def run_pyperf(script, args, capture=False):
    """Runs a pyperf script in a child process.

    Returns (exit code, records) or, with ``capture``, (exit code, records,
    stderr text): its stderr is then also passed through to ours.
    """
    out = os.path.join(tempfile.mkdtemp(prefix="pyperf-"), "result.json")
    env = dict(os.environ)
    # pyperf's workers are started without our -X options and with few of the
    # environment's variables: carry the GIL and JIT switches over.
    gil = sys._xoptions.get("gil") if hasattr(sys, "_xoptions") else None
    if gil is not None and gil is not True:
        env["PYTHON_GIL"] = str(gil)
    args, inherit = _without_inherit_environ(args)
    inherit = ",".join(["PYTHON_JIT", "PYTHONHASHSEED"] + inherit)
    command = [sys.executable, script, *args, "--output", out, "--inherit-environ", inherit]
    sys.stdout.flush()
    container = memprobe.Container()
    container_peak_start = container.peak()
    errors = ""
    if capture:
        proc = subprocess.run(command, env=env, stderr=subprocess.PIPE, text=True,
                              errors="replace")
        code, errors = proc.returncode, proc.stderr
        sys.stderr.write(errors)
    else:
        code = subprocess.call(command, env=env)
    records = []
    if code == 0 and os.path.exists(out):  # a script that is no pyperf Runner writes none
        with open(out) as handle:
            records = with_container(pyperf_records(json.load(handle)), container_peak_start,
                                     container)
    return (code, records, errors) if capture else (code, records)


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: run_script.py SCRIPT [ARGS...]", file=sys.stderr)
        return 2
    script = sys.argv[1]
    pyinfo.print_banner()
    if os.environ.get("PYBENCH_PYPERF") == "1":
        if os.environ.get("PYBENCH_MEASURE") == "instructions":
            import count_pyperf  # what pyperf times, counted under Callgrind
            code, records, _ = count_pyperf.run_counted(script, sys.argv[2:])
        else:
            code, records = run_pyperf(script, sys.argv[2:])
        if code != 0:
            print(f"{script} exited with {code}", file=sys.stderr)
            return code
        if not records:
            print(f"{script} wrote no pyperf values", file=sys.stderr)
            return 1
        pyinfo.emit("script", script=os.path.basename(script), **harness.result_fields(records))
        return 0
    sys.argv = sys.argv[1:]
    # The script sees its own folder first on sys.path, as `python script.py` would.
    # Our folder stays importable, after the script's, for `import harness`.
    here = sys.path[0]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    sys.path.append(here)
    code = 0
    rss_start, container_peak_start = memprobe.Process().read()[1], memprobe.Container().peak()
    start = time.perf_counter()
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        # Behave as the interpreter would: a non-integer code is a message.
        if e.code is None or isinstance(e.code, int):
            code = e.code or 0
        else:
            print(e.code, file=sys.stderr)
            code = 1
    seconds = time.perf_counter() - start
    sys.stdout.flush()
    if code != 0:
        print(f"{script} exited with {code}", file=sys.stderr)
        return code
    print(f"Ran {os.path.basename(script)}: {seconds:.2f}s")
    name = os.path.basename(script)
    records = harness.results()
    if records:
        pyinfo.emit("script", script=name, **harness.result_fields(records))
    elif os.environ.get("PYBENCH_MEASURE") == "instructions":
        # A whole script's time is no count: no result line, so the row fails saying why.
        print(f"{name} did not call harness.bench: --measure instructions counts the "
              "work a script gives harness.bench (benchmarks/harness.py), not the whole "
              "script. Measure this script in time, or wrap its work in harness.bench.",
              file=sys.stderr)
        return 2
    else:
        pyinfo.emit("script", script=name, seconds=seconds,
                    memory=memprobe.whole_process(rss_start, container_peak_start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
