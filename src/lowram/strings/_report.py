"""The strings family's entries in ``lowram-report`` (see :mod:`lowram.report.registry`),
and their builders: ``builder(iterable) -> structure``.

One entry per StringSet backend in the backend table (made from it: a new backend appears
in the report without an edit here), ``auto``, the HAT-tries, and the raw libraries as a
user would call them (peers). The raw datrie builder refuses an alphabet past 255
characters itself, because the library would crash the measuring process.
"""

from __future__ import annotations

from types import SimpleNamespace

from . import backends
from ._set import StringSet

__all__ = ["REPORT", "StringSetBuilder", "auto", "backend", "raw_completion_dawg", "raw_dawg",
           "raw_datrie", "raw_marisa"]


class StringSetBuilder:
    """``StringSet(iterable, backend=name)``, as a picklable callable."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, iterable):
        return StringSet(iterable, backend=self.name)

    def __repr__(self) -> str:
        return f"StringSetBuilder({self.name!r})"


def auto(iterable):
    """``StringSet(iterable)`` (backend chosen by the auto rule)."""
    return StringSet(iterable)


#: one builder per StringSet backend: ``backend.marisa``, ``backend.sorted``, ...
backend = SimpleNamespace(**{name: StringSetBuilder(name) for name in backends.names()})


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


_STRINGS = ("words", "tokens")
#: what the report says of a backend beyond its name; measured by default unless listed
_BACKEND_OPTIONS = {
    "builtin": dict(default=False, note="a frozenset behind the StringSet API"),
}

REPORT = [
    dict(name="StringSet[auto]", kinds=_STRINGS, builder=":auto", family="lowram",
         note="backend='auto': the smallest of compact, marisa, dawg (>= 1,000 keys)"),
    *(dict(name=f"StringSet[{name}]", kinds=_STRINGS, builder=f":backend.{name}",
           family="lowram", **_BACKEND_OPTIONS.get(name, {})) for name in backends.names()),
    dict(name="marisa_trie.Trie", kinds=_STRINGS, builder=":raw_marisa", family="peer",
         requires=("marisa_trie",)),
    dict(name="dawg2.DAWG", kinds=_STRINGS, builder=":raw_dawg", family="peer",
         requires=("dawg",), note="as built in-process, not reloaded"),
    dict(name="dawg2.CompletionDAWG", kinds=_STRINGS, builder=":raw_completion_dawg",
         family="peer", requires=("dawg",), default=False,
         note="as built in-process, not reloaded"),
    dict(name="datrie.Trie", kinds=_STRINGS, builder=":raw_datrie", family="peer",
         requires=("datrie",), default=False,
         note="BaseTrie over the corpus alphabet; crashes past 255 characters"),
    dict(name="MutableStringSet", kinds=("words",), builder="lowram.strings:MutableStringSet",
         family="lowram", note="HAT-trie: mutable, sorted iteration, prefix queries"),
    dict(name="MutableStringMap", kinds=("tokens",),
         builder="lowram.strings:MutableStringMap.counted", family="lowram",
         note="HAT-trie str->int64: exact counts of every token"),
    dict(name="StringCounter", kinds=("tokens",), builder="lowram.strings:StringCounter",
         family="lowram",
         note="collections.Counter of str: compact insertion-ordered hash table"),
]
