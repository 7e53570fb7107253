"""``__sizeof__`` of StringSet and StringMap against resident-set growth in a fresh process.

Tolerance: 10% of the measured growth plus 256 KiB. The relative part is the target the
structures are built to (``deep_size`` within 10% of isolated RSS); the absolute part covers
what RSS cannot resolve on builds of a few MB: RSS moves in 4 KiB pages, and the interpreter
and the allocator keep a few hundred KiB of their own bookkeeping (pymalloc arenas are
1 MiB; the measuring worker itself allocates a little while building).
"""

from __future__ import annotations

import sys

import pytest

from lowram import StringMap, StringSet
from lowram.corpora import Corpus, bundled_path, read_counts
from lowram.measure import deep_size, isolated_memory
from lowram.strings import _report

SLACK = 256 * 1024


def map_marisa(pairs):
    return StringMap(pairs, backend="marisa")


def map_sorted(pairs):
    return StringMap(pairs, backend="sorted")


def _check(builder, source, items):
    iso = isolated_memory(builder, source)
    obj = builder(iter(items))
    size = deep_size(obj)
    assert abs(size - iso.growth) <= 0.10 * iso.growth + SLACK, (size, iso.growth)
    return size, iso.growth


@pytest.mark.slow
@pytest.mark.parametrize("name", ["marisa", "dawg", "sorted", "builtin", "auto"])
def test_stringset_size_matches_rss(name):
    corpus = Corpus.bundled("english-words")
    builder = (_report.auto if name == "auto" else getattr(_report.backend, name))
    size, growth = _check(builder, corpus, list(corpus))
    assert size > 1_000_000  # megabytes, so the relative tolerance is what binds


@pytest.mark.slow
def test_datrie_size_matches_rss(english_sample):
    # datrie builds slowly (seconds per 100k keys): 13,270 words keep the test short
    _check(_report.backend.datrie, english_sample * 1, english_sample)


@pytest.mark.slow
@pytest.mark.parametrize("builder", [map_marisa, map_sorted])
def test_stringmap_size_matches_rss(builder):
    pairs = list(read_counts(bundled_path("english-frequencies")))
    _check(builder, pairs, pairs)


def test_sizeof_is_total():
    s = StringSet([f"w{i}" for i in range(2000)], backend="marisa")
    assert type(s)._lowram_sizeof_is_total
    assert deep_size(s) == sys.getsizeof(s) > s.nbytes > 0
    m = StringMap({"a": 1}, backend="sorted")
    assert deep_size(m) == sys.getsizeof(m) > m.nbytes > 0
