"""Compact sets and maps of strings: frozen StringSet/StringMap over several backends
(marisa, dawg, datrie, sorted, builtin) and the mutable HAT-tries MutableStringSet and
MutableStringMap, and StringCounter (a ``collections.Counter`` of str).

The public names are re-exported by :mod:`lowram`.
"""

from ._map import StringMap
from ._counter import StringCounter
from ._set import StringSet
from .hat_trie import MutableStringMap, MutableStringSet

__all__ = ["MutableStringMap", "MutableStringSet", "StringCounter", "StringMap", "StringSet"]
