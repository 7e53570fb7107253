"""HAT-trie memory (MutableStringSet; MutableStringMap's RSS check): __sizeof__ against
isolated RSS, no leaks, no crashes."""

from __future__ import annotations

import doctest
import sys

import pytest

import lowram.strings.hat_trie as hat_trie_module
from lowram import corpora
from lowram.measure import deep_size, isolated_memory
from lowram.report.registry import resolve
from lowram.strings import MutableStringSet

from hat_trie_cases import RSS_PREAMBLE, run_python


def test_doctests():
    result = doctest.testmod(hat_trie_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 40 and result.failed == 0


def test_sizeof_counts_native_memory():
    s = MutableStringSet(f"key{i}" for i in range(10_000))
    assert sys.getsizeof(s) >= s.nbytes > 10_000 * 5  # at least the key bytes
    assert deep_size(s) == sys.getsizeof(s)
    before = s.nbytes
    s.update(f"other{i}" for i in range(10_000))
    assert s.nbytes > before
    s.clear()
    assert s.nbytes < 4096


@pytest.mark.slow
@pytest.mark.parametrize("builder", ["MutableStringSet", "MutableStringMap.counted"])
def test_sizeof_matches_isolated_rss(builder):
    """__sizeof__ against resident-set growth of the same build in a fresh process.

    The build is deterministic (same keys, same order, same allocation sizes), so the only
    gap is what the heap holds beyond the chunks the set or map owns: free fragments left by
    bucket reallocations, and page granularity. 10% bounds that on 663k words (about 2% was
    seen); a __sizeof__ that missed the buckets or the chunk headers would be off by 30-60%,
    one that missed a map's values (8 of its about 21 bytes a word) by a third.
    """
    source = corpora.Corpus.bundled("english-words")
    rss = isolated_memory(f"lowram.strings.hat_trie:{builder}", source)
    s = resolve(f"lowram.strings.hat_trie:{builder}")(source)
    assert rss.items == len(s) == 663_473
    assert abs(rss.growth - sys.getsizeof(s)) <= 0.10 * sys.getsizeof(s), (
        rss.growth, sys.getsizeof(s))


@pytest.mark.slow
def test_no_leak_over_build_clear_cycles():
    """100 build/clear cycles and 100 build/delete cycles leave RSS where one cycle did."""
    proc = run_python("""
        s = MutableStringSet(keys); s.clear()
        t = MutableStringSet(keys); del t
        base = rss()
        for _ in range(100):
            s.update(keys); s.pop(); s.discard(keys[5]); s.clear()
            t = MutableStringSet(keys); u = t.copy(); del t, u
        print(rss() - base, s.nbytes)
    """, preamble=RSS_PREAMBLE)
    assert proc.returncode == 0, proc.stderr
    growth, held = map(int, proc.stdout.split())
    assert held < 4096
    assert growth < 1 << 20, f"RSS grew {growth} bytes over 100 cycles"


@pytest.mark.slow
def test_pathological_inputs_do_not_crash():
    """Inputs that could crash a C core, run in a subprocess so a crash fails the test."""
    proc = run_python("""
        import pickle
        from lowram.strings import MutableStringSet
        huge = "\\U0001F600" * 1_000_000          # 4 MB of UTF-8 in one key
        s = MutableStringSet(["", huge, huge[:-1], "a" * 300_000], _burst=2, _load=1)
        s._check()
        assert huge in s and huge + "x" not in s and len(s.prefixes(huge)) == 3
        t = pickle.loads(pickle.dumps(s)); t._check(); assert t == s
        it = iter(s); del s                       # iterator keeps the set alive
        assert len(list(it)) == 4
        s = MutableStringSet(str(i) for i in range(1000))
        it = iter(s); next(it); s.clear()
        try:
            next(it)
        except RuntimeError:
            pass
        else:
            raise AssertionError("no RuntimeError")
        for bad in (None, 1.5, b"x", ["a"], object()):
            try:
                assert bad not in s
            except TypeError:   # unhashable: as for set
                assert isinstance(bad, list)
            try:
                s.add(bad)
            except TypeError:
                pass
        for blob in (b"", b"LOWRAM\\x00\\x01" + b"\\xff" * 40):
            try:
                MutableStringSet.from_bytes(blob)
            except ValueError:
                pass
        s = MutableStringSet(); s.__init__(["x"]); s.__init__(["y"]); assert list(s) == ["y"]
        bare = MutableStringSet.__new__(MutableStringSet)  # no __init__: still a valid set
        assert len(bare) == 0 and list(bare) == [] and "a" not in bare
        bare.add("a"); bare._check(); assert list(bare) == ["a"]
        print("ok")
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
