"""Sets and maps of ints in compact tables: :class:`IntSet` (a ``set`` of ints),
:class:`IntMap` (a ``dict`` from int to int or float, with counting) and the frozen, sorted
:class:`SortedIntSet` (Elias-Fano code with rank and select)."""

from ._intmap import IntMap
from ._intset import IntSet
from ._sortedintset import SortedIntSet

__all__ = ["IntMap", "IntSet", "SortedIntSet"]
