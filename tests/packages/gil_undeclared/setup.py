from setuptools import Extension, setup

setup(
    py_modules=[],
    ext_modules=[Extension("pb_gil_undeclared", ["pb_gil_undeclared.c"])],
)
