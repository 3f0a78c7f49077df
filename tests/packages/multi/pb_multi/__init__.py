"""pb_multi: a package mixing Python and C (test package pb-multi).

Importing it loads the extension pb_multi._core, whose exec function in turn
imports the pure-Python pb_multi.helpers.
"""

from ._core import answer

__all__ = ["answer"]
