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

__all__ = ["AUTO_BLOCKS", "AUTO_CANDIDATES", "AUTO_SAMPLE", "AUTO_SAMPLE_BYTES", "AUTO_SMALL",
           "BACKENDS", "Backend", "KeyIndex", "SetBackend", "auto_sample", "can_map", "choose",
           "first_surrogate", "lookup", "names", "sample_keys", "show"]

#: ``backend="auto"`` keeps sets and maps with fewer keys than this in a hash table.
AUTO_SMALL = 1000
#: the backends ``auto`` picks the smallest of (for AUTO_SMALL keys or more), ties to the first
AUTO_CANDIDATES = ("compact", "marisa", "dawg")
#: keys the ``auto`` rule builds each candidate on (at most; and about AUTO_SAMPLE_BYTES of
#: their UTF-8, so long keys cost no more), in AUTO_BLOCKS runs of consecutive keys
AUTO_SAMPLE = 1 << 16
AUTO_SAMPLE_BYTES = 1 << 19
AUTO_BLOCKS = 16


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
    small anyway); otherwise the smallest of :data:`AUTO_CANDIDATES` (``compact``,
    ``marisa``, ``dawg``) that can hold every key, by their bytes when built on a sample of
    the keys (at most :data:`AUTO_SAMPLE` keys and about :data:`AUTO_SAMPLE_BYTES` of UTF-8,
    in :data:`AUTO_BLOCKS` runs of consecutive keys, so that they share prefixes and suffixes
    as the whole does; all the keys when there are not more); a tie goes to the earlier
    candidate. ``compact`` holds every str, so ``auto`` never picks a backend that refuses.
    The sample's builds cost a few tenths of a second.
    A named backend that cannot hold a key raises ``ValueError`` saying which and why.

    >>> choose("auto", ["a", "b"]).__name__
    'BuiltinSet'
    """
    if name == "auto":
        if len(keys) < AUTO_SMALL:
            return lookup("builtin", role)
        fits = [c for c in AUTO_CANDIDATES if lookup(c, role).refusal(keys) is None]
        if len(fits) == 1:
            return lookup(fits[0], role)
        sample = auto_sample(keys)
        sizes = {c: lookup(c).build(sample).nbytes() for c in fits}
        return lookup(min(fits, key=lambda c: sizes[c]), role)
    cls = lookup(name, role)
    why = cls.refusal(keys)
    if why is not None:
        raise ValueError(why)
    return cls


def _text_bytes(keys) -> int:
    """UTF-8 bytes of the keys (a KeyStream or SortedKeys says; a list is measured)."""
    if hasattr(keys, "text_bytes"):
        return keys.text_bytes
    if hasattr(keys, "buffer"):
        return len(keys.buffer)
    return sum(len(k.encode("utf-8", "surrogatepass")) for k in keys)


def auto_sample(keys):
    """The keys the ``auto`` rule builds its candidates on (see :func:`choose`)."""
    mean = max(1, _text_bytes(keys) // max(1, len(keys)))
    total = max(AUTO_BLOCKS * 64, min(AUTO_SAMPLE, AUTO_SAMPLE_BYTES // mean))
    return sample_keys(keys, total, AUTO_BLOCKS)


def sample_keys(keys, total: int, blocks: int):
    """About ``total`` of the sorted ``keys`` (a KeyStream, SortedKeys or list) in ``blocks``
    runs of consecutive keys spread evenly over them; all of them when there are not more.

    >>> sample_keys([str(i) for i in range(10)], 4, 2)
    ['0', '1', '5', '6']
    """
    n = len(keys)
    if n <= total:
        return keys
    if hasattr(keys, "sample"):
        return keys.sample(total, blocks)
    per = total // blocks
    starts = [b * n // blocks for b in range(blocks)]
    if hasattr(keys, "iter_range"):
        return [k for s in starts for k in keys.iter_range(s, s + per)]
    return [k for s in starts for k in keys[s:s + per]]
