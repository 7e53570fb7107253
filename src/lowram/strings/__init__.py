"""Compact sets and maps of strings over several backends (marisa, dawg, datrie, sorted, builtin).

The public names are re-exported by :mod:`lowram`.
"""

from ._map import StringMap
from ._set import StringSet

__all__ = ["StringMap", "StringSet"]
