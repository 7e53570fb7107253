"""The ``compact`` backend: lowram's own compressed string dictionary.

Sorted keys front-coded in buckets of 48, each bucket coded with a symbol table
(:class:`~lowram.strings.backends._compact.CompactKeys`): each key stores only the bytes it
does not share with the key before it, and common runs of bytes take one byte each. Every
``str`` is held (lone surrogates too, via ``surrogatepass``), a key's id in a StringMap is its
rank, and a saved file is memory-mapped in place and checked whole when opened.
"""

from __future__ import annotations

from ._compact import CompactKeys
from .sorted import SortedIndex, SortedSet

__all__ = ["CompactIndex", "CompactSet"]


class CompactSet(SortedSet):
    """StringSet backend over :class:`CompactKeys` (see the module docstring)."""

    name = "compact"
    store = CompactKeys


class CompactIndex(SortedIndex, CompactSet):
    """StringMap backend: :class:`CompactKeys`; a key's id is its rank in sorted order."""
