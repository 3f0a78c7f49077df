# One CPython variant (stock, free-threaded "t", JIT "j", or both "tj"), built from source.
#
# The driver builds this file once per (version, variant), concurrently, each FROM
# the same configure-cache stage: a change to one variant rebuilds only that variant.
# Nothing is downloaded here. The source arrives in the build context, already
# fetched and sha256-checked by the driver (a release tarball, or an own checkout
# it packed), and is checked again below before anything is unpacked.
ARG BUILDER_BASE

# Configure's answers about the toolchain, shared by the variants. The driver
# builds this stage first, once per release; every variant build then finds it
# in the layer cache, and its own configure reads them from config.cache: about
# 4 s instead of 50 (40 CPU-seconds, one core, three times over). The source
# stays here for the variants to unpack; the answers depend on the build
# profile's flags, not on the variant's.
FROM ${BUILDER_BASE} AS configure-cache
ARG PYTHON_SHA256 PROFILE_FLAGS
COPY source.tar /usr/src/source.tar
# The source and build trees live in a volume, here and in the variants below:
# a directory of the daemon's own file system, not the image's layered one
# (fuse-overlayfs on many hosts, where every file operation of a compiler
# is a round trip through a user-space process), and never committed. The
# classic builder gives each step's container a fresh, empty one and deletes
# it with the container.
VOLUME /usr/src/python
RUN set -eux; \
    echo "${PYTHON_SHA256} */usr/src/source.tar" | sha256sum --check --strict -; \
    tar --extract --file /usr/src/source.tar --directory /usr/src/python --strip-components=1; \
    cd /usr/src/python; \
    # The variant's configure below, without its prefix and variant flags.
    ./configure \
        --cache-file=/usr/src/config.cache \
        --build="$(dpkg-architecture --query DEB_BUILD_GNU_TYPE)" \
        --enable-option-checking=fatal \
        --enable-loadable-sqlite-extensions \
        --without-ensurepip \
        ${PROFILE_FLAGS} > /dev/null; \
    # Two answers change what configure does when they come from the cache
    # (bench/configure_cache.sh compares cached and fresh configures): the
    # -Wl,--no-as-needed check sets NO_AS_NEEDED only when it runs, and
    # libmpdec picks its machine from the x64-asm answer, which a fresh run
    # does not have yet at that point (so it builds the uint128 variant).
    sed -i -e '/^ac_cv_wl_no_as_needed=/d' -e '/^ac_cv_gcc_asm_for_x64=/d' /usr/src/config.cache

FROM configure-cache

# The build's parameters, in one instruction: the classic builder runs and
# commits a container for every instruction, ARG included (4 to 7 s each here,
# through fuse-overlayfs). The driver writes this build's identity in place of
# @build-id (e.g. 3.13.15-t-quick), which makes it the first step and unique:
# the variants are built at the same time, and if their first steps were
# identical the layer cache would hold interchangeable chains, and a rebuild
# could follow the wrong one and miss every later step.
#   PYTHON_VERSION, PYTHON_SHA256  the release and its tarball's checksum
#   PREFIX           where this variant lives, e.g. /opt/python/3.13.15-t
#   EXE_SUFFIX       suffix of the command on PATH: "" (python3.13), "t", "j", "tj"
#   CONFIGURE_FLAGS  variant flags (--disable-gil, --enable-experimental-jit)
#                    plus the build profile's
#   MAKE_JOBS        make's -j, from the driver's CPU budget
ARG PYBENCH_DOCKER_BUILD=@build-id \
    PYTHON_VERSION PYTHON_SHA256 PREFIX EXE_SUFFIX CONFIGURE_FLAGS MAKE_JOBS=2

# One step from tarball to installed and checked prefix, as the official python
# images do: only the prefix becomes a layer. The tree is unpacked and built in
# this step's /usr/src/python volume (declared above), so compiling never goes
# through the layered file system.
RUN set -eux; \
    echo "${PYTHON_SHA256} */usr/src/source.tar" | sha256sum --check --strict -; \
    # tar finds the compression itself: xz for releases, gzip for a packed checkout.
    tar --extract --file /usr/src/source.tar --directory /usr/src/python --strip-components=1; \
    rm /usr/src/source.tar; \
    cd /usr/src/python; \
    ./configure \
        --cache-file=/usr/src/config.cache \
        --build="$(dpkg-architecture --query DEB_BUILD_GNU_TYPE)" \
        --prefix="${PREFIX}" \
        --enable-option-checking=fatal \
        --enable-loadable-sqlite-extensions \
        --without-ensurepip \
        ${CONFIGURE_FLAGS}; \
    make -j "${MAKE_JOBS}"; \
    # TEST_MODULES=no installs no Lib/test (and byte-compiles none of it three
    # times over); the C test modules such as _testinternalcapi, which the 3.13
    # JIT probe needs, were built by `make` and are installed all the same.
    make install TEST_MODULES=no; \
    cd /; \
    # The tree goes with the step's volume; the cache and tarball are layers.
    rm -f /usr/src/config.cache; \
    rm -rf "${PREFIX}"/lib/python*/idlelib/idle_test; \
    find "${PREFIX}" -name 'libpython*.a' -delete; \
    mm="${PYTHON_VERSION%.*}"; \
    # A symlink for the interpreter, so sys.executable reads /usr/local/bin/python3.13t
    ln -s "${PREFIX}/bin/python3" "/usr/local/bin/python${mm}${EXE_SUFFIX}"; \
    # A wrapper, not a symlink, for -config: it locates its prefix from $0.
    printf '#!/bin/sh\nexec %s "$@"\n' "${PREFIX}/bin/python3-config" \
        > "/usr/local/bin/python${mm}${EXE_SUFFIX}-config"; \
    chmod 0755 "/usr/local/bin/python${mm}${EXE_SUFFIX}-config"; \
    # Fail here, not in a benchmark, if configure quietly dropped the variant's feature.
    "python${mm}${EXE_SUFFIX}" -c 'import sys, sysconfig; \
suffix = sys.argv[1]; \
ft = sysconfig.get_config_var("Py_GIL_DISABLED") == 1; \
jit = "-D_Py_JIT" in (sysconfig.get_config_var("PY_CORE_CFLAGS") or ""); \
assert ft == ("t" in suffix), f"free threading built in: {ft}"; \
assert jit == ("j" in suffix), f"JIT built in: {jit}"; \
print(sys.version)' "${EXE_SUFFIX}"; \
    "python${mm}${EXE_SUFFIX}-config" --includes
