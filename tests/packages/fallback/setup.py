from setuptools import Extension, setup

# optional=True: setuptools' build_ext catches the compile error, warns, and
# builds the wheel without the extension (the pattern of optional speed-ups).
setup(
    packages=["pb_fallback"],
    ext_modules=[Extension("pb_fallback._speedups", ["src/speedups.c"], optional=True)],
)
