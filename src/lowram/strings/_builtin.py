"""The ``builtin`` backend: a ``frozenset`` for lookups, a sorted tuple for order.

What Python gives without lowram, behind the same interface: the fastest ``in`` and the most
RAM (the ``str`` objects themselves, about 50 bytes plus the text each, and the hash table).
"""

from __future__ import annotations

import bisect
import sys

from ._backends import KeyIndex, SetBackend
from ._sortedkeys import SortedKeys

__all__ = ["BuiltinSet", "BuiltinIndex"]


class BuiltinSet(SetBackend):
    """StringSet backend over ``frozenset`` + a sorted ``tuple`` of the same ``str`` objects."""

    name = "builtin"

    def __init__(self, impl, size, ordered):
        super().__init__(impl, size)
        self.ordered = ordered
        self._nbytes = (sys.getsizeof(impl) + sys.getsizeof(ordered)
                        + sum(map(sys.getsizeof, ordered)))

    @classmethod
    def build(cls, keys):
        ordered = tuple(keys)
        return cls(frozenset(ordered), len(ordered), ordered)

    def iter_keys(self, prefix):
        keys = self.ordered
        i = bisect.bisect_left(keys, prefix)
        n = len(keys)
        while i < n and keys[i].startswith(prefix):
            yield keys[i]
            i += 1

    def payload(self):
        return SortedKeys.build(self.ordered).to_bytes()

    @classmethod
    def from_payload(cls, view, mapped, count):
        keys = SortedKeys.from_buffer(bytes(view))
        return cls.build(list(keys.iter_range(0, len(keys))))

    def nbytes(self):
        return self._nbytes


class BuiltinIndex(KeyIndex, BuiltinSet):
    """StringMap backend: a ``dict`` from key to its position in the sorted key tuple."""

    @classmethod
    def build_index(cls, keys):
        ordered = tuple(keys)
        return cls({k: i for i, k in enumerate(ordered)}, len(ordered), ordered), \
            range(len(ordered))

    def index(self, key):
        return self.impl.get(key, -1)

    def iter_items(self, prefix):
        keys = self.ordered
        i = bisect.bisect_left(keys, prefix)
        n = len(keys)
        while i < n and keys[i].startswith(prefix):
            yield keys[i], i
            i += 1

    @classmethod
    def from_payload(cls, view, mapped, count):
        keys = SortedKeys.from_buffer(bytes(view))
        return cls.build_index(list(keys.iter_range(0, len(keys))))[0]
