#!/usr/bin/env bash
# What an empty second engine is carried for one command: a second dockerd
# (as tests/engines.rs starts it, as root; own socket, data and exec roots,
# its own network namespace) beside the machine's, then
#
#   pybench-docker --engine main=… --engine second=… run gil --interpreters INTERPRETERS
#
# and the tool's own "carried N image(s), X GB, from main in S s" line, with
# the size of every release image for comparison (what a carry of them all
# would move). The machine's engine must hold the images (pybench-docker build).
#
#   bench/carry.sh ["3.14,3.14t"]
set -euo pipefail
cd "$(dirname "$0")/.."
interpreters=${1:-3.14,3.14t}
cargo build --quiet
bin=target/debug/pybench-docker
main=${DOCKER_HOST:-unix:///var/run/docker.sock}
dir=$(mktemp -d /tmp/pbd-carry-XXXX)
echo '{}' > "$dir/daemon.json"
unshare --net dockerd --config-file "$dir/daemon.json" \
  --data-root "$dir/data" --exec-root "$dir/x" --pidfile "$dir/dockerd.pid" \
  -H "unix://$dir/docker.sock" --bridge none --iptables=false --ip-masq=false \
  --storage-driver "$(docker info --format '{{.Driver}}')" >"$dir/dockerd.log" 2>&1 &
daemon=$!
stop() {
  kill -TERM "$daemon" 2>/dev/null || true
  wait "$daemon" 2>/dev/null || true
  rm -rf "$dir"
}
trap stop EXIT
for _ in $(seq 60); do
  docker -H "unix://$dir/docker.sock" version >/dev/null 2>&1 && break
  sleep 1
done
echo "== release images on main (a carry of them all would move these):"
for image in $(docker images --format '{{.Repository}}:{{.Tag}}' | grep -E '^pybench-docker/(pythons|builder):' | sort); do
  docker image inspect --format "  $image {{.Size}} bytes" "$image"
done
echo "== $bin run gil --interpreters $interpreters on main and an empty second engine"
"$bin" --engine "main=$main" --engine "second=unix://$dir/docker.sock" \
  run gil --interpreters "$interpreters" -n 15 --processes 2 --values 2 --min-time 0.02 \
  2>&1 >/dev/null | grep -E 'engine (main|second):|carried' || true
echo "== images on the second engine afterwards:"
docker -H "unix://$dir/docker.sock" images --format '  {{.Repository}}:{{.Tag}} {{.Size}}'
