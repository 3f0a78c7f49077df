#!/usr/bin/env bash
# The tail-calling interpreter (variant `c`, --with-tail-call-interp, clang 19)
# against stock on 3.14 (or 3.15.0rc2 with VERSION=3.15.0rc2): build time and
# image size, then `run gil`, `run jit` and a pyperformance subset, 3.14c
# against 3.14 (docs/measurements.md).
#
# It builds in an image namespace of its own (pybench-tc), so the default
# config's images keep their tags. The default namespace's base images are
# tagged into it first: a base's tag hashes its packages, suite and mirror,
# not the namespace, so the plan finds them, and 3.14's configure cache and
# stock build come from the layer cache. Only the tail-calling build compiles.
#
#   BIN=target/debug/pybench-docker bench/tailcall.sh   (from the project folder)
#   VERSION=3.15.0rc2 BIN=… bench/tailcall.sh           (3.15's release candidate;
#     its base, trixie with LLVM 21 from backports, is bootstrapped if missing)
set -euo pipefail
VERSION=${VERSION:-3.14.7}
case "$VERSION" in
  3.14.7) SHA=3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81 ;;
  3.15.0rc2) SHA=8d93af5eaaaea5adfd41bd786a7ba3f03f2ad1ab57c6a65e0b963deab91d5ad7 ;;
  *) echo "VERSION must be 3.14.7 or 3.15.0rc2 (the sources this script pins)" >&2; exit 2 ;;
esac
MINOR=${VERSION:0:4}
BIN=${BIN:-target/debug/pybench-docker}
OUT=${OUT:-/tmp/pybench-tailcall-$MINOR}
SOCK=${SOCK:-/var/run/docker.sock}
mkdir -p "$OUT"
api() { curl -sf --unix-socket "$SOCK" "$@"; }

cat > "$OUT/tailcall.yaml" <<YAML
# Laid over the built-in config: $VERSION stock and tail-calling, in their own namespace.
pythons:
  - version: $VERSION
    sha256: $SHA
    variants: [stock, c]
images:
  namespace: pybench-tc
benchmarks:
  baseline: "$MINOR"
YAML
export PYBENCH_DOCKER_CONFIG="$OUT/tailcall.yaml"

echo "== bases tagged into pybench-tc"
api http://localhost/images/json | python3 -c '
import json, sys
for image in json.load(sys.stdin):
    for tag in image.get("RepoTags") or []:
        if tag.startswith("pybench-docker/base:"):
            print(tag)' | while read -r tag; do
    api -X POST "http://localhost/images/${tag}/tag?repo=pybench-tc/base&tag=${tag#*:}" && echo "  $tag"
done

echo "== build ($(uptime))"
start=$(date +%s)
"$BIN" build --json "$OUT/build.json"
echo "build wall time: $(( $(date +%s) - start )) s; load after: $(uptime)"
python3 - "$OUT/build.json" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))
for s in summary["stages"]:
    print(f'  {s["stage"]:<28} {s["outcome"]:<12} {s["seconds"]:8.1f} s')
print("  CPU-seconds:", summary.get("cpu_seconds"))
PY

echo "== image sizes"
for image in "pybench-tc/cpython:$VERSION-stock-quick" "pybench-tc/cpython:$VERSION-c-quick" "pybench-tc/pythons:$VERSION"; do
    api "http://localhost/images/${image}/json" | python3 -c '
import json, sys
size = json.load(sys.stdin)["Size"]
print(f"  {sys.argv[1]:<40} {size / 1e6:8.1f} MB")' "$image"
    # The variant's own layer: its installed prefix (the last layers above the configure cache).
    api "http://localhost/images/${image}/history" | python3 -c '
import json, sys
h = json.load(sys.stdin)
big = [l for l in h if l["Size"] > 1e6][:1]
for layer in big:
    size, by = layer["Size"], layer["CreatedBy"][:70]
    print(f"    largest top layer {size / 1e6:8.1f} MB  {by}")' 
done

echo "== run gil ($(uptime))"
"$BIN" run gil --interpreters "$MINOR,${MINOR}c" --baseline "$MINOR" --processes 10 --json "$OUT/gil.json"
echo "== run jit ($(uptime))"
"$BIN" run jit --interpreters "$MINOR,${MINOR}c" --baseline "$MINOR" --processes 10 --json "$OUT/jit.json"
echo "== pyperformance ($(uptime))"
"$BIN" run pyperformance --interpreters "$MINOR,${MINOR}c" --baseline "$MINOR" \
    --benchmarks nbody,float,richards,chaos,deltablue,go,hexiom,raytrace,spectral_norm,unpack_sequence,json_dumps,regex_v8 \
    --processes 3 --json "$OUT/pyperformance.json" -- --processes 3 --values 3
echo "== done ($(uptime))"
python3 "$(dirname "$0")/tailcall_summary.py" "$OUT" "$MINOR" "${MINOR}c"
