#!/usr/bin/env bash
# Per CPython version: the free-threaded build's single-thread cost and the
# JIT's effect, each against the stock build of the same version, with the
# instrument's 95% interval and verdict.
#
#   bench/versions.sh [CONFIG] [PROCESSES]
#
# CONFIG defaults to the built-in one (3.13 and 3.14); give a config with
# 3.15.0rc2 uncommented to add it. Every version's builds must exist
# (pybench-docker --config CONFIG build). Prints one line per comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/pybench-docker
cargo build --release --quiet
config=${1:-}
processes=${2:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
args=()
[ -n "$config" ] && args=(--config "$config")
if [ -n "$config" ]; then
  "$bin" "${args[@]}" config >/dev/null # checks the file before minutes are spent
  versions=$(grep -oE '^  - version: [0-9]+\.[0-9]+' "$config" | awk '{print $3}')
else
  versions=$("$bin" config | grep -oE '^  - version: [0-9]+\.[0-9]+' | awk '{print $3}')
fi

# Runs the tool; a configuration the config does not have is skipped, any
# other failure stops the script with the tool's message.
measure() {
  if ! CI=true "$bin" "${args[@]}" "$@" >/dev/null 2>"$tmp/err"; then
    grep -q "unknown interpreter" "$tmp/err" && return 1
    cat "$tmp/err" >&2
    exit 1
  fi
}

# summary row of `label` in report `file`: ratio [low–high], p, verdict
row() {
  python3 - "$1" "$2" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
for s in r["summary"]:
    if s["label"] == sys.argv[2]:
        c = s["comparison"]
        print(f'{c["ratio"]:.3f}x [{c["ci_low"]:.3f}-{c["ci_high"]:.3f}]  p={c["p_value"]:.3g}  {c["verdict"]}')
        break
else:
    print("no row", sys.argv[2])
EOF
}

printf '%-8s %-34s %s\n' version comparison "ratio to stock [95% CI], p, verdict"
for v in $versions; do
  # Free threading, one thread: gil.py's fib(25).
  for build in "${v}t" "${v}tj"; do
    measure run gil --threads 1 --processes "$processes" \
      --interpreters "$v,$build" --baseline "$v" --json "$tmp/ft.json" || continue
    printf '%-8s %-34s %s\n' "$v" "$build, 1 thread (gil)" "$(row "$tmp/ft.json" "$build ×1")"
  done
  # The JIT: jit.py's small-int fib loop.
  for build in "${v}j" "${v}tj"; do
    measure run jit --processes "$processes" \
      --interpreters "$v,$build" --baseline "$v" --json "$tmp/jit.json" || continue
    printf '%-8s %-34s %s\n' "$v" "$build (jit)" "$(row "$tmp/jit.json" "$build")"
  done
done
