#!/usr/bin/env python3
"""How far the measuring instrument can be trusted, on this machine.

For the default `run gil` and `run jit` it prints:
  * the wall time of one run and the 95 % CI half-width of every ratio;
  * an A/A check: the same configurations measured in K separate runs and
    compared with `pybench-docker compare`, first run against run (each
    consecutive pair), then folder against folder (every split of the K runs
    into two halves, each half a side); every significant difference found
    there is a false positive (target: at most 1 in 20);
  * a real difference: 3.13t against 3.13t -X gil=1 at 2 threads must be
    reported as significant.

    bench/instrument.py [K]           (default K=4; images must be built)
    bench/instrument.py --again DIR   (the A/A comparisons again, on the runs kept in DIR)

Nothing here is a timed test: it prints figures, recorded in docs/instrument.md.
"""

import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "pybench-docker")


def run(args, out):
    """One `pybench-docker run`; returns (wall seconds, report dict)."""
    started = time.monotonic()
    proc = subprocess.run([BIN, "run", *args, "--json", out], capture_output=True, text=True,
                          env={**os.environ, "CI": "true"})
    wall = time.monotonic() - started
    if proc.returncode not in (0, 1):
        sys.exit("run %s failed (%d):\n%s" % (args, proc.returncode, proc.stderr[-2000:]))
    with open(out[:-len(".json")] + ".txt", "w") as handle:  # the table, as printed
        handle.write(proc.stdout + proc.stderr)
    with open(out) as handle:
        return wall, json.load(handle)


def compare(a, b, out):
    """`pybench-docker compare A B`: the verdict rows."""
    proc = subprocess.run([BIN, "compare", a, b, "--json", out], capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit("compare failed (%d):\n%s" % (proc.returncode, proc.stderr[-2000:]))
    with open(out) as handle:  # one benchmark: the first of "benchmarks"
        return json.load(handle)["benchmarks"][0]["rows"]


def half_widths(report):
    """CI half-width of each ratio, in % of the ratio."""
    out = []
    for row in report["summary"]:
        c = row.get("comparison") or {}
        if c.get("ci_low") is not None and c.get("verdict") != "baseline":
            out.append((row["label"], 100 * (c["ci_high"] - c["ci_low"]) / 2 / c["ratio"]))
    return out


def halves(files):
    """Every split of the runs into two equal halves, each split once (an odd last run is left out)."""
    if len(files) < 2:
        return
    k = len(files) // 2 * 2
    first, rest = files[0], files[1:k]
    for others in itertools.combinations(rest, k // 2 - 1):
        yield [first, *others], [f for f in rest if f not in others]


def folder(tmp, name, files):
    """A folder holding links to `files`: one side of a folder comparison."""
    path = os.path.join(tmp, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    for f in files:
        os.symlink(f, os.path.join(path, os.path.basename(f)))
    return path


def aa(files_by_bench, tmp, by_folders):
    """A/A: each run against the next, or half of the runs against the other half."""
    tests = false_verdicts = significant = sides = 0
    for name, files in files_by_bench:
        pairs = list(halves(files)) if by_folders else [([a], [b]) for a, b in zip(files, files[1:])]
        for a, b in pairs:
            sides += 1
            if by_folders:
                a_path, b_path = folder(tmp, "side-a", a), folder(tmp, "side-b", b)
            else:
                a_path, b_path = a[0], b[0]
            for row in compare(a_path, b_path, os.path.join(tmp, "cmp.json")):
                if row.get("ratio") is None:
                    continue
                tests += 1
                significant += bool(row["significant"])
                if row.get("verdict") in ("improved", "degraded"):
                    false_verdicts += 1
                    print("  A/A false verdict: %s %s ratio %.3f [%.3f, %.3f] p=%.4f %s (%s)"
                          % (name, row["label"], row["ratio"], row["ci_low"], row["ci_high"],
                             row["p_value"], row["verdict"], row["unit"]))
    what = ("folder against folder (%d splits of the runs into halves; splits share runs, so "
            "the comparisons are not independent)" % sides if by_folders
            else "run against the next run (%d pairs)" % sides)
    print("A/A, %s: %d comparisons of a configuration with itself: %d with p < 0.05 (%.1f %%), "
          "%d with a verdict of improved or degraded (%.1f %%; target <= 5 %%)"
          % (what, tests, significant, 100.0 * significant / max(tests, 1),
             false_verdicts, 100.0 * false_verdicts / max(tests, 1)), flush=True)


def real_difference(tmp):
    path = os.path.join(tmp, "real.json")
    wall, report = run(["gil", "--threads", "2", "--interpreters", "3.13t,3.13t -X gil=1",
                        "--baseline", "3.13t"], path)
    for row in report["summary"]:
        c = row.get("comparison") or {}
        if row["label"] == "3.13t -X gil=1 ×2":
            print("real difference: 3.13t -X gil=1 vs 3.13t at 2 threads: ratio %.2f [%.2f, %.2f], p=%.2g, %s (%.0f s)"
                  % (c["ratio"], c["ci_low"], c["ci_high"], c["p_value"], c["verdict"], wall))


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--again":
        tmp = sys.argv[2]
        runs = [(n, sorted(os.path.join(tmp, f) for f in os.listdir(tmp)
                           if f.startswith(n + "-") and f[len(n) + 1:-5].isdigit()))
                for n in ("gil", "jit")]
        aa(runs, tmp, by_folders=False)
        aa(runs, tmp, by_folders=True)
        return
    k = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="pybench-instrument-")
    runs = []
    for bench in (["gil"], ["jit"]):
        name = bench[0]
        files = []
        for i in range(k):
            path = os.path.join(tmp, "%s-%d.json" % (name, i))
            wall, report = run(bench, path)
            files.append(path)
            widths = half_widths(report)
            worst = max(w for _, w in widths) if widths else float("nan")
            print("run %-4s #%d: %4.0f s wall, %d processes x %s values; CI half-width of the ratios: %s (worst %.1f %%)"
                  % (name, i + 1, wall, report["repeat"], report.get("values", "?"),
                     ", ".join("%s ±%.1f%%" % (label, w) for label, w in widths), worst), flush=True)
        runs.append((name, files))
    print()
    aa(runs, tmp, by_folders=False)
    aa(runs, tmp, by_folders=True)
    real_difference(tmp)
    print("runs kept in", tmp)


if __name__ == "__main__":
    main()
