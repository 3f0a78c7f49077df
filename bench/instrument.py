#!/usr/bin/env python3
"""How far the measuring instrument can be trusted, on this machine.

For the default `run gil` and `run jit` it prints:
  * the wall time of one run and the 95 % CI half-width of every ratio;
  * an A/A check: the same configurations measured in K separate runs, each
    consecutive pair compared with `pybench-docker compare`; every significant
    difference found there is a false positive (target: at most 1 in 20);
  * a real difference: 3.13t against 3.13t -X gil=1 at 2 threads must be
    reported as significant.

    bench/instrument.py [K]        (default K=3; images must be built)

Nothing here is a timed test: it prints figures, recorded in docs/instrument.md.
"""

import json
import os
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
    with open(out) as handle:
        return wall, json.load(handle)


def compare(a, b, out):
    """`pybench-docker compare A B`: the verdict rows."""
    proc = subprocess.run([BIN, "compare", a, b, "--json", out], capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit("compare failed (%d):\n%s" % (proc.returncode, proc.stderr[-2000:]))
    with open(out) as handle:
        return json.load(handle)["rows"]


def half_widths(report):
    """CI half-width of each ratio, in % of the ratio."""
    out = []
    for row in report["summary"]:
        c = row.get("comparison") or {}
        if c.get("ci_low") is not None and c.get("verdict") != "baseline":
            out.append((row["label"], 100 * (c["ci_high"] - c["ci_low"]) / 2 / c["ratio"]))
    return out


def main():
    k = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="pybench-instrument-")
    tests = false_positives = 0
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
                     ", ".join("%s ±%.1f%%" % (label, w) for label, w in widths), worst))
        for a, b in zip(files, files[1:]):
            rows = compare(a, b, os.path.join(tmp, "cmp.json"))
            for row in rows:
                tests += 1
                if row["significant"]:
                    false_positives += 1
                    print("  A/A false positive: %s %s ratio %.3f p=%.4f"
                          % (name, row["label"], row["ratio"], row["p_value"]))
    print()
    print("A/A: %d comparisons of a configuration with itself, %d reported a significant difference (%.1f %%; target <= 5 %%)"
          % (tests, false_positives, 100.0 * false_positives / max(tests, 1)))
    path = os.path.join(tmp, "real.json")
    wall, report = run(["gil", "--threads", "2", "--interpreters", "3.13t,3.13t -X gil=1",
                        "--baseline", "3.13t"], path)
    for row in report["summary"]:
        c = row.get("comparison") or {}
        if row["label"] == "3.13t -X gil=1 ×2":
            print("real difference: 3.13t -X gil=1 vs 3.13t at 2 threads: ratio %.2f [%.2f, %.2f], p=%.2g, %s (%.0f s)"
                  % (c["ratio"], c["ci_low"], c["ci_high"], c["p_value"], c["verdict"], wall))


if __name__ == "__main__":
    main()
