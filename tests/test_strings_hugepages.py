"""The builtin backend's frozenset table on transparent huge pages (``set_table_huge_pages``).

Moving the table is a request the kernel may refuse, so what is checked is what must hold
everywhere: the answers do not change, small tables and an opted-out process are left alone,
and where the call reports success the kernel's own accounting (``/proc/self/smaps``) shows
huge pages in the table's mapping.
"""

from __future__ import annotations

import random
import sys

import pytest

from lowram import StringSet
from lowram.strings._core import (HUGE_TABLE_MIN, _table_span, huge_page_size,
                                  set_table_huge_pages)


def _anon_huge_kb(address):
    """AnonHugePages of the mapping holding ``address``, from /proc/self/smaps."""
    current = None
    with open("/proc/self/smaps") as fh:
        for line in fh:
            first = line.split()[0]
            if "-" in first and all(c in "0123456789abcdef-" for c in first):
                lo, hi = (int(x, 16) for x in first.split("-"))
                current = lo <= address < hi
            elif current and line.startswith("AnonHugePages:"):
                return int(line.split()[1])
    return 0


def _words(n, seed=0):
    rng = random.Random(seed)
    return list({"".join(rng.choices("abcdefghijklmnopqrstuvwxyzæøå", k=rng.randint(1, 12)))
                 for _ in range(n)})


def _whole_pages(fs):
    address, size = _table_span(fs)
    page = huge_page_size()
    return (address + size) // page - (address + page - 1) // page if page else 0


@pytest.mark.parametrize("bad", [None, {"a"}, ["a"], "a"])
def test_only_frozensets(bad):
    with pytest.raises(TypeError):
        set_table_huge_pages(bad)


def test_small_tables_are_left_alone():
    fs = frozenset(_words(1000))
    assert _table_span(fs)[1] < HUGE_TABLE_MIN
    assert set_table_huge_pages(fs) == 0
    assert set_table_huge_pages(frozenset()) == 0


def test_opt_out(monkeypatch):
    monkeypatch.setenv("LOWRAM_HUGE_PAGES", "0")
    assert huge_page_size() == 0
    s = StringSet(_words(100_000, seed=3), backend="builtin")
    assert _table_span(s._backend.impl)[1] >= HUGE_TABLE_MIN
    assert s._backend.huge_pages == 0


def test_large_table_answers_unchanged():
    words = _words(300_000)
    reference = frozenset(words)
    s = StringSet(words, backend="builtin")
    inner = s._backend.impl
    assert _table_span(inner)[1] >= HUGE_TABLE_MIN
    whole = _whole_pages(inner)
    assert s._backend.huge_pages in ({-1, whole} if huge_page_size() else {0})
    assert set_table_huge_pages(inner) in ({-1, whole} if huge_page_size() else {0})
    rng = random.Random(1)
    queries = [w.encode().decode() for w in rng.sample(words, 20_000)]
    queries += [w + "!" for w in queries[:5000]] + ["", "x" * 40]
    expected = [q in reference for q in queries]
    assert [q in s for q in queries] == expected
    assert s.contains_many(queries).tolist() == expected
    assert len(s) == len(reference) and sorted(s) == sorted(reference)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/smaps is Linux")
def test_success_means_huge_pages():
    if not huge_page_size():
        pytest.skip("transparent huge pages are off or absent on this system")
    fs = frozenset(_words(300_000, seed=2))
    pages = set_table_huge_pages(fs)
    if pages == -1:
        pytest.skip("the kernel refused MADV_COLLAPSE (Linux < 6.1, or no free huge page)")
    address, size = _table_span(fs)
    assert pages == _whole_pages(fs) > 0
    assert _anon_huge_kb(address + size // 2) >= huge_page_size() // 1024
