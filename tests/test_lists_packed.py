"""PackedIntArray: bit widths, O(1) access, slicing, numpy, save/load and corrupt files."""

from __future__ import annotations

import doctest
import pickle
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lowram._kernels._packed as kernel
from lowram import FormatError, IntList, PackedIntArray

INT64 = st.integers(-(2**63), 2**63 - 1)


def test_compiled_doctests():
    result = doctest.testmod(kernel)
    assert result.attempted >= 5 and result.failed == 0


@given(st.lists(st.one_of(st.integers(-5, 5), st.integers(0, 2**20), INT64), max_size=200))
def test_round_trip_any_int64s(values):
    a = PackedIntArray.from_iterable(values)
    a._check()
    assert a.tolist() == values and list(a) == values and len(a) == len(values)
    assert [a[i] for i in range(-len(values), 0)] == values
    if values:
        assert a.bits == (max(values) - min(values)).bit_length()
        assert a.reference == min(values)
    assert np.asarray(a).tolist() == values
    assert PackedIntArray.from_bytes(a.to_bytes()) == a
    assert pickle.loads(pickle.dumps(a)) == a


@given(st.lists(st.integers(-1000, 1000), max_size=60), st.integers(-70, 70) | st.none(),
       st.integers(-70, 70) | st.none(), st.sampled_from([None, 1, 2, 3, -1, -3]))
def test_slices_match_list(values, a, b, step):
    packed = PackedIntArray.from_iterable(values)
    part = packed[a:b:step]
    assert isinstance(part, PackedIntArray) and part.tolist() == values[a:b:step]
    part._check()


def test_twenty_bits_for_values_below_a_million():
    values = np.random.default_rng(1).integers(0, 10**6, 100_000)
    a = PackedIntArray.from_iterable(values)
    assert a.bits == 20 and np.array_equal(a.to_numpy(), values)
    assert a.nbytes <= 100_000 * 20 // 8 + 16
    assert sys.getsizeof(a) - object.__sizeof__(a) == a.nbytes
    assert a.buffer_info().itemsize == 2.5
    b = PackedIntArray.from_iterable(IntList(values))
    assert b == a and b.tolist() == values.tolist()


def test_extremes_and_constants():
    assert PackedIntArray.from_iterable([7] * 5).bits == 0
    assert PackedIntArray.from_iterable([7] * 5).tolist() == [7] * 5
    wide = [-(2**63), 2**63 - 1, 0]
    a = PackedIntArray.from_iterable(wide)
    assert a.bits == 64 and a.tolist() == wide
    assert PackedIntArray.from_iterable([]).tolist() == []
    assert PackedIntArray.from_iterable(np.array([True, False])).tolist() == [1, 0]


def test_bad_input():
    for bad, error in ((1.5, TypeError), ("3", TypeError), (None, TypeError),
                       (2**63, OverflowError)):
        with pytest.raises(error):
            PackedIntArray.from_iterable([1, 2, bad])
    with pytest.raises(OverflowError):
        PackedIntArray.from_iterable(np.array([2**64 - 1], dtype=np.uint64))
    with pytest.raises(TypeError):
        PackedIntArray.from_iterable(np.array([1.5]))
    with pytest.raises(TypeError):
        PackedIntArray([1, 2])
    a = PackedIntArray.from_iterable([1, 2])
    with pytest.raises(IndexError):
        a[2]
    with pytest.raises(TypeError):
        a["0"]
    with pytest.raises(TypeError):
        a[0] = 1
    with pytest.raises(TypeError):
        hash(a)


def test_save_load_and_corruption(tmp_path, assert_rejects_corruption):
    a = PackedIntArray.from_iterable([3, -9, 1000, 12345, 7])
    path = tmp_path / "a.lowram"
    a.save(path)
    assert PackedIntArray.load(path) == a
    assert_rejects_corruption(a.to_bytes(), PackedIntArray.from_bytes)
    with pytest.raises(FormatError):
        PackedIntArray.load(tmp_path)
    (tmp_path / "junk").write_bytes(b"not a lowram file at all, just some bytes")
    with pytest.raises(FormatError):
        PackedIntArray.load(tmp_path / "junk")


def test_header_lies_are_rejected_even_with_a_valid_checksum():
    from lowram._fileformat import pack
    head = kernel._HEAD
    for n, bits, body in ((10, 65, b""), (10, 8, b"\x00" * 8), (2**62, 64, b"")):
        blob = pack("PackedIntArray", 1, head.pack(n, 0, bits) + body)
        with pytest.raises(FormatError):
            PackedIntArray.from_bytes(blob)
