"""Builders for ``lowram-report`` and the benchmarks: ``builder(iterable) -> structure``.

One per StringSet backend, and the raw libraries as a user would call them (peers). The raw
datrie builder refuses an alphabet past 255 characters itself, because the library would
crash the measuring process.
"""

from __future__ import annotations

from ._set import StringSet

__all__ = ["auto", "marisa", "dawg", "datrie", "sorted_", "builtin", "raw_marisa",
           "raw_dawg", "raw_completion_dawg", "raw_datrie"]


def auto(iterable):
    """``StringSet(iterable)`` (backend chosen by the auto rule)."""
    return StringSet(iterable)


def marisa(iterable):
    """``StringSet(iterable, backend="marisa")``."""
    return StringSet(iterable, backend="marisa")


def dawg(iterable):
    """``StringSet(iterable, backend="dawg")``."""
    return StringSet(iterable, backend="dawg")


def datrie(iterable):
    """``StringSet(iterable, backend="datrie")``."""
    return StringSet(iterable, backend="datrie")


def sorted_(iterable):
    """``StringSet(iterable, backend="sorted")``."""
    return StringSet(iterable, backend="sorted")


def builtin(iterable):
    """``StringSet(iterable, backend="builtin")``."""
    return StringSet(iterable, backend="builtin")


def raw_marisa(iterable):
    """``marisa_trie.Trie(keys)`` with the library's defaults."""
    import marisa_trie

    return marisa_trie.Trie(iterable)


def raw_dawg(iterable):
    """``dawg.DAWG(keys)`` (dawg2), built in-process and used as is."""
    import dawg as _dawg

    return _dawg.DAWG(iterable)


def raw_completion_dawg(iterable):
    """``dawg.CompletionDAWG(keys)`` (dawg2), built in-process and used as is."""
    import dawg as _dawg

    return _dawg.CompletionDAWG(iterable)


def raw_datrie(iterable):
    """``datrie.BaseTrie`` over the keys' alphabet, one ``trie[key] = 0`` per key."""
    import datrie as _datrie

    keys = list(dict.fromkeys(iterable))
    alphabet = set().union(*keys) if keys else {"a"}
    if len(alphabet) > 255 or any("\x00" in k for k in keys):
        raise ValueError(f"datrie cannot hold this corpus ({len(alphabet)} distinct "
                         f"characters or a '\\x00'); building it would crash the process")
    trie = _datrie.BaseTrie(alphabet="".join(sorted(alphabet)))
    for key in keys:
        trie[key] = 0
    return trie
