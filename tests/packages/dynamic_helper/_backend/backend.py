"""setuptools' backend, asking for pb-buildhelper dynamically (PEP 517's
get_requires_for_build_wheel) instead of in [build-system] requires. Not
setuptools' own hook: it runs setup.py, which imports pb_buildhelper."""

from setuptools.build_meta import *  # noqa: F401,F403


def get_requires_for_build_wheel(config_settings=None):
    return ["pb-buildhelper==1.0"]
