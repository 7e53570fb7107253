"""The ``dawg`` backend: a DAWG (dawg2's ``CompletionDAWG``), fast lookups in little RAM.

Built with dawg2, then serialised and reopened: a freshly built dawg2 object keeps its
intermediate graph beside the final dictionary (11.7 B/key on the 663,473-word English list
against 7.2 B/key reopened, measured as resident-set growth in a fresh process), so the
wrapper holds less than the raw library used naively. The completion guide is kept so keys
iterate (dawgdic yields them in UTF-8 byte order, which is code-point order).

Refusals: dawgdic cannot store "\\x00" (its end-of-key marker) nor the empty key (the front
keeps that one as a flag). The serialised dictionary is the format DAWG-Python reads:
:meth:`lowram.StringSet.export` writes it as a plain file.

Native size: dawg2 does not report it. ``nbytes`` is the serialised size: the heap bytes
glibc reports in use (``mallinfo2``) grow by that size, within 1%, when a CompletionDAWG is
reopened from bytes (measured at 100,000 and 663,473 English words). Resident-set growth of a
whole build is larger (1.2-1.4x on the 663,473-word list) because the build leaves the heap
fragmented; benchmarks/bench_strings.py reports both.
"""

from __future__ import annotations

import sys

import dawg

from ._backends import KeyIndex, SetBackend

__all__ = ["DawgSet", "DawgIndex"]



class DawgSet(SetBackend):
    """StringSet backend over ``dawg.CompletionDAWG`` (see the module docstring)."""

    name = "dawg"
    nul_free = True
    utf8_only = True
    cheap_count = False

    def __init__(self, impl, size, serialized):
        super().__init__(impl, size)
        self._serialized = serialized

    @classmethod
    def build(cls, keys):
        built = dawg.CompletionDAWG(keys, input_is_sorted=True)
        data = built.tobytes()
        del built  # drop the intermediate graph: reopen from the serialised form
        return cls(dawg.CompletionDAWG().frombytes(data), len(keys), len(data))

    def count(self):
        n = 0
        for _ in self.impl.iterkeys():
            n += 1
        return n

    def iter_keys(self, prefix):
        return self.impl.iterkeys(prefix)

    def prefixes(self, s):
        return self.impl.prefixes(s)

    def payload(self):
        return self.impl.tobytes()

    @classmethod
    def from_payload(cls, view, mapped, count):
        data = bytes(view)
        impl = dawg.CompletionDAWG().frombytes(data)
        return cls(impl, count, len(data))

    def nbytes(self):
        return self._serialized + sys.getsizeof(self.impl)

    def export(self, path):
        self.impl.save(str(path))


class DawgIndex(KeyIndex, DawgSet):
    """StringMap backend: a dawg2 ``IntCompletionDAWG`` whose values are the key ids.

    Ids (positions in sorted order) are below 2**31, so any user value fits: the values live
    in lowram's :class:`ValueStore`, not in the DAWG.
    """

    @classmethod
    def build_index(cls, keys):
        built = dawg.IntCompletionDAWG(zip(keys, range(len(keys))), input_is_sorted=True)
        data = built.tobytes()
        del built
        return cls(dawg.IntCompletionDAWG().frombytes(data), len(keys), len(data)), \
            range(len(keys))

    def count(self):
        n = 0
        for _ in self.impl.iterkeys():
            n += 1
        return n

    def index(self, key):
        if "\x00" in key:
            return -1
        try:
            return self.impl.get(key, -1)
        except UnicodeEncodeError:
            return -1

    def iter_items(self, prefix):
        return self.impl.iteritems(prefix)

    def prefix_items(self, s):
        impl = self.impl
        return [(k, impl[k]) for k in impl.prefixes(s)]

    @classmethod
    def from_payload(cls, view, mapped, count):
        data = bytes(view)
        return cls(dawg.IntCompletionDAWG().frombytes(data), count, len(data))
