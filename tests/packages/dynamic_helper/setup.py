# pb_buildhelper is only importable because the backend asks for it in
# get_requires_for_build_wheel: pip installs it into the isolated build environment.
import pb_buildhelper
from setuptools import Extension, setup

setup(
    py_modules=[],
    ext_modules=[
        Extension(
            "pb_dynamic_helper",
            ["pb_dynamic_helper.c"],
            define_macros=pb_buildhelper.define_macros(),
        )
    ],
)
