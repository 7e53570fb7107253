"""The ``builtin`` backend: a ``frozenset`` for lookups; the sorted order only when asked.

What Python gives without lowram, behind the same interface: the fastest ``in`` and the most
RAM (the ``str`` objects themselves, each with its object header, and the hash table).
A ``StringSet`` over it holds the frozenset and nothing per key beside it: the sorted tuple
that ordered iteration, ``keys(prefix)`` and ``has_prefix`` walk is built on their first use
(O(n log n) once) and kept, which adds one pointer per key from then on (``nbytes`` counts it
once built).

A table of ``HUGE_TABLE_MIN`` bytes or more is moved onto transparent huge
pages where Linux allows it (``_core.set_table_huge_pages``; Linux 6.1+; ``LOWRAM_HUGE_PAGES=0``
turns it off): same contents, same resident size, fewer TLB misses. See
benchmarks/bench_strings.py for what it buys: column in_vs_raw compares ``in`` with a plain
``frozenset`` of the same words, which stays on small pages, and in_vs_huge_raw with one
moved onto huge pages too, which leaves the wrapper's own cost.
"""

from __future__ import annotations

import bisect
import sys

from ._base import KeyIndex, SetBackend
from .._core import set_table_huge_pages
from .._sortedkeys import SortedKeys

__all__ = ["BuiltinSet", "BuiltinIndex"]


class BuiltinSet(SetBackend):
    """StringSet backend over ``frozenset``; a sorted ``tuple`` of the same ``str`` objects is
    added on the first ordered iteration or prefix query (see the module docstring)."""

    name = "builtin"

    def __init__(self, impl, size, ordered=None):
        super().__init__(impl, size)
        self._ordered = ordered
        self._nbytes = sys.getsizeof(impl) + sum(map(sys.getsizeof, impl))
        #: huge pages the frozenset's table was moved onto (-1: the kernel refused some)
        self.huge_pages = set_table_huge_pages(impl) if type(impl) is frozenset else 0

    @property
    def ordered(self) -> tuple:
        """The keys as a tuple sorted by code point, built (and kept) on first use."""
        if self._ordered is None:
            self._ordered = tuple(sorted(self.impl))
        return self._ordered

    @classmethod
    def build(cls, keys):
        impl = frozenset(keys)
        return cls(impl, len(impl))

    def iter_keys(self, prefix):
        keys = self.ordered
        i = bisect.bisect_left(keys, prefix)
        n = len(keys)
        while i < n and keys[i].startswith(prefix):
            yield keys[i]
            i += 1

    def payload(self):
        # sorted without keeping the order: saving should not grow the set's RAM
        ordered = self._ordered if self._ordered is not None else sorted(self.impl)
        return SortedKeys.build(ordered).to_bytes()

    @classmethod
    def from_payload(cls, view, mapped, count):
        keys = SortedKeys.from_buffer(bytes(view))
        return cls.build(keys.iter_range(0, len(keys)))

    def nbytes(self):
        n = self._nbytes
        if self._ordered is not None:
            n += sys.getsizeof(self._ordered)
        return n


class BuiltinIndex(KeyIndex, BuiltinSet):
    """StringMap backend: a ``dict`` from key to its position in the sorted key tuple.

    The tuple is built with the index (a StringMap iterates through it), so it is counted
    from the start.
    """

    @classmethod
    def build_index(cls, keys):
        ordered = tuple(keys)
        return cls({k: i for i, k in enumerate(ordered)}, len(ordered), ordered), \
            range(len(ordered))

    def __init__(self, impl, size, ordered=None):
        super().__init__(impl, size, ordered)
        # the dict's values are int objects (those past 256 are not cached by CPython)
        self._nbytes += sum(sys.getsizeof(i) for i in range(257, size))

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
