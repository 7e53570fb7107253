<<<<<<< HEAD
"""Compact sets and maps of strings over several backends (marisa, dawg, datrie, sorted, builtin).

The public names are re-exported by :mod:`lowram`.
"""

from ._map import StringMap
from ._set import StringSet

__all__ = ["StringMap", "StringSet"]
=======
"""Strings in little RAM: sets of str in tries."""

from .hat_trie import MutableStringSet

__all__ = ["MutableStringSet"]
>>>>>>> hattrie
