#!/usr/bin/env python3
"""The free-threading suite's headline figures on this machine.

Runs `pybench-docker run suite` on the GIL build and the free-threaded build
at 1 and 2 threads, then prints per benchmark: the free-threaded build's
single-thread overhead (3.13t ×1 / 3.13 ×1), each build's 2-thread speed-up,
and whether the free-threaded build is slower than the GIL build at 2 threads
(with the instrument's interval and verdict).

    bench/suite_figures.py [PROCESSES]     (default 3; images must be built)

Figures, not a timed test: recorded in docs/measurements.md.
"""

import glob
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "pybench-docker")


def summary(path):
    with open(path) as handle:
        report = json.load(handle)
    return {row["label"]: row for row in report["summary"]}, report


def categories():
    path = os.path.join(ROOT, "benchmarks", "suite", "catalog.tsv")
    with open(path) as handle:
        rows = [l.rstrip("\n").split("\t") for l in handle if not l.startswith("#")]
    return {name: category for category, name, _, _ in rows}


def mean(row):
    return (row.get("values") or {}).get("mean")


def main():
    processes = sys.argv[1] if len(sys.argv) > 1 else "3"
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="pybench-suite-")
    out = os.path.join(tmp, "suite.json")
    started = time.monotonic()
    proc = subprocess.run(
        [BIN, "run", "suite", "--interpreters", "3.13,3.13t", "--threads", "2",
         "--processes", processes, "--values", "3", "--min-time", "0.05", "--json", out],
        capture_output=True, text=True, env={**os.environ, "CI": "true"})
    wall = time.monotonic() - started
    if proc.returncode != 0:
        print(proc.stderr[-3000:])
    print("%-26s %-22s %10s %12s %12s  %s" % ("category", "benchmark", "t ×1 / ×1",
                                             "3.13 ×2 s-u", "3.13t ×2 s-u", "3.13t ×2 vs 3.13 ×2"))
    slower = {}
    for path in sorted(glob.glob(os.path.join(tmp, "suite.*.json"))):
        rows, report = summary(path)
        name = report["benchmark"]
        category = categories().get(name, "?")
        one, one_t = rows.get("3.13 ×1"), rows.get("3.13t ×1")
        two, two_t = rows.get("3.13 ×2"), rows.get("3.13t ×2")
        if not all(r and mean(r) for r in (one, one_t, two, two_t)):
            print("%-26s %-22s incomplete" % (category, name))
            continue
        ratio = mean(two_t) / mean(two)
        verdict = "slower" if ratio > 1 else "faster"
        print("%-26s %-22s %9.2f× %11.2f× %11.2f×  %.2f× %s"
              % (category, name, mean(one_t) / mean(one), two.get("speedup") or 0,
                 two_t.get("speedup") or 0, ratio, verdict))
        if ratio > 1.1:
            slower[name] = ratio
    print()
    print("wall %.0f s; free-threaded build more than 10 %% slower than the GIL build at 2 threads in: %s"
          % (wall, ", ".join("%s (%.2f×)" % kv for kv in sorted(slower.items())) or "none"))
    print("reports in", tmp)


if __name__ == "__main__":
    main()
