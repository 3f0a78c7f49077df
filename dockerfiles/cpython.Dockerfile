# One CPython variant (stock, free-threaded "t", JIT "j", or both "tj"), built from source.
#
# The driver builds this file once per (version, variant), concurrently, each FROM
# the same builder base: a change to one variant rebuilds only that variant.
# Nothing is downloaded here. The source arrives in the build context, already
# fetched and sha256-checked by the driver (a release tarball, or an own checkout
# it packed), and is checked again below before anything is unpacked.
ARG BUILDER_BASE
FROM ${BUILDER_BASE}

# The driver replaces the next line with this build's identity, e.g.
# LABEL pybench-docker.build="3.13.15-t-quick". It must be the first step, and a
# literal: the variants are built at the same time, and if their first steps
# were identical (even an ARG line) the layer cache would hold interchangeable
# chains, and a rebuild could follow the wrong one and miss every later step.
# @build-id

ARG PYTHON_VERSION
ARG PYTHON_SHA256
# Where this variant lives, e.g. /opt/python/3.13.15-t
ARG PREFIX
# Suffix of the command on PATH: "" (python3.13), "t" (python3.13t), "j" (python3.13j),
# "tj" (python3.15tj)
ARG EXE_SUFFIX
# Variant flags (--disable-gil, --enable-experimental-jit) plus the build profile's
ARG CONFIGURE_FLAGS
ARG MAKE_JOBS=2

# One step from tarball to installed prefix, as the official python images do:
# only the prefix becomes a layer. Committing the unpacked source and the build
# tree as layers of their own cost more CPU than compiling on fuse-overlayfs.
COPY source.tar /usr/src/source.tar
RUN set -eux; \
    echo "${PYTHON_SHA256} */usr/src/source.tar" | sha256sum --check --strict -; \
    mkdir -p /usr/src/python; \
    # tar finds the compression itself: xz for releases, gzip for a packed checkout.
    tar --extract --file /usr/src/source.tar --directory /usr/src/python --strip-components=1; \
    rm /usr/src/source.tar; \
    cd /usr/src/python; \
    ./configure \
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
    rm -rf /usr/src/python; \
    rm -rf "${PREFIX}"/lib/python*/idlelib/idle_test; \
    find "${PREFIX}" -name 'libpython*.a' -delete; \
    mm="${PYTHON_VERSION%.*}"; \
    # A symlink for the interpreter, so sys.executable reads /usr/local/bin/python3.13t
    ln -s "${PREFIX}/bin/python3" "/usr/local/bin/python${mm}${EXE_SUFFIX}"; \
    # A wrapper, not a symlink, for -config: it locates its prefix from $0.
    printf '#!/bin/sh\nexec %s "$@"\n' "${PREFIX}/bin/python3-config" \
        > "/usr/local/bin/python${mm}${EXE_SUFFIX}-config"; \
    chmod 0755 "/usr/local/bin/python${mm}${EXE_SUFFIX}-config"

# Fail here, not in a benchmark, if configure quietly dropped the variant's feature.
RUN set -eux; \
    mm="${PYTHON_VERSION%.*}"; \
    "python${mm}${EXE_SUFFIX}" -c 'import sys, sysconfig; \
suffix = sys.argv[1]; \
ft = sysconfig.get_config_var("Py_GIL_DISABLED") == 1; \
jit = "-D_Py_JIT" in (sysconfig.get_config_var("PY_CORE_CFLAGS") or ""); \
assert ft == ("t" in suffix), f"free threading built in: {ft}"; \
assert jit == ("j" in suffix), f"JIT built in: {jit}"; \
print(sys.version)' "${EXE_SUFFIX}"; \
    "python${mm}${EXE_SUFFIX}-config" --includes
