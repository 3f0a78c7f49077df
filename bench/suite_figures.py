#!/usr/bin/env python3
"""The free-threading suite's headline figures on this machine.

Runs `pybench-docker run suite` on each version's GIL build and free-threaded
build at 1 and 2 threads, then prints per benchmark and version: the
free-threaded build's single-thread cost (Vt ×1 / V ×1), each build's
2-thread speed-up, and the free-threaded build against the GIL build at two
threads. Then the headline: the speed-up of independent CPU work
(`pure-bytecode`) at two threads per build, and the categories where a
free-threaded build is more than 10 % slower than its GIL build at 2 threads.

    bench/suite_figures.py [PROCESSES] [VERSIONS]   (default 3 and "3.13,3.14"; images must be built)

Ratios here are of means (each configuration's processes × values); run's own
table gives the intervals against the run's baseline. Figures, not a timed
test: recorded in docs/measurements.md.
"""

import collections
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "pybench-docker")
INDEPENDENT = "pure-bytecode"


def categories():
    path = os.path.join(ROOT, "benchmarks", "suite", "catalog.tsv")
    with open(path) as handle:
        rows = [l.rstrip("\n").split("\t") for l in handle if not l.startswith("#")]
    return {name: category for category, name, _, _ in rows}


def mean(row):
    return (row or {}).get("values", {}).get("mean") if row else None


def main():
    processes = sys.argv[1] if len(sys.argv) > 1 else "3"
    versions = (sys.argv[2] if len(sys.argv) > 2 else "3.13,3.14").split(",")
    interpreters = ",".join("%s,%st" % (v, v) for v in versions)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="pybench-suite-")
    out = os.path.join(tmp, "suite.json")
    started = time.monotonic()
    proc = subprocess.run(
        [BIN, "run", "suite", "--interpreters", interpreters, "--threads", "1,2",
         "--baseline", versions[0], "--processes", processes, "--values", "3",
         "--min-time", "0.05", "--json", out],
        capture_output=True, text=True, env={**os.environ, "CI": "true"})
    wall = time.monotonic() - started
    if proc.returncode != 0:
        print(proc.stderr[-3000:])
    head = "%-24s %-24s" % ("category", "benchmark")
    for v in versions:
        head += " | %5st×1/×1 %6s×2 %6st×2 %7st×2/×2" % (v, v, v, v)
    print(head)
    slower = collections.defaultdict(dict)
    independent = {}
    names = categories()
    for path in sorted(glob.glob(os.path.join(tmp, "suite.*.json"))):
        with open(path) as handle:
            report = json.load(handle)
        rows = {row["label"]: row for row in report["summary"]}
        name = report["benchmark"]
        line = "%-24s %-24s" % (names.get(name, "?"), name)
        for v in versions:
            one, one_t = rows.get(v + " ×1"), rows.get(v + "t ×1")
            two, two_t = rows.get(v + " ×2"), rows.get(v + "t ×2")
            if not all(mean(r) for r in (one, one_t, two, two_t)):
                line += " | %38s" % "incomplete"
                continue
            ratio = mean(two_t) / mean(two)
            line += " | %11.2f× %7.2f× %8.2f× %11.2f×" % (
                mean(one_t) / mean(one), two.get("speedup") or 0, two_t.get("speedup") or 0, ratio)
            if ratio > 1.1:
                slower[v][name] = ratio
            if name == INDEPENDENT:
                independent[v] = (two.get("speedup"), two_t.get("speedup"), mean(one_t) / mean(one))
        print(line)
    print()
    print("wall %.0f s, %s processes x 3 values per configuration" % (wall, processes))
    for v in versions:
        if v in independent:
            gil, ft, cost = independent[v]
            print("independent CPU work (%s) at 2 threads: %s %.2f×, %st %.2f× (one thread: %st costs %.2f× %s)"
                  % (INDEPENDENT, v, gil or 0, v, ft or 0, v, cost, v))
    for v in versions:
        by_category = collections.defaultdict(list)
        for name, ratio in sorted(slower[v].items()):
            by_category[names.get(name, "?")].append("%s %.2f×" % (name, ratio))
        print("%st more than 10 %% slower than %s at 2 threads (%d of %d benchmarks):"
              % (v, v, len(slower[v]), len(names)))
        for category, items in sorted(by_category.items()):
            print("  %-24s %s" % (category, ", ".join(items)))
    print("reports in", tmp)


if __name__ == "__main__":
    main()
