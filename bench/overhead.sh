#!/usr/bin/env bash
# The tool's own overhead per container, next to a bare `docker run --rm`.
#
#   bench/overhead.sh [RUNS]        (images must be built: pybench-docker build)
#
# For each, overhead = wall time - the time the benchmark measured inside the
# container, divided by the number of containers. The docker CLI appears here
# only as the yardstick; the tool itself never uses it.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
bin=target/release/pybench-docker
cargo build --release --quiet
image=$(grep -m1 -o 'version: [0-9.a-z]*' config.yaml | cut -d' ' -f2)
image="pybench-docker/pythons:$image"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

# 1. pybench-docker: one `run` with $runs measured containers (plus its start-up:
#    config, daemon handshake, image freshness check, report).
t0=$(now)
CI=true "$bin" run gil -n 20 --threads 1 --repeat "$runs" --interpreters 3.13 \
  --json "$tmp/r.json" >/dev/null 2>&1
t1=$(now)
inside=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(sum(s['seconds'] for row in r['rows'] for s in row['samples']))" "$tmp/r.json")

# 2. docker run --rm of the same command, $runs times, same restrictions.
docker_inside=0
t2=$(now)
for _ in $(seq "$runs"); do
  line=$(docker run --rm --network none --read-only --tmpfs /tmp --cap-drop ALL \
    --security-opt no-new-privileges --user 1000:1000 \
    -v "$PWD/benchmarks:/app:ro" -w /app "$image" \
    python3.13 gil.py -n 20 --threads 1 | grep '^PYBENCH_RESULT')
  s=$(python3 -c "import json,sys; print(json.loads(sys.argv[1].split(' ',1)[1])['seconds'])" "$line")
  docker_inside=$(python3 -c "print($docker_inside + $s)")
done
t3=$(now)

python3 - "$runs" "$t0" "$t1" "$inside" "$t2" "$t3" "$docker_inside" <<'PY'
import sys
runs = int(sys.argv[1])
t0, t1, inside, t2, t3, dinside = map(float, sys.argv[2:])
tool = (t1 - t0 - inside) / runs
bare = (t3 - t2 - dinside) / runs
print(f"containers per method : {runs}")
print(f"pybench-docker run    : wall {t1 - t0:7.2f} s, in-container {inside:6.2f} s, overhead {tool * 1000:6.0f} ms/container")
print(f"docker run --rm       : wall {t3 - t2:7.2f} s, in-container {dinside:6.2f} s, overhead {bare * 1000:6.0f} ms/container")
print(f"difference            : {(tool - bare) * 1000:+.0f} ms/container")
PY
