#!/usr/bin/env bash
# Is configure's shared cache faithful? For one release, builds the
# configure-cache stage of dockerfiles/cpython.Dockerfile exactly as
# `pybench-docker build` does, then configures every variant twice in a
# container from it, fresh and from the cache, and compares what configure
# generates (pyconfig.h, Makefile, the module setup files, python-config and
# every substituted value). Prints the time of each and any difference.
#
#   bench/configure_cache.sh VERSION [VARIANT_FLAGS...]
#   bench/configure_cache.sh 3.13.15
#   bench/configure_cache.sh 3.15.0rc2 "" --disable-gil --enable-experimental-jit \
#       "--disable-gil --enable-experimental-jit"
#
# Needs the release's builder base and verified tarball (`pybench-docker build`
# once). The docker CLI builds the comparison only; the tool never uses it.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: bench/configure_cache.sh VERSION [VARIANT_FLAGS...]}
shift
flags=("$@")
[ ${#flags[@]} -gt 0 ] || flags=("" "--disable-gil" "--enable-experimental-jit")
. bench/inputs.sh
tmp=$(mktemp -d)
image=pybench-bench/configure-cache:$version
trap 'rm -rf "$tmp"; docker rmi -f "$image" >/dev/null 2>&1 || true' EXIT

cp "$tarball" "$tmp/source.tar"
cp dockerfiles/cpython.Dockerfile "$tmp/Dockerfile"
sha=$(sha256sum "$tarball" | cut -d' ' -f1)
echo "== configure-cache stage of $version on $base"
DOCKER_BUILDKIT=0 docker build --quiet --target configure-cache --build-arg "BUILDER_BASE=$base" \
  --build-arg "PYTHON_SHA256=$sha" --build-arg "PROFILE_FLAGS=" -t "$image" "$tmp" >/dev/null

cat >"$tmp/compare.sh" <<'SH'
set -eu
TIMEFORMAT="%R s wall, %U+%S CPU-s"
common="--build=$(dpkg-architecture --query DEB_BUILD_GNU_TYPE) --enable-option-checking=fatal --enable-loadable-sqlite-extensions --without-ensurepip"
differs=0
for flags in "$@"; do
  for how in fresh cached; do
    rm -rf /tmp/$how; mkdir -p /tmp/$how
    tar --extract --file /usr/src/source.tar --directory /tmp/$how --strip-components=1
    cache=""
    if [ $how = cached ]; then cp /usr/src/config.cache /tmp/config.cache; cache=--cache-file=/tmp/config.cache; fi
    cd /tmp/$how
    printf '%-48s %-7s' "configure ${flags:-(stock)}" "$how"
    { time ./configure $cache $common --prefix=/opt/python/x $flags >/dev/null 2>&1; } 2>&1
    cd /
  done
  for f in pyconfig.h Makefile Modules/Setup.bootstrap Modules/Setup.stdlib Misc/python-config.sh Misc/python.pc; do
    # Only the build directory's own name and the cache option may differ.
    if ! diff <(sed -e 's#/tmp/fresh#/tmp/DIR#g' /tmp/fresh/$f) \
              <(sed -e 's#/tmp/cached#/tmp/DIR#g' -e "s# '--cache-file=/tmp/config.cache'##" /tmp/cached/$f) >/tmp/d; then
      echo "  DIFFERS: $f"; head -20 /tmp/d; differs=1
    fi
  done
  # config.status wraps long values ("…"\ then "…" on the next line): joined first.
  substituted() {
    sed -e ':a' -e '/"\\$/{N;s/"\\\n"//;ba' -e '}' "$1/config.status" | grep -E '^[SD]\[' \
      | sed -e "s#$1#/tmp/DIR#g" -e "s# '--cache-file=/tmp/config.cache'##"
  }
  if ! diff <(substituted /tmp/fresh) <(substituted /tmp/cached) >/tmp/d; then
    echo "  DIFFERS: substituted values"; head -20 /tmp/d; differs=1
  fi
done
[ $differs = 0 ] && echo "every variant: cached configure generates the same files as a fresh one"
exit $differs
SH
docker run --rm --network none -v "$tmp/compare.sh:/compare.sh:ro" "$image" bash /compare.sh "${flags[@]}"
