#!/usr/bin/env python3
"""A/A for memory: the same configuration against itself, within one run.

    bench/memory_aa.py RUN.json OUT.json

`run` names each configuration once, so one configuration cannot be measured
"twice" under two names. Its processes can be split instead: every row of
RUN.json becomes "NAME A" (rounds 1, 3, 5, ...) and "NAME B" (rounds 2, 4,
6, ...), B's baseline being A. Rounds are interleaved across configurations
and moments apart, so round 2k+1 against round 2k+2 is the pairing `run`
itself makes between two configurations. The statistics are then the tool's
own: `pybench-docker report OUT.json --markdown FILE` prints the memory
table with B / A, its 95 % interval and its status. Nothing is recomputed
here; the file is only reshaped.
"""

import json
import sys


def split(run):
    rows = []
    for row in run["rows"]:
        measured = [s for s in row["samples"] if not s["warmup"]]
        pairs = len(measured) // 2
        for side, start in (("A", 0), ("B", 1)):
            half = dict(row)
            half["interpreter"] = f"{row['interpreter']} {side}"
            half["samples"] = measured[start:2 * pairs:2]
            half["baseline"] = f"{row['interpreter']} A"
            rows.append(half)
    out = dict(run)
    out["rows"] = rows
    out["baseline"] = "per-version"
    out["repeat"] = max((len(r["samples"]) for r in rows), default=0)
    out["warmup"] = 0
    out.pop("summary", None)
    out.pop("memory_per_thread", None)
    return out


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    with open(argv[1]) as f:
        run = json.load(f)
    with open(argv[2], "w") as f:
        json.dump(split(run), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv)
