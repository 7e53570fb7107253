"""Arrow in and out for the typed lists: round trips, zero copy, copy on write, bad columns.

``IntList``/``FloatList``/``StrList`` share memory with Arrow (``from_arrow`` and
``to_arrow`` are O(1)); the shared memory is read-only and the list's first write copies it,
so an Arrow array never changes. The zero-copy tests prove the sharing by buffer addresses,
the copy-on-write tests compare the Arrow buffers' bytes before and after every mutating
method (and random sequences of them, with Hypothesis), and the RSS test shows in a fresh
interpreter that ``StrList.from_arrow`` of a 50 MB column costs no memory.

Several tests pin bugs found while writing this file (shrinking or rolling back a shared list,
live views at ``to_arrow``, streams, nulls through ``extend``, pandas' writable memory); they
were strict xfails until the fixes landed and now check the fixed behaviour.
"""

from __future__ import annotations

import copy
import gc
import io
import json
import math
import pickle
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")

from lowram import BitList, FloatList, IntList, PackedIntArray, StrList  # noqa: E402
from subprocess_runner import run_ok  # noqa: E402

INT_TYPES = {"int8": pa.int8(), "int16": pa.int16(), "int32": pa.int32(), "int64": pa.int64()}
UINT_TYPES = [pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64()]
#: values that force each IntList width (both ends of the range)
WIDTH_VALUES = {
    "int8": [0, 127, -128, 5],
    "int16": [128, -129, 32767, -32768],
    "int32": [32768, -32769, 2**31 - 1, -2**31],
    "int64": [2**31, -2**31 - 1, 2**63 - 1, -2**63],
}
BASE_INTS = [3, -1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8]
BASE_STRS = ["ab", "", "c", "déf", "ab", "\U0001F600", "z", "", "xyz", "c"]


# ---------------------------------------------------------------- helpers

def int_address(x) -> int:
    """Address of a typed list's first item (via a read-only buffer export, let go at once)."""
    return np.asarray(x).ctypes.data


def text_address(s) -> int:
    return pa.py_buffer(s._data).address


def raw(arr) -> list:
    """Every buffer of an Arrow array as bytes: what must not change under copy on write."""
    return [None if b is None else b.to_pybytes() for b in arr.buffers()]


def same_floats(a, b) -> bool:
    return len(a) == len(b) and all(x == y or (math.isnan(x) and math.isnan(y))
                                    for x, y in zip(a, b))


def utf8_text(max_size=6):
    """Strings Arrow can hold (well-formed UTF-8: no lone surrogate)."""
    return st.text(alphabet=st.characters(codec="utf-8"), max_size=max_size)


def mutable_string_array(offsets, data: bytes, arrow_type=None):
    """A string array whose offsets are first valid (so pyarrow accepts them), then
    overwritten in place with ``offsets``: an array no pyarrow constructor would build."""
    arrow_type = arrow_type or pa.string()
    wide = arrow_type in (pa.large_string(), pa.large_binary())
    memory = np.zeros(len(offsets), np.int64 if wide else np.int32)
    arr = pa.Array.from_buffers(arrow_type, len(offsets) - 1,
                                [None, pa.py_buffer(memory), pa.py_buffer(data)])
    memory[:] = offsets
    return arr


def string_from_buffers(offsets, data: bytes, arrow_type=None):
    arrow_type = arrow_type or pa.string()
    wide = arrow_type in (pa.large_string(), pa.large_binary())
    offs = np.asarray(offsets, np.int64 if wide else np.int32)
    return pa.Array.from_buffers(arrow_type, len(offsets) - 1,
                                 [None, pa.py_buffer(offs.tobytes()), pa.py_buffer(data)])


# ================================================================ 1. round trips

@pytest.mark.parametrize("name", list(WIDTH_VALUES))
def test_intlist_round_trip_each_width(name):
    values = WIDTH_VALUES[name]
    x = IntList(values)
    assert x.dtype == name
    arr = x.to_arrow()
    x._check()
    assert arr.type == INT_TYPES[name] and arr.to_pylist() == values and x == values
    arr.validate(full=True)
    back = IntList.from_arrow(arr)
    back._check()
    assert back == values and back.dtype == name and back.tolist() == values
    again = back.to_arrow()
    back._check()
    assert again.type == INT_TYPES[name] and again.to_pylist() == values


@pytest.mark.parametrize("name", list(INT_TYPES))
def test_intlist_from_arrow_keeps_a_wider_arrow_type(name):
    arr = pa.array([1, -2, 3], INT_TYPES[name])
    x = IntList.from_arrow(arr)
    x._check()
    assert x == [1, -2, 3] and x.dtype == name
    x.append(2**40)   # still adaptive: widens past the Arrow type
    x._check()
    assert x.dtype == "int64" and x == [1, -2, 3, 2**40]
    assert arr.to_pylist() == [1, -2, 3] and arr.type == INT_TYPES[name]


@pytest.mark.parametrize("arrow_type", UINT_TYPES, ids=str)
def test_intlist_from_unsigned_arrow(arrow_type):
    top = min(np.iinfo(arrow_type.to_pandas_dtype()).max, 2**63 - 1)
    values = [0, 1, top]
    x = IntList.from_arrow(pa.array(values, arrow_type))
    x._check()
    assert x == values
    expected = {255: "int16", 65535: "int32", 2**32 - 1: "int64", 2**63 - 1: "int64"}[top]
    assert x.dtype == expected          # the narrowest signed type that holds the values
    assert x.to_arrow().to_pylist() == values
    x._check()


@pytest.mark.parametrize("values", [[2**63], [0, 2**64 - 1], [1, 2**63 + 5, 3]])
def test_uint64_beyond_int64_overflows(values):
    arr = pa.array(values, pa.uint64())
    with pytest.raises(OverflowError, match="does not fit in int64"):
        IntList.from_arrow(arr)
    x = IntList([1, 2])
    with pytest.raises(OverflowError):
        x.extend(np.asarray(arr))
    x._check()
    assert x == [1, 2]
    with pytest.raises(OverflowError):
        PackedIntArray.from_iterable(arr)


def test_intlist_from_arrow_with_a_fixed_dtype():
    shared = pa.array([1, 2, 3], pa.int64())
    x = IntList.from_arrow(shared, dtype="int64")
    x._check()
    assert x == [1, 2, 3] and x.dtype == "int64"
    assert int_address(x) == shared.buffers()[1].address     # same type: still shared
    with pytest.raises(OverflowError):
        x.append(2**63)
    y = IntList.from_arrow(pa.array([1, 2, 3], pa.int8()), dtype="int32")
    y._check()
    assert y == [1, 2, 3] and y.dtype == "int32" and "dtype='int32'" in repr(y)
    with pytest.raises(OverflowError):
        IntList.from_arrow(pa.array([1, 300], pa.int64()), dtype="int8")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_floatlist_round_trip(dtype):
    values = [1.5, -0.25, 0.0, -0.0, float("inf"), float("-inf"), 2.0**100, float("nan")]
    x = FloatList(values, dtype=dtype)
    arr = x.to_arrow()
    x._check()
    assert arr.type == pa.from_numpy_dtype(np.dtype(dtype))
    assert same_floats(arr.to_pylist(), values) and same_floats(x.tolist(), values)
    back = FloatList.from_arrow(arr)
    back._check()
    assert back.dtype == dtype and same_floats(back.tolist(), values)
    assert math.copysign(1, back[3]) == -1.0   # -0.0 kept bit for bit


def test_floatlist_from_other_numeric_arrow_types():
    assert FloatList.from_arrow(pa.array([1, -2], pa.int64())) == [1.0, -2.0]
    assert FloatList.from_arrow(pa.array([1, 2], pa.uint8())) == [1.0, 2.0]
    half = FloatList.from_arrow(pa.array(np.array([1.5, -2.0], np.float16)))
    half._check()
    assert half == [1.5, -2.0]
    with pytest.raises(TypeError):
        IntList.from_arrow(pa.array([1.5]))


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1001])
def test_bitlist_round_trip(n):
    values = [(i * 7919) % 3 == 0 for i in range(n)]
    b = BitList(values)
    arr = b.to_arrow()
    b._check()
    assert arr.type == pa.bool_() and len(arr) == n and arr.to_pylist() == values
    arr.validate(full=True)
    back = BitList.from_arrow(arr)
    back._check()
    assert back == values and BitList(arr) == values


@pytest.mark.parametrize("values, arrow_type", [
    ([0, 5, -3], pa.int8()), ([127, -128], pa.int8()), ([128], pa.int16()),
    ([-129, 0], pa.int16()), ([2**15], pa.int32()), ([-2**31], pa.int32()),
    ([2**31], pa.int64()), ([-2**31 - 1], pa.int64()), ([2**63 - 1, -2**63], pa.int64()),
    ([], pa.int8()),
])
def test_packed_to_arrow_is_the_narrowest_type(values, arrow_type):
    p = PackedIntArray.from_iterable(values)
    arr = p.to_arrow()
    p._check()
    assert arr.type == arrow_type and arr.to_pylist() == values
    back = PackedIntArray.from_iterable(arr)
    back._check()
    assert back.tolist() == values


def test_packed_from_arrow_inputs():
    for t in list(INT_TYPES.values()) + UINT_TYPES:
        p = PackedIntArray.from_iterable(pa.array([0, 1, 100], t))
        p._check()
        assert p.tolist() == [0, 1, 100]
    chunked = pa.chunked_array([pa.array([1, 2], pa.int64()), pa.array([3], pa.int64())])
    assert PackedIntArray.from_iterable(chunked).tolist() == [1, 2, 3]
    assert PackedIntArray.from_iterable(pa.array(range(10), pa.int32()).slice(3, 5)).tolist() \
        == [3, 4, 5, 6, 7]
    with pytest.raises(TypeError):
        PackedIntArray.from_iterable(pa.array(["a"]))
    with pytest.raises(TypeError):
        PackedIntArray.from_iterable(pa.array([1.0]))
    with pytest.raises(ValueError, match="1 in a chunk"):
        PackedIntArray.from_iterable(pa.array([1, None]))


def _widened_offsets_strlist(items):
    """A StrList whose (small) offsets were widened to int64: an adaptive IntList never
    narrows, so a big value appended and popped leaves it 8 bytes wide."""
    s = StrList(items)
    s._offsets.append(2**40)
    s._offsets.pop()
    assert s._offsets.dtype == "int64"
    s._check()
    return s


@pytest.mark.parametrize("width", [1, 2, 4, 8])
def test_strlist_round_trip_each_offset_width(width):
    items = list(BASE_STRS)
    if width == 2:
        items.append("w" * 300)
    elif width == 4:
        items.append("w" * 40000)
    s = _widened_offsets_strlist(items) if width == 8 else StrList(items)
    assert s._offsets.itemsize == width
    arr = s.to_arrow()
    s._check()
    arr.validate(full=True)
    assert arr.type == (pa.large_string() if width == 8 else pa.string())
    assert arr.to_pylist() == items and s == items
    back = StrList.from_arrow(arr)
    back._check()
    assert back == items and back.tolist() == items
    assert back._offsets.itemsize == (8 if width == 8 else 4)
    again = back.to_arrow()
    back._check()
    assert again.type == arr.type and again.to_pylist() == items


@pytest.mark.parametrize("arrow_type", [pa.string(), pa.large_string()], ids=str)
def test_strlist_from_arrow_round_trip_keeps_the_type(arrow_type):
    arr = pa.array(BASE_STRS, arrow_type)
    s = StrList.from_arrow(arr)
    s._check()
    assert s == BASE_STRS
    out = s.to_arrow()
    s._check()
    assert out.type == arrow_type and out.to_pylist() == BASE_STRS
    assert out.equals(arr)


@given(st.lists(utf8_text(), max_size=30), st.sampled_from([pa.string(), pa.large_string()]))
def test_strlist_round_trip_any_utf8(items, arrow_type):
    arr = pa.array(items, arrow_type)
    s = StrList.from_arrow(arr)
    s._check()
    assert s.tolist() == items
    out = s.to_arrow()
    out.validate(full=True)
    assert out.to_pylist() == items
    owned = StrList(items)
    assert owned.to_arrow().to_pylist() == items and owned == s
    owned._check()


def test_empty_lists_to_arrow():
    cases = [(IntList(), pa.int8()), (FloatList(), pa.float64()),
             (FloatList(dtype="float32"), pa.float32()), (StrList(), pa.string()),
             (BitList(), pa.bool_()), (PackedIntArray.from_iterable([]), pa.int8())]
    for lst, arrow_type in cases:
        arr = lst.to_arrow()
        lst._check()
        arr.validate(full=True)
        assert arr.type == arrow_type and len(arr) == 0
        if not isinstance(lst, PackedIntArray):
            lst.append(1 if not isinstance(lst, StrList) else "a")   # still usable after
            lst._check()
        assert arr.to_pylist() == []


# ================================================================ 2. zero copy

@pytest.mark.parametrize("name", list(INT_TYPES))
def test_intlist_from_arrow_shares_the_buffer(name):
    arr = pa.array(range(-5, 45), INT_TYPES[name])
    x = IntList.from_arrow(arr)
    x._check()
    assert int_address(x) == arr.buffers()[1].address
    assert memoryview(x).readonly and not np.asarray(x).flags.writeable
    # a sliced array is shared at its offset
    part = arr.slice(3, 5)
    y = IntList.from_arrow(part)
    y._check()
    assert y == list(range(-2, 3))
    assert int_address(y) == arr.buffers()[1].address + 3 * np.dtype(name).itemsize


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_floatlist_shares_both_ways(dtype):
    arr = pa.array(np.linspace(0, 1, 20, dtype=dtype))
    x = FloatList.from_arrow(arr)
    assert int_address(x) == arr.buffers()[1].address
    out = x.to_arrow()
    assert out.buffers()[1].address == arr.buffers()[1].address
    own = FloatList([1.0, 2.0], dtype=dtype)
    before = int_address(own)
    assert own.to_arrow().buffers()[1].address == before
    own._check()


def test_intlist_to_arrow_shares_the_buffer():
    x = IntList(range(1000))
    x.append(5)                      # spare capacity: the block is handed over anyway
    before = int_address(x)
    arr = x.to_arrow()
    x._check()
    assert arr.buffers()[1].address == before and arr.type == pa.int16()
    assert int_address(x) == before and memoryview(x).readonly
    second = x.to_arrow()            # sharing twice is still the same memory
    assert second.buffers()[1].address == before
    assert arr.to_pylist() == x.tolist() == list(range(1000)) + [5]


def test_intlist_arrow_round_trip_keeps_the_address():
    arr = pa.array(range(100), pa.int32())
    x = IntList.from_arrow(arr)
    out = x.to_arrow()
    y = IntList.from_arrow(out)
    addresses = {arr.buffers()[1].address, int_address(x), out.buffers()[1].address,
                 int_address(y)}
    assert len(addresses) == 1


def test_shared_memory_outlives_its_first_owner():
    arr = pa.array(range(50), pa.int64())
    x = IntList.from_arrow(arr)
    del arr
    gc.collect()
    assert x == list(range(50))
    y = IntList(range(-20, 30))
    out = y.to_arrow()
    del y
    gc.collect()
    assert out.to_pylist() == list(range(-20, 30))
    s = StrList(BASE_STRS)
    sarr = s.to_arrow()
    del s
    gc.collect()
    assert sarr.to_pylist() == BASE_STRS
    t = StrList.from_arrow(pa.array(BASE_STRS))
    gc.collect()
    assert t == BASE_STRS


@pytest.mark.parametrize("arrow_type", [pa.string(), pa.large_string()], ids=str)
def test_strlist_from_arrow_shares_text_and_offsets(arrow_type):
    arr = pa.array(BASE_STRS * 3, arrow_type)
    s = StrList.from_arrow(arr)
    s._check()
    assert text_address(s) == arr.buffers()[2].address
    assert int_address(s._offsets) == arr.buffers()[1].address
    assert s._data.readonly and memoryview(s._offsets).readonly


def test_strlist_from_sliced_arrow_shares_text_rebases_offsets():
    arr = pa.array(BASE_STRS)
    part = arr.slice(3, 5)
    s = StrList.from_arrow(part)
    s._check()
    assert s == BASE_STRS[3:8]
    start = len("".join(BASE_STRS[:3]).encode())
    assert text_address(s) == arr.buffers()[2].address + start
    assert s._offsets[0] == 0      # rebased: a copy of the offsets (O(n)), text still shared
    # a prefix slice has offsets starting at 0: both shared, the text cut at its end
    head = StrList.from_arrow(arr.slice(0, 4))
    head._check()
    assert head == BASE_STRS[:4]
    assert text_address(head) == arr.buffers()[2].address
    assert int_address(head._offsets) == arr.buffers()[1].address
    assert len(head._data) == len("".join(BASE_STRS[:4]).encode())


def test_strlist_to_arrow_shares():
    items = BASE_STRS + ["w" * 40000]           # int32 offsets: shared as they are
    s = StrList(items)
    assert s._offsets.dtype == "int32"
    text = np.frombuffer(s._data, np.uint8).ctypes.data
    offsets = int_address(s._offsets)
    arr = s.to_arrow()
    s._check()
    assert arr.buffers()[2].address == text and arr.buffers()[1].address == offsets
    small = StrList(BASE_STRS)                  # int8 offsets: widened (copied), text shared
    text = np.frombuffer(small._data, np.uint8).ctypes.data
    arr = small.to_arrow()
    small._check()
    assert arr.buffers()[2].address == text and arr.to_pylist() == BASE_STRS
    wide = _widened_offsets_strlist(BASE_STRS)  # int64 offsets: large_string, shared
    offsets = int_address(wide._offsets)
    arr = wide.to_arrow()
    assert arr.type == pa.large_string() and arr.buffers()[1].address == offsets


@pytest.mark.parametrize("arrow_type", [pa.string(), pa.large_string()], ids=str)
def test_strlist_arrow_round_trip_keeps_the_addresses(arrow_type):
    arr = pa.array(BASE_STRS, arrow_type)
    s = StrList.from_arrow(arr)
    out = s.to_arrow()
    t = StrList.from_arrow(out)
    t._check()
    assert out.buffers()[2].address == arr.buffers()[2].address == text_address(t)
    assert out.buffers()[1].address == arr.buffers()[1].address == int_address(t._offsets)
    assert t == BASE_STRS


# ================================================================ 3. copy on write

def _op(fn):
    """An operation applied alike to a lowram list and a ``list``; returns the list (which
    ``+=``/``*=`` may rebind)."""
    def run(lst):
        out = fn(lst)
        return out if isinstance(out, (list, IntList, FloatList, StrList)) else lst
    run.__name__ = fn.__name__
    return run


def _iadd(lst):
    lst += [7, 1]
    return lst


def _imul(lst):
    lst *= 2
    return lst


def _imul_1(lst):
    lst *= 1
    return lst


def _shrink(lst):
    getattr(lst, "shrink_to_fit", lambda: None)()


def _setitem_ext(lst):
    lst[::2] = [lst[0]] * len(range(0, len(lst), 2))


def _setitem_ext_neg(lst):
    lst[::-3] = [lst[-1]] * len(range(len(lst) - 1, -1, -3))


NUMBER_OPS = [_op(f) for f in (
    lambda l: l.append(5),
    lambda l: l.append(2**41),                   # widens the item type (a copy)
    lambda l: l.extend([7, 8, -9]),
    lambda l: l.extend(l),
    lambda l: l.insert(1, 9),
    lambda l: l.insert(0, -2**40),
    lambda l: l.pop(),
    lambda l: l.pop(0),
    lambda l: l.pop(4),
    lambda l: l.remove(l[3]),
    lambda l: l.__setitem__(0, 42),
    lambda l: l.__setitem__(-1, 2**40),
    lambda l: l.__setitem__(slice(1, 3), [4, 5, 6]),
    lambda l: l.__setitem__(slice(1, 5), []),
    lambda l: l.__setitem__(slice(2, 2), [2**40]),
    _setitem_ext, _setitem_ext_neg,
    lambda l: l.__delitem__(0),
    lambda l: l.__delitem__(-1),
    lambda l: l.__delitem__(slice(1, 4)),
    lambda l: l.__delitem__(slice(None, None, 2)),
    lambda l: l.__delitem__(slice(None, None, -3)),
    lambda l: l.reverse(),
    lambda l: l.sort(),
    lambda l: l.sort(reverse=True),
    lambda l: l.sort(key=lambda v: -v),
    lambda l: l.clear(),
    _iadd, _imul, _imul_1, _shrink,
)]
NUMBER_OP_IDS = ["append", "append-widen", "extend", "extend-self", "insert", "insert-widen",
                 "pop", "pop-0", "pop-4", "remove", "setitem", "setitem-widen", "setslice",
                 "setslice-shrink", "setslice-widen", "setitem-ext", "setitem-ext-neg",
                 "delitem", "delitem-neg", "delslice", "delslice-ext", "delslice-ext-neg",
                 "reverse", "sort", "sort-reverse", "sort-key", "clear", "iadd", "imul-2",
                 "imul-1", "shrink_to_fit"]


def _number_sources():
    """(list, arrow array the list shares) pairs, built both ways."""
    def from_arrow_int64():
        arr = pa.array(BASE_INTS, pa.int64())
        return IntList.from_arrow(arr), arr

    def from_arrow_int8():
        arr = pa.array(BASE_INTS, pa.int8())
        return IntList.from_arrow(arr), arr

    def from_arrow_sliced():
        arr = pa.array([100, 101] + BASE_INTS + [102], pa.int16()).slice(2, len(BASE_INTS))
        return IntList.from_arrow(arr), arr

    def to_arrow_adaptive():
        x = IntList(BASE_INTS)
        return x, x.to_arrow()

    def to_arrow_after_growth():
        x = IntList()
        for v in BASE_INTS:
            x.append(v)                          # spare capacity before sharing
        return x, x.to_arrow()

    def float_from_arrow():
        arr = pa.array([float(v) for v in BASE_INTS], pa.float64())
        return FloatList.from_arrow(arr), arr

    def float32_to_arrow():
        x = FloatList(BASE_INTS, dtype="float32")
        return x, x.to_arrow()

    return [from_arrow_int64, from_arrow_int8, from_arrow_sliced, to_arrow_adaptive,
            to_arrow_after_growth, float_from_arrow, float32_to_arrow]


@pytest.mark.parametrize("source", _number_sources(), ids=lambda f: f.__name__)
@pytest.mark.parametrize("op", NUMBER_OPS, ids=NUMBER_OP_IDS)
def test_number_list_copy_on_write(source, op):
    x, arr = source()
    x._check()
    snapshot, before = arr.to_pylist(), raw(arr)
    expected = op(list(x.tolist()))
    x = op(x)
    x._check()
    assert x == expected
    assert raw(arr) == before and arr.to_pylist() == snapshot
    arr.validate(full=True)
    # the list is now its own: more writes still leave the Arrow array alone
    x.append(1)
    x.extend([2, 3])
    if len(x):
        x[0] = 4
    x._check()
    assert raw(arr) == before and arr.to_pylist() == snapshot


@pytest.mark.parametrize("times", [0, -1])
@pytest.mark.parametrize("way", ["from_arrow", "to_arrow"])
def test_imul_zero_on_a_shared_list_copies(way, times):
    if way == "from_arrow":
        arr = pa.array([1, 2, 3], pa.int64())
        x = IntList.from_arrow(arr)
    else:
        x = IntList([1, 2, 3])
        arr = x.to_arrow()
    x *= times
    x.append(9)
    assert arr.to_pylist() == [1, 2, 3] and x == [9]
    x._check()


def test_failed_extend_after_to_arrow_inside_the_iterable_copies():
    x = IntList([1, 2, 3])
    shared = []

    def items():
        yield 4
        shared.append(x.to_arrow())
        raise KeyError("boom")

    with pytest.raises(KeyError):
        x.extend(items())
    x.append(99)
    assert shared[0].to_pylist() == [1, 2, 3, 4] and x == [1, 2, 3, 99]
    x._check()


def test_failed_strlist_extend_after_to_arrow_leaves_the_arrow_array_valid():
    s = StrList(["x" * 40000, "y"])            # int32 offsets: to_arrow shares them
    shared = []

    def items():
        yield ""
        shared.append(s.to_arrow())
        yield 5

    with pytest.raises(TypeError):
        s.extend(items())
    s.append("zz")
    shared[0].validate(full=True)
    assert shared[0].to_pylist() == ["x" * 40000, "y", ""] and s == ["x" * 40000, "y", "zz"]
    s._check()


@pytest.mark.parametrize("view", ["memoryview", "numpy"])
def test_to_arrow_with_a_live_writable_view_is_not_changed_through_it(view):
    x = IntList([1, 2, 3])
    v = memoryview(x) if view == "memoryview" else np.asarray(x)
    assert (not v.readonly) if view == "memoryview" else v.flags.writeable   # owned: writable
    arr = x.to_arrow()
    v[0] = 99
    assert arr.to_pylist() == [1, 2, 3]


STR_OPS = [_op(f) for f in (
    lambda l: l.append("x"),
    lambda l: l.append("é" * 70),
    lambda l: l.extend(["a", "", "ü"]),
    lambda l: l.extend(l),
    lambda l: l.insert(1, "ins"),
    lambda l: l.insert(-100, ""),
    lambda l: l.pop(),
    lambda l: l.pop(0),
    lambda l: l.pop(3),
    lambda l: l.remove("c"),
    lambda l: l.__setitem__(0, "new"),
    lambda l: l.__setitem__(-1, ""),
    lambda l: l.__setitem__(2, "much longer than before"),
    lambda l: l.__setitem__(slice(1, 3), ["p", "q", "r"]),
    lambda l: l.__setitem__(slice(1, 5), []),
    lambda l: l.__setitem__(slice(None, None, 2), ["e"] * len(range(0, len(l), 2))),
    lambda l: l.__setitem__(slice(None, None, -3), ["m"] * len(range(len(l) - 1, -1, -3))),
    lambda l: l.__delitem__(0),
    lambda l: l.__delitem__(-1),
    lambda l: l.__delitem__(slice(1, 4)),
    lambda l: l.__delitem__(slice(None, None, 2)),
    lambda l: l.__delitem__(slice(None, None, -3)),
    lambda l: l.reverse(),
    lambda l: l.sort(),
    lambda l: l.sort(key=len, reverse=True),
    lambda l: l.clear(),
    lambda l: l.__iadd__(["+", "="]),
    lambda l: l.__imul__(2),
    lambda l: l.__imul__(0),
    lambda l: l.__imul__(-1),
    _shrink,
)]
STR_OP_IDS = ["append", "append-long", "extend", "extend-self", "insert", "insert-clamped",
              "pop", "pop-0", "pop-3", "remove", "setitem", "setitem-neg", "setitem-longer",
              "setslice", "setslice-shrink", "setitem-ext", "setitem-ext-neg", "delitem",
              "delitem-neg", "delslice", "delslice-ext", "delslice-ext-neg", "reverse", "sort",
              "sort-key", "clear", "iadd", "imul-2", "imul-0", "imul-neg", "shrink_to_fit"]


def _str_sources():
    long_items = BASE_STRS + ["w" * 40000]

    def from_arrow_string():
        arr = pa.array(BASE_STRS, pa.string())
        return StrList.from_arrow(arr), arr

    def from_arrow_large():
        arr = pa.array(BASE_STRS, pa.large_string())
        return StrList.from_arrow(arr), arr

    def from_arrow_sliced():
        arr = pa.array(["pre", "fix"] + BASE_STRS + ["post"]).slice(2, len(BASE_STRS))
        return StrList.from_arrow(arr), arr

    def from_arrow_prefix():
        arr = pa.array(BASE_STRS + ["tail"]).slice(0, len(BASE_STRS))
        return StrList.from_arrow(arr), arr

    def to_arrow_int8_offsets():
        s = StrList(BASE_STRS)
        return s, s.to_arrow()

    def to_arrow_int32_offsets():
        s = StrList(long_items)
        return s, s.to_arrow()

    def to_arrow_int64_offsets():
        s = _widened_offsets_strlist(BASE_STRS)
        return s, s.to_arrow()

    return [from_arrow_string, from_arrow_large, from_arrow_sliced, from_arrow_prefix,
            to_arrow_int8_offsets, to_arrow_int32_offsets, to_arrow_int64_offsets]


@pytest.mark.parametrize("source", _str_sources(), ids=lambda f: f.__name__)
@pytest.mark.parametrize("op", STR_OPS, ids=STR_OP_IDS)
def test_strlist_copy_on_write(source, op):
    s, arr = source()
    s._check()
    snapshot, before = arr.to_pylist(), raw(arr)
    expected = op(list(s.tolist()))
    s = op(s)
    s._check()
    assert s == expected
    assert raw(arr) == before and arr.to_pylist() == snapshot
    arr.validate(full=True)
    s.append("after")
    s.extend(["more", "é"])
    s[0] = "first"
    s._check()
    assert raw(arr) == before and arr.to_pylist() == snapshot


def test_shrink_to_fit_of_a_shared_list_keeps_sharing():
    arr = pa.array(range(1000), pa.int64())
    x = IntList.from_arrow(arr)
    x.shrink_to_fit()
    x._check()
    assert int_address(x) == arr.buffers()[1].address


def test_to_arrow_of_lone_surrogates_is_refused_or_valid():
    s = StrList(["ok", "\ud800", "x\udcffy"])
    try:
        arr = s.to_arrow()
    except ValueError:
        return
    arr.validate(full=True)


def test_strlist_extend_with_an_arrow_column_leaves_the_source_alone():
    src = pa.array(BASE_STRS)
    s = StrList.from_arrow(src)
    before = raw(src)
    s.extend(pa.array(["n", "ew"]))
    s += pa.chunked_array([["c1"], ["c2", "c3"]])
    s._check()
    assert s == BASE_STRS + ["n", "ew", "c1", "c2", "c3"] and raw(src) == before


def test_shared_intlist_views_are_read_only_and_block_resizes():
    arr = pa.array(range(10), pa.int64())
    x = IntList.from_arrow(arr)
    m = memoryview(x)
    assert m.readonly and m.format == "q" and m.tolist() == list(range(10))
    with pytest.raises(TypeError):
        m[0] = 5
    for mutate in (lambda: x.append(5), lambda: x.extend([1]), lambda: x.insert(0, 1),
                   lambda: x.pop(), lambda: x.clear(), lambda: x.__delitem__(0),
                   lambda: x.__setitem__(0, 1), lambda: x.shrink_to_fit()):
        with pytest.raises(BufferError):
            mutate()
        x._check()
        assert x == list(range(10))
    del m
    view = np.frombuffer(x, dtype=np.int64)
    assert not view.flags.writeable and view.ctypes.data == arr.buffers()[1].address
    with pytest.raises(BufferError):
        x.append(5)
    del view
    x.append(10)                    # no view left: copy on write
    x._check()
    assert x == list(range(11)) and arr.to_pylist() == list(range(10))
    assert not memoryview(x).readonly


def test_owned_intlist_views_block_resizes_the_same_way():
    x = IntList(range(10))
    m = memoryview(x)
    assert not m.readonly
    with pytest.raises(BufferError):
        x.append(5)
    del m
    view = np.frombuffer(x, dtype=np.int8)
    with pytest.raises(BufferError):
        x.append(5)
    del view
    x.append(5)
    x._check()


def test_a_writable_buffer_request_on_a_shared_list_copies_first():
    arr = pa.array([1, 2, 3], pa.int64())
    x = IntList.from_arrow(arr)
    assert io.BytesIO(bytes(24)).readinto(x) == 24     # asks for a writable buffer
    x._check()
    assert x == [0, 0, 0] and arr.to_pylist() == [1, 2, 3]
    assert not memoryview(x).readonly


def test_to_arrow_makes_the_list_read_only_shared():
    x = IntList([1, 2, 3])
    assert not memoryview(x).readonly
    arr = x.to_arrow()
    assert memoryview(x).readonly
    x[0] = 10                     # the first write copies; the list is writable again
    x._check()
    assert not memoryview(x).readonly and arr.to_pylist() == [1, 2, 3] and x == [10, 2, 3]
    again = x.to_arrow()          # and can be shared again
    x[1] = 20
    assert again.to_pylist() == [10, 2, 3] and arr.to_pylist() == [1, 2, 3]


# ---------------------------------------------------------------- differential (Hypothesis)

SMALL_OR_BIG = st.one_of(st.integers(-5, 5), st.integers(-2**63, 2**63 - 1))
POSITION = st.integers(-14, 14)
SLICE = st.builds(slice, st.none() | POSITION, st.none() | POSITION,
                  st.none() | st.sampled_from([1, 2, 3, -1, -2, -3]))


def _ops(value):
    return st.lists(st.one_of(
        st.tuples(st.just("append"), value),
        st.tuples(st.just("extend"), st.lists(value, max_size=4)),
        st.tuples(st.just("insert"), POSITION, value),
        st.tuples(st.just("pop"), POSITION),
        st.tuples(st.just("remove"), value),
        st.tuples(st.just("setitem"), POSITION, value),
        st.tuples(st.just("setslice"), SLICE, st.lists(value, min_size=1, max_size=5)),
        st.tuples(st.just("delitem"), POSITION),
        st.tuples(st.just("delslice"), SLICE),
        st.tuples(st.just("reverse")),
        st.tuples(st.just("sort"), st.booleans()),
        st.tuples(st.just("clear")),
        st.tuples(st.just("iadd"), st.lists(value, max_size=3)),
        st.tuples(st.just("imul"), st.integers(1, 2)),
        st.tuples(st.just("shrink")),
        st.tuples(st.just("to_arrow")),   # re-share mid-sequence (three times as likely)
        st.tuples(st.just("to_arrow")),
        st.tuples(st.just("to_arrow")),
    ), max_size=14)


def _apply(lst, op):
    """Apply ``op`` to ``lst`` (a list or a lowram list); returns the list, or the exception
    type it raised."""
    name, *args = op
    try:
        if name == "append":
            lst.append(args[0])
        elif name == "extend":
            lst.extend(args[0])
        elif name == "insert":
            lst.insert(args[0], args[1])
        elif name == "pop":
            lst.pop(args[0])
        elif name == "remove":
            lst.remove(args[0])
        elif name == "setitem":
            lst[args[0]] = args[1]
        elif name == "setslice":
            index, values = args
            k = len(range(*index.indices(len(lst))))
            if index.step not in (None, 1):      # an extended slice takes exactly k items
                values = [values[i % len(values)] for i in range(k)]
            lst[index] = values
        elif name == "delitem":
            del lst[args[0]]
        elif name == "delslice":
            del lst[args[0]]
        elif name == "reverse":
            lst.reverse()
        elif name == "sort":
            lst.sort(reverse=args[0])
        elif name == "clear":
            lst.clear()
        elif name == "iadd":
            lst += args[0]
        elif name == "imul":
            if len(lst) < 40:
                lst *= args[0]
        elif name == "shrink":
            _shrink(lst)
    except (IndexError, ValueError) as exc:
        return type(exc)
    return lst


def _differential(x, arrays, ops):
    py = x.tolist()
    for op in ops:
        if op[0] == "to_arrow":
            arr = x.to_arrow()
            arrays.append((arr, arr.to_pylist(), raw(arr)))
            x._check()
            continue
        want = _apply(py, op)
        got = _apply(x, op)
        if isinstance(want, type):
            assert got is want, (op, got)
        else:
            py, x = want, got
        x._check()
        assert x.tolist() == py, op
    for arr, snapshot, before in arrays:
        assert raw(arr) == before and arr.to_pylist() == snapshot
        arr.validate(full=True)


@given(st.lists(st.integers(-100, 100), min_size=1, max_size=10),
       st.sampled_from(list(INT_TYPES.values())), st.integers(0, 2), _ops(SMALL_OR_BIG))
def test_intlist_from_arrow_differential(values, arrow_type, cut, ops):
    arr = pa.array([7] * cut + values, arrow_type).slice(cut)
    x = IntList.from_arrow(arr)
    _differential(x, [(arr, arr.to_pylist(), raw(arr))], ops)


@given(st.lists(SMALL_OR_BIG, max_size=10), _ops(SMALL_OR_BIG))
def test_intlist_to_arrow_differential(values, ops):
    x = IntList(values)
    arr = x.to_arrow()
    _differential(x, [(arr, arr.to_pylist(), raw(arr))], ops)


@given(st.lists(utf8_text(4), min_size=1, max_size=10),
       st.sampled_from([pa.string(), pa.large_string()]), st.integers(0, 2),
       _ops(utf8_text(4)))
def test_strlist_from_arrow_differential(values, arrow_type, cut, ops):
    arr = pa.array(["pad"] * cut + values, arrow_type).slice(cut)
    s = StrList.from_arrow(arr)
    _differential(s, [(arr, arr.to_pylist(), raw(arr))], ops)


# ================================================================ 4. memory

RSS_SCRIPT = """
    import gc, json
    import pyarrow as pa
    from lowram import StrList
    from lowram.measure import current_rss, peak_rss, reset_peak

    arr = pa.array(["abcdefghij" * 5] * 1_000_000)     # 50 MB of text, 4 MB of offsets
    gc.collect()
    r0 = current_rss()
    peak_ok = reset_peak()
    shared = StrList.from_arrow(arr)
    r1 = current_rss()
    peak = peak_rss() if peak_ok else None
    copied = StrList(arr)                               # one copy of the text and offsets
    r2 = current_rss()
    assert len(shared) == len(copied) == 1_000_000 and shared[-1] == copied[0] == arr[5].as_py()
    print(json.dumps({"text": arr.buffers()[2].size, "shared": r1 - r0, "copied": r2 - r1,
                      "peak": None if peak is None else peak - r0}))
"""


@pytest.mark.slow
def test_strlist_from_arrow_costs_no_memory():
    out = json.loads(run_ok(RSS_SCRIPT, timeout=60).splitlines()[-1])
    if out["shared"] is None:
        pytest.skip("RSS not measurable on this platform")
    mb = 1 << 20
    assert out["text"] >= 50_000_000
    assert out["shared"] < 5 * mb, out
    if out["peak"] is not None:
        assert out["peak"] < 5 * mb, out
    assert out["copied"] > 40 * mb, out           # the copy pays for the text, as it should


# ================================================================ 5. columns of every shape

@pytest.mark.parametrize("cls, arrow_type", [
    (IntList, pa.int64()), (IntList, pa.int8()), (FloatList, pa.float64()),
    (StrList, pa.string()), (StrList, pa.large_string()), (BitList, pa.bool_()),
])
def test_empty_arrays(cls, arrow_type):
    for column in (pa.array([], arrow_type), pa.chunked_array([], arrow_type),
                   pa.chunked_array([pa.array([], arrow_type)] * 3), pa.nulls(0),
                   pa.table({"c": pa.array([], arrow_type)})):
        x = cls.from_arrow(column)
        x._check()
        assert len(x) == 0 and x == []
        x.append("a" if cls is StrList else 1)
        x._check()


def test_empty_packed():
    for column in (pa.array([], pa.int64()), pa.chunked_array([pa.array([], pa.int32())])):
        p = PackedIntArray.from_iterable(column)
        p._check()
        assert len(p) == 0


@pytest.mark.parametrize("column", [pa.chunked_array([], pa.int64()), pa.nulls(0)],
                         ids=["zero-chunks", "nulls-0"])
def test_packed_from_a_column_with_no_chunk(column):
    p = PackedIntArray.from_iterable(column)
    assert len(p) == 0


NULL_CASES = [
    (IntList, pa.int64(), [1, None, 3]), (FloatList, pa.float64(), [1.5, None]),
    (StrList, pa.string(), ["a", None, "b"]), (StrList, pa.large_string(), [None]),
    (BitList, pa.bool_(), [True, None]),
]


@pytest.mark.parametrize("cls, arrow_type, values", NULL_CASES)
def test_nulls_are_refused_with_their_count(cls, arrow_type, values):
    count, first = values.count(None), values.index(None)
    arr = pa.array(values, arrow_type)
    with pytest.raises(ValueError, match=rf"has {count} in a chunk \(first at row {first}\)"):
        cls.from_arrow(arr)
    with pytest.raises(ValueError, match="drop_null"):
        cls.from_arrow(pa.chunked_array([pa.array([v for v in values if v is not None],
                                                  arrow_type), arr]))
    with pytest.raises(ValueError, match=f"has {len(values)} in a chunk"):
        cls.from_arrow(pa.array([None] * len(values), arrow_type))


@pytest.mark.parametrize("cls", [IntList, FloatList, StrList])
def test_all_null_arrays_name_the_count(cls):
    with pytest.raises(ValueError, match="has 3 in a chunk"):
        cls.from_arrow(pa.nulls(3))
    with pytest.raises(ValueError, match="has 4 in a chunk"):
        cls.from_arrow(pa.nulls(4, pa.int64() if cls is not StrList else pa.string()))


def test_bitlist_all_null_array_names_the_count():
    with pytest.raises(ValueError, match="has 3 in a chunk"):
        BitList.from_arrow(pa.nulls(3))


def test_extend_with_nulls_leaves_the_container_unchanged():
    column = pa.chunked_array([pa.array(["x", "y"]), pa.array(["z", None])])
    s = StrList(["a"])
    with pytest.raises(ValueError, match="first at row 3"):
        s.extend(column)
    s._check()
    assert s == ["a"]
    shared = StrList.from_arrow(pa.array(["a"]))
    with pytest.raises(ValueError):
        shared.extend(column)
    with pytest.raises(ValueError):
        shared += pa.array([None], pa.string())
    shared._check()
    assert shared == ["a"]
    b = BitList([True])
    with pytest.raises(ValueError):
        b.extend(pa.array([False, None]))
    b._check()
    assert b == [True]
    with pytest.raises(ValueError):
        StrList(column)


@pytest.mark.parametrize("cls, values", [(IntList, [1, None]), (FloatList, [1.0, None])])
def test_number_list_extend_with_nulls_follows_the_null_policy(cls, values):
    x = cls([5])
    with pytest.raises(ValueError, match="1 in a chunk"):
        x.extend(pa.array(values))
    assert x == [5]


def test_number_list_constructor_and_extend_take_arrow_columns():
    x = IntList(pa.array([1, 2], pa.int64()))
    x.extend(pa.chunked_array([[3], [4, 5]]))
    x._check()
    assert x == [1, 2, 3, 4, 5]
    f = FloatList(pa.array([1.5]))
    f.extend(pa.array([2.5]))
    assert f == [1.5, 2.5]


def test_sliced_arrays_of_every_type():
    ints = pa.array(range(10), pa.int32())
    assert IntList.from_arrow(ints.slice(3, 5)) == [3, 4, 5, 6, 7]
    assert IntList.from_arrow(ints.slice(10)) == []
    floats = pa.array([i / 2 for i in range(10)])
    assert FloatList.from_arrow(floats.slice(3, 5)) == [1.5, 2.0, 2.5, 3.0, 3.5]
    strs = pa.array([str(i) * i for i in range(10)])
    s = StrList.from_arrow(strs.slice(3, 5))
    s._check()
    assert s == [str(i) * i for i in range(3, 8)]
    large = pa.array([str(i) * i for i in range(10)], pa.large_string()).slice(3, 5)
    assert StrList.from_arrow(large) == s
    assert PackedIntArray.from_iterable(ints.slice(3, 5)).tolist() == [3, 4, 5, 6, 7]
    # sliced chunks inside a ChunkedArray
    chunked = pa.chunked_array([strs.slice(1, 2), strs.slice(5, 3), strs.slice(9)])
    joined = StrList.from_arrow(chunked)
    joined._check()
    assert joined == ["1", "22", "55555", "666666", "7777777", "999999999"]
    assert IntList.from_arrow(pa.chunked_array([ints.slice(1, 2), ints.slice(8)])) == [1, 2, 8, 9]


@pytest.mark.parametrize("offset", range(1, 8))
def test_bitlist_from_arrow_with_bit_offsets(offset):
    values = [(i * 2654435761) % 5 < 2 for i in range(40)]
    arr = pa.array(values)
    for n in (0, 1, 3, 7, 8, 9, 16, 25, 40 - offset):
        b = BitList.from_arrow(arr.slice(offset, n))
        b._check()
        assert b == values[offset:offset + n], (offset, n)
    chunked = pa.chunked_array([arr.slice(offset, 5), arr.slice(offset + 11, 13)])
    b = BitList.from_arrow(chunked)
    b._check()
    assert b == values[offset:offset + 5] + values[offset + 11:offset + 24]


@pytest.mark.parametrize("cls, arrow_type, values", [
    (IntList, pa.int64(), [[1, 2], [3], [], [4, 5, 6]]),
    (IntList, pa.int16(), [[300], [-300, 1]]),
    (FloatList, pa.float32(), [[1.5], [2.5, -1.0]]),
    (StrList, pa.string(), [["a", "bc"], [], ["", "déf"]]),
    (StrList, pa.large_string(), [["a"], ["b", "c"]]),
    (BitList, pa.bool_(), [[True, False, True], [False] * 9, [True]]),
])
def test_chunked_tables_batches(cls, arrow_type, values):
    flat = [v for chunk in values for v in chunk]
    chunked = pa.chunked_array([pa.array(c, arrow_type) for c in values], arrow_type)
    for column in (chunked, pa.table({"col": chunked}),
                   pa.record_batch({"col": pa.array(flat, arrow_type)}),
                   pa.array(flat, arrow_type)):
        x = cls.from_arrow(column)
        x._check()
        assert x == flat
        if cls in (StrList, BitList) or not isinstance(column, (pa.Table, pa.RecordBatch)):
            y = cls(column)       # the constructor takes a column too
            y._check()
            assert y == flat
    with pytest.raises(TypeError, match="has 2"):
        cls.from_arrow(pa.table({"a": chunked, "b": chunked}))
    with pytest.raises(TypeError, match="has 2"):
        cls.from_arrow(pa.record_batch({"a": pa.array(flat, arrow_type),
                                        "b": pa.array(flat, arrow_type)}))
    with pytest.raises(TypeError, match="no column"):
        cls.from_arrow(pa.table({}))


def test_chunked_number_lists_copy_and_adapt():
    chunked = pa.chunked_array([pa.array([1, 2], pa.int64()), pa.array([3], pa.int64())])
    x = IntList.from_arrow(chunked)
    x._check()
    assert x == [1, 2, 3]
    x.append(2**40)
    assert chunked.to_pylist() == [1, 2, 3]
    assert PackedIntArray.from_iterable(chunked).tolist() == [1, 2, 3]


def _reader(arrow_type, chunks):
    schema = pa.schema({"col": arrow_type})
    return pa.RecordBatchReader.from_batches(
        schema, [pa.record_batch({"col": pa.array(c, arrow_type)}) for c in chunks])


@pytest.mark.parametrize("cls, arrow_type, chunks", [
    (IntList, pa.int64(), [[1, 2], [3]]), (FloatList, pa.float64(), [[1.5], [2.5]]),
    (StrList, pa.string(), [["a"], ["b", "c"]]), (BitList, pa.bool_(), [[True], [False]]),
])
def test_record_batch_reader(cls, arrow_type, chunks):
    x = cls.from_arrow(_reader(arrow_type, chunks))
    assert x == [v for c in chunks for v in c]


def test_multi_column_reader_is_a_type_error():
    reader = pa.RecordBatchReader.from_batches(
        pa.schema({"a": pa.int64(), "b": pa.int64()}),
        [pa.record_batch({"a": [1], "b": [2]})])
    with pytest.raises(TypeError, match="has 2"):
        IntList.from_arrow(reader)


@pytest.mark.parametrize("cls, column", [
    (StrList, pa.array([1, 2])), (StrList, pa.array([True])), (StrList, pa.array([1.5])),
    (IntList, pa.array(["a"])), (IntList, pa.array([1.5])), (IntList, pa.array([True])),
    (FloatList, pa.array(["a"])), (FloatList, pa.array([True])),
    (BitList, pa.array([1, 0])), (BitList, pa.array(["a"])),
    (IntList, [1, 2]), (IntList, np.arange(3)), (StrList, ["a", "b"]), (BitList, [True]),
])
def test_wrong_types_are_type_errors(cls, column):
    with pytest.raises(TypeError):
        cls.from_arrow(column)


def test_binary_columns():
    ok = pa.array([b"ok", "é".encode(), b""], pa.binary())
    assert StrList.from_arrow(ok) == ["ok", "é", ""]
    assert StrList.from_arrow(ok.cast(pa.large_binary())) == ["ok", "é", ""]
    bad = pa.array([b"fine", b"also", b"\xff\xfe", b"x"], pa.binary())
    with pytest.raises(ValueError, match=r"row 2 is not UTF-8 \(b'\\xff\\xfe'\)"):
        StrList.from_arrow(bad)
    with pytest.raises(ValueError, match="row 4 is not UTF-8"):    # rows count across chunks
        StrList.from_arrow(pa.chunked_array([ok, bad.slice(1)], pa.binary()))
    s = StrList(["keep"])
    with pytest.raises(ValueError):
        s.extend(bad)
    s._check()
    assert s == ["keep"]


@pytest.mark.parametrize("data, row", [
    (b"a\xff", 1), (b"a\xc3", 1), (b"a\xed\xa0\x80", 1),     # bad byte, truncated, surrogate
    (b"a\xc0\xaf", 1), (b"a\xf4\x90\x80\x80", 1),             # overlong, beyond U+10FFFF
])
def test_invalid_utf8_string_array_is_a_value_error(data, row):
    arr = string_from_buffers([0, 1, len(data)], data)          # pyarrow does not check
    with pytest.raises(ValueError, match=f"row {row} is not UTF-8"):
        StrList.from_arrow(arr)
    s = StrList(["x"])
    with pytest.raises(ValueError):
        s.extend(arr)
    assert s == ["x"]


@pytest.mark.parametrize("offsets, data", [
    ([0, 2, 10], b"abcd"),          # beyond the data
    ([0, 3, 1, 4], b"abcd"),        # decreasing
    ([-1, 2], b"abcd"),             # negative
    ([0, 2**31 - 1], b"abcd"),      # far beyond
    ([5, 6], b"abcd"),              # starts beyond
])
@pytest.mark.parametrize("arrow_type", [pa.string(), pa.large_string()], ids=str)
def test_corrupt_offsets_are_a_value_error(offsets, data, arrow_type):
    arr = mutable_string_array(offsets, data, arrow_type)
    with pytest.raises(ValueError, match="corrupt string column"):
        StrList.from_arrow(arr)
    s = StrList(["x"])
    with pytest.raises(ValueError, match="corrupt string column"):
        s.extend(pa.chunked_array([pa.array(["ok"], arrow_type), arr]))
    s._check()
    assert s == ["x"]


def test_string_array_with_nonzero_first_offset_and_spare_data():
    arr = string_from_buffers([2, 4, 4, 7], b"..abXcde..")
    s = StrList.from_arrow(arr)
    s._check()
    assert s == ["ab", "", "Xcd"]
    assert text_address(s) == arr.buffers()[2].address + 2


def test_dictionary_and_view_strings():
    dic = pa.array(["a", "b", "a", "ccc"]).dictionary_encode()
    s = StrList.from_arrow(dic)
    s._check()
    assert s == ["a", "b", "a", "ccc"]
    chunked = pa.chunked_array([pa.array(["x", "y"]).dictionary_encode(),
                                pa.array(["y", "z"]).dictionary_encode()])
    assert StrList.from_arrow(chunked) == ["x", "y", "y", "z"]
    with pytest.raises(ValueError, match="1 in a chunk"):
        StrList.from_arrow(pa.array(["a", None]).dictionary_encode())
    if hasattr(pa, "string_view"):
        view = pa.array(["short", "a much longer string than twelve"], pa.string_view())
        assert StrList.from_arrow(view) == ["short", "a much longer string than twelve"]


@pytest.fixture
def pd():
    return pytest.importorskip("pandas")


class TestPandas:
    def test_string_series(self, pd):
        items = ["a", "bé", "", "c"]
        for dtype in ("string[pyarrow]", object, pd.ArrowDtype(pa.string()),
                      pd.ArrowDtype(pa.large_string()), "string[python]"):
            s = StrList.from_arrow(pd.Series(items, dtype=dtype))
            s._check()
            assert s == items, dtype
            t = StrList(["z"])
            t.extend(pd.Series(items, dtype=dtype))
            assert t == ["z"] + items

    def test_string_series_with_nulls(self, pd):
        for dtype in ("string[pyarrow]", object, pd.ArrowDtype(pa.string())):
            with pytest.raises(ValueError, match="first at row 1"):
                StrList.from_arrow(pd.Series(["a", None, "b"], dtype=dtype))
            s = StrList(["keep"])
            with pytest.raises(ValueError):
                s.extend(pd.Series(["a", None], dtype=dtype))
            assert s == ["keep"]

    def test_numeric_series(self, pd):
        x = IntList.from_arrow(pd.Series(np.arange(5, dtype=np.int64)))
        x._check()
        assert x == [0, 1, 2, 3, 4] and x.dtype == "int64"
        assert IntList.from_arrow(pd.Series([1, 2], dtype=pd.ArrowDtype(pa.int16()))).dtype \
            == "int16"
        assert IntList.from_arrow(pd.Series([1, 2], dtype="Int64")) == [1, 2]
        assert IntList.from_arrow(pd.Series([1, 200], dtype="uint8")) == [1, 200]
        f = FloatList.from_arrow(pd.Series([1.5, 2.5], dtype="float32"))
        assert f == [1.5, 2.5] and f.dtype == "float32"
        assert BitList.from_arrow(pd.Series([True, False])) == [True, False]
        assert PackedIntArray.from_iterable(pd.Series([3, 1, 2])).tolist() == [3, 1, 2]
        with pytest.raises(ValueError, match="1 in a chunk"):
            IntList.from_arrow(pd.Series([1, None], dtype="Int64"))
        with pytest.raises(ValueError, match="1 in a chunk"):
            IntList.from_arrow(pd.Series([1, None], dtype=pd.ArrowDtype(pa.int64())))
        with pytest.raises(TypeError):
            IntList.from_arrow(pd.Series(["a"]))

    def test_numeric_series_is_a_snapshot(self, pd):
        series = pd.Series(np.arange(5, dtype=np.int64))
        x = IntList.from_arrow(series)
        series.iloc[0] = 99
        assert x == [0, 1, 2, 3, 4]


# ================================================================ 6. pickle and copies

def test_pickle_and_copies_of_shared_lists_are_owned():
    arr = pa.array(range(-3, 300), pa.int16())
    x = IntList.from_arrow(arr)
    y = IntList(range(40))
    y_arrow = y.to_arrow()
    for shared in (x, y, FloatList.from_arrow(pa.array([1.5, 2.5]))):
        for clone in (pickle.loads(pickle.dumps(shared)), copy.copy(shared),
                      copy.deepcopy(shared), shared.copy(), shared[:], shared * 1):
            clone._check()
            assert clone == shared and clone.dtype == shared.dtype
            assert not memoryview(clone).readonly           # owned, writable
            assert int_address(clone) != int_address(shared)
            clone.append(1)
    assert arr.to_pylist() == list(range(-3, 300)) and y_arrow.to_pylist() == list(range(40))

    sarr = pa.array(BASE_STRS * 2)
    s = StrList.from_arrow(sarr)
    t = StrList(BASE_STRS)
    t_arrow = t.to_arrow()
    for shared in (s, t):
        for clone in (pickle.loads(pickle.dumps(shared)), copy.copy(shared),
                      copy.deepcopy(shared), shared.copy()):
            clone._check()
            assert clone == shared and clone.tolist() == shared.tolist()
            assert type(clone._data) is bytearray and not memoryview(clone._offsets).readonly
            clone.append("more")
            clone._check()
    assert sarr.to_pylist() == BASE_STRS * 2 and t_arrow.to_pylist() == BASE_STRS


# ================================================================ 7. sizes

def test_sizes_of_shared_lists_count_the_shared_memory():
    text = "x" * 1000
    arr = pa.array([text] * 200)
    s = StrList.from_arrow(arr)
    owned = StrList([text] * 200)
    assert s.nbytes == 200 * 1000 + 201 * 4 == len(s._data) + s._offsets.nbytes
    assert sys.getsizeof(s) >= 200_000 + 201 * 4
    assert abs(sys.getsizeof(s) - sys.getsizeof(owned)) < 2000
    info = s.buffer_info()
    assert info.length == 200 and info.allocated >= 200_000
    shared = StrList(BASE_STRS * 100)
    size_before = sys.getsizeof(shared)
    shared.to_arrow()
    assert sys.getsizeof(shared) >= len(shared._data)
    assert abs(sys.getsizeof(shared) - size_before) < 2000

    x = IntList.from_arrow(pa.array(range(10_000), pa.int64()))
    assert x.nbytes == 80_000 and sys.getsizeof(x) >= 80_000
    assert x.buffer_info().allocated == 80_000
    y = IntList(range(10_000))
    y.to_arrow()
    assert sys.getsizeof(y) >= y.nbytes == 20_000


def test_shared_strlist_search_and_compare():
    s = StrList.from_arrow(pa.array(BASE_STRS))
    for value in BASE_STRS + ["missing", "é"]:
        assert (value in s) == (value in BASE_STRS)
        assert s.count(value) == BASE_STRS.count(value)
        if value in BASE_STRS:
            assert s.index(value) == BASE_STRS.index(value)
    assert s == StrList(BASE_STRS) and StrList(BASE_STRS) == s
    assert s[2:5] == BASE_STRS[2:5] and s[::-2] == BASE_STRS[::-2]
    assert list(reversed(s)) == BASE_STRS[::-1]
    assert s + ["q"] == BASE_STRS + ["q"] and s * 2 == BASE_STRS * 2


def test_pandas_string_series_round_trip_shares_the_text():
    pd = pytest.importorskip("pandas")
    s = StrList(["x", "yz", "\u65e5\u672c", ""])
    arr = s.to_arrow()
    series = pd.Series(arr, dtype="string[pyarrow]")
    assert series.tolist() == s.tolist()
    back = StrList.from_arrow(series)
    assert back == s
    back._check()
    # the text went list -> Arrow -> pandas -> list without a copy
    assert pa.py_buffer(back._data).address == arr.buffers()[2].address


def test_pandas_object_series_of_mixed_items_reads_item_by_item():
    pd = pytest.importorskip("pandas")
    from lowram import HyperLogLog, StringSet
    mixed = pd.Series(["a", 1, b"c"], dtype=object)
    h1, h2 = HyperLogLog(8), HyperLogLog(8)
    h1.update(mixed)
    h2.update(["a", 1, b"c"])
    assert h1.to_bytes() == h2.to_bytes()
    with pytest.raises(TypeError, match="not int"):
        StringSet(pd.Series(["a", 1], dtype=object))


def test_pandas_masked_series_is_copied_not_shared():
    pd = pytest.importorskip("pandas")
    ints = pd.Series([1, 2, 3], dtype="Int64")
    floats = pd.Series([1.5, 2.5], dtype="Float64")
    x, f = IntList.from_arrow(ints), FloatList.from_arrow(floats)
    ints.iloc[0] = 100   # pandas writes masked arrays in place
    floats.iloc[1] = -7.0
    assert x == [1, 2, 3] and f == [1.5, 2.5]


def test_nulls_inside_a_dictionary_follow_the_null_policy():
    d = pa.DictionaryArray.from_arrays(pa.array([0, 1, 0], pa.int32()),
                                       pa.array([None, 5], pa.int64()))
    assert d.null_count == 0 and d.to_pylist() == [None, 5, None]
    for build in (IntList.from_arrow, IntList, PackedIntArray.from_iterable):
        with pytest.raises(ValueError, match="first at row 0"):
            build(d)


def test_check_spans_names_the_first_bad_row():
    from lowram._native._text import check_spans
    # row 0 ends inside a character, row 1 starts inside it, row 3 is not UTF-8 at all
    data = np.frombuffer(b"a\xc3\xa9bc\xff", np.uint8)
    offsets = np.array([0, 2, 3, 5, 6], np.int32)
    with pytest.raises(ValueError, match="row 0 is not UTF-8"):
        check_spans(data, offsets)
    with pytest.raises(ValueError, match="row 3 is not UTF-8"):
        check_spans(data, np.array([0, 3, 3, 5, 6], np.int32))
