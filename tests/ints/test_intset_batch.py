"""IntSet's batch paths: every input form gives the answers of the item-by-item path, arrays
of every numeric dtype, contains_many, to_numpy."""

from __future__ import annotations

import numpy as np
import pytest

from lowram import IntSet

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")

VALUES = [0, 1, -1, 2**31 - 1, -2**31, 2**31, 2**40, -2**63, 2**63 - 1, 5, 5, 17]


def forms(values):
    """The same ints as a list, a generator, numpy, Arrow (array, chunked) and pandas."""
    arr = np.array(values, dtype=np.int64)
    yield "list", list(values)
    yield "generator", (v for v in values)
    yield "numpy", arr
    yield "numpy int32", arr[(arr >= -2**31) & (arr < 2**31)].astype(np.int32)
    yield "arrow", pa.array(arr)
    yield "chunked", pa.chunked_array([arr[:4], arr[4:]])
    yield "pandas", pd.Series(arr)
    yield "pandas object", pd.Series(list(values), dtype=object)


@pytest.mark.parametrize("name, data", list(forms(VALUES)), ids=[n for n, _ in forms(VALUES)])
def test_every_form_builds_and_queries_alike(name, data):
    want = set(VALUES) if name != "numpy int32" else {v for v in VALUES if -2**31 <= v < 2**31}
    s = IntSet(data)
    s._check()
    assert s == want
    queries = [0, 3, 2**40, -2**63, 6, 17]
    expect = np.array([q in want for q in queries])
    for qname, q in forms(queries):
        if qname == "numpy int32":
            continue
        assert (s.contains_many(q) == expect).all(), qname


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8", "uint16",
                                   "uint32", "uint64", "bool", "float32", "float64"])
def test_array_dtypes(dtype):
    rng = np.random.default_rng(1)
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    if dtype == "bool":
        arr = rng.random(100) < 0.5
    elif info is not None:
        arr = rng.integers(info.min, info.max, 5000, dtype=dtype, endpoint=True)
    else:
        arr = rng.integers(-2**20, 2**20, 5000).astype(dtype)
    s = IntSet(arr)
    assert s == {int(v) for v in arr.tolist()}
    assert s.contains_many(arr).all()
    assert (s.contains_many(arr[::-1]) == [int(v) in s for v in arr[::-1].tolist()]).all()


def test_uint64_from_two_to_the_63_up():
    arr = np.array([0, 2**63 - 1, 2**63, 2**64 - 1], dtype=np.uint64)
    s = IntSet(arr)
    assert s == {0, 2**63 - 1, 2**63, 2**64 - 1}
    assert s.contains_many(arr).all()
    assert s.contains_many(np.array([1, 2**63 + 1], dtype=np.uint64)).tolist() == [False, False]
    out = s.to_numpy(sorted=True)
    assert out.dtype == np.uint64 and out.tolist() == sorted(s)
    s.add(-1)
    with pytest.raises(OverflowError, match="negative"):
        s.to_numpy()


def test_float_arrays():
    s = IntSet([1, 2, 2**53])
    q = np.array([1.0, 1.5, np.nan, np.inf, -np.inf, 2.0**53, 2.0**64, -2.0**70, 2.0**63])
    assert s.contains_many(q).tolist() == [True, False, False, False, False, True, False,
                                           False, False]
    for bad, exc in ((np.array([1.0, 1.5]), TypeError), (np.array([np.nan]), TypeError),
                     (np.array([2.0**64]), OverflowError)):
        with pytest.raises(exc):
            s.update(bad)
    assert s == {1, 2, 2**53}
    s.update(np.array([2.0**63, -4.0]))
    assert s == {1, 2, 2**53, 2**63, -4}


def test_refused_arrays_leave_the_set_unchanged():
    s = IntSet(range(10))
    for bad in (np.array(["a"]), np.zeros((2, 2), dtype=np.int64), np.array([1 + 1j]),
                pa.array(["x"]), pa.array([1, None])):
        with pytest.raises((TypeError, ValueError)):
            s.update(np.arange(100, 200), bad)
        assert s == set(range(10))
    with pytest.raises(TypeError, match="1-d"):
        s.contains_many(np.zeros((2, 2), dtype=np.int64))


def test_big_batches_against_a_set():
    rng = np.random.default_rng(9)
    ref = set()
    s = IntSet(seed=11)
    for size in (10, 5000, 100, 40_000, 300_000, 70):
        batch = rng.integers(-2**45, 2**45, size)
        batch[: size // 3] = rng.integers(-50, 50, size // 3)
        s.update(batch)
        ref.update(batch.tolist())
        s._check()
        assert len(s) == len(ref)
    assert s == ref
    q = rng.integers(-2**45, 2**45, 10_000)
    q[::2] = np.array(list(ref))[: len(q[::2])]
    assert s.contains_many(q).tolist() == [v in ref for v in q.tolist()]
    out = s.to_numpy()
    assert out.dtype == np.int64 and set(out.tolist()) == ref
    assert s.to_numpy(sorted=True).tolist() == sorted(ref)


def test_patterned_keys_spread():
    """Multiples of 2**20 and sequential runs (which degrade identity-hashed tables) build
    tables whose invariants hold and whose every key is found."""
    for keys in (np.arange(200_000, dtype=np.int64) << 20, np.arange(200_000) + 10**9):
        s = IntSet(keys)
        s._check()
        absent = keys + 1 if keys[1] - keys[0] > 1 else keys + len(keys)
        assert s.contains_many(keys).all() and not s.contains_many(absent).any()
