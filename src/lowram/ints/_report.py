"""The ints family's entries in ``lowram-report`` (see :mod:`lowram.report.registry`), and
the builders of its peers as a user would call them."""

from __future__ import annotations

import numpy as np

__all__ = ["REPORT", "cykhash_set", "roaring_set"]

REPORT = [
    dict(name="IntSet", kinds=("ints", "counts"), builder="lowram.ints:IntSet",
         family="lowram", note="set of ints; compact hash table, remainders only"),
    dict(name="IntMap.counted", kinds=("ints", "counts"), builder="lowram.ints:IntMap.counted",
         family="lowram", note="count of each int; IntSet's table + dense values"),
    dict(name="SortedIntSet", kinds=("ints", "counts"), builder="lowram.ints:SortedIntSet",
         family="lowram", note="frozen, sorted; Elias-Fano code with rank/select"),
    dict(name="cykhash Int64Set", kinds=("ints", "counts"), builder=":cykhash_set",
         family="peer", requires=("cykhash",), note="khash over whole int64 keys"),
    dict(name="pyroaring BitMap64", kinds=("ints", "counts"), builder=":roaring_set",
         family="peer", requires=("pyroaring",), note="roaring bitmap; ints >= 0 only"),
]


def _int64(iterable) -> np.ndarray:
    return np.fromiter(iterable, dtype=np.int64)


def cykhash_set(iterable):
    """``cykhash.Int64Set_from_buffer`` of the items read into an int64 array."""
    import cykhash

    return cykhash.Int64Set_from_buffer(_int64(iterable))


def roaring_set(iterable):
    """``pyroaring.BitMap64`` of the items (ValueError for a negative one: roaring holds
    unsigned ints)."""
    import pyroaring

    a = _int64(iterable)
    if a.size and a.min() < 0:
        raise ValueError("pyroaring holds ints >= 0 only")
    return pyroaring.BitMap64(a.astype(np.uint64))
