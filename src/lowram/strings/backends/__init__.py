"""The StringSet / StringMap backends: one table, and the ``auto`` rule.

Each backend is one module in this package (its compiled core, if any, beside it) with a
StringSet class (a :class:`SetBackend`) and, when the library can give each key a value slot,
a StringMap class (a :class:`KeyIndex`, sharing the set class's refusal rules). What a
backend can do (memory-map a file, hold "\\x00", lone surrogates, a large alphabet) is read
off those classes' attributes. Adding a backend is one module and one line in
:data:`BACKENDS`; ``docs/architecture.md`` walks through it.

A module is imported the first time its backend is used, so an unused library costs nothing.
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

from ._base import KeyIndex, SetBackend, first_surrogate, show

__all__ = ["AUTO_SMALL", "BACKENDS", "Backend", "KeyIndex", "SetBackend", "can_map",
           "choose", "first_surrogate", "lookup", "names", "show"]

#: ``backend="auto"`` keeps sets and maps with fewer keys than this in a hash table.
AUTO_SMALL = 1000


class Backend(NamedTuple):
    """One row of the table: where a backend's classes live."""

    module: str  #: absolute module path
    set_class: str  #: its :class:`SetBackend` (for StringSet)
    map_class: str | None = None  #: its :class:`KeyIndex` (for StringMap), if it has one


#: name -> Backend. The name is what users pass as ``backend=`` and what saved files record.
BACKENDS: dict[str, Backend] = {
    "marisa": Backend("lowram.strings.backends.marisa", "MarisaSet", "MarisaIndex"),
    "dawg": Backend("lowram.strings.backends.dawg", "DawgSet", "DawgIndex"),
    "datrie": Backend("lowram.strings.backends.datrie", "DatrieSet", "DatrieIndex"),
    "sorted": Backend("lowram.strings.backends.sorted", "SortedSet", "SortedIndex"),
    "compact": Backend("lowram.strings.backends.compact", "CompactSet", "CompactIndex"),
    "builtin": Backend("lowram.strings.backends.builtin", "BuiltinSet", "BuiltinIndex"),
}

_ROLES = {"set": ("StringSet", "set_class"), "map": ("StringMap", "map_class")}


def names(role: str = "set") -> list:
    """Names of the backends that can play ``role`` ("set" or "map"), in table order."""
    attr = _ROLES[role][1]
    return [name for name, row in BACKENDS.items() if getattr(row, attr)]


def lookup(name, role: str = "set") -> type:
    """The class of backend ``name`` for ``role``; ``ValueError`` naming the known ones.

    >>> lookup("sorted").__name__, lookup("sorted", "map").__name__
    ('SortedSet', 'SortedIndex')
    """
    what, attr = _ROLES[role]
    if not isinstance(name, str):
        raise TypeError(f"backend must be a str, not {type(name).__name__}")
    row = BACKENDS.get(name)
    cls_name = getattr(row, attr) if row is not None else None
    if cls_name is None:
        known = ", ".join(["auto", *names(role)])
        raise ValueError(f"unknown {what} backend {name!r}; known: {known}")
    return getattr(importlib.import_module(row.module), cls_name)


def can_map(name: str, role: str = "set") -> bool:
    """Whether backend ``name`` reads a saved file from a memory map (``load(mmap=True)``)."""
    try:
        return bool(lookup(name, role).mmap_capable)
    except (TypeError, ValueError):
        return False


def choose(name, keys: list, role: str = "set") -> type:
    """Resolve ``name``, or the ``auto`` rule, for ``keys``; refuse with ``ValueError``.

    ``auto``: fewer than :data:`AUTO_SMALL` keys -> ``builtin`` (a hash table: fastest, and
    small anyway); otherwise ``marisa`` (the least RAM, memory-mappable) when it can hold
    every key, else ``compact`` (lowram's front-coded keys: holds every str, a fraction of
    ``sorted``'s bytes). ``auto`` never picks a backend that refuses.
    A named backend that cannot hold a key raises ``ValueError`` saying which and why.

    >>> choose("auto", ["a", "b"]).__name__
    'BuiltinSet'
    """
    if name == "auto":
        if len(keys) < AUTO_SMALL:
            return lookup("builtin", role)
        marisa = lookup("marisa", role)
        return marisa if marisa.refusal(keys) is None else lookup("compact", role)
    cls = lookup(name, role)
    why = cls.refusal(keys)
    if why is not None:
        raise ValueError(why)
    return cls
