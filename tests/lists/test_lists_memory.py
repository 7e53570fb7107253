"""``__sizeof__`` of every typed list against resident memory measured in a subprocess.

``isolated_memory`` builds each structure in a fresh interpreter and reports RSS growth, the
ground truth that sees native buffers. The structure's own ``__sizeof__`` must agree with it
to within 5 % plus 1.25 MB. The fixed part covers what RSS sees besides the structure and
does not grow with it: on this machine the excess was between -3 KB and +0.92 MB for
builds from 0.13 MB to 40 MB (FloatList and BitList of 1M items showed ~0.9 MB, IntList of
10M items 0.17 MB), i.e. allocator state left by the streamed build, not a per-item cost.
The 5 % covers page rounding of large buffers. A structure whose ``__sizeof__`` forgot its
buffer (2.5 to 9 MB here) would fail; for BitList (0.13 MB of bits) this check is weak, and
tests/lists/test_lists_bit.py checks its ``__sizeof__`` against the bit count instead.
"""

from __future__ import annotations

import sys

import pytest

from lowram import BitList, FloatList, IntList, PackedIntArray, StrList
from lowram.corpora import Corpus
from lowram.measure import deep_size, isolated_memory

pytestmark = pytest.mark.slow


def build_intlist(items):
    return IntList(items)


def build_floatlist(items):
    return FloatList(items)


def build_packed(items):
    return PackedIntArray.from_iterable(items)


def build_bitlist(items):
    return BitList(v & 1 for v in items)


def build_strlist(items):
    return StrList(items)


CASES = [
    (build_intlist, "random-ints-1M"),
    (build_floatlist, "random-ints-1M"),
    (build_packed, "random-ints-1M"),
    (build_bitlist, "random-ints-1M"),
    (build_strlist, "english-words"),
]


@pytest.mark.parametrize("builder, corpus", CASES, ids=lambda c: getattr(c, "__name__", c))
def test_sizeof_matches_isolated_rss(builder, corpus):
    source = Corpus.bundled(corpus)
    expected = sys.getsizeof(builder(iter(source)))
    measured = isolated_memory(builder, source, repeat=1)
    assert measured.growth is not None, "RSS not measurable on this platform"
    slack = 0.05 * expected + 1.25e6
    assert abs(measured.growth - expected) <= slack, (measured.growth, expected)


def test_deep_size_uses_sizeof_and_does_not_double_count():
    x = IntList(range(100_000))
    s = StrList(["a", "bb"] * 1000)
    b = BitList([1] * 1000)
    for obj in (x, s, b, PackedIntArray.from_iterable(range(1000))):
        assert deep_size(obj) == sys.getsizeof(obj)
    holder = [x, s]
    assert deep_size(holder) < sys.getsizeof(x) + sys.getsizeof(s) + 1000
