#!/usr/bin/env bash
# Build speed: the tutorial's chained Dockerfile (bench/chained.Dockerfile)
# against `pybench-docker build`, for one version's three variants, on the same
# builder base, both cold. Prints wall time, CPU-seconds and the ratios.
#
#   bench/build_speed.sh            (run `pybench-docker build` once first, for the bases)
#
# CPU-seconds are the machine's busy time from /proc/stat (user, nice, system,
# irq, softirq, steal) over the build: the daemon, fuse-overlayfs and the
# compilers all count. Keep the machine otherwise idle while it runs. The docker
# CLI builds the comparison file only; the tool itself never uses it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/pybench-docker
cargo build --release --quiet
version=$(grep -m1 -o 'version: [0-9.a-z]*' config.yaml | cut -d' ' -f2)
. bench/inputs.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
# Steal: time the VM wanted a CPU and the host gave it to another guest. It is
# in the busy time (the build waited for it), and printed apart, because it
# moves with the host's load, not with the build's work.
steal() { awk '/^cpu /{print $9}' /proc/stat; }
hz=$(getconf CLK_TCK)
now() { date +%s.%N; }

# Per-second samples of busy ticks, so a phase inside a build can be cut out.
sample_cpu() { while :; do echo "$(now) $(busy) $(steal)"; sleep 1; done; }

echo "== chained build (tutorial style) on $base"
cp "$tarball" "$tmp/Python.tar.xz"
cp bench/chained.Dockerfile "$tmp/Dockerfile"
docker rmi -f pybench-bench/chained >/dev/null 2>&1 || true
c0=$(busy); s0=$(steal); t0=$(now)
DOCKER_BUILDKIT=0 docker build --quiet --no-cache --build-arg "BUILDER_BASE=$base" \
  --build-arg "PYTHON_VERSION=$version" -t pybench-bench/chained "$tmp" >"$tmp/chained.log"
t1=$(now); c1=$(busy); s1=$(steal)
docker rmi -f pybench-bench/chained >/dev/null
chained_wall=$(python3 -c "print($t1 - $t0)")
chained_cpu=$(python3 -c "print(($c1 - $c0) / $hz)")
chained_steal=$(python3 -c "print(($s1 - $s0) / $hz)")

echo "== pybench-docker build, variant images and configure cache removed"
for v in stock t j configure-cache; do docker rmi -f "pybench-docker/cpython:$version-$v-quick" >/dev/null 2>&1 || true; done
sample_cpu >"$tmp/cpu.log" & sampler=$!
t0=$(now)
CI=true "$bin" build --json "$tmp/build.json" >"$tmp/build.log" 2>&1
t1=$(now)
kill $sampler
ours_wall=$(python3 -c "print($t1 - $t0)")

# The variant phase: after the bases and the source (so the configure cache,
# built first, counts), before the release images (built together at the
# end, so their phase is the longest of them).
python3 - "$tmp/build.json" "$tmp/cpu.log" "$t0" "$hz" "$chained_wall" "$chained_cpu" "$ours_wall" "$chained_steal" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))
samples = [tuple(map(float, l.split())) for l in open(sys.argv[2]) if l.strip()]
t0, hz = float(sys.argv[3]), float(sys.argv[4])
chained_wall, chained_cpu, ours_wall, chained_steal = map(float, sys.argv[5:9])
before = sum(s["seconds"] for s in summary["stages"] if s["stage"].startswith(("base ", "source ")))
releases = max(s["seconds"] for s in summary["stages"] if s["stage"].startswith(("pythons ", "builder ")))
start, end = t0 + before, t0 + ours_wall - releases
def at(t):
    return min(samples, key=lambda s: abs(s[0] - t))
variant_cpu = (at(end)[1] - at(start)[1]) / hz
variant_steal = (at(end)[2] - at(start)[2]) / hz
total_cpu = (samples[-1][1] - samples[0][1]) / hz
total_steal = (samples[-1][2] - samples[0][2]) / hz
variant_wall = end - start
print()
print("%-44s %9s %12s %10s" % ("", "wall", "CPU-seconds", "of it steal"))
print("%-44s %8.0fs %12.0f %10.0f" % ("chained (tutorial), three variants", chained_wall, chained_cpu, chained_steal))
print("%-44s %8.0fs %12.0f %10.0f" % ("pybench-docker, three variants (concurrent)", variant_wall, variant_cpu, variant_steal))
print("%-44s %8.0fs %12.0f %10.0f" % ("pybench-docker, whole build incl. images", ours_wall, total_cpu, total_steal))
print()
print("variants: wall %.2fx, CPU %.2fx of the chained build" % (variant_wall / chained_wall, variant_cpu / chained_cpu))
print("per stage:", ", ".join("%s %s %.0fs" % (s["stage"], s["outcome"], s["seconds"]) for s in summary["stages"]))
PY
