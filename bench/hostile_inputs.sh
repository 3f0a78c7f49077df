#!/usr/bin/env bash
# How long the binary takes to refuse hostile input (docs/security.md), and
# what an sdist bomb leaves on disk while it is refused:
#   bench/hostile_inputs.sh [BINARY]   (default: target/debug/pybench-docker)
# The deep YAML and the FIFO config need no daemon; the sdist bomb is
# unpacked after connecting, so that line needs DOCKER_HOST's daemon (no
# container is started). Each command is killed after 120 s.
set -euo pipefail
bin=$(realpath "${1:-target/debug/pybench-docker}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export NO_COLOR=1 CI=true XDG_CACHE_HOME="$work/cache"
unset PYBENCH_DOCKER_CONFIG

# Seconds a command takes, and how it ended (its exit code, or "killed").
timed() {
    local start end status
    start=$(date +%s.%N)
    set +e
    timeout 120 "$@" >"$work/out" 2>&1
    status=$?
    set -e
    end=$(date +%s.%N)
    [ "$status" = 124 ] && status=killed
    printf '%6.2fs  exit %-6s  %s\n' "$(echo "$end - $start" | bc)" "$status" \
        "$(grep -m1 -o 'error: .\{0,90\}' "$work/out" || true)"
}

python3 -c 'import sys; d=100000; sys.stdout.write("benchmarks: " + "["*d + "1" + "]"*d + "\n")' >"$work/deep.yaml"
echo "100,000-deep YAML config (no daemon):"
DOCKER_HOST=unix:///nope timed "$bin" --config "$work/deep.yaml" info

mkfifo "$work/fifo.yaml"
echo "a FIFO as the config (no daemon):"
DOCKER_HOST=unix:///nope timed "$bin" --config "$work/fifo.yaml" info

mkdir -p "$work/bomb-1.0"
head -c 600M /dev/zero >"$work/bomb-1.0/zeros"
tar -C "$work" -czf "$work/bomb-1.0.tar.gz" bomb-1.0
rm -rf "$work/bomb-1.0"
echo "an sdist of $(du -k "$work/bomb-1.0.tar.gz" | cut -f1) KiB holding 600 MiB of zeros (daemon):"
( set +e +o pipefail; while sleep 0.2; do du -sk "$work/cache" 2>/dev/null | cut -f1; done >"$work/du" ) &
watcher=$!
timed "$bin" ext "$work/bomb-1.0.tar.gz" --offline --out "$work/out-ext"
kill "$watcher" 2>/dev/null || true
echo "  the cache at its largest: $(sort -n "$work/du" | tail -1) KiB"
