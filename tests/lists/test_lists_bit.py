"""BitList: one bit per item, strict items, bitwise operators, pickling, memory."""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pytest

from lowram import BitList


def test_items_read_back_as_bool():
    b = BitList([1, 0, True, False, np.int64(1)])
    assert b.tolist() == [True, False, True, False, True]
    assert all(type(v) is bool for v in b) and type(b[0]) is bool


@pytest.mark.parametrize("value, error", [(2, ValueError), (-1, ValueError),
                                          (0.0, TypeError), ("1", TypeError),
                                          (None, TypeError), (b"\x01", TypeError)])
def test_every_mutating_method_rejects_bad_bits_and_keeps_the_list(value, error):
    b = BitList([1, 0, 1])
    attempts = [
        lambda: b.append(value), lambda: b.extend([1, value]), lambda: b.insert(1, value),
        lambda: b.__setitem__(0, value), lambda: b.__setitem__(slice(0, 2), [1, value]),
        lambda: b.__setitem__(slice(None, None, 2), [1, value]), lambda: b.__iadd__([value]),
        lambda: b + [value], lambda: BitList([value]),
    ]
    for attempt in attempts:
        with pytest.raises(error):
            attempt()
        assert b.tolist() == [True, False, True]
        b._check()


def test_strings_are_not_parsed_as_bits():
    with pytest.raises(TypeError):
        BitList("0101")
    with pytest.raises(ValueError):
        BitList(np.array([0, 1, 2]))


def test_count_and_bitwise_operators():
    a = BitList([1, 1, 0, 0])
    b = BitList([1, 0, 1, 0])
    assert (a & b).tolist() == [True, False, False, False]
    assert (a | b).tolist() == [True, True, True, False]
    assert (a ^ b).tolist() == [False, True, True, False]
    assert (~a).tolist() == [False, False, True, True]
    assert a.count() == 2 and a.count(False) == 2 and a.count(2) == 0
    assert a.any() and not a.all() and BitList().all()
    c = a.copy()
    c &= b
    assert c == [True, False, False, False] and a == [True, True, False, False]
    with pytest.raises(ValueError):
        a & BitList([1])
    with pytest.raises(TypeError):
        a & [1, 1, 0, 0]


def test_large_count_uses_popcount():
    bits = np.random.default_rng(0).integers(0, 2, 1_000_003).astype(bool)
    b = BitList(bits)
    assert len(b) == 1_000_003 and b.count() == int(bits.sum())
    assert b.nbytes == (1_000_003 + 7) // 8


def test_pickle_is_one_bit_per_item():
    b = BitList([1, 0, 1] * 10_000)
    blob = pickle.dumps(b)
    assert len(blob) < 30_000 // 8 + 200
    assert pickle.loads(blob) == b
    assert pickle.loads(pickle.dumps(BitList())) == []


def test_sizeof_counts_the_bits():
    b = BitList([True] * 80_000)
    assert sys.getsizeof(b) >= 10_000 and sys.getsizeof(b) < 10_000 + 300
    info = b.buffer_info()
    assert info.length == 80_000 and info.itemsize == 0.125 and info.allocated >= 10_000
    b.extend([0] * 7)
    b.shrink_to_fit()
    assert b.buffer_info().allocated == 80_007 // 8 + 1
