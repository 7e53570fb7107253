"""Sets of ints in compact tables: :class:`IntSet` (a ``set`` of ints)."""

from ._intset import IntSet

__all__ = ["IntSet"]
