#!/bin/sh
# A list of real packages checked twice (docs/measurements.md, "Many packages
# at once"): the first run checks everything (--no-cache), the second is served
# from the cache. Needs the network on the host (PyPI) and the default images.
set -eu
bin=${BIN:-target/release/pybench-docker}
out=${OUT:-/tmp/ext-list}
mkdir -p "$out"
start=$(date +%s)
"$bin" ext -r bench/ext_list.txt --no-cache --out "$out/wheels" --json "$out/first.json" \
    --markdown "$out/first.md" --fail-on crashes || true
mid=$(date +%s)
"$bin" ext -r bench/ext_list.txt --out "$out/wheels" --json "$out/second.json" \
    --since "$out/first.json" --fail-on crashes || true
end=$(date +%s)
echo "first run: $((mid - start)) s, second run: $((end - mid)) s"
