"""The builtin backend's frozenset table on transparent huge pages (``set_table_huge_pages``).

Moving the table is a request the kernel may refuse, so the tests first ask the kernel
themselves (``_collapse_refusal``: ``MADV_COLLAPSE`` on an anonymous range of this process).
Where it collapses that range, the builtin backend and ``set_table_huge_pages`` must move the
table (reporting the whole huge pages it spans, and ``/proc/self/smaps`` showing them);
where it does not, those tests are skipped with the kernel's reason. Everywhere: the answers
do not change, and small tables and an opted-out process are left alone.
"""

from __future__ import annotations

import ctypes
import errno
import json
import mmap
import os
import random
import sys

import pytest

from subprocess_runner import run_ok

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


MADV_COLLAPSE = 25  # Linux 6.1+, include/uapi/asm-generic/mman-common.h


def _collapse_refusal():
    """Why this process cannot have memory collapsed onto huge pages now; None if it can.

    Asks the kernel directly, without lowram: ``MADV_COLLAPSE`` over one whole huge page of
    a fresh, touched anonymous mapping (what lowram asks for its table).
    """
    if not sys.platform.startswith("linux"):
        return "transparent huge pages are Linux only"
    if os.environ.get("LOWRAM_HUGE_PAGES", "") == "0":
        return "LOWRAM_HUGE_PAGES=0 opts this process out"
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as fh:
            if "[never]" in fh.read():
                return "transparent huge pages are set to 'never'"
        with open("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size") as fh:
            page = int(fh.read())
    except (OSError, ValueError) as exc:
        return f"no transparent huge pages here ({exc})"
    # anonymous and private (Python's default, MAP_SHARED, would be shmem): like the heap
    region = mmap.mmap(-1, 2 * page, flags=mmap.MAP_PRIVATE)  # holds one aligned huge page
    try:
        anchor = ctypes.c_char.from_buffer(region)
        offset = -ctypes.addressof(anchor) % page
        del anchor  # the map cannot close while a buffer is exported
        region[offset:offset + page] = b"\1" * page
        try:
            region.madvise(MADV_COLLAPSE, offset, page)
        except OSError as exc:
            name = errno.errorcode.get(exc.errno, str(exc.errno))
            return (f"the kernel refused MADV_COLLAPSE ({name}: {os.strerror(exc.errno)}; "
                    f"Linux < 6.1, THP disabled for this process, or no free huge page)")
    finally:
        region.close()
    return None


def _require_collapse():
    """Skip, with the kernel's reason, unless it collapses memory onto huge pages now."""
    why = _collapse_refusal()
    if why is not None:
        pytest.skip(why)
    assert huge_page_size() > 0  # lowram agrees that huge pages are on


def _refused_meanwhile():
    """After lowram got -1: skip if the kernel now refuses a collapse too (out of huge pages)."""
    why = _collapse_refusal()
    if why is not None:
        pytest.skip(f"the kernel stopped collapsing meanwhile: {why}")


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


def _measure(who):
    """Move a fresh 8 MB table; (pages reported, whole huge pages, smaps kB, table bytes).

    Run in a fresh interpreter (:func:`_measure_fresh`): a process that has collapsed other
    tables keeps huge pages in its heap, and a new table may land on them unasked.
    """
    if who == "builtin":
        s = StringSet(_words(300_000, seed=5), backend="builtin")
        fs, pages = s._backend.impl, s._backend.huge_pages
        assert len(s) == len(fs) and "" not in s
    else:
        fs = frozenset(_words(300_000, seed=2))
        pages = set_table_huge_pages(fs)
    address, size = _table_span(fs)
    return pages, _whole_pages(fs), _anon_huge_kb(address + size // 2), size


def _measure_fresh(who, tmp_path):
    here = os.path.dirname(os.path.abspath(__file__))
    tests = os.path.dirname(here)  # the shared helpers this module imports
    code = (f"import json, sys; sys.path[:0] = [{here!r}, {tests!r}]; "
            f"import test_strings_hugepages as t; print(json.dumps(t._measure({who!r})))")
    out = run_ok(code, cwd=tmp_path)
    return json.loads(out.splitlines()[-1])


@pytest.mark.parametrize("who", ["builtin", "set_table_huge_pages"])
def test_success_means_huge_pages(who, tmp_path):
    # the builtin StringSet backend (which calls set_table_huge_pages on its frozenset), and
    # the call itself: where the kernel collapses memory, the table is moved, all of it
    _require_collapse()
    pages, whole, kb, size = _measure_fresh(who, tmp_path)
    if pages == -1:
        _refused_meanwhile()
    assert whole > 0
    assert pages == whole, (
        f"{who} reported {pages} huge pages for a {size}-byte table spanning {whole} whole "
        f"huge pages, on a kernel that collapses memory (MADV_COLLAPSE succeeded here)")
    assert kb >= whole * huge_page_size() // 1024, (
        f"{who} reported {pages} huge pages, but /proc/self/smaps shows {kb} kB of "
        f"AnonHugePages in the table's mapping")
