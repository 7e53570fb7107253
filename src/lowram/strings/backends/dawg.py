"""The ``dawg`` backend: a DAWG built by dawg2, read by lowram's compiled dawgdic reader.

dawg2 builds the DAWG (a ``CompletionDAWG``: the dictionary plus the guide that lists keys in
UTF-8 byte order, which is code-point order); lowram keeps only its serialised bytes and
reads them with :class:`lowram.strings.backends._dawgdic.DawgDict`. So the wrapper holds less
than the raw library used naively (a freshly built dawg2 object keeps its intermediate
graph; the README and ``benchmarks/bench_strings.py`` give the figures), lookups run in C with no Python ``bytes`` per key (a batch walks eight keys at once), a saved set
opens in place from a memory map, and the format is the one DAWG-Python reads
(:meth:`lowram.StringSet.export` writes it plainly).

The reader checks every index it follows, and the guide, which is data too, is checked as it
is read: listing keys raises :class:`~lowram.FormatError` when a key does not sort after the
one before it (a guide that loops) or when more keys come than the set holds, so a crafted
file cannot make iteration run for ever.

Refusals: dawgdic cannot store "\\x00" (its end-of-key marker) nor the empty key (the front
keeps that one as a flag).

Native size: exactly the buffer (``len`` of the serialised DAWG), which is all it holds.
"""

from __future__ import annotations

import sys

import dawg

from ._base import KeyIndex, SetBackend
from ._dawgdic import DawgDict

__all__ = ["DawgSet", "DawgIndex"]


class DawgSet(SetBackend):
    """StringSet backend over ``dawg.CompletionDAWG`` (see the module docstring)."""

    name = "dawg"
    nul_free = True
    utf8_only = True
    cheap_count = False
    mmap_capable = True

    @classmethod
    def build(cls, keys):
        data = dawg.CompletionDAWG(keys, input_is_sorted=True).tobytes()
        return cls(DawgDict(data), len(keys))

    def count(self):
        n = 0
        for _ in self.impl.iter_keys():
            n += 1
        return n

    def iter_keys(self, prefix):
        # at most as many keys as the set holds: a crafted guide cannot list more
        return self.impl.iter_keys(prefix.encode("utf-8"), False, self.size)

    def has_prefix(self, prefix):
        return self.impl.has_prefix(prefix.encode("utf-8"))

    def prefixes(self, s):
        b = s.encode("utf-8")
        return [b[:n].decode("utf-8") for n in self.impl.prefix_lengths(b)]

    def payload(self):
        return bytes(self.impl.buffer)

    @classmethod
    def from_payload(cls, view, mapped, count):
        return cls(DawgDict(view if mapped else bytes(view)), count)

    def nbytes(self):
        return self.impl.nbytes + sys.getsizeof(self.impl)

    def export(self, path):
        with open(path, "wb") as fh:
            fh.write(self.impl.buffer)


class DawgIndex(KeyIndex, DawgSet):
    """StringMap backend: a dawg2 ``IntCompletionDAWG`` whose values are the key ids.

    Ids (positions in sorted order) are below 2**31, so any user value fits: the values live
    in lowram's :class:`ValueStore`, not in the DAWG.
    """

    @classmethod
    def build_index(cls, keys):
        data = dawg.IntCompletionDAWG(zip(keys, range(len(keys))), input_is_sorted=True).tobytes()
        return cls(DawgDict(data), len(keys)), range(len(keys))

    def index(self, key):
        return self.impl.value_of(key)

    def iter_items(self, prefix):
        return self.impl.iter_keys(prefix.encode("utf-8"), True, self.size)

    def prefix_items(self, s):
        impl = self.impl
        return [(k, impl.value_of(k)) for k in self.prefixes(s)]
