#!/usr/bin/env python3
"""Time beside instructions and estimated cycles: the table of docs/measurements.md.

For each benchmark and each build against its baseline (3.14t/3.14,
3.14j/3.14): the time ratio with its 95 % interval, the instruction ratio,
the estimated-cycles ratio (Callgrind's cache model) and how far time is from
the count (time ratio / instruction ratio − 1: what a count misses), from
pairs of result files written by `pybench-docker run --json`:

    bench/measurements_table.py TIMED.json COUNTED.json [TIMED.json COUNTED.json ...]

(``-`` for TIMED.json: the counts alone.)

A pyperformance run's file is read with its per-benchmark files beside it
(`RUN.NAME.json`, which `run --json RUN.json` writes). With `--run`, the
pyperformance pair is measured first (it takes minutes under Callgrind):

    bench/measurements_table.py --run DIR [--benchmarks a,b] [--processes N]

Prints Markdown; nothing here is a test.
"""

import argparse
import glob
import json
import math
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("PYBENCH_BIN", os.path.join(ROOT, "target", "debug", "pybench-docker"))
SUBSET = "float,richards,deltablue,hexiom,json_dumps,unpack_sequence"
INTERPRETERS = "3.14,3.14t,3.14j"


def load(path):
    with open(path) as handle:
        return json.load(handle)


def parts(path):
    """(name, report) of a run: its per-benchmark files when it has them, else itself."""
    stem = path[:-len(".json")]
    members = sorted(p for p in glob.glob(glob.escape(stem) + ".*.json"))
    if not members:
        report = load(path)
        return [(report["benchmark"], report)]
    return [(p[len(stem) + 1:-len(".json")], load(p)) for p in members]


def comparisons(report):
    """interpreter -> the run's own comparison of its row with the baseline."""
    return {row["interpreter"]: row.get("comparison") or {} for row in report["summary"]}


def cycles_ratios(report):
    """interpreter -> mean estimated cycles per loop / the baseline's (no interval: counts)."""
    means = {}
    for row in report["rows"]:
        per_process = [statistics.mean(s["cycles"]) for s in row["samples"]
                       if not s["warmup"] and s.get("cycles")]
        if per_process:
            means[row["interpreter"]] = statistics.mean(per_process)
    base = means.get(report["baseline"])
    return {k: v / base for k, v in means.items()} if base else {}


def table(pairs):
    lines = ["| benchmark | build | time ratio [95 %] | instructions | est. cycles (model) | "
             "time ÷ instructions |", "|---|---|---|---|---|---|"]
    gaps = {}
    for timed_path, counted_path in pairs:
        # "-" for TIMED: the counts alone (time measured elsewhere).
        timed = dict(parts(timed_path)) if timed_path != "-" else {}
        for name, counted in parts(counted_path):
            t, c, cy = comparisons(timed.get(name, {"summary": []})), comparisons(counted), \
                cycles_ratios(counted)
            for build in sorted(c):
                if build == counted["baseline"] or not c[build].get("ratio"):
                    continue
                tc = t.get(build) or {}
                time_text, gap_text = "—", "—"
                if tc.get("ratio"):
                    gap = tc["ratio"] / c[build]["ratio"]
                    gaps.setdefault(build, []).append(gap)
                    time_text = "%.3f [%.3f–%.3f] %s" % (tc["ratio"], tc["ci_low"],
                                                         tc["ci_high"], tc["verdict"])
                    gap_text = "%+.1f %%" % (100 * (gap - 1))
                lines.append("| %s | %s/%s | %s | %.4f | %s | %s |" % (
                    name, build, counted["baseline"], time_text, c[build]["ratio"],
                    "%.4f" % cy[build] if build in cy else "—", gap_text))
    if gaps:
        lines.append("")
    for build, gs in sorted(gaps.items()):
        geo = math.exp(statistics.mean(math.log(g) for g in gs))
        lines.append("%s: time ÷ instructions, geometric mean over %d benchmarks: %+.1f %%"
                     % (build, len(gs), 100 * (geo - 1)))
    return "\n".join(lines)


def run(args, out):
    started = time.monotonic()
    proc = subprocess.run([BIN, "run", *args, "--json", out], capture_output=True, text=True,
                          env={**os.environ, "CI": "true", "NO_COLOR": "1"})
    with open(out[:-len(".json")] + ".txt", "w") as handle:  # the tables, as printed
        handle.write("$ pybench-docker run %s --json %s\n" % (" ".join(args), out))
        handle.write(proc.stdout + proc.stderr)
    if proc.returncode not in (0, 1):
        sys.exit("run %s failed (%d):\n%s" % (args, proc.returncode, proc.stderr[-3000:]))
    print("`run %s`: %.0f s, load %.1f" % (" ".join(args), time.monotonic() - started,
                                           os.getloadavg()[0]), file=sys.stderr, flush=True)


def measure_pyperformance(folder, benchmarks, processes):
    os.makedirs(folder, exist_ok=True)
    common = ["pyperformance", "--benchmarks", benchmarks, "--interpreters", INTERPRETERS,
              "--processes", str(processes)]
    counted = os.path.join(folder, "pyperformance-instructions.json")
    timed = os.path.join(folder, "pyperformance-time.json")
    run([*common, "--measure", "instructions", "--", "--values", "1", "--warmups", "1"], counted)
    run([*common, "--", "--processes", "2", "--values", "3", "--warmups", "1"], timed)
    return timed, counted


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", help="TIMED.json COUNTED.json pairs")
    parser.add_argument("--run", metavar="DIR", help="measure pyperformance first, into DIR")
    parser.add_argument("--benchmarks", default=SUBSET)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    if len(args.files) % 2:
        parser.error("give result files in pairs: TIMED.json COUNTED.json")
    pairs = list(zip(args.files[::2], args.files[1::2]))
    if args.run:
        pairs.append(measure_pyperformance(args.run, args.benchmarks, args.processes))
    print(table(pairs))


if __name__ == "__main__":
    main()
