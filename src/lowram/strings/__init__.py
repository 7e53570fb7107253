"""Compact sets and maps of strings: frozen StringSet/StringMap over several backends
(marisa, dawg, datrie, sorted, builtin) and the mutable HAT-tries MutableStringSet and
MutableStringMap.

The public names are re-exported by :mod:`lowram`.
"""

from ._map import StringMap
from ._set import StringSet
from .hat_trie import MutableStringMap, MutableStringSet

__all__ = ["MutableStringMap", "MutableStringSet", "StringMap", "StringSet"]
