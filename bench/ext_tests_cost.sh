#!/usr/bin/env bash
# What `ext --tests` costs: each test package (tests/packages/racy and
# race_free) checked on every build of the default config, without and with
# --tests, offline from target/wheelhouse (run .ci/setup first), images built.
# Prints wall seconds per run, the difference, and the load before each run.
#
#   bench/ext_tests_cost.sh [THREADS]     (--parallel-threads, default 8)
#
# The runs are sequential and start from the same image cache; a package's
# builds run as many at a time as the engine has CPUs, so on a loaded machine
# the figures move with the load: read them with the load printed beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-8}
bin=target/debug/pybench-docker
[ -x "$bin" ] || cargo build --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-10s %-22s %8s %s\n' package run seconds "load (1 min) before"
for package in racy race_free; do
  declare -A took=()
  for mode in plain tests; do
    extra=()
    [ "$mode" = tests ] && extra=(--tests --parallel-threads "$threads")
    load=$(cut -d' ' -f1 /proc/loadavg)
    start=$(date +%s.%N)
    "$bin" ext "tests/packages/$package" --offline --wheelhouse target/wheelhouse \
      --out "$tmp/$package-$mode" --json "$tmp/$package-$mode.json" "${extra[@]}" \
      >"$tmp/$package-$mode.log" 2>&1 || true
    took[$mode]=$(echo "$(date +%s.%N) - $start" | bc)
    printf '%-10s %-22s %8.1f %s\n' "$package" "$mode${extra:+ (--tests, $threads thr)}" "${took[$mode]}" "$load"
  done
  printf '%-10s %-22s %8.1f\n' "$package" "cost of --tests" "$(echo "${took[tests]} - ${took[plain]}" | bc)"
  # pytest's own seconds per build, plain and parallel (reruns included in the wall time).
  python3 - "$tmp/$package-tests.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for r in doc["results"]:
    t = r.get("tests")
    if t:
        print("  %-6s %-18s plain %.2f s, %d threads %.2f s" % (
            r["interpreter"], r["readiness"], t["plain"]["seconds"], t["parallel"]["threads"],
            t["parallel"]["seconds"]))
PY
done
