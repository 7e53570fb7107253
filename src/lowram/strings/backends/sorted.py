"""The ``sorted`` backend: sorted keys in one UTF-8 buffer + offsets, bisected in Cython.

lowram's own structure (no library offers it): about the UTF-8 size of the keys plus 4 bytes
per key, every ``str`` held (lone surrogates included, via ``surrogatepass``), and a file that
is memory-mapped in place.
"""

from __future__ import annotations

import sys

from ._base import KeyIndex, SetBackend
from .._sortedkeys import SortedKeys

__all__ = ["SortedSet", "SortedIndex"]


class SortedSet(SetBackend):
    """StringSet backend over :class:`SortedKeys` (see the module docstring).

    A backend whose store has SortedKeys' interface (``lower_bound``, ``prefix_end``,
    ``iter_range``, ``has_bytes``, ``index_of``, ``to_bytes``/``from_buffer``) subclasses this
    and names its store in ``store``.
    """

    name = "sorted"
    mmap_capable = True
    store = SortedKeys

    @classmethod
    def build(cls, keys):
        impl = keys if type(keys) is cls.store else cls.store.build(keys)
        return cls(impl, len(impl))

    def _range(self, prefix: str):
        b = prefix.encode("utf-8", "surrogatepass")
        lo = self.impl.lower_bound(b)
        return lo, self.impl.prefix_end(lo, b)

    def iter_keys(self, prefix):
        lo, hi = self._range(prefix)
        return self.impl.iter_range(lo, hi)

    def has_prefix(self, prefix):
        lo, hi = self._range(prefix)
        return hi > lo

    def prefixes(self, s):
        has = self.impl.has_bytes
        out = []
        for i in range(1, len(s) + 1):
            if has(s[:i].encode("utf-8", "surrogatepass")):
                out.append(s[:i])
        return out

    def payload(self):
        return self.impl.to_bytes()

    @classmethod
    def from_payload(cls, view, mapped, count):
        impl = cls.store.from_buffer(view if mapped else bytes(view))
        return cls(impl, len(impl))

    def nbytes(self):
        return self.impl.nbytes + sys.getsizeof(self.impl)


class SortedIndex(KeyIndex, SortedSet):
    """StringMap backend: :class:`SortedKeys`; a key's id is its position in sorted order."""

    @classmethod
    def build_index(cls, keys):
        impl = cls.store.build(keys)
        return cls(impl, len(impl)), range(len(keys))

    def index(self, key):
        return self.impl.index_of(key)

    def iter_items(self, prefix):
        lo, hi = self._range(prefix)
        return zip(self.impl.iter_range(lo, hi), range(lo, hi))
