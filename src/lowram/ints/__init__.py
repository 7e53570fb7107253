"""Sets and maps of ints in compact tables: :class:`IntSet` (a ``set`` of ints) and
:class:`IntMap` (a ``dict`` from int to int or float, with counting)."""

from ._intmap import IntMap
from ._intset import IntSet

__all__ = ["IntMap", "IntSet"]
