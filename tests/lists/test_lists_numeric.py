"""IntList and FloatList: widths, bad input, numpy interop, pickling, memory accounting."""

from __future__ import annotations

import array
import collections.abc
import doctest
import itertools
import pickle
import sys

import numpy as np
import pytest

import lowram.lists._typed as kernel
from lowram import FloatList, IntList

BAD_INTS = [(1.5, TypeError), ("3", TypeError), (None, TypeError), (b"1", TypeError),
            (2**63, OverflowError), (-(2**63) - 1, OverflowError), (10**30, OverflowError)]


def test_doctests_of_the_compiled_kernel_and_the_front():
    # pytest's --doctest-modules does not collect compiled modules, nor src/ by default
    import lowram.lists
    import lowram.lists._bit
    import lowram.lists._str
    total = 0
    for module in (kernel, lowram.lists, lowram.lists._str, lowram.lists._bit):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0, module
        total += result.attempted
    assert total > 30


def test_is_a_mutable_sequence_and_unhashable():
    for cls in (IntList, FloatList):
        x = cls([1, 2])
        assert isinstance(x, collections.abc.MutableSequence)
        assert not isinstance(x, collections.abc.Hashable)
        with pytest.raises(TypeError):
            hash(x)


@pytest.mark.parametrize("values, dtype", [
    ([0, 127, -128], "int8"), ([128], "int16"), ([-32769], "int32"), ([2**31], "int64"),
    ([True, False], "int8"), ([], "int8"),
])
def test_width_adapts_to_values(values, dtype):
    x = IntList(values)
    assert x.dtype == dtype and x.tolist() == [int(v) for v in values]
    assert x.itemsize == np.dtype(dtype).itemsize


def test_width_widens_step_by_step_and_never_narrows():
    x = IntList([1])
    seen = []
    for v in (100, 1000, 10**6, 10**12, 5):
        x.append(v)
        seen.append(x.dtype)
    assert seen == ["int8", "int16", "int32", "int64", "int64"]
    del x[1:]
    assert x.dtype == "int64" and x == [1]


def test_fixed_dtype_rejects_values_that_do_not_fit():
    x = IntList([1, 2], dtype="int16")
    for op in (lambda: x.append(40000), lambda: x.extend([1, 40000]),
               lambda: x.insert(0, -40000), lambda: x.__setitem__(0, 2**20),
               lambda: x.__setitem__(slice(0, 1), [1, 2**20])):
        with pytest.raises(OverflowError, match="int16"):
            op()
        assert x.tolist() == [1, 2] and x.dtype == "int16"
    assert repr(x) == "IntList([1, 2], dtype='int16')"
    with pytest.raises(ValueError, match="unsupported dtype"):
        IntList(dtype="uint8")
    assert IntList([3], dtype=np.int32).dtype == "int32"


@pytest.mark.parametrize("value, error", BAD_INTS)
def test_every_mutating_method_rejects_bad_ints_and_keeps_the_list(value, error):
    x = IntList([1, 2, 3])
    attempts = [
        lambda: x.append(value), lambda: x.extend([4, value]), lambda: x.insert(1, value),
        lambda: x.__setitem__(1, value), lambda: x.__setitem__(slice(0, 2), [9, value]),
        lambda: x.__setitem__(slice(None, None, 2), [9, value]), lambda: x.__iadd__([value]),
        lambda: x + [value], lambda: [value] + x, lambda: IntList([value]),
    ]
    for attempt in attempts:
        with pytest.raises(error):
            attempt()
        assert x.tolist() == [1, 2, 3] and x.dtype == "int8"
        x._check()


def test_bad_millionth_item_of_extend_and_slice_assignment_leaves_list_unchanged():
    x = IntList([1, 2, 3])
    good = itertools.chain(range(999_999), [10**12], ["bad"])
    with pytest.raises(TypeError, match="str"):
        x.extend(good)
    assert x.tolist() == [1, 2, 3] and x.dtype == "int8"
    with pytest.raises(OverflowError):
        x[1:2] = itertools.chain(range(999_999), [2**64])
    assert x.tolist() == [1, 2, 3] and x.dtype == "int8"
    x._check()


def test_bad_ndarray_extend_is_rejected_before_any_change():
    x = IntList([1])
    with pytest.raises(TypeError):
        x.extend(np.array([1.0, 2.5]))
    with pytest.raises(OverflowError):
        x.extend(np.array([1, 2**64 - 1], dtype=np.uint64))
    assert x.tolist() == [1] and x.dtype == "int8"
    fixed = IntList([1], dtype="int8")
    with pytest.raises(OverflowError):
        fixed.extend(np.array([1, 300]))
    assert fixed.tolist() == [1]


def test_numpy_integers_and_bools_are_ints():
    x = IntList([np.int64(5), np.uint8(7), True])
    assert x.tolist() == [5, 7, 1] and all(type(v) is int for v in x)


def test_extended_slice_size_mismatch_is_a_value_error():
    x = IntList(range(6))
    with pytest.raises(ValueError, match="size 2 to extended slice of size 3"):
        x[::2] = [1, 2]
    with pytest.raises(TypeError, match="iterable"):
        x[1:2] = 5
    assert x == list(range(6))


def test_buffer_protocol_shares_memory_without_copy():
    x = IntList([1, 2, 300])
    a = np.asarray(x)
    assert a.dtype == np.int16 and a.tolist() == [1, 2, 300]
    a[0] = 42
    assert x[0] == 42
    m = memoryview(x)
    assert m.format == "h" and m.itemsize == 2 and m.tolist() == [42, 2, 300]
    x[1] = 7     # writes in place are allowed while views are alive
    assert a[1] == 7 and m[1] == 7
    with pytest.raises(BufferError):
        x.append(1)
    with pytest.raises(BufferError):
        x[0] = 10**6     # would widen (move) the buffer
    assert x.tolist() == [42, 7, 300]
    del a
    m.release()
    x.append(10**6)
    assert x.dtype == "int32" and x.tolist() == [42, 7, 300, 10**6]
    assert np.asarray(IntList()).shape == (0,)


def test_construction_from_ndarray_keeps_values_and_chooses_width():
    for dtype in (np.int8, np.int16, np.int32, np.int64, np.uint16, np.uint32, np.bool_):
        src = np.arange(-5, 500).astype(dtype)
        x = IntList(src)
        assert x.tolist() == src.astype(np.int64).tolist()
        x._check()
    big = np.random.default_rng(0).integers(0, 10**6, 100_000)
    x = IntList(big)
    assert x.dtype == "int32" and np.array_equal(np.asarray(x), big)
    x.extend(big)
    assert len(x) == 200_000 and np.asarray(x)[100_000:].tolist() == big.tolist()
    assert IntList(array.array("q", [1, 2])) == [1, 2]


def test_reductions_through_numpy_views():
    x = IntList(range(1000))
    assert int(np.asarray(x).sum()) == sum(range(1000)) == sum(x)
    f = FloatList([0.5] * 10)
    assert float(np.asarray(f).sum()) == 5.0


def test_pickle_is_compact_and_exact():
    x = IntList(range(100_000))
    blob = pickle.dumps(x)
    assert len(blob) < x.nbytes + 200         # the raw int32 buffer, not one opcode per int
    assert np.asarray(x).tobytes() in blob
    y = pickle.loads(blob)
    assert y == x and y.dtype == x.dtype
    z = pickle.loads(pickle.dumps(IntList([1], dtype="int64")))
    assert repr(z) == "IntList([1], dtype='int64')"
    with pytest.raises(ValueError, match="corrupt"):
        kernel._rebuild(IntList, "int32", False, b"\x00" * 7)


def test_comparisons_with_lists_and_other_types():
    x = IntList([1, 2, 3])
    assert x == [1, 2, 3] and [1, 2, 3] == x and x == IntList([1, 2, 3], dtype="int64")
    assert x == FloatList([1, 2, 3])
    assert x != (1, 2, 3) and x < [1, 2, 4] and x > [1, 2] and x <= x and x >= [0]
    with pytest.raises(TypeError):
        x < (1, 2)
    with pytest.raises(TypeError):
        x + (4,)
    assert x * 2 == [1, 2, 3] * 2 and 0 * x == []


def test_find_matches_python_equality():
    x = IntList([1, 2, 3])
    assert 2.0 in x and 2.5 not in x and "2" not in x and None not in x
    assert x.index(3.0) == 2 and x.count(True) == 1
    from fractions import Fraction
    assert Fraction(4, 2) in x and 10**30 not in x
    f = FloatList([1.5, 2**53])
    assert 2**53 in f and 2**53 + 1 not in f and 1.5 in f and "x" not in f


def test_float_list_float32_is_lossy_and_range_checked():
    f = FloatList([0.1, 1e30], dtype="float32")
    assert f.itemsize == 4 and f[0] != 0.1 and abs(f[0] - 0.1) < 1e-8
    with pytest.raises(OverflowError, match="float32"):
        f.append(1e300)
    with pytest.raises(OverflowError, match="float32"):
        f.extend(np.array([1.0, 1e300]))
    assert len(f) == 2
    f.append(float("inf"))
    assert f[-1] == float("inf")
    with pytest.raises(ValueError, match="unsupported dtype"):
        FloatList(dtype="int32")


@pytest.mark.parametrize("value, error", [("1.5", TypeError), (None, TypeError),
                                          (1j, TypeError), (10**400, OverflowError)])
def test_float_list_bad_input_leaves_it_unchanged(value, error):
    f = FloatList([1.0])
    for attempt in (lambda: f.append(value), lambda: f.extend([2.0, value]),
                    lambda: f.insert(0, value), lambda: f.__setitem__(0, value),
                    lambda: f.__setitem__(slice(0, 1), [value])):
        with pytest.raises(error):
            attempt()
        assert f.tolist() == [1.0]


def test_sizeof_counts_the_buffer():
    x = IntList(range(10_000))           # int16
    info = x.buffer_info()
    assert info == kernel.BufferInfo("int16", 2, 10_000, 10_000, 20_000)
    assert sys.getsizeof(x) >= 20_000 and sys.getsizeof(x) - object.__sizeof__(x) >= 20_000
    assert x.nbytes == 20_000
    x.append(1)
    assert x.buffer_info().capacity > 10_001     # amortised growth
    grown = sys.getsizeof(x)
    x.shrink_to_fit()
    assert x.buffer_info().capacity == 10_001 and sys.getsizeof(x) < grown
    x.clear()
    assert x.buffer_info().allocated == 0

