#!/usr/bin/env python3
"""Per-benchmark and geometric-mean ratios of a build to the baseline in a
`run pyperformance` folder, each with a 95 % interval: paired by round (the
two containers of one round run moments apart), the log ratio's mean ± t·s/√n.

    bench/tailcall_summary.py /tmp/pybench-tailcall 3.14 3.14c
"""
import glob
import json
import math
import statistics
import sys

# Two-sided 95 % quantiles of Student's t for small samples.
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def interval(logs):
    m = statistics.mean(logs)
    if len(logs) < 2:
        return math.exp(m), float("nan"), float("nan")
    h = T95.get(len(logs) - 1, 1.96) * statistics.stdev(logs) / math.sqrt(len(logs))
    return math.exp(m), math.exp(m - h), math.exp(m + h)


def rounds(row):
    return [s["seconds"] for s in row["samples"] if not s.get("warmup")]


def main(folder, base, other):
    per_round = []
    print(f"{'benchmark':<18} {other}/{base} [95% CI]")
    for path in sorted(glob.glob(f"{folder}/pyperformance.*.json")):
        report = json.load(open(path))
        rows = {r["interpreter"]: r for r in report["rows"]}
        a, b = rounds(rows[base]), rounds(rows[other])
        logs = [math.log(y / x) for x, y in zip(a, b)]
        per_round.append(logs)
        r, lo, hi = interval(logs)
        name = report["benchmark"].split(":", 1)[1]
        print(f"{name:<18} {r:.2f}× [{lo:.2f}–{hi:.2f}]")
    n = min(len(l) for l in per_round)
    geo = [statistics.mean(l[i] for l in per_round) for i in range(n)]
    r, lo, hi = interval(geo)
    print(f"{'geometric mean':<18} {r:.3f}× [{lo:.3f}–{hi:.3f}] ({n} rounds, {len(per_round)} benchmarks)")


if __name__ == "__main__":
    main(*sys.argv[1:4])
