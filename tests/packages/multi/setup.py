from setuptools import Extension, setup

setup(
    packages=["pb_multi"],
    ext_modules=[
        Extension("pb_multi._core", ["src/core.c"]),
        Extension("pb_multi._extra", ["src/extra.c"]),
    ],
)
