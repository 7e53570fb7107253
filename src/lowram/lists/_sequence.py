"""List behaviour written once for every lowram list: ``+``, ``+=``, comparisons, copies,
``repr`` and ``list.index``'s range normalisation, for the Python-fronted lists (StrList,
BitList). The compiled lists (IntList, FloatList, PackedIntArray) do the same in C, with the
index rules of ``lists/_index.pxd``."""

from __future__ import annotations

import sys
from collections.abc import MutableSequence

__all__ = ["MAX_INDEX", "ListBehaviour", "norm_range"]

#: default ``stop`` of ``index``, as ``list.index`` has
MAX_INDEX = sys.maxsize


def norm_range(start, stop, n):
    """``list.index``'s normalisation of ``start``/``stop`` against length ``n``."""
    start, stop = start.__index__(), stop.__index__()
    if start < 0:
        start = max(0, start + n)
    if stop < 0:
        stop = max(0, stop + n)
    return start, min(stop, n)


class ListBehaviour(MutableSequence):
    """List semantics shared by the pure-Python lists: ``+``, ``+=``, comparisons, copies.

    A subclass provides ``copy``, ``extend``, ``tolist`` and ``_same_eq(other)`` (equality
    against its own class, done on the buffers).
    """

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]
    _lowram_sizeof_is_total = True

    def __add__(self, other):
        if not isinstance(other, (list, type(self))):
            return NotImplemented
        out = self.copy()
        out.extend(other)
        return out

    def __radd__(self, other):
        if not isinstance(other, list):
            return NotImplemented
        out = type(self)(other)
        out.extend(self)
        return out

    def __iadd__(self, other):
        self.extend(other)
        return self

    def _cmp_items(self, other):
        if isinstance(other, type(self)):
            return other.tolist()
        if isinstance(other, list):
            return other
        return None

    def __eq__(self, other):
        if isinstance(other, type(self)):
            return self._same_eq(other)
        theirs = self._cmp_items(other)
        return NotImplemented if theirs is None else self.tolist() == theirs

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __lt__(self, other):
        theirs = self._cmp_items(other)
        return NotImplemented if theirs is None else self.tolist() < theirs

    def __le__(self, other):
        theirs = self._cmp_items(other)
        return NotImplemented if theirs is None else self.tolist() <= theirs

    def __gt__(self, other):
        theirs = self._cmp_items(other)
        return NotImplemented if theirs is None else self.tolist() > theirs

    def __ge__(self, other):
        theirs = self._cmp_items(other)
        return NotImplemented if theirs is None else self.tolist() >= theirs

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.tolist()!r})"

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()
