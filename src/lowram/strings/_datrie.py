"""The ``datrie`` backend: a double-array trie (datrie, over libdatrie).

libdatrie maps the alphabet onto one byte per character with 0 as its end-of-key marker, so
it holds at most 255 distinct characters and no "\\x00"; beyond that it corrupts its heap and
crashes the interpreter (``malloc(): invalid size``). This backend refuses such key sets at
build time instead (:meth:`SetBackend.refusal`). Characters are added to the alphabet in
code-point order, so the trie iterates keys in code-point order.

Native size: datrie does not report it. ``nbytes`` is computed from the trie's own file
layout, which mirrors its memory: the double array (8 bytes per cell), the tail array
(16 bytes per block) and one ``malloc`` chunk per tail suffix (glibc: length + 1 rounded up
with 8 bytes of header to a multiple of 16, at least 32). benchmarks/bench_strings.py
checks it against resident-set growth.
"""

from __future__ import annotations

import os
import struct
import sys
import tempfile

import datrie

from ._backends import KeyIndex, SetBackend

__all__ = ["DatrieSet", "DatrieIndex", "native_size"]

_ALPHA_SIG, _DA_SIG, _TAIL_SIG = 0xD9FCD9FC, 0xDAFCDAFC, 0xDFFCDFFC


def native_size(data: bytes) -> int:
    """Heap bytes libdatrie holds for a trie serialised as ``data`` (see module docstring)."""
    pos = 0
    sig, ranges = struct.unpack_from(">Ii", data, pos)
    if sig != _ALPHA_SIG:
        raise ValueError("not a datrie file (alpha map signature)")
    pos += 8 + 8 * ranges
    sig, cells = struct.unpack_from(">Ii", data, pos)
    if sig != _DA_SIG:
        raise ValueError("not a datrie file (double-array signature)")
    pos += 8 * cells
    sig, _first_free, tails = struct.unpack_from(">Iii", data, pos)
    if sig != _TAIL_SIG:
        raise ValueError("not a datrie file (tail signature)")
    pos += 12
    total = 8 * cells + 16 * tails + 16 * ranges
    unpack = struct.Struct(">iih").unpack_from
    for _ in range(tails):
        length = unpack(data, pos)[2]
        pos += 10 + max(length, 0)
        total += max(32, (length + 1 + 8 + 15) & ~15)
    return total


def _alphabet(keys) -> str:
    """The distinct characters of ``keys`` in code-point order ("a" when there are none)."""
    chars: set = set()
    for key in keys:
        chars.update(key)
    return "".join(sorted(chars)) or "a"


def _to_bytes(trie) -> bytes:
    with tempfile.TemporaryFile() as fh:
        trie.write(fh)
        fh.seek(0)
        return fh.read()


def _from_bytes(data: bytes):
    with tempfile.NamedTemporaryFile(delete=False) as fh:
        fh.write(data)
        path = fh.name
    try:
        return datrie.BaseTrie.load(path)
    finally:
        os.unlink(path)


class DatrieSet(SetBackend):
    """StringSet backend over ``datrie.BaseTrie`` (see the module docstring)."""

    name = "datrie"
    nul_free = True
    nul_lookup_unsafe = True  # libdatrie would read "ab\x00c" as "ab"
    utf8_only = True  # datrie decodes keys with the strict UTF-32 codec
    max_alphabet = 255
    cheap_count = False
    sort_batches = True

    def __init__(self, impl, size, nbytes):
        super().__init__(impl, size)
        self._nbytes = nbytes

    @classmethod
    def build(cls, keys):
        trie = datrie.BaseTrie(alphabet=_alphabet(keys))
        for key in keys:
            trie[key] = 0
        return cls(trie, len(keys), native_size(_to_bytes(trie)))

    def count(self):
        return len(self.impl)

    def iter_keys(self, prefix):
        state = datrie.BaseState(self.impl)
        if prefix and not state.walk(prefix):
            return
        it = datrie.BaseIterator(state)
        while it.next():
            yield prefix + it.key()

    def has_prefix(self, prefix):
        return self.impl.has_keys_with_prefix(prefix)

    def prefixes(self, s):
        return self.impl.prefixes(s)

    def payload(self):
        return _to_bytes(self.impl)

    @classmethod
    def from_payload(cls, view, mapped, count):
        data = bytes(view)
        size = native_size(data)
        return cls(_from_bytes(data), count, size)

    def nbytes(self):
        return self._nbytes + sys.getsizeof(self.impl)

    def export(self, path):
        self.impl.save(str(path))


class DatrieIndex(KeyIndex, DatrieSet):
    """StringMap backend: a ``datrie.BaseTrie`` whose int32 values are the key ids."""

    @classmethod
    def build_index(cls, keys):
        trie = datrie.BaseTrie(alphabet=_alphabet(keys))
        for i, key in enumerate(keys):
            trie[key] = i
        return cls(trie, len(keys), native_size(_to_bytes(trie))), range(len(keys))

    def index(self, key):
        if "\x00" in key:
            return -1
        try:
            return self.impl.get(key, -1)
        except UnicodeEncodeError:
            return -1

    def iter_items(self, prefix):
        state = datrie.BaseState(self.impl)
        if prefix and not state.walk(prefix):
            return
        it = datrie.BaseIterator(state)
        while it.next():
            yield prefix + it.key(), it.data()

    def prefix_items(self, s):
        return self.impl.prefix_items(s)
