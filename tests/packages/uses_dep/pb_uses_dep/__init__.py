"""pb-uses-dep: its own extension declares Py_mod_gil; its dependency's does not."""

import pb_gil_undeclared

from ._core import twice


def add_twice(a, b):
    return twice(pb_gil_undeclared.add(a, b))
