"""Redis' HyperLogLog, bit for bit: hash, register rule, dense and sparse strings, PFCOUNT."""

import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lowram.sketches import _redis_hll as k
from lowram.sketches.hll import ertl_estimate

HEADER_DENSE_STALE = b"HYLL" + bytes([0, 0, 0, 0]) + bytes(7) + b"\x80"


def _murmur64a_reference(data: bytes, seed: int) -> int:
    """MurmurHash64A written straight from its published definition, in pure Python."""
    mask = (1 << 64) - 1
    m, r = 0xC6A4A7935BD1E995, 47
    h = (seed ^ (len(data) * m)) & mask
    n = len(data) - len(data) % 8
    for i in range(0, n, 8):
        kk = int.from_bytes(data[i:i + 8], "little")
        kk = (kk * m) & mask
        kk ^= kk >> r
        kk = (kk * m) & mask
        h ^= kk
        h = (h * m) & mask
    tail = data[n:]
    if tail:
        for i in range(len(tail) - 1, -1, -1):
            h ^= tail[i] << (8 * i)
        h = (h * m) & mask
    h ^= h >> r
    h = (h * m) & mask
    h ^= h >> r
    return h


@given(st.binary(max_size=80), st.integers(0, 2**32 - 1))
def test_murmurhash64a_matches_reference(data, seed):
    assert k.murmurhash64a(data, seed) == _murmur64a_reference(data, seed)


def test_items_hash_as_redis_receives_them():
    assert k.murmurhash64a("ж") == k.murmurhash64a("ж".encode())
    assert k.murmurhash64a(42) == k.murmurhash64a(b"42")  # clients send ints as decimal
    with pytest.raises(TypeError, match="str, bytes or int"):
        k.murmurhash64a(1.5)


@given(st.integers(0, 2**32 - 1), st.integers(0, 63))
def test_dense_pack_round_trip(seed, top):
    regs = np.random.default_rng(seed).integers(0, top + 1, 16384, dtype=np.uint8)
    body = k.pack_dense(regs)
    assert len(body) == 12288
    assert np.array_equal(k.unpack_dense(body), regs)


def test_pack_rejects_bad_registers():
    with pytest.raises(ValueError, match="16384"):
        k.pack_dense(np.zeros(100, np.uint8))
    regs = np.zeros(16384, np.uint8)
    regs[7] = 64
    with pytest.raises(ValueError, match="6 bits"):
        k.pack_dense(regs)


def test_sparse_decoding_and_validation():
    # XZERO run of 16384 zeros: 0x7f 0xff
    assert not k.unpack_sparse(b"\x7f\xff").any()
    # VAL value 3 run 2, then XZERO 16382
    body = bytes([0x80 | (2 << 2) | 1]) + bytes([0x40 | ((16381 >> 8) & 0x3F), 16381 & 0xFF])
    regs = k.unpack_sparse(body)
    assert list(regs[:3]) == [3, 3, 0] and regs.sum() == 6
    for bad, msg in [(b"", "covers 0"), (b"\x7f\xff\x00", "exceed"), (b"\x7f", "cut off"),
                     (b"\x00" * 10, "covers 10"), (bytes([0x83]) + b"\x7f\xff", "exceed")]:
        with pytest.raises(ValueError, match=msg):
            k.unpack_sparse(bad)


@given(st.binary(max_size=64))
def test_arbitrary_sparse_bodies_never_crash(body):
    try:
        regs = k.unpack_sparse(body)
    except ValueError:
        return
    assert regs.shape == (16384,)


def test_against_a_real_redis_server(redis_server):
    r = redis_server
    rng = random.Random(7)
    for n in [0, 10, 1000, 20_000]:
        items = [f"item-{rng.random()}" for _ in range(n)] + ["ж", "🐍", b"\x00\xff", 12345]
        regs = np.zeros(16384, np.uint8)
        k.update_registers(regs, items)
        key = f"kernel-test-{n}"
        for i in range(0, len(items), 5000):
            r.pfadd(key, *items[i:i + 5000])
        raw = r.get(key)
        theirs = k.unpack_dense(raw[16:]) if raw[4] == 0 else k.unpack_sparse(raw[16:])
        assert np.array_equal(theirs, regs), n  # the same registers, bit for bit
        hist = np.bincount(regs, minlength=52).tolist()
        assert int(ertl_estimate(hist, 16384, 50) + 0.5) == r.pfcount(key)  # same estimate
        r.set(f"ours-{n}", HEADER_DENSE_STALE + k.pack_dense(regs))
        assert r.pfcount(f"ours-{n}") == r.pfcount(key)  # Redis reads what we wrote
