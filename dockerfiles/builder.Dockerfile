# The builder image of one CPython release: compilers and headers plus every
# variant with its own pythonX.Y[t|j]-config, for compiling C extensions
# (`gcc ... $(python3.13t-config --includes)`).
#
# The driver replaces the two marked lines, as for pythons.Dockerfile.

ARG BUILDER_BASE
# @stages

FROM ${BUILDER_BASE}

# @copies

RUN useradd --uid 1000 --user-group --no-create-home --home-dir /tmp --shell /bin/sh bench

ENV LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
CMD ["bash"]
