from setuptools import Extension, setup

setup(
    py_modules=[],
    ext_modules=[Extension("pb_race_free", ["pb_race_free.c"])],
)
