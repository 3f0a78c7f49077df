#!/usr/bin/env python3
"""How wide the speed-up intervals of `run ftscalingbench` came out.

    python3 bench/ftscaling_widths.py RUN.json [RUN.json ...]

For each run file (`--json`; its per-pattern files `RUN.PATTERN.json` are
read from beside it), per configuration at N threads: the median over the
patterns of high/low of the speed-up's 95% interval, and how many patterns
have each status. Used in docs/measurements.md to compare two schedules.
"""

import glob
import json
import os
import statistics
import sys


def parts(run):
    stem = run[: -len(".json")]
    return sorted(p for p in glob.glob(glob.escape(stem) + ".*.json") if p != run)


def main(runs):
    for run in runs:
        widths, statuses = {}, {}
        for path in parts(run):
            with open(path) as handle:
                summary = json.load(handle)["summary"]
            for row in summary:
                if row.get("speedup_ci"):
                    low, high = row["speedup_ci"]
                    widths.setdefault(row["label"], []).append(high / low)
                    counts = statuses.setdefault(row["label"], {})
                    counts[row.get("scaling")] = counts.get(row.get("scaling"), 0) + 1
        print(os.path.basename(os.path.dirname(os.path.abspath(run))) + "/" + os.path.basename(run))
        for label, ws in widths.items():
            print("  %-18s median high/low %.2f over %d patterns; %s" % (
                label, statistics.median(ws), len(ws),
                ", ".join("%s %d" % (k, v) for k, v in sorted(statuses[label].items()))))
        every = [w for ws in widths.values() for w in ws]
        if every:
            print("  all: median high/low %.2f" % statistics.median(every))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
