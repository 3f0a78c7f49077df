from setuptools import Extension, setup

setup(
    py_modules=[],
    ext_modules=[Extension("pb_broken", ["pb_broken.c"])],
)
