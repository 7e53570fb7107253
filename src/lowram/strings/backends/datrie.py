"""The ``datrie`` backend: a double-array trie in libdatrie's format, written and read by lowram.

lowram lays the trie out from the sorted keys in one pass (``_datriebuild.pyx``) in the
format ``datrie.BaseTrie.write`` writes and ``datrie.BaseTrie.load`` reads, and answers every
query from those bytes with :class:`lowram.strings.backends._datriedic.DatrieDict`: lookups
read the query's code points in place, ``contains_many`` runs in C, a saved set opens in place from a
memory map, and the structure is checked when opened and every index bounds-checked while
walking, so a malformed or crafted file raises ``lowram.FormatError`` or gives wrong
answers, never reads outside its buffer (libdatrie itself checks nothing).

Refusals: libdatrie maps the alphabet onto one byte per character with 0 as its end-of-key
marker, so it holds at most 255 distinct characters and no "\\x00"; beyond that it corrupts
its heap and crashes the interpreter (``malloc(): invalid size``). This backend refuses such
key sets at build time instead (:meth:`SetBackend.refusal`). Its file format stores a tail
suffix's length as an int16, so keys longer than 32,768 characters are refused too (libdatrie
would write a wrong length, and the file would read back as other keys). Characters are added
to the alphabet in code-point order, so the trie iterates keys in code-point order.

Native size: exactly the buffer, one 4-byte offset per tail block (the reader's index of
the variable-length tail blocks) and a 256-byte code-point table per 256-code-point block the
alphabet touches, which is all the reader holds (``DatrieDict.nbytes``); it is less than a
``datrie.BaseTrie`` holds (``benchmarks/bench_strings.py`` measures both).
"""

from __future__ import annotations

import itertools
import sys

from ._base import KeyIndex, SetBackend, show
from ._datriebuild import build_datrie
from ._datriedic import DatrieDict

__all__ = ["DatrieSet", "DatrieIndex"]

#: longest key the format can hold: a tail suffix's length is an int16, and the suffix is at
#: most a key's characters after the first (libdatrie branches every key off the root)
MAX_KEY_LENGTH = 32768


def _serialise(keys, values) -> bytes:
    """libdatrie's file bytes for sorted ``keys`` (data ``values``), laid out in one pass by
    :func:`~lowram.strings.backends._datriebuild.build_datrie` (libdatrie's own inserts slow
    as the trie fills)."""
    return build_datrie(keys, values)


class DatrieSet(SetBackend):
    """StringSet backend over libdatrie's format (see the module docstring)."""

    name = "datrie"
    nul_free = True
    utf8_only = True  # datrie decodes keys with the strict UTF-32 codec
    max_alphabet = 255
    cheap_count = False
    mmap_capable = True

    @classmethod
    def refusal(cls, keys):
        for i, key in enumerate(keys):
            if len(key) > MAX_KEY_LENGTH:
                # an earlier key, or this one, may be refused for another reason first
                return super().refusal(itertools.islice(keys, i + 1)) or (
                    f"the datrie backend cannot hold key {show(key)}: it is longer than the "
                    f"{MAX_KEY_LENGTH:,} characters libdatrie's file format can hold")
        return super().refusal(keys)

    @classmethod
    def build(cls, keys):
        return cls(DatrieDict(_serialise(keys, None)), len(keys))

    def count(self):
        return self.impl.count()

    def iter_keys(self, prefix):
        return self.impl.iter_keys(prefix)

    def has_prefix(self, prefix):
        return self.impl.has_prefix(prefix)

    def prefixes(self, s):
        return [s[:n] for n in self.impl.prefix_lengths(s)]

    def payload(self):
        return bytes(self.impl.buffer)

    @classmethod
    def from_payload(cls, view, mapped, count):
        return cls(DatrieDict(view if mapped else bytes(view), cls._value_limit(count)), count)

    @staticmethod
    def _value_limit(count):
        return -1

    def nbytes(self):
        return self.impl.nbytes + sys.getsizeof(self.impl)

    def export(self, path):
        with open(path, "wb") as fh:
            fh.write(self.impl.buffer)


class DatrieIndex(KeyIndex, DatrieSet):
    """StringMap backend: a libdatrie trie whose int32 data are the key ids.

    The reader treats data outside ``0..count-1`` as absent, so a crafted file cannot
    point past the value store.
    """

    @classmethod
    def build_index(cls, keys):
        data = _serialise(keys, range(len(keys)))
        return cls(DatrieDict(data, len(keys)), len(keys)), range(len(keys))

    @staticmethod
    def _value_limit(count):
        return count

    def index(self, key):
        return self.impl.value_of(key)

    def iter_items(self, prefix):
        return self.impl.iter_keys(prefix, True)

    def prefix_items(self, s):
        return [(s[:n], v) for n, v in self.impl.prefix_lengths(s, True)]
