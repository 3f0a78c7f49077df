# The runtime image of one CPython release: the distro's python3 (the "system"
# baseline) plus every variant, each under its own prefix and on PATH as
# python3.13, python3.13t, python3.13j.
#
# The driver replaces the two marked lines with one stage per variant image and
# one pair of COPY lines per variant; the rendered file is in the build log.

ARG RUNTIME_BASE
# @stages

FROM ${RUNTIME_BASE}

# @copies

# Benchmarks run as this unprivileged user, with a read-only root filesystem.
RUN useradd --uid 1000 --user-group --no-create-home --home-dir /tmp --shell /bin/sh bench

ENV LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /app
USER bench
CMD ["python3"]
