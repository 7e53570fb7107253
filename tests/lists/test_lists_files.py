"""Files of IntList, FloatList, StrList and BitList: round trips (read and mapped), the
mapped list's copy on write, and damaged or crafted payloads refused with FormatError."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowram import BitList, FloatList, FormatError, IntList, StrList
from lowram._fileformat import pack, unpack
from lowram.lists import _files

INT64 = st.integers(-(2**63), 2**63 - 1)

MADE = {
    "IntList int8": lambda v: IntList([x % 100 for x in v]),
    "IntList adaptive": lambda v: IntList(v),
    "IntList int16 fixed": lambda v: IntList([x % 1000 for x in v], dtype="int16"),
    "FloatList": lambda v: FloatList([x / 7 for x in v] + [math.nan, -0.0, math.inf]),
    "FloatList float32": lambda v: FloatList([x % 1000 / 4 for x in v], dtype="float32"),
    "StrList": lambda v: StrList([str(x) * (x % 3) + "é\ud800"[: x % 3] for x in v]),
    "BitList": lambda v: BitList([x % 3 == 0 for x in v]),
}


def same(a, b):
    assert type(a) is type(b) and len(a) == len(b)
    assert a.to_bytes() == b.to_bytes()   # items, item type and fixed width alike
    if isinstance(a, FloatList):
        assert np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)
    else:
        assert list(a) == list(b)


@pytest.mark.parametrize("name", sorted(MADE))
@settings(max_examples=25, deadline=None)
@given(values=st.lists(st.one_of(st.integers(-5, 5), INT64), max_size=40))
def test_round_trips(name, values, tmp_path_factory):
    x = MADE[name](values)
    path = tmp_path_factory.mktemp("files") / "x.lowram"
    x.save(path)
    same(type(x).from_bytes(x.to_bytes()), x)
    same(type(x).load(path), x)
    same(type(x).load(path, mmap=True), x)


@pytest.mark.parametrize("cls,items", [(IntList, range(-500, 500)),
                                       (FloatList, [i / 3 for i in range(1000)])])
def test_a_mapped_list_reads_the_file_and_copies_on_its_first_change(tmp_path, cls, items):
    path = tmp_path / "x.lowram"
    original = cls(items)
    original.save(path)
    before = path.read_bytes()
    x = cls.load(path, mmap=True)
    assert x.mapped and x == original and x.__sizeof__() < 200
    assert np.asarray(x).tolist() == list(original)
    cls(items[:3]).save(path)          # replaced atomically: the map still reads the old file
    assert x == original
    x[0] = 7
    x.append(8)
    assert not x.mapped and x[0] == 7 and x[-1] == 8 and x[1:-1] == original[1:]
    assert x.__sizeof__() > len(original) * x.itemsize
    assert before != path.read_bytes() and cls.load(path) == cls(items[:3])


def test_items_of_a_mapped_file_are_aligned():
    for cls in (IntList, FloatList):
        offset = unpack(cls([1]).to_bytes()).payload_offset
        assert (offset + _files.items_start(cls._FILE_KIND, 16)) % 8 == 0


# ------------------------------------------------------------------- damaged payloads

def _typed(code, fixed, n, body=b"", kind="IntList", pad=None):
    start = _files.items_start(kind, 16)
    pad = bytes(start - 16) if pad is None else pad
    return struct.pack("<BB6xQ", code, fixed, n) + pad + body


BAD = {
    IntList: [b"", b"\x00" * 15, _typed(4, 0, 0), _typed(9, 0, 0), _typed(0, 2, 0),
              _typed(3, 0, 2, b"\x00" * 8), _typed(3, 0, 1, b"\x00" * 9),
              _typed(0, 0, 1, b"\x01", pad=b"\x01" + bytes(_files.items_start("IntList", 16)
                                                          - 17)),
              _typed(3, 0, 2**61, b"\x00" * 8)],
    FloatList: [b"", _typed(0, 0, 0, kind="FloatList"), _typed(5, 0, 1, b"\x00" * 4,
                                                              kind="FloatList")],
    StrList: [b"", b"\x01" + b"\x00" * 7, struct.pack("<Q", 2**60) + b"\x00" * 24,
              struct.pack("<Qqq", 1, 1, 1) + b"a",             # offsets do not start at 0
              struct.pack("<Qqq", 1, 0, 2) + b"a",             # end past the text
              struct.pack("<Qqqq", 2, 0, 2, 1) + b"ab",        # decreasing
              struct.pack("<Qqq", 1, 0, 1) + b"\xff",          # not UTF-8
              struct.pack("<Qqqq", 2, 0, 1, 2) + "é".encode()],  # an item inside a character
    BitList: [b"", struct.pack("<Q", 9) + b"\xff", struct.pack("<Q", 3) + b"\xff",
              struct.pack("<Q", 2**63) + b"\x00"],
}


@pytest.mark.parametrize("cls", sorted(BAD, key=lambda c: c.__name__))
def test_crafted_payloads_are_refused(cls, tmp_path):
    for payload in BAD[cls]:
        data = pack(cls._FILE_KIND, _files.VERSION, payload)
        with pytest.raises(FormatError):
            cls.from_bytes(data)
        path = tmp_path / "bad.lowram"
        path.write_bytes(data)
        for mmap in (False, True):
            with pytest.raises(FormatError, match="bad.lowram"):
                cls.load(path, mmap=mmap)
    with pytest.raises(FormatError):
        cls.load(__file__)


@pytest.mark.parametrize("cls", [IntList, FloatList, StrList, BitList])
@settings(max_examples=150, deadline=None)
@given(payload=st.binary(max_size=80))
def test_random_payloads_never_crash(cls, payload):
    try:
        x = cls.from_bytes(pack(cls._FILE_KIND, _files.VERSION, payload))
    except FormatError:
        return
    assert type(x).from_bytes(x.to_bytes()).to_bytes() == x.to_bytes()
    list(x)


@pytest.mark.parametrize("name", sorted(MADE))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_mutated_payloads_are_refused_or_load_whole(name, data):
    x = MADE[name](list(range(-20, 20)))
    raw = bytearray(unpack(x.to_bytes()).payload)
    for _ in range(data.draw(st.integers(1, 3))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        y = type(x).from_bytes(pack(type(x)._FILE_KIND, _files.VERSION, bytes(raw)))
    except FormatError:
        return
    list(y)
    assert type(y).from_bytes(y.to_bytes()).to_bytes() == y.to_bytes()
