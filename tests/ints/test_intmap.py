"""IntMap against ``dict`` and ``Counter``: a Hypothesis state machine over keys and values
near every width boundary, and the semantics of each method."""

from __future__ import annotations

import collections
import copy
import pickle
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from lowram import IntMap

EDGES = [0, 1, -1, 2**31 - 1, 2**31, -2**31, -2**31 - 1, 2**63 - 1, -2**63, 2**63, 2**64 - 1,
         2**62, 127, 128, -129, 32767, 32768]
keys = st.one_of(st.sampled_from(EDGES), st.integers(-2**63, 2**64 - 1), st.integers(-300, 300))
ivals = st.one_of(st.sampled_from([0, 1, -1, 127, 128, -128, -129, 2**15, 2**31, 2**63 - 1,
                                   -2**63]), st.integers(-2**63, 2**63 - 1),
                  st.integers(-100, 100))


def same(m: IntMap, ref: dict) -> None:
    m._check()
    assert len(m) == len(ref)
    assert dict(m.items()) == ref
    assert m == ref and ref == m


class IntMapMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.m = IntMap(value_kind="int")
        self.ref = {}

    @rule(k=keys, v=ivals)
    def set(self, k, v):
        self.m[k] = v
        self.ref[k] = v

    @rule(pairs=st.lists(st.tuples(keys, ivals), max_size=50))
    def update_pairs(self, pairs):
        self.m.update(pairs)
        self.ref.update(pairs)

    @rule(pairs=st.lists(st.tuples(st.integers(-2**63, 2**63 - 1), ivals), max_size=3000))
    def update_arrays(self, pairs):
        ks = np.array([k for k, _ in pairs], dtype=np.int64)
        vs = np.array([v for _, v in pairs], dtype=np.int64)
        self.m.update(ks, vs)
        self.ref.update(pairs)

    @rule(k=keys)
    def get(self, k):
        assert self.m.get(k) == self.ref.get(k)
        assert (k in self.m) == (k in self.ref)
        if k in self.ref:
            assert self.m[k] == self.ref[k]
        else:
            with pytest.raises(KeyError):
                self.m[k]

    @rule(k=keys)
    def delete(self, k):
        if k in self.ref:
            del self.m[k]
            del self.ref[k]
        else:
            with pytest.raises(KeyError):
                del self.m[k]

    @rule(k=keys)
    def pop(self, k):
        assert self.m.pop(k, "none") == self.ref.pop(k, "none")

    @rule()
    def popitem(self):
        if self.ref:
            k, v = self.m.popitem()
            assert self.ref.pop(k) == v
        else:
            with pytest.raises(KeyError):
                self.m.popitem()

    @rule(k=keys, v=ivals)
    def setdefault(self, k, v):
        assert self.m.setdefault(k, v) == self.ref.setdefault(k, v)

    @rule(ks=st.lists(keys, max_size=40), by=st.integers(-5, 5))
    def increment(self, ks, by):
        want = dict(self.ref)
        for k in ks:
            want[k] = want.get(k, 0) + by
        if all(-2**63 <= v < 2**63 for v in want.values()):
            self.m.increment(ks, by)
            self.ref = want
        else:
            with pytest.raises(OverflowError):
                self.m.increment(ks, by)

    @rule(k=keys)
    def refuse(self, k):
        before = self.m.copy()
        for bad_value, exc in ((1.5, TypeError), ("1", TypeError), (None, TypeError),
                               (2**63, OverflowError)):
            with pytest.raises(exc):
                self.m[k] = bad_value
            with pytest.raises(exc):
                self.m.update([(1, 2), (2**40, 5), (k, bad_value)])
        with pytest.raises(TypeError):
            self.m["key"] = 1
        with pytest.raises(OverflowError):
            self.m[2**64] = 1
        assert self.m == before

    @precondition(lambda self: len(self.ref) > 1500)
    @rule()
    def clear(self):
        self.m.clear()
        self.ref.clear()

    @invariant()
    def agrees(self):
        same(self.m, self.ref)


TestIntMapMachine = IntMapMachine.TestCase
TestIntMapMachine.settings = settings(max_examples=50, stateful_step_count=40, deadline=None)


@given(st.lists(st.integers(-2**40, 2**40), max_size=3000))
@settings(max_examples=80, deadline=None)
def test_counted_is_counter(xs):
    c = IntMap.counted(np.array(xs, dtype=np.int64))
    ref = collections.Counter(xs)
    same(c, dict(ref))
    assert IntMap.counted(xs) == ref
    top = c.most_common(5)
    assert top == sorted(ref.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    assert c.most_common() == sorted(ref.items(), key=lambda kv: (-kv[1], kv[0]))


def test_increment_overflow_leaves_the_map_as_it_was():
    m = IntMap({1: 2**63 - 2, 2: 5})
    before = m.copy()
    with pytest.raises(OverflowError):
        m.increment([2, 3, 1, 1])
    assert m == before
    with pytest.raises(OverflowError):
        m.increment(np.array([2, 1, 1] * 2000))
    assert m == before
    with pytest.raises(OverflowError):
        m.increment(1, 2)
    m.increment(1)
    assert m[1] == 2**63 - 1


def test_value_kinds():
    assert IntMap().value_kind is None
    assert IntMap({1: 2}).value_kind == "int" and IntMap({1: 2.5}).value_kind == "float"
    f = IntMap(value_kind="float")
    f[1] = 3
    assert f[1] == 3.0 and type(f[1]) is float
    i = IntMap({1: 2})
    with pytest.raises(TypeError, match="value_kind='float'"):
        i[2] = 2.5
    with pytest.raises(ValueError):
        IntMap(value_kind="str")
    widths = []
    for v in (1, 300, 70_000, 2**40):
        i[len(widths) + 10] = v
        widths.append(i.value_width)
    assert widths == [1, 2, 4, 8] and i._check() is None
    e = IntMap()
    with pytest.raises(TypeError):
        e.update([(1, 2), (2, "x")])
    assert e.value_kind is None and len(e) == 0   # a failed first batch sets no kind


def test_dict_methods():
    m = IntMap({1: 10, 2: 20, 3: 30}, seed=5)
    assert m.pop(2) == 20 and m.pop(2, None) is None
    with pytest.raises(KeyError):
        m.pop(2)
    assert IntMap.fromkeys([1, 2]) == {1: 0, 2: 0} and IntMap.fromkeys(range(3), 7) == {
        0: 7, 1: 7, 2: 7}
    assert m | {4: 40} == {1: 10, 3: 30, 4: 40} and isinstance(m | {4: 40}, IntMap)
    assert {4: 40, 1: 0} | m == {1: 10, 3: 30, 4: 40}
    n = m.copy()
    n |= {5: 50}
    assert n[5] == 50 and 5 not in m
    assert m.keys() & {1, 9} == {1} and m.keys() | {9} == {1, 3, 9}
    assert sorted(m.values()) == [10, 30] and sorted(m.items()) == [(1, 10), (3, 30)]
    assert list(reversed(m)) == list(m)[::-1]
    assert list(reversed(m.items())) == list(m.items())[::-1]
    assert (1, 10) in m.items() and 10 in m.values()
    assert repr(m) == "IntMap({1: 10, 3: 30})" and repr(IntMap()) == "IntMap()"
    with pytest.raises(TypeError):
        hash(m)
    assert weakref.ref(m)() is m
    for c in (m.copy(), copy.copy(m), copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert c == m and c.seed == m.seed and c is not m
    assert IntMap[int, int].__origin__ is IntMap
    assert (m == [1]) is False and m != {1: 11, 3: 30}
    it = iter(m)
    next(it)
    m[100] = 1
    with pytest.raises(RuntimeError, match="changed"):
        next(it)
    assert m.setdefault(7, 70) == 70 and m.setdefault(7, 0) == 70
    with pytest.raises(TypeError):
        m.setdefault(8)          # None is no value an IntMap holds
    assert 8 not in m


def test_equal_keys_and_values():
    m = IntMap({True: 1, np.int64(5): np.int32(7), 3.0: 2})
    assert m == {1: 1, 5: 7, 3: 2} and all(type(k) is int for k in m)
    assert m[1.0] == 1 and m.get(np.uint8(5)) == 7 and m.get(2.5, "no") == "no"
    assert "a" not in m and m.get("a") is None
    with pytest.raises(TypeError, match="unhashable"):
        m.get([])


def test_counting_maps_update_as_counter_and_merge_by_adding():
    c = IntMap.counted([1, 1, 2])
    assert c.counting and not IntMap().counting
    c.update([2, 3])
    c.update({1: 10})
    c.update(np.array([3, 3]), np.array([5, 5]))
    ref = collections.Counter([1, 1, 2, 2, 3]) + collections.Counter({1: 10, 3: 10})
    assert c == ref
    other = IntMap.counted(np.array([1, 4, 2**64 - 1], dtype=np.uint64))
    c.merge(other, IntMap.counted([4]))
    ref.update([1, 4, 2**64 - 1, 4])
    assert c == ref
    assert (c | {1: 0})[1] == 0 and (c | {1: 0}).counting   # | is dict's: the last value wins
    back = pickle.loads(pickle.dumps(c))
    assert back.counting and back == c and c.copy().counting
    plain = IntMap({1: 5})
    plain.merge(IntMap({1: 7, 2: 1}))
    assert plain == {1: 7, 2: 1}
    with pytest.raises(TypeError):
        plain.merge({3: 1})
    big = IntMap.counted([1])
    big[1] = 2**63 - 1
    before = big.copy()
    with pytest.raises(OverflowError):
        big.merge(IntMap.counted([5]), IntMap.counted([1]))
    assert big == before
    f = IntMap.counted([1])
    with pytest.raises(TypeError):
        f.merge(IntMap({1: 0.5}))
