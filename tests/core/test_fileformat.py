"""The envelope every saved structure uses: magic, version, kind, CRC-32; atomic writes."""

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lowram import FormatError, LowramError
from lowram import _fileformat as ff


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1,
               max_size=30), st.integers(0, 2**32 - 1), st.binary(max_size=300))
def test_round_trip(kind, version, payload):
    env = ff.unpack(ff.pack(kind, version, payload), kind=kind, versions=(version,))
    assert env == (kind, version, payload)


def test_every_truncation_and_flipped_byte_is_rejected(assert_rejects_corruption):
    blob = ff.pack("Demo/x", 2, bytes(range(40)))
    assert_rejects_corruption(blob, lambda b: ff.unpack(b, kind="Demo/x", versions=(2,)))


def test_trailing_bytes_rejected():
    blob = ff.pack("Demo", 1, b"abc")
    with pytest.raises(FormatError, match="trailing"):
        ff.unpack(blob + b"\0")


def test_wrong_kind_and_version_named():
    blob = ff.pack("StringSet/marisa", 1, b"abc")
    with pytest.raises(FormatError, match="not a 'HyperLogLog'"):
        ff.unpack(blob, kind="HyperLogLog")
    assert ff.unpack(blob, kind="StringSet/").kind == "StringSet/marisa"
    with pytest.raises(FormatError, match="version 1 is not supported"):
        ff.unpack(blob, versions=(2, 3))


def test_not_a_lowram_file():
    with pytest.raises(FormatError, match="bad magic"):
        ff.unpack(b"PK\x03\x04" + bytes(40))


def test_format_error_is_value_error_and_lowram_error():
    assert issubclass(FormatError, ValueError) and issubclass(FormatError, LowramError)


def test_atomic_write_and_read_file(tmp_path):
    path = tmp_path / "x.lowram"
    ff.atomic_write(path, ff.pack("Demo", 1, b"payload"))
    assert ff.read_file(path, kind="Demo").payload == b"payload"
    assert os.listdir(tmp_path) == ["x.lowram"]  # no temp file left behind
    with pytest.raises(FormatError, match="directory"):
        ff.read_file(tmp_path)


def test_atomic_write_failure_keeps_old_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "x.lowram"
    ff.atomic_write(path, b"old")

    with pytest.raises(TypeError):
        ff.atomic_write(path, object())  # not bytes-like: write fails midway
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["x.lowram"]


def test_payload_views_immutable_bytes_and_copies_a_mutable_buffer():
    """``bytes`` in: the payload is a view of them (no copy at open); a bytearray in: the
    payload is a copy, so changing the buffer afterwards changes nothing opened from it."""
    blob = ff.pack("Demo", 1, b"payload")
    env = ff.unpack(blob)
    assert isinstance(env.payload, memoryview) and env.payload.obj is blob
    buf = bytearray(blob)
    env = ff.unpack(buf)
    buf[-1] ^= 0xFF
    assert type(env.payload) is bytes and env.payload == b"payload"
