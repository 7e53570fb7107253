"""IntList and FloatList sort: the radix sort in C against ``sorted`` and numpy's stable sort,
for every item width, with the float cases ``list.sort`` leaves loose (-0.0, NaN, infinities)
and the stability a descending sort must keep."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lowram import FloatList, IntList

WIDTHS = {"int8": 7, "int16": 15, "int32": 31, "int64": 63}


def bits(values):
    """Floats as their bit patterns: tells -0.0 from 0.0 and one NaN from another."""
    return [struct.pack("<d", v) for v in values]


@pytest.mark.parametrize("dtype", sorted(WIDTHS))
@given(data=st.data())
def test_int_sort_matches_sorted(dtype, data):
    top = 2 ** WIDTHS[dtype]
    items = data.draw(st.lists(st.integers(-top, top - 1), max_size=300))
    reverse = data.draw(st.booleans())
    x = IntList(items, dtype=dtype)
    x.sort(reverse=reverse)
    assert x.tolist() == sorted(items, reverse=reverse)
    x._check()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@given(items=st.lists(st.floats(allow_nan=False, width=32), max_size=300),
       reverse=st.booleans())
def test_float_sort_keeps_equal_items_in_order(dtype, items, reverse):
    # -0.0 == 0.0: a stable sort keeps their order, ascending and descending alike
    x = FloatList(items, dtype=dtype)
    x.sort(reverse=reverse)
    assert bits(x) == bits(sorted(items, reverse=reverse))


def test_nan_goes_last_in_its_order_as_numpy_sorts():
    nan2 = struct.unpack("<d", struct.pack("<Q", 0xFFF8_0000_0000_0001))[0]  # a negative NaN
    items = [2.0, math.nan, -math.inf, nan2, -0.0, 0.0, math.inf, -1.0, math.nan]
    x = FloatList(items)
    x.sort()
    want = np.sort(np.array(items), kind="stable")
    assert bits(x) == bits(want.tolist())
    assert bits(x)[-3:] == bits([math.nan, nan2, math.nan])   # NaNs in their input order


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "float32", "float64"])
@pytest.mark.parametrize("shape", ["random", "sorted", "descending", "few distinct", "small"])
def test_large_sorts_equal_numpy(dtype, shape):
    rng = np.random.default_rng(7)
    n = 200_000
    if dtype.startswith("int"):
        info = np.iinfo(dtype)
        arr = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    else:
        arr = (rng.standard_normal(n) * 1e6).astype(dtype)
    if shape == "sorted":
        arr.sort()
    elif shape == "descending":
        arr = np.sort(arr)[::-1].copy()
    elif shape == "few distinct":
        arr = arr[rng.integers(0, 5, n)]
    elif shape == "small":
        arr = (arr % 100).astype(dtype)   # high bytes alike: the sort skips them
    x = (FloatList if dtype.startswith("float") else IntList)(arr, dtype=dtype)
    x.sort()
    assert np.array_equal(np.asarray(x), np.sort(arr, kind="stable"))
    x.sort(reverse=True)
    assert np.array_equal(np.asarray(x), np.sort(arr, kind="stable")[::-1])


def test_sort_of_a_list_shared_with_arrow_leaves_arrow_alone():
    pa = pytest.importorskip("pyarrow")
    x = IntList([3, 1, 2, 1000])
    column = x.to_arrow()
    x.sort()
    assert x.tolist() == [1, 2, 3, 1000]
    assert column.to_pylist() == [3, 1, 2, 1000]
    assert pa.array([3, 1, 2, 1000], pa.int16()).equals(column)


def test_key_that_shares_the_list_leaves_the_arrow_array_alone():
    # the key appends (the list looks empty while it runs) and shares the list with Arrow;
    # sort then puts the sorted items back in memory of its own, not in Arrow's
    pytest.importorskip("pyarrow")
    x = IntList([30, 10, 20])
    shared = []

    def key(v):
        if not shared:
            x.append(7)
            shared.append(x.to_arrow())
        return v
    with pytest.raises(ValueError, match="modified during sort"):
        x.sort(key=key)
    assert x.tolist() == [10, 20, 30]
    assert shared[0].to_pylist() == [7]
    x._check()
