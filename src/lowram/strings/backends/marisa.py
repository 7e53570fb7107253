"""The ``marisa`` backend: a MARISA trie (marisa-trie), the least RAM, memory-mappable.

Built with ``order=LABEL_ORDER`` so that the trie's own predictive search yields keys in
code-point order (UTF-8 byte order equals code-point order): iteration stays lazy and sorted
without a permutation array. Native size: the serialised size (``len(tobytes())``); the trie's
in-memory layout is its file layout, and ``benchmarks/bench_strings.py`` (column deep/rss)
checks that figure against the resident-set growth of a build in a fresh process.

Files: marisa-trie's loader trusts what it reads (a crafted payload can make it read outside
its buffer or loop), so every payload is checked whole by ``_marisacheck.check_marisa`` (our
reader of marisa's format) before the library sees it: one pass over the payload, also when
it is memory-mapped. The check reads structure, not key bytes: a key whose bytes are not
UTF-8 is found when it is read, and the fronts raise FormatError for it
(``errors.not_utf8``). Library quirks handled here: ``Trie.prefixes`` reads its argument as a
NUL-terminated C string, so queries containing "\\x00" are answered key by key; ``Trie.map``
does not keep the buffer alive, so the backend holds the memory map.
"""

from __future__ import annotations

import sys

import marisa_trie
import numpy as np

from ._base import KeyIndex, SetBackend
from ._marisacheck import check_marisa


def _checked(view):
    """``check_marisa`` with the longest key held to 64 KiB + 64 bytes per payload byte: the
    links of nested tries can double a key's length per trie, so a 12 KB file could otherwise
    restore a 1 GiB key (or many). Real key sets stay far below (their bound is the sum,
    over tree levels, of the longest fragment a node of that level restores)."""
    return check_marisa(view, key_limit=(1 << 16) + 64 * len(view))

__all__ = ["MarisaSet", "MarisaIndex"]


def _aligned(view) -> bool:
    """The view's first byte is 8-byte aligned (as the envelope lays out a payload of bytes)."""
    return len(view) > 0 and np.frombuffer(view, dtype=np.uint8).ctypes.data % 8 == 0


class MarisaSet(SetBackend):
    """StringSet backend over ``marisa_trie.Trie`` (see the module docstring)."""

    name = "marisa"
    utf8_only = True
    mmap_capable = True
    sort_batches = True

    def __init__(self, impl, size, nbytes, keepalive=None):
        super().__init__(impl, size)
        self._nbytes = nbytes
        self._keepalive = keepalive  # the mapped buffer a mapped trie reads from

    @classmethod
    def build(cls, keys):
        trie = marisa_trie.Trie(keys, order=marisa_trie.LABEL_ORDER)
        return cls(trie, len(trie), len(trie.tobytes()))

    def iter_keys(self, prefix):
        return self.impl.iterkeys(prefix)

    def prefixes(self, s):
        if "\x00" in s:
            return super().prefixes(s)
        return self.impl.prefixes(s)

    def payload(self):
        return self.impl.tobytes()

    @classmethod
    def from_payload(cls, view, mapped, count):
        _checked(view)
        return cls._open(marisa_trie.Trie, view, mapped)

    @classmethod
    def _open(cls, trie_cls, view, mapped, in_place=True):
        """A trie reading its bytes where they are: the memory map, or (``in_place``) the
        immutable bytes a payload read into memory lives in (``unpack`` gives a view of those,
        never of a buffer the caller could change), so opening copies nothing; otherwise one
        copy of the trie's bytes, mapped. marisa reads 8-byte words: a view that is not
        aligned is copied (a new bytes object's data is), and ``frombytes``, which copies
        again inside marisa, is the last resort."""
        if mapped or (in_place and _aligned(view)):
            trie = trie_cls().map(view)
            return cls(trie, len(trie), len(view), keepalive=view)
        data = bytes(view)
        if _aligned(data):
            trie = trie_cls().map(data)
            return cls(trie, len(trie), len(data), keepalive=data)
        trie = trie_cls().frombytes(data)
        return cls(trie, len(trie), len(data))

    def nbytes(self):
        return self._nbytes + sys.getsizeof(self.impl)

    def export(self, path):
        self.impl.save(str(path))


class MarisaIndex(KeyIndex, MarisaSet):
    """StringMap backend: a ``marisa_trie.BinaryTrie`` over UTF-8 keys; id = marisa key id.

    ``BinaryTrie`` (not ``Trie``): ``Trie.key_id`` reads its key as a NUL-terminated string.
    """

    @classmethod
    def build_index(cls, keys):
        # generators, not lists: no Python object per key outlives its turn (see collect())
        trie = marisa_trie.BinaryTrie((k.encode("utf-8") for k in keys),
                                      order=marisa_trie.LABEL_ORDER)
        ids = np.fromiter((trie.key_id(k.encode("utf-8")) for k in keys), dtype=np.int64,
                          count=len(keys))
        return cls(trie, len(trie), len(trie.tobytes())), ids

    def index(self, key):
        try:
            b = key.encode("utf-8")
        except UnicodeEncodeError:
            return -1
        return self.impl.get(b, -1)

    def iter_items(self, prefix):
        for b, i in self.impl.iteritems(prefix.encode("utf-8")):
            yield b.decode("utf-8"), i

    def prefix_items(self, s):
        trie = self.impl
        return [(b.decode("utf-8"), trie.key_id(b)) for b in trie.prefixes(s.encode("utf-8"))]

    @classmethod
    def from_payload(cls, view, mapped, count):
        _checked(view)
        # a map's payload holds its values too, which the map copies: the index is copied
        # out rather than keeping the whole payload alive for it
        return cls._open(marisa_trie.BinaryTrie, view, mapped, in_place=False)
