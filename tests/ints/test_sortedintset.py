"""SortedIntSet against a sorted list and frozenset: reads, rank and select, algebra, files
(read and mapped), and damaged or crafted files refused."""

from __future__ import annotations

import bisect
import pickle
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowram import FormatError, IntSet, SortedIntSet
from lowram._fileformat import pack, unpack

signed = st.integers(-2**63, 2**63 - 1)
unsigned = st.integers(0, 2**64 - 1)
clustered = st.integers(-3000, 3000)


def same(s: SortedIntSet, values) -> None:
    want = sorted(set(values))
    s._check()
    assert list(s) == want and len(s) == len(want) and list(reversed(s)) == want[::-1]
    assert s.to_numpy().tolist() == want
    assert s == frozenset(want) and frozenset(want) == s and hash(s) == hash(frozenset(want))


@given(st.one_of(st.lists(signed, max_size=300), st.lists(unsigned, max_size=300),
                 st.lists(clustered, max_size=2000)),
       st.lists(st.one_of(signed, unsigned, clustered), max_size=40))
@settings(max_examples=200, deadline=None)
def test_reads_match_a_sorted_list(values, queries):
    s = SortedIntSet(values)
    want = sorted(set(values))
    same(s, want)
    for q in queries + want[:10] + [w + 1 for w in want[-10:]]:
        assert (q in s) == (q in set(want))
        assert s.bisect_left(q) == bisect.bisect_left(want, q)
        assert s.bisect_right(q) == bisect.bisect_right(want, q)
        if q in set(want):
            assert s.index(q) == want.index(q) and s.count(q) == 1
        else:
            with pytest.raises(ValueError):
                s.index(q)
    for i in range(-len(want), len(want)):
        assert s[i] == want[i]
    assert s[2:7] == want[2:7] and s[::3] == want[::3] and s[::-2] == want[::-2]
    if want:
        lo, hi = want[len(want) // 3], want[2 * len(want) // 3]
        assert list(s.irange(lo, hi)) == [w for w in want if lo <= w <= hi]
        assert list(s.irange(lo, hi, (False, False), reverse=True)) == \
            [w for w in want if lo < w < hi][::-1]
    assert s.contains_many(np.array([q for q in queries if -2**63 <= q < 2**63],
                                    dtype=np.int64)).tolist() == \
        [q in set(want) for q in queries if -2**63 <= q < 2**63]


@given(st.lists(clustered, max_size=500), st.lists(clustered, max_size=500),
       st.booleans())
@settings(max_examples=150, deadline=None)
def test_algebra_matches_frozenset(xs, ys, big_gap):
    if big_gap:   # sizes 16x apart: the intersection ranks the small set's values
        ys = ys + list(range(10_000, 10_000 + 20 * len(xs)))
    a, b = SortedIntSet(xs), SortedIntSet(ys)
    fa, fb = frozenset(xs), frozenset(ys)
    same(a & b, fa & fb)
    same(a | b, fa | fb)
    same(a - b, fa - fb)
    same(a ^ b, fa ^ fb)
    same(a.intersection(ys, xs), fa.intersection(ys, xs))
    same(a.union([1, 2], ys), fa.union([1, 2], ys))
    same(a.difference(["x", 3], ys), fa.difference(["x", 3], ys))
    assert (a <= b) == (fa <= fb) and (a < b) == (fa < fb) and (a >= b) == (fa >= fb)
    assert a.isdisjoint(b) == fa.isdisjoint(fb) and a.issubset(ys) == fa.issubset(ys)
    assert a.issuperset(ys) == fa.issuperset(ys)
    same(fa & a, fa)
    assert isinstance(fb | a, SortedIntSet)


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 400), st.integers(1, 3)),
                min_size=1, max_size=12),
       st.lists(st.tuples(st.integers(0, 60), st.integers(1, 400), st.integers(1, 3)),
                min_size=1, max_size=12),
       st.booleans())
@settings(max_examples=100, deadline=None)
def test_intersection_of_runs_far_apart(runs_a, runs_b, negative):
    """Sets made of runs (start window, length, step) far apart: the intersection passes over
    blocks of one set below the other's next value and jumps by rank after two of them."""
    def values(runs):
        out = set()
        for window, length, step in runs:
            start = window * 50_000 - (2**62 if negative else 0)
            out.update(range(start, start + length * step, step))
        return out
    fa, fb = values(runs_a), values(runs_b)
    a, b = SortedIntSet(fa), SortedIntSet(fb)
    same(a & b, fa & fb)
    same(b & a, fa & fb)
    assert a.isdisjoint(b) == fa.isdisjoint(fb)
    if not negative:
        ua = SortedIntSet(np.array(sorted(fa), dtype=np.uint64) + np.uint64(2**63))
        ub = SortedIntSet(np.array(sorted(fb), dtype=np.uint64) + np.uint64(2**63))
        same(ua & ub, {x + 2**63 for x in fa & fb})


def test_ranges_of_values():
    s = SortedIntSet([2**63, 2**64 - 1, 5])
    assert s == {5, 2**63, 2**64 - 1} and s.to_numpy().dtype == np.uint64
    assert -1 not in s and s.bisect_left(-5) == 0 and s.bisect_left(2**70) == 3
    with pytest.raises(OverflowError):
        SortedIntSet([-1, 2**63])
    with pytest.raises(OverflowError):
        s | {-1}
    assert s & {-1, 5} == {5} and s - {-1} == s
    n = SortedIntSet([-2**63, 2**63 - 1])
    assert list(n) == [-2**63, 2**63 - 1] and 2**63 not in n
    same(n & SortedIntSet([2**63 - 1, 2**63]), {2**63 - 1})
    assert SortedIntSet([1.0, True, np.int8(3)]) == {1, 3}
    with pytest.raises(TypeError):
        SortedIntSet(["a"])
    assert s.bisect_left(5.5) == 1 and s.bisect_right(5.0) == 1
    with pytest.raises(ValueError):
        s.bisect_left(float("nan"))


def test_frozen_protocols():
    s = IntSet([3, 1, 2]).freeze()
    assert isinstance(s, SortedIntSet) and list(s) == [1, 2, 3]
    assert s.copy() is s and {s: 1}[SortedIntSet([1, 2, 3])] == 1
    assert repr(SortedIntSet()) == "SortedIntSet([])" and not SortedIntSet()
    with pytest.raises(IndexError):
        s[3]
    with pytest.raises(AttributeError):   # as frozenset: nothing changes it
        s.add(4)
    assert SortedIntSet[int].__origin__ is SortedIntSet
    s.__init__([7, 8])              # as frozenset.__init__: the set stays as it was made
    assert list(s) == [1, 2, 3]
    assert s.nbytes > 0 and SortedIntSet(np.arange(10**6)).nbytes < 10**6 // 2


def test_big_set_close_to_the_bound():
    rng = np.random.default_rng(3)
    for high in (2**31, 2**62):
        a = np.unique(rng.integers(0, high, 300_000))
        s = SortedIntSet(a)
        s._check()
        bound = len(a) * (2 + np.log2(high / len(a))) / 8
        assert s.nbytes <= 1.15 * bound + 200
        q = rng.integers(0, high, 5000)
        q[::2] = a[: len(q[::2])]
        assert s.contains_many(q).tolist() == np.isin(q, a).tolist()


CASES = {"empty": [], "one": [7], "dense": list(range(1000)), "negative": [-2**63, -5, 0, 9],
         "upper": [2**63, 2**64 - 1, 1], "sparse": [i * 2**40 for i in range(200)]}


@pytest.mark.parametrize("name", CASES)
def test_files(name, tmp_path):
    s = SortedIntSet(CASES[name])
    path = tmp_path / "s.lowram"
    s.save(path)
    for back in (SortedIntSet.load(path), SortedIntSet.load(path, mmap=True),
                 SortedIntSet.from_bytes(s.to_bytes()), pickle.loads(pickle.dumps(s))):
        same(back, CASES[name])
        assert back.to_bytes() == s.to_bytes()


def test_damaged_and_crafted_files_refused(assert_rejects_corruption, fuzz_payloads):
    blob = SortedIntSet([1, 5, 9, 2**40]).to_bytes()
    assert_rejects_corruption(blob, SortedIntSet.from_bytes)
    good = bytes(unpack(blob).payload)

    def head(n, u, base, upper_bits, l, unsigned=0):
        return struct.pack("<QQQQBB6x", n, u, base, upper_bits, l, unsigned)
    crafted = [
        head(2**60, 9, 0, 12, 0) + good[40:],                  # count past the payload
        good[:32] + bytes([63, 0]) + bytes(6) + good[40:],     # l too large
        good[:33] + b"\x02" + bytes(6) + good[40:],            # unsigned flag 2
        good[:39] + b"\x01" + good[40:],                       # padding
        good[:8] + struct.pack("<Q", 5) + good[16:],           # largest value wrong
        good + bytes(8),                                       # trailing word
    ]
    # sizes and counts right, values not ascending: two values of 0 (ones in a row, l = 0)
    crafted.append(head(2, 0, 0, 3, 0) + struct.pack("<Q", 0) + struct.pack("<QQ", 0b011, 0))
    for payload in crafted:
        with pytest.raises(FormatError):
            SortedIntSet.from_bytes(pack("SortedIntSet", 1, payload))

    def check(s):
        s._check()
        values = list(s)
        assert values == sorted(set(values)) and len(values) == len(s)
        for v in values[:20]:
            assert v in s and s[s.index(v)] == v
    seeds = [bytes(unpack(SortedIntSet(c).to_bytes()).payload) for c in CASES.values()]
    assert fuzz_payloads("SortedIntSet", seeds, SortedIntSet.from_bytes, check, seed=11) > 0
