#!/usr/bin/env python3
"""Instructions against time on this machine: the figures of docs/counts.md,
docs/instrument.md and docs/measurements.md.

For `run gil --threads 1` and `run jit`, on 3.14, 3.14t and 3.14j, measured
in instructions (`--measure instructions`) and in time, each twice:

  * each run's ratios 3.14t/3.14 and 3.14j/3.14 with their 95 % interval
    (paired by round) and half-width;
  * A/A: the second run against the first with `pybench-docker compare`
    (the same configurations twice): every ratio's interval half-width and
    verdict (any improved/degraded there is false);
  * the spread of the process means inside each configuration (σ/mean);
  * the wall time of each run and the load average around it.

    bench/counts_figures.py [--processes-counted N] [--processes-timed N] [--measures time]

Images must be built; the Valgrind layer is built by the first counted run.
Nothing here is a timed test: it prints figures, recorded in the docs.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("PYBENCH_BIN", os.path.join(ROOT, "target", "debug", "pybench-docker"))
INTERPRETERS = "3.14,3.14t,3.14j"
BENCHMARKS = {"gil": ["gil", "--threads", "1", "-n", "20"], "jit": ["jit"]}


def load():
    return os.getloadavg()[0]


def run(args, out):
    """One `pybench-docker run`; (wall seconds, load before, load after, report)."""
    before, started = load(), time.monotonic()
    proc = subprocess.run([BIN, "run", *args, "--json", out], capture_output=True, text=True,
                          env={**os.environ, "CI": "true", "NO_COLOR": "1"})
    wall = time.monotonic() - started
    with open(out[:-len(".json")] + ".txt", "w") as handle:  # the tables, as printed
        handle.write(proc.stdout + proc.stderr)
    if proc.returncode not in (0, 1):
        sys.exit("run %s failed (%d):\n%s" % (args, proc.returncode, proc.stderr[-3000:]))
    with open(out) as handle:
        return wall, before, load(), json.load(handle)


def compare(a, b, out):
    proc = subprocess.run([BIN, "compare", a, b, "--json", out], capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit("compare failed (%d):\n%s" % (proc.returncode, proc.stderr[-3000:]))
    with open(out) as handle:
        return json.load(handle)["benchmarks"][0]["rows"]


def half(c):
    return 100 * (c["ci_high"] - c["ci_low"]) / 2 / c["ratio"]


def ratios(report):
    """Each row's ratio to the baseline with its interval, from the run's own summary."""
    out = []
    for row in report["summary"]:
        c = row.get("comparison") or {}
        if c.get("ci_low") is not None and c.get("verdict") != "baseline":
            out.append("%s %.4f [%.4f–%.4f] ±%.2f%% %s" % (
                row["label"], c["ratio"], c["ci_low"], c["ci_high"], half(c), c["verdict"]))
    return out


def spreads(report):
    """σ/mean of the process means of each configuration, in %."""
    out = []
    for row in report["rows"]:
        means = [s["seconds"] for s in row["samples"] if not s["warmup"]]
        if len(means) > 1:
            out.append("%s %.4f%%" % (row["interpreter"],
                                      100 * statistics.stdev(means) / statistics.mean(means)))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes-counted", type=int, default=3)
    parser.add_argument("--processes-timed", type=int, default=10)
    parser.add_argument("--measures", default="instructions,time",
                        help="which to run, comma-separated (default: instructions,time)")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="pybench-counts-")
    print("results in", tmp, flush=True)
    for measure, processes in (("instructions", args.processes_counted),
                               ("time", args.processes_timed)):
        if measure not in args.measures.split(","):
            continue
        for name, bench in BENCHMARKS.items():
            files = []
            for k in (1, 2):
                out = os.path.join(tmp, "%s-%s-%d.json" % (measure, name, k))
                cmd = [*bench, "--interpreters", INTERPRETERS, "--measure", measure,
                       "--processes", str(processes), "--values", "3"]
                wall, before, after, report = run(cmd, out)
                files.append(out)
                print("%s %s #%d: `run %s`: %.0f s wall, load %.1f → %.1f" % (
                    measure, name, k, " ".join(cmd), wall, before, after), flush=True)
                print("  ratios:", "; ".join(ratios(report)))
                print("  σ/mean of process means:", "; ".join(spreads(report)), flush=True)
            for row in compare(files[0], files[1], os.path.join(tmp, "aa.json")):
                c = row  # the comparison's fields are flattened into the pairing
                if c.get("ci_low") is not None:
                    print("  A/A %s %s: %.5f [%.5f–%.5f] ±%.3f%% p=%.3g %s" % (
                        name, row["label"], c["ratio"], c["ci_low"], c["ci_high"], half(c),
                        c.get("p_value") or float("nan"), c["verdict"]), flush=True)


if __name__ == "__main__":
    main()
