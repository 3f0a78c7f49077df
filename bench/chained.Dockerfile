# For comparison only (bench/build_speed.sh): the tutorial's way of building
# the three variants, one stage, one after another, each as one RUN that
# configures, builds, installs and cleans. pybench-docker never uses this file.
ARG BUILDER_BASE
FROM ${BUILDER_BASE}

ARG PYTHON_VERSION
COPY Python.tar.xz /usr/src/Python.tar.xz
RUN mkdir -p /usr/src/python \
 && tar --extract --xz --file /usr/src/Python.tar.xz --directory /usr/src/python --strip-components=1
WORKDIR /usr/src/python

RUN ./configure --prefix=/opt/python/${PYTHON_VERSION} --without-ensurepip \
 && make -j2 && make install && make clean
RUN ./configure --prefix=/opt/python/${PYTHON_VERSION}-t --without-ensurepip --disable-gil \
 && make -j2 && make install && make clean
RUN ./configure --prefix=/opt/python/${PYTHON_VERSION}-j --without-ensurepip --enable-experimental-jit \
 && make -j2 && make install && make clean
