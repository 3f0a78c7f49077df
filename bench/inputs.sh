# Sourced by the build benchmarks: for the release "$version", sets `base` (the
# builder base of its toolchain: its JIT needs that LLVM) and `tarball` (its
# verified source in the tool's cache), or stops with what to run first.
case "$version" in
  3.13.*) llvm=llvm18 ;; 3.14.*) llvm=llvm19 ;; *) llvm=llvm21 ;;
esac
base=$(docker images --format '{{.Repository}}:{{.Tag}}' 'pybench-docker/base' | grep ":builder-$llvm-" | head -1 || true)
tarball="${XDG_CACHE_HOME:-$HOME/.cache}/pybench-docker/sources/Python-$version.tar.xz"
[ -n "$base" ] && [ -f "$tarball" ] || {
  echo "run 'pybench-docker build' for $version first: no builder base ($llvm) or no source tarball" >&2
  exit 1
}
