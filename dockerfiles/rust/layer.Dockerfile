# The Rust layer of `pybench-docker ext` on a PyO3/maturin or setuptools-rust
# package: a release's builder image (its CPython builds and toolchain
# untouched) plus Debian's rustc and cargo, installed from .deb files with
# the network off.
#
# TOOLS is a base bootstrapped like the others (mmdebstrap, a pinned package
# list: rustc, cargo) that keeps the .deb files it installed in apt's cache;
# BUILDER is the release's builder image. Only the packages the builder lacks,
# or has in an older version, are copied and installed (rustc from backports
# may need a newer library than the builder's); nothing is downgraded.

ARG TOOLS
ARG BUILDER

FROM ${TOOLS} AS tools

FROM ${BUILDER} AS pick
COPY --from=tools /var/cache/apt/archives/ /debs/
RUN set -eu; \
    cd /debs; \
    rm -rf partial lock; \
    for deb in *.deb; do \
        package=$(dpkg-deb --field "$deb" Package); \
        installed=$(dpkg-query --show --showformat='${db:Status-Status} ${Version}' "$package" 2>/dev/null || true); \
        case "$installed" in \
            "installed "*) \
                if dpkg --compare-versions "${installed#installed }" ge "$(dpkg-deb --field "$deb" Version)"; then \
                    rm "$deb"; \
                fi;; \
        esac; \
    done; \
    ls /debs

FROM ${BUILDER}
COPY --from=pick /debs/ /tmp/rust-debs/
RUN set -eux; \
    dpkg --install /tmp/rust-debs/*.deb; \
    rm -rf /tmp/rust-debs; \
    rustc --version; \
    cargo --version
