#!/usr/bin/env python3
"""The suite's memory per extra thread, from a run's files.

    bench/memory_suite.py DIR/suite.json

Reads every DIR/suite.NAME.json that `run suite --threads 1,2,4 --json
DIR/suite.json` wrote, takes each file's `memory_per_thread` (the tool's own
least-squares slope per interpreter, with its 95 % interval) and prints, per
interpreter, the median over the benchmarks and their range, then each
benchmark's slope: what `run suite` prints at its end since this branch.
"""

import glob
import json
import os
import statistics
import sys


def main(path):
    stem = os.path.splitext(path)[0]
    slopes = {}
    rows = []
    for name in sorted(glob.glob(stem + ".*.json")):
        with open(name) as f:
            run = json.load(f)
        for s in run.get("memory_per_thread", []):
            slopes.setdefault(s["interpreter"], []).append(s["slope"])
            rows.append((run["benchmark"], s))
    kib = lambda b: f"{b / 1024:+.1f}"
    print(f"memory per extra thread over {len({r[0] for r in rows})} benchmarks (KiB):")
    for interp, xs in slopes.items():
        print(f"  {interp}: median {kib(statistics.median(xs))} "
              f"(range {kib(min(xs))} … {kib(max(xs))}, {len(xs)} benchmarks)")
    print()
    for bench, s in rows:
        ci = (f" [{kib(s['low'])}, {kib(s['high'])}]" if s.get("low") is not None else "")
        print(f"  {bench:40} {s['interpreter']:6} {kib(s['slope'])}{ci}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
