"""Compact sets and maps of strings: frozen StringSet/StringMap over several backends
(marisa, dawg, datrie, sorted, builtin) and the mutable HAT-trie MutableStringSet.

The public names are re-exported by :mod:`lowram`.
"""

from ._map import StringMap
from ._set import StringSet
from .hat_trie import MutableStringSet

__all__ = ["MutableStringSet", "StringMap", "StringSet"]
