from setuptools import Extension, setup

setup(
    packages=["pb_uses_dep"],
    ext_modules=[Extension("pb_uses_dep._core", ["pb_uses_dep/_core.c"])],
)
