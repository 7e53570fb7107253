"""What every StringSet and StringMap backend provides (:class:`SetBackend`, :class:`KeyIndex`).

A backend is a small class with the same methods as its siblings (:class:`SetBackend`). It
receives only what it can hold: the front (:class:`lowram.StringSet`) keeps the empty key as
a flag, and every key reaches the backend already validated by :meth:`SetBackend.refusal`,
so no key a library cannot store is ever handed to its C code.
"""

from __future__ import annotations

import re

__all__ = ["KeyIndex", "SetBackend", "first_surrogate", "show"]

_SURROGATE = re.compile("[\ud800-\udfff]")

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

        Keys are checked in the order given (the front passes them sorted). Gathered keys
        (a KeyStream) say whether any holds "\x00" or a lone surrogate, so a backend with no
        other limit reads no key when none does.
        """
        if not (cls.nul_free or cls.utf8_only or cls.max_alphabet is not None):
            return None   # holds every str
        if cls.max_alphabet is None and hasattr(keys, "has_surrogate") and not (
                (cls.nul_free and keys.has_nul) or (cls.utf8_only and keys.has_surrogate)):
            return None
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
