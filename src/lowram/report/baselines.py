"""Baseline structures the report compares against: what Python gives without lowram."""

from __future__ import annotations

import array
import bisect
import collections

import numpy as np

__all__ = ["REPORT", "SortedList", "counter", "int64_array", "int64_ndarray"]

_ALL = ("words", "tokens", "ints", "counts")

#: the report's baselines (see :mod:`lowram.report.registry`)
REPORT = [
    dict(name="list", kinds=_ALL, builder="builtins:list", query="getitem"),
    dict(name="tuple", kinds=_ALL, builder="builtins:tuple", query="getitem", default=False,
         note="same layout as list"),
    dict(name="set", kinds=_ALL, builder="builtins:set"),
    dict(name="frozenset", kinds=_ALL, builder="builtins:frozenset", default=False,
         note="same layout as set"),
    dict(name="sorted list+bisect", kinds=_ALL, builder=":SortedList",
         note="sorted, deduplicated list; `in` by bisect"),
    dict(name="array('q')", kinds=("ints", "counts"), builder=":int64_array", query="getitem"),
    dict(name="numpy int64", kinds=("ints", "counts"), builder=":int64_ndarray",
         query="getitem"),
    dict(name="Counter", kinds=("tokens", "ints", "counts"), builder=":counter",
         note="exact counts of every item"),
]


class SortedList:
    """A sorted, deduplicated ``list`` answering ``in`` by binary search (*High
    Performance Python*, ch.11).

    >>> s = SortedList(["b", "a", "b"])
    >>> len(s), "a" in s, "c" in s
    (2, True, False)
    """

    __slots__ = ("_items",)

    def __init__(self, iterable=()):
        self._items = sorted(set(iterable))

    def __contains__(self, item) -> bool:
        items = self._items
        i = bisect.bisect_left(items, item)
        return i < len(items) and items[i] == item

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def __getitem__(self, index):
        return self._items[index]

    def __sizeof__(self) -> int:
        return object.__sizeof__(self)


def int64_array(iterable) -> array.array:
    """``array('q', iterable)``: 8 bytes per int, no int objects."""
    return array.array("q", iterable)


def int64_ndarray(iterable) -> np.ndarray:
    """A numpy int64 array built from a stream without an intermediate list."""
    return np.fromiter(iterable, dtype=np.int64)


def counter(iterable) -> collections.Counter:
    """``collections.Counter``: exact counts, one dict entry per distinct token."""
    return collections.Counter(iterable)
