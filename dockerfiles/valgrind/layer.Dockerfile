# The image layer of `pybench-docker run --measure instructions`: a release's
# runtime image (unchanged, so timed runs never see Valgrind) plus Debian's
# Callgrind and the measured window's library, nothing else (about 3 MB).
#
# TOOLS is a base bootstrapped like the others (mmdebstrap, a pinned package
# list: valgrind, gcc, libc6-dev); PYTHONS is the release's runtime image.
# The build runs with the network off.

ARG TOOLS
ARG PYTHONS

FROM ${TOOLS} AS tools
COPY window.c /src/window.c
RUN gcc -O2 -Wall -Werror -shared -fPIC -o /src/libpybench_window.so /src/window.c

FROM ${PYTHONS}
# Debian's /usr/bin/valgrind is a shell wrapper that only adds /usr/lib/debug
# to LD_LIBRARY_PATH (empty here) before running valgrind.bin: run it directly.
COPY --from=tools /usr/bin/valgrind.bin /usr/bin/valgrind
COPY --from=tools /usr/libexec/valgrind/callgrind-@ARCH@-linux /usr/libexec/valgrind/vgpreload_core-@ARCH@-linux.so /usr/libexec/valgrind/default.supp /usr/libexec/valgrind/
COPY --from=tools /src/libpybench_window.so /usr/local/lib/pybench/libpybench_window.so
