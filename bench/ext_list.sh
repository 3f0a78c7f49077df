#!/bin/sh
# A list of real packages checked twice (docs/measurements.md, "Many packages
# at once"): the first run checks everything (--no-cache), the second is served
# from the cache. Needs the network on the host (PyPI, crates.io) and the
# default images; the builds are 3.14 and 3.14t (INTERPRETERS to change them).
set -eu
bin=${BIN:-target/release/pybench-docker}
out=${OUT:-/tmp/ext-list}
interpreters=${INTERPRETERS:-3.14,3.14t}
mkdir -p "$out"
start=$(date +%s)
"$bin" ext -r bench/ext_list.txt --interpreters "$interpreters" --no-cache --out "$out/wheels" --json "$out/first.json" \
    --markdown "$out/first.md" --fail-on crashes || true
mid=$(date +%s)
"$bin" ext -r bench/ext_list.txt --interpreters "$interpreters" --out "$out/wheels" --json "$out/second.json" \
    --since "$out/first.json" --fail-on crashes || true
end=$(date +%s)
echo "first run: $((mid - start)) s, second run: $((end - mid)) s"
