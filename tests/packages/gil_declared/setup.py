from setuptools import Extension, setup

setup(
    py_modules=[],
    ext_modules=[Extension("pb_gil_declared", ["pb_gil_declared.c"])],
)
