"""IntMap's batch paths and files: every input form gives the item-by-item answers; round
trips; damaged and crafted payloads refused with FormatError."""

from __future__ import annotations

import collections
import pickle
import struct

import numpy as np
import pytest

from lowram import FormatError, IntMap
from lowram._fileformat import pack, unpack

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")

KEYS = [0, 1, -1, 2**31 - 1, -2**31, 2**40, -2**63, 2**63 - 1, 5, 5, 17]
VALS = [3, -4, 2**40, 7, 0, -1, 2**63 - 1, -2**63, 9, 10, 11]


def forms(values, dtype=np.int64):
    arr = np.array(values, dtype=dtype)
    yield "numpy", arr
    yield "arrow", pa.array(arr)
    yield "chunked", pa.chunked_array([arr[:4], arr[4:]])
    yield "pandas", pd.Series(arr)
    yield "list", list(values)


@pytest.mark.parametrize("kname, ks", list(forms(KEYS)), ids=[n for n, _ in forms(KEYS)])
def test_update_from_every_form(kname, ks):
    want = dict(zip(KEYS, VALS))
    for vname, vs in forms(VALS):
        m = IntMap()
        m.update(ks, vs)
        m._check()
        assert m == want, (kname, vname)
        q = [0, 3, 2**40, -2**63, 5, 17]
        expect = [want.get(k, -9) for k in q]
        for qname, qs in forms(q):
            assert m.get_many(qs, -9).tolist() == expect, qname
    counted = IntMap.counted(ks)
    assert counted == collections.Counter(KEYS)


def test_uint64_and_float_keys():
    ks = np.array([0, 2**63, 2**64 - 1, 7], dtype=np.uint64)
    m = IntMap()
    m.update(ks, np.arange(4))
    assert m == {0: 0, 2**63: 1, 2**64 - 1: 2, 7: 3}
    assert m.get_many(ks).tolist() == [0, 1, 2, 3]
    keys, vals = m.to_numpy()
    assert keys.dtype == np.uint64 and dict(zip(keys.tolist(), vals.tolist())) == m
    assert m.get_many(np.array([7.0, 7.5, 2.0**63, np.nan]), -1).tolist() == [3, -1, 1, -1]
    m[-1] = 5
    with pytest.raises(OverflowError, match="negative"):
        m.to_numpy()
    m.update(np.array([1.0, 2.0]), np.array([1, 2]))
    with pytest.raises(TypeError):
        m.update(np.array([1.5]), np.array([1]))


def test_get_many_defaults():
    m = IntMap({1: 10, 2: 20})
    with pytest.raises(KeyError):
        m.get_many(np.array([1, 3]))
    assert m.get_many(np.array([1, 3]), 0.5).tolist() == [10.0, 0.5]
    assert m.get_many([2, "x", 1.5], -1).tolist() == [20, -1, -1]
    f = IntMap({1: 0.25})
    assert f.get_many(np.array([1, 2]), 0).tolist() == [0.25, 0.0]


def test_refused_batches_leave_the_map_unchanged():
    m = IntMap({1: 1, 2: 2})
    before = m.copy()
    for ks, vs, exc in ((np.arange(3000), np.arange(2999), ValueError),
                        (np.arange(3000), np.full(3000, 0.5), TypeError),
                        (np.array(["a"]), np.array([1]), TypeError),
                        (np.zeros((2, 2), dtype=np.int64), np.zeros(4), TypeError),
                        (pa.array([1, None]), pa.array([1, 2]), ValueError),
                        (np.arange(5), np.array([1, 2, 3, 4, 2**64 - 1], dtype=np.uint64),
                         OverflowError)):
        with pytest.raises(exc):
            m.update(ks, vs)
        assert m == before
    with pytest.raises(TypeError):
        m.update([(5, 5), (6, 6), "bad"])
    with pytest.raises(TypeError):
        m.update({5: 5, "six": 6})
    assert m == before


def test_big_batches_against_a_dict():
    rng = np.random.default_rng(4)
    m, ref = IntMap(seed=3), {}
    for size in (10, 5000, 200, 60_000, 300_000, 50):
        ks = rng.integers(-2**45, 2**45, size)
        ks[: size // 3] = rng.integers(-50, 50, size // 3)
        vs = rng.integers(-2**20, 2**20, size)
        m.update(ks, vs)
        ref.update(zip(ks.tolist(), vs.tolist()))
        m._check()
        assert len(m) == len(ref)
    assert m == ref
    inc = rng.integers(-50, 50, 100_000)
    m.increment(inc, 2)
    for k in inc.tolist():
        ref[k] = ref.get(k, 0) + 2
    assert m == ref
    m.increment(np.array([7, 7, 8]), np.array([1, 2, 3]))
    ref[7] = ref.get(7, 0) + 3
    ref[8] = ref.get(8, 0) + 3
    assert m == ref
    f = IntMap(value_kind="float")
    f.increment(np.array([1, 1, 2]), 0.5)
    assert f == {1: 1.0, 2: 0.5}


CASES = {"empty": {}, "ints": {0: 0, 1: -1, 2**40: 2**40, -2**63: 2**63 - 1, 2**63: 5,
                               2**64 - 1: -7},
         "floats": {1: 0.5, -1: float("inf"), 2**63: -0.0},
         "many": {k: k * 3 for k in range(-3000, 3000, 7)}}


@pytest.mark.parametrize("name", CASES)
def test_round_trips(name, tmp_path):
    m = IntMap(CASES[name], seed=9)
    for back in (IntMap.from_bytes(m.to_bytes()), pickle.loads(pickle.dumps(m, protocol=5))):
        assert back == m and back.seed == 9 and list(back.items()) == list(m.items())
        assert back.value_kind == m.value_kind
        back._check()
    m.save(tmp_path / "m.lowram")
    for mmap in (False, True):
        assert IntMap.load(tmp_path / "m.lowram", mmap=mmap) == m


def test_every_flipped_byte_and_truncation_refused(assert_rejects_corruption):
    assert_rejects_corruption(IntMap(CASES["ints"]).to_bytes(), IntMap.from_bytes)


def test_crafted_payloads_refused_and_fuzzed_ones_safe(fuzz_payloads):
    good = bytes(unpack(IntMap({1: 2, 3: 4}).to_bytes()).payload)
    head = good[:32]
    crafted = [
        good[:30],
        struct.pack("<QQQ", 0, 2**60, 0) + bytes([4, 1, 4, 1, 1]) + bytes(3),
        head[:24] + bytes([3, 1, 4, 1, 1]) + bytes(3) + good[32:],      # key width 3
        head[:24] + bytes([4, 3, 4, 1, 1]) + bytes(3) + good[32:],      # value width 3
        head[:24] + bytes([4, 1, 4, 1, 7]) + bytes(3) + good[32:],      # value kind 7
        head[:24] + bytes([4, 1, 4, 1, 2]) + bytes(3) + good[32:],      # floats of 1 byte
        head[:28] + b"\x01" + bytes(2) + good[32:],                     # padding
        head[:32] + struct.pack("<ii", 1, 1) + bytes([2, 4]),           # repeated key
        good + b"\x00",
    ]
    for payload in crafted:
        with pytest.raises(FormatError):
            IntMap.from_bytes(pack("IntMap", 1, payload))
    def check(m):
        m._check()
        assert len(list(m.items())) == len(m)
    seeds = [bytes(unpack(IntMap(c, seed=1).to_bytes()).payload) for c in CASES.values()]
    assert fuzz_payloads("IntMap", seeds, IntMap.from_bytes, check, seed=5) > 0
