"""PackedIntArray: bit widths, O(1) access, slicing, numpy, save/load and corrupt files."""

from __future__ import annotations

import doctest
import pickle
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lowram.lists._packed as kernel
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


def test_a_constant_array_of_billions_opens_and_shows_itself_in_little_memory():
    # bits=0 holds any count in no bytes: a 28-byte payload may say 2**31 items, a real
    # array can be that long, and repr (which once decoded every item) shows ten
    from lowram._fileformat import pack
    blob = pack("PackedIntArray", 1, kernel._HEAD.pack(2**31, 7, 0))
    a = PackedIntArray.from_bytes(blob)
    assert len(a) == 2**31 and a[0] == 7 and a[-1] == 7 and a.nbytes < 1024
    assert repr(a) == f"PackedIntArray({[7] * 10!r}, ... {2**31 - 10} more, bits=0)"


# ------------------------------------------------------------ load(path, mmap=True)

def test_mapped_words_start_unaligned_in_the_file():
    # the reads must not assume 8-byte alignment: the words start at offset 66 of the file
    from lowram._fileformat import HEADER_SIZE
    assert (HEADER_SIZE + len("PackedIntArray") + kernel._HEAD.size) % 8 != 0


@given(st.lists(st.one_of(st.integers(-5, 5), st.integers(0, 2**20), INT64), max_size=200))
def test_mmap_round_trip_any_int64s(values):
    import tempfile
    a = PackedIntArray.from_iterable(values)
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/a.lowram"
        a.save(path)
        b = PackedIntArray.load(path, mmap=True)
        b._check()
        assert b.mapped and not a.mapped
        assert b == a and b.tolist() == values and list(b) == values
        assert [b[i] for i in range(-len(values), 0)] == values
        assert b[::-2].tolist() == values[::-2] and b.to_numpy().tolist() == values
        assert b.bits == a.bits and b.reference == a.reference and b.nbytes == a.nbytes
        assert b.to_bytes() == a.to_bytes() and pickle.loads(pickle.dumps(b)) == a
        del b  # the map is released with the array, before the folder goes


def test_mmap_million_ints_equal_and_sizeof_excludes_the_map(tmp_path):
    values = np.random.default_rng(7).integers(-(10**9), 10**9, 10**6)
    a = PackedIntArray.from_iterable(values)
    path = tmp_path / "big.lowram"
    a.save(path)
    b = PackedIntArray.load(path, mmap=True)
    assert np.array_equal(b.to_numpy(), values) and b.bits == a.bits == 31
    assert b.nbytes == a.nbytes > 3_800_000
    # the mapped words are shared page cache, not the object's heap
    assert sys.getsizeof(b) < 1000 < sys.getsizeof(a) - a.nbytes + 1000
    assert sys.getsizeof(a) - object.__sizeof__(a) == a.nbytes
    rng = np.random.default_rng(8)
    for i in rng.integers(0, len(values), 1000).tolist():
        assert b[i] == values[i]


def test_mmap_file_may_be_replaced_under_a_reader(tmp_path):
    path = tmp_path / "a.lowram"
    PackedIntArray.from_iterable([1, 2, 3]).save(path)
    b = PackedIntArray.load(path, mmap=True)
    PackedIntArray.from_iterable([9, 9]).save(path)  # atomic replace: the old inode lives on
    assert b.tolist() == [1, 2, 3]
    assert PackedIntArray.load(path, mmap=True).tolist() == [9, 9]
    assert PackedIntArray.load(str(path).encode(), mmap=True).tolist() == [9, 9]


def test_mmap_rejects_corrupt_files(tmp_path, assert_rejects_corruption):
    a = PackedIntArray.from_iterable([3, -9, 1000, 12345, 7, 2**40])
    path = tmp_path / "c.lowram"

    def load_mapped(blob):
        path.write_bytes(blob)
        return PackedIntArray.load(path, mmap=True)

    assert load_mapped(a.to_bytes()) == a
    assert_rejects_corruption(a.to_bytes(), load_mapped)
    with pytest.raises(FormatError):
        PackedIntArray.load(tmp_path, mmap=True)
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(FormatError):
        PackedIntArray.load(tmp_path / "empty", mmap=True)
    with pytest.raises(FileNotFoundError):
        PackedIntArray.load(tmp_path / "missing", mmap=True)


def test_mmap_header_lies_are_rejected_even_with_a_valid_checksum(tmp_path):
    from lowram._fileformat import pack
    head = kernel._HEAD
    path = tmp_path / "lie.lowram"
    for n, bits, body in ((10, 65, b""), (10, 8, b"\x00" * 8), (2**62, 64, b""),
                          (100, 64, b"\x00" * 8 * 99)):
        path.write_bytes(pack("PackedIntArray", 1, head.pack(n, 0, bits) + body))
        with pytest.raises(FormatError):
            PackedIntArray.load(path, mmap=True)


# ------------------------------------------------------------------- in, count, index

PROBES = st.one_of(INT64, st.integers(-5, 5), st.integers(-(2**70), 2**70),
                   st.floats(allow_nan=True), st.sampled_from([True, False, "1", None, b"", 1j]),
                   st.integers(-5, 5).map(np.int64), st.integers(-5, 5).map(float))


@given(st.lists(st.one_of(st.integers(-5, 5), INT64), max_size=60), PROBES,
       st.integers(-70, 70), st.integers(-70, 70))
def test_in_count_index_as_tuple(values, probe, start, stop):
    """On the packed words (no item unpacked), with tuple's answers for every kind of probe."""
    a, t = PackedIntArray.from_iterable(values), tuple(values)
    assert (probe in a) == (probe in t)
    assert a.count(probe) == t.count(probe)
    for bounds in ((), (start,), (start, stop)):
        try:
            want = t.index(probe, *bounds)
        except ValueError:
            with pytest.raises(ValueError, match="PackedIntArray.index"):
                a.index(probe, *bounds)
        else:
            assert a.index(probe, *bounds) == want


def test_in_does_not_unpack_the_array():
    """``x in a`` unpacked every item into an int64 array on each probe (36 MB for 5M)."""
    import tracemalloc

    a = PackedIntArray.from_iterable(np.arange(2_000_000) % 1000)
    tracemalloc.start()
    try:
        assert 999 in a and 1000 not in a and -1 not in a and 999.0 in a
        assert a.count(7) == 2000 and a.index(7, 10) == 1007
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100_000, peak


def test_errors_name_the_class_called():
    for bad, error in ((["a"], TypeError), ([2**64], OverflowError), ([1.5], TypeError)):
        with pytest.raises(error, match="PackedIntArray") as info:
            PackedIntArray.from_iterable(bad)
        assert "IntList" not in str(info.value)
