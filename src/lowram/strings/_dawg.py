"""The ``dawg`` backend: a DAWG (dawg2's ``CompletionDAWG``), fast lookups in little RAM.

Built with dawg2, then serialised and reopened: a freshly built dawg2 object keeps its
intermediate graph beside the final dictionary (11.7 B/key on the 663,473-word English list
against 7.2 B/key reopened, measured as resident-set growth in a fresh process), so the
wrapper holds less than the raw library used naively. The completion guide is kept so keys
iterate (dawgdic yields them in UTF-8 byte order, which is code-point order).

Refusals: dawgdic cannot store "\\x00" (its end-of-key marker) nor the empty key (the front
keeps that one as a flag). The serialised dictionary is the format DAWG-Python reads:
:meth:`lowram.StringSet.export` writes it as a plain file.

Native size: dawg2 does not report it. ``nbytes`` is the serialised size times the ratio of
resident-set growth to serialised size measured for a reopened CompletionDAWG
(:data:`RSS_PER_SERIALIZED_BYTE`, see benchmarks/bench_strings.py, which re-measures it).
"""

from __future__ import annotations

import sys

import dawg

from ._backends import SetBackend

__all__ = ["DawgSet", "RSS_PER_SERIALIZED_BYTE"]

#: resident bytes per serialised byte of a reopened CompletionDAWG (measured: 4,755,456 B of
#: RSS growth for 3,451,400 serialised bytes on the bundled English words, 1.38)
RSS_PER_SERIALIZED_BYTE = 1.38


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
        return int(self._serialized * RSS_PER_SERIALIZED_BYTE) + sys.getsizeof(self.impl)

    def export(self, path):
        self.impl.save(str(path))
