"""What every StringSet backend provides, the backend registry, and the ``auto`` rule.

A backend is a small class with the same methods as its siblings (:class:`SetBackend`). It
receives only what it can hold: the front (:class:`lowram.StringSet`) keeps the empty key as
a flag, and every key reaches the backend already validated by :meth:`SetBackend.refusal`,
so no key a library cannot store is ever handed to its C code.
"""

from __future__ import annotations

import importlib
import mmap as _mmap
import os
import re

from .._fileformat import file_path, unpack

__all__ = ["SetBackend", "SET_BACKENDS", "set_backend", "choose_set_backend", "AUTO_SMALL"]

_SURROGATE = re.compile("[\ud800-\udfff]")

#: ``backend="auto"`` keeps sets with fewer keys than this in a ``frozenset``.
AUTO_SMALL = 1000


def show(key: str) -> str:
    """``repr`` of a key for messages, shortened past 60 characters."""
    if len(key) <= 60:
        return repr(key)
    return f"{key[:50]!r}... ({len(key)} characters)"


def first_surrogate(s: str) -> int:
    """Index of the first lone surrogate in ``s``, or -1."""
    m = _SURROGATE.search(s)
    return m.start() if m else -1


class SetBackend:
    """Interface of a StringSet backend (subclasses override what they support).

    ``impl`` is the object whose C-level ``in`` answers membership for valid non-empty keys.
    """

    name = ""
    nul_free = False  #: cannot hold "\x00"
    #: the library's ``in`` reads a query as NUL-terminated, so the front must answer
    #: ``False`` itself for queries containing "\x00" (only meaningful when ``nul_free``)
    nul_lookup_unsafe = False
    utf8_only = False  #: cannot hold lone surrogates (UTF-8 and UTF-32 codecs refuse them)
    max_alphabet = None  #: most distinct characters the backend can hold, if limited
    mmap_capable = False  #: ``load(path, mmap=True)`` maps the file instead of reading it
    cheap_count = True  #: ``count()`` is O(1), so loads verify it
    #: ``contains_many`` looks a batch up in UTF-8 order, not as given (tries whose lookups
    #: get faster when consecutive keys share nodes; see ``lowram.strings._core``)
    sort_batches = False

    def __init__(self, impl, size: int):
        self.impl = impl
        self.size = size

    # -- build
    @classmethod
    def refusal(cls, keys) -> str | None:
        """Why this backend cannot hold ``keys`` (naming the first such key), or ``None``.

        Keys are checked in the order given (the front passes them sorted).
        """
        alphabet: set = set()
        limit = cls.max_alphabet
        for key in keys:
            if cls.nul_free and "\x00" in key:
                return (f"the {cls.name} backend cannot hold key {show(key)}: it contains '\\x00', "
                        f"which the library uses as its end-of-key marker")
            if cls.utf8_only and first_surrogate(key) >= 0:
                code = ord(key[first_surrogate(key)])
                return (f"the {cls.name} backend cannot hold key {show(key)}: it contains the lone "
                        f"surrogate U+{code:04X}, which the library cannot store")
            if limit is not None:
                alphabet.update(key)
                if len(alphabet) > limit:
                    return (f"the {cls.name} backend cannot hold key {show(key)}: it brings the "
                            f"alphabet to {len(alphabet)} distinct characters, more than the "
                            f"{limit} the library can hold")
        return None

    @classmethod
    def build(cls, keys: list) -> "SetBackend":
        """Build from distinct, non-empty keys sorted by code point (already validated)."""
        raise NotImplementedError

    def count(self) -> int:
        """Number of keys the library itself reports (to verify a build or a load)."""
        return len(self.impl)

    # -- queries (keys and prefixes are non-empty-key views; the front adds "")
    def holdable(self, s: str) -> bool:
        """Whether ``s`` could be (a prefix of) a stored key at all."""
        if self.nul_free and "\x00" in s:
            return False
        if self.utf8_only and first_surrogate(s) >= 0:
            return False
        return True

    def clip(self, s: str) -> str:
        """The longest prefix of ``s`` that :meth:`holdable` accepts."""
        cut = len(s)
        if self.nul_free:
            i = s.find("\x00")
            if i >= 0:
                cut = i
        if self.utf8_only:
            i = first_surrogate(s[:cut])
            if i >= 0:
                cut = i
        return s[:cut]

    def iter_keys(self, prefix: str):
        """Yield stored keys starting with ``prefix``, sorted by code point."""
        raise NotImplementedError

    def has_prefix(self, prefix: str) -> bool:
        """Whether some stored key starts with ``prefix``."""
        for _ in self.iter_keys(prefix):
            return True
        return False

    def prefixes(self, s: str) -> list:
        """Stored keys that are prefixes of ``s`` (``s`` already clipped), shortest first."""
        impl = self.impl
        return [s[:i] for i in range(1, len(s) + 1) if s[:i] in impl]

    # -- persistence and size
    def payload(self) -> bytes:
        """The backend's serialised form (inside lowram's envelope)."""
        raise NotImplementedError

    @classmethod
    def from_payload(cls, view, mapped: bool, count: int) -> "SetBackend":
        """Open a payload of ``count`` keys; ``mapped``: ``view`` is a memory map to use in place."""
        raise NotImplementedError

    def nbytes(self) -> int:
        """Bytes of RAM the backend holds, native buffers included."""
        raise NotImplementedError

    def export(self, path) -> None:
        """Write the library's own file format (no lowram envelope) to ``path``."""
        raise ValueError(f"the {self.name} backend has no native file format; use save()")


SET_BACKENDS = {
    "marisa": "lowram.strings._marisa:MarisaSet",
    "dawg": "lowram.strings._dawg:DawgSet",
    "datrie": "lowram.strings._datrie:DatrieSet",
    "sorted": "lowram.strings._sorted:SortedSet",
    "builtin": "lowram.strings._builtin:BuiltinSet",
}


def _resolve(ref: str):
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


def set_backend(name: str) -> type:
    """The backend class called ``name``; ``ValueError`` naming the known ones otherwise."""
    if not isinstance(name, str):
        raise TypeError(f"backend must be a str, not {type(name).__name__}")
    ref = SET_BACKENDS.get(name)
    if ref is None:
        known = ", ".join(["auto", *SET_BACKENDS])
        raise ValueError(f"unknown StringSet backend {name!r}; known: {known}")
    return _resolve(ref)


def choose_set_backend(name: str, keys: list) -> type:
    """Resolve ``name`` (or the ``auto`` rule) for ``keys``; refuse with ``ValueError``.

    ``auto``: fewer than :data:`AUTO_SMALL` keys -> ``builtin`` (a frozenset: fastest, and
    small anyway); otherwise ``marisa`` (the least RAM, memory-mappable) when it can hold
    every key, else ``sorted`` (holds every str). ``auto`` never picks a backend that refuses.
    """
    if name == "auto":
        if len(keys) < AUTO_SMALL:
            return set_backend("builtin")
        marisa = set_backend("marisa")
        if marisa.refusal(keys) is None:
            return marisa
        return set_backend("sorted")
    cls = set_backend(name)
    why = cls.refusal(keys)
    if why is not None:
        raise ValueError(why)
    return cls


class KeyIndex:
    """Interface of a StringMap backend: each key gets an index into a :class:`ValueStore`.

    Shares its refusal rules with the StringSet backend of the same library (subclasses
    inherit them from it). ``index(key)`` is -1 for a missing key.
    """

    cheap_count = True

    @classmethod
    def build_index(cls, keys: list):
        """Build over sorted, distinct, validated keys; return (index, id of each key)."""
        raise NotImplementedError

    def index(self, key: str) -> int:
        """The id of ``key`` (a non-empty str), or -1."""
        raise NotImplementedError

    def iter_items(self, prefix: str):
        """Yield (key, id) for keys starting with ``prefix``, sorted by code point."""
        raise NotImplementedError

    def has_prefix(self, prefix: str) -> bool:
        """Whether some stored key starts with ``prefix``."""
        for _ in self.iter_items(prefix):
            return True
        return False

    def prefix_items(self, s: str) -> list:
        """(key, id) for stored keys that are prefixes of ``s`` (clipped), shortest first."""
        out = []
        for i in range(1, len(s) + 1):
            j = self.index(s[:i])
            if j >= 0:
                out.append((s[:i], j))
        return out


MAP_BACKENDS = {
    "marisa": "lowram.strings._marisa:MarisaIndex",
    "dawg": "lowram.strings._dawg:DawgIndex",
    "datrie": "lowram.strings._datrie:DatrieIndex",
    "sorted": "lowram.strings._sorted:SortedIndex",
    "builtin": "lowram.strings._builtin:BuiltinIndex",
}


def map_backend(name: str) -> type:
    """The StringMap backend class called ``name``."""
    if not isinstance(name, str):
        raise TypeError(f"backend must be a str, not {type(name).__name__}")
    ref = MAP_BACKENDS.get(name)
    if ref is None:
        raise ValueError(f"unknown StringMap backend {name!r}; known: "
                         f"{', '.join(['auto', *MAP_BACKENDS])}")
    return _resolve(ref)


def choose_map_backend(name: str, keys: list) -> type:
    """Resolve ``name`` or the ``auto`` rule (the same as StringSet's) for a StringMap."""
    if name == "auto":
        if len(keys) < AUTO_SMALL:
            return map_backend("builtin")
        marisa = map_backend("marisa")
        return marisa if marisa.refusal(keys) is None else map_backend("sorted")
    cls = map_backend(name)
    why = cls.refusal(keys)
    if why is not None:
        raise ValueError(why)
    return cls


def read_or_map(path, *, kind: str, versions, mmap: bool, can_map) -> tuple:
    """Open a saved StringSet or StringMap: ``(kind, payload, mapped)``.

    The envelope is checked (kind prefix ``kind``, one of ``versions``, checksum) before any
    backend sees the bytes. With ``mmap`` and a backend for which ``can_map(name)`` holds,
    ``payload`` is a read-only view into a memory map of the file (the view keeps the map
    open); otherwise the payload is read into memory and ``mapped`` is False.
    """
    path = file_path(path)
    with open(path, "rb") as fh:
        if not mmap or os.fstat(fh.fileno()).st_size == 0:
            env = unpack(fh.read(), kind=kind, versions=versions, source=path)
            return env.kind, memoryview(env.payload), False
        mapped = _mmap.mmap(fh.fileno(), 0, access=_mmap.ACCESS_READ)
    env = unpack(mapped, kind=kind, versions=versions, source=path, copy=False)
    found, payload = env.kind, env.payload
    del env
    if can_map(found[len(kind):]):
        return found, payload, True
    copied = bytes(payload)
    payload.release()  # no view into the map may outlive it
    mapped.close()
    return found, memoryview(copied), False
