from setuptools import Extension, setup

setup(
    py_modules=[],
    ext_modules=[Extension("pb_racy", ["pb_racy.c"])],
)
