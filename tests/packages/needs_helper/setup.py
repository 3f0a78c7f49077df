# pb_buildhelper is only importable because pyproject.toml lists it in
# [build-system] requires: pip installs it into the isolated build environment.
import pb_buildhelper
from setuptools import Extension, setup

setup(
    py_modules=[],
    ext_modules=[
        Extension(
            "pb_needs_helper",
            ["pb_needs_helper.c"],
            define_macros=pb_buildhelper.define_macros(),
        )
    ],
)
