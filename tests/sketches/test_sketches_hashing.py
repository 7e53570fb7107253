"""lowram.hashing: XXH3-64 checked against the reference implementation (the xxhash package)."""

from __future__ import annotations

import random
import struct

import numpy as np
import pytest

from subprocess_runner import run_ok
from hypothesis import given
from hypothesis import strategies as st

from lowram._native._hash import hash_chunks
from lowram.hashing import ALGORITHM, hash64, hash64_many

xxhash = pytest.importorskip("xxhash")

SEEDS = (0, 1, 0xDEADBEEF, 2**32 + 7, 2**63, 2**64 - 1)

# Reference vectors (XXH3-64 of "" with seed 0, 0x2D06800538D394C2, is in the xxHash
# sources' self-test); every other figure is the xxhash package's, for each length class:
# 0, 1-3, 4-8, 9-16, 17-128, 129-240 and the 64-byte-stripe path past 240.
VECTORS = [
    (b"", 0, 3244421341483603138),
    (b"a", 0, 16629034431890738719),
    (b"abc", 0, 8696274497037089104),
    (b"lowram", 1, 1110099749587901744),
    (b"The quick brown fox jumps over the lazy dog", 0, 14879076941462221669),
    (b"The quick brown fox jumps over the lazy dog", 2**64 - 1, 13612550143610699123),
    (bytes(range(64)), 12345, 4268034356819569261),
    (bytes(range(256)) * 2, 7, 9383268802876160096),
]


def test_algorithm_is_named():
    assert ALGORITHM == "XXH3-64"


@pytest.mark.parametrize("data,seed,expected", VECTORS)
def test_fixed_vectors(data, seed, expected):
    assert hash64(data, seed) == expected
    assert xxhash.xxh3_64_intdigest(data, seed) == expected


def test_every_length_0_to_300_and_seed_matches_reference():
    rng = random.Random(20240101)
    for length in range(301):
        data = bytes(rng.randrange(256) for _ in range(length))
        for seed in SEEDS:
            assert hash64(data, seed) == xxhash.xxh3_64_intdigest(data, seed), (length, seed)
        batch = hash64_many([data] * 3, seed=SEEDS[3])
        assert batch.tolist() == [xxhash.xxh3_64_intdigest(data, SEEDS[3])] * 3


def test_long_inputs_match_reference():
    rng = random.Random(7)
    for length in (100, 240, 241, 255, 256, 1000, 1024, 1025, 2048, 4099, 70000):
        data = bytes(rng.randrange(256) for _ in range(length))
        assert hash64(data, 99) == xxhash.xxh3_64_intdigest(data, 99)


def test_str_is_utf8(script_words):
    words = ["", "abc", "héllo", "日本語", "𠮷", "a\u0301"]
    for sample in script_words.values():
        words.extend(sample)
    for w in words:
        assert hash64(w) == xxhash.xxh3_64_intdigest(w.encode("utf-8"))
    assert hash64_many(words).tolist() == [xxhash.xxh3_64_intdigest(w.encode()) for w in words]


def test_lone_surrogate_hashes_as_surrogatepass():
    s = "a\ud800b"
    assert hash64(s) == xxhash.xxh3_64_intdigest(s.encode("utf-8", "surrogatepass"))


def test_str_subclass_and_buffers():
    class Name(str):
        pass

    assert hash64(Name("abc")) == hash64("abc")
    assert hash64(bytearray(b"abc")) == hash64(b"abc")
    assert hash64(memoryview(b"abc")) == hash64(b"abc")
    strided = memoryview(b"aXbXc")[::2]
    assert hash64(strided) == hash64(b"abc")
    assert hash64(memoryview(np.arange(3, dtype=np.uint16))) == \
        hash64(np.arange(3, dtype=np.uint16).tobytes())


@pytest.mark.parametrize("value", [0, 1, -1, 255, 2**31, 2**63 - 1, -(2**63), 2**63, 2**64 - 1])
def test_int_is_8_byte_little_endian(value):
    raw = struct.pack("<Q", value % 2**64)
    for seed in (0, 5, 2**64 - 1):
        assert hash64(value, seed) == xxhash.xxh3_64_intdigest(raw, seed)
    assert hash64(np.int64(value % 2**63)) == hash64(value % 2**63)


@pytest.mark.parametrize("value", [2**64, -(2**63) - 1, 10**30])
def test_int_out_of_range(value):
    with pytest.raises(OverflowError, match="64 bits"):
        hash64(value)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "uint16", "int32", "uint32",
                                   "int64", "uint64"])
def test_numpy_arrays_element_wise(dtype):
    info = np.iinfo(dtype)
    values = np.array([info.min, info.max, 0, 1, info.max // 3], dtype=dtype)
    expected = [hash64(int(v), 11) for v in values]
    assert hash64_many(values, seed=11).tolist() == expected
    assert hash64_many(values.reshape(1, -1), seed=11).tolist() == expected
    assert hash64_many(values[::-1], seed=11).tolist() == expected[::-1]


def test_object_array_and_iterables():
    items = ["a", b"b", 3]
    expected = [hash64(x) for x in items]
    assert hash64_many(np.array(items, dtype=object)).tolist() == expected
    assert hash64_many(tuple(items)).tolist() == expected
    assert hash64_many(iter(items)).tolist() == expected
    assert hash64_many(x for x in []).tolist() == []
    assert hash64_many([]).dtype == np.uint64


@pytest.mark.parametrize("bad", [1.5, None, (1, 2), object(), np.float64(1.0)])
def test_unhashable_types_raise(bad):
    with pytest.raises(TypeError, match="cannot hash"):
        hash64(bad)
    with pytest.raises(TypeError, match="item 1"):
        hash64_many(["ok", bad])
    with pytest.raises(TypeError, match="item 1"):
        hash64_many(iter(["ok", bad]))


def test_bad_batches():
    with pytest.raises(TypeError, match="single str"):
        hash64_many("abc")
    with pytest.raises(TypeError, match="dtype float64"):
        hash64_many(np.ones(3))
    with pytest.raises(OverflowError, match="item 2"):
        hash64_many([1, 2, 2**64])


@pytest.mark.parametrize("seed", [-1, 2**64])
def test_seed_range(seed):
    with pytest.raises(OverflowError, match="seed"):
        hash64(b"", seed)


def test_seed_type():
    with pytest.raises(TypeError, match="seed"):
        hash64(b"", "0")
    assert hash64(b"x", np.uint64(3)) == hash64(b"x", 3)


def test_hash_chunks_checks_everything_first():
    chunks = hash_chunks(["a"] * 10 + [1.0], 0, chunk=4)
    with pytest.raises(TypeError, match="item 10"):
        next(chunks)
    got = np.concatenate([c.copy() for c in hash_chunks(list(range(10)), 3, chunk=4)])
    assert got.tolist() == hash64_many(range(10), seed=3).tolist()
    got = np.concatenate([c.copy() for c in hash_chunks(np.arange(10), 3, chunk=4)])
    assert got.tolist() == hash64_many(range(10), seed=3).tolist()
    with pytest.raises(ValueError, match="chunk"):
        next(hash_chunks([1], 0, chunk=0))


def test_same_hash_in_another_process():
    items = ["lowram", "日本", b"\x00bytes", 12345, -7]
    script = ("from lowram.hashing import hash64_many; "
              "print(hash64_many(['lowram', '日本', b'\\x00bytes', 12345, -7], seed=42).tolist())")
    out = run_ok(script, env={"PYTHONHASHSEED": "12345"})
    assert eval(out) == hash64_many(items, seed=42).tolist()


@given(st.lists(st.one_of(st.text(), st.binary(), st.integers(-(2**63), 2**64 - 1))),
       st.integers(0, 2**64 - 1))
def test_batch_equals_one_by_one(items, seed):
    assert hash64_many(items, seed).tolist() == [hash64(x, seed) for x in items]


@given(st.binary(max_size=200), st.integers(0, 2**64 - 1))
def test_bytes_match_reference(data, seed):
    assert hash64(data, seed) == xxhash.xxh3_64_intdigest(data, seed)


@pytest.mark.parametrize("text", [
    "héllo", "日本語", "𠮷", "a\ud800b", "\udfff", "\U0010ffff", "a\u0301", "\x80\xff",
    "é" * 256, "é" * 257, "Ā" * 256, "𠮷" * 256, "𠮷" * 257, "ж" * 1000])
def test_non_ascii_str_on_the_stack_path_equals_its_utf8(text):
    # str of up to 256 code points are encoded into a stack buffer, longer ones the slow way;
    # both, in every storage width (1, 2, 4 bytes per code point), equal their UTF-8 bytes
    ref = xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"))
    assert hash64(text) == ref
    assert hash64_many([text, text]).tolist() == [ref, ref]


def test_random_unicode_equals_utf8():
    rng = random.Random(11)
    ranges = [(0, 0x80), (0x80, 0x800), (0x800, 0x10000), (0x10000, 0x110000)]
    texts = ["".join(chr(rng.randrange(*rng.choice(ranges))) for _ in range(rng.randrange(40)))
             for _ in range(3000)]
    expected = [xxhash.xxh3_64_intdigest(t.encode("utf-8", "surrogatepass")) for t in texts]
    assert hash64_many(texts).tolist() == expected
    assert [hash64(t) for t in texts] == expected


def test_short_str_and_bytes_every_length_match_reference():
    # 1-8 byte str and bytes take an in-object form without a length branch; every length
    # and seed must still be XXH3-64 of the bytes (0 and 9+ take the general path)
    rng = random.Random(5)
    for length in range(21):
        text = "".join(chr(rng.randrange(32, 127)) for _ in range(length))
        raw = text.encode()
        for seed in SEEDS:
            ref = xxhash.xxh3_64_intdigest(raw, seed)
            assert hash64(text, seed) == ref, (length, seed)
            assert hash64_many([text, raw], seed=seed).tolist() == [ref, ref], (length, seed)
