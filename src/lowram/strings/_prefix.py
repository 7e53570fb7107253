"""``longest_prefix``, written once for every string set and map."""

from __future__ import annotations

__all__ = ["MISSING", "longest_prefix"]

#: "no default given" (``None`` is a valid default)
MISSING = object()


def longest_prefix(found: list, s, default=MISSING):
    """The last of ``found`` (the stored keys or items that are prefixes of ``s``, shortest
    first); with none, ``default`` or ``KeyError(s)``."""
    if found:
        return found[-1]
    if default is MISSING:
        raise KeyError(s)
    return default
