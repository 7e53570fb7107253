"""HyperLogLog, LogLog, SuperLogLog: register logic (fake hashes), sparse/dense, a model."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from subprocess_runner import run_ok
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from lowram import FormatError, HyperLogLog, LogLog, SuperLogLog
from lowram.hashing import hash64
from lowram.sketches.hll import ertl_estimate
from lowram.sketches.loglog import limiting_alpha

CLASSES = [HyperLogLog, LogLog, SuperLogLog]


def fake_hash(p: int, register: int, rank: int) -> int:
    """A 64-bit value that the register rule maps to (register, rank)."""
    q = 64 - p
    rest = 0 if rank == q + 1 else 1 << (q - rank)
    return (register << q) | rest


def model_registers(p: int, hashes) -> np.ndarray:
    """The register rule written out in Python: top p bits index, rank = clz(rest) + 1."""
    regs = np.zeros(1 << p, dtype=np.uint8)
    q = 64 - p
    for h in hashes:
        j = h >> q
        rest = h & ((1 << q) - 1)
        rank = q - rest.bit_length() + 1
        regs[j] = max(regs[j], rank)
    return regs


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("p", [4, 10, 14, 18])
def test_fake_hashes_set_exact_registers(cls, p):
    sketch = cls(p)
    cases = [(0, 1), (1, 5), ((1 << p) - 1, 64 - p + 1), (3, 2), (3, 1), (1, 3)]
    sketch.add_hashes([fake_hash(p, j, r) for j, r in cases])
    regs = sketch.registers()
    assert regs[0] == 1 and regs[1] == 5 and regs[(1 << p) - 1] == 65 - p and regs[3] == 2
    assert int(np.count_nonzero(regs)) == 4
    sketch._check()


def test_empty_sketch_estimates_zero():
    for cls in CLASSES:
        assert cls(8).estimate() == 0.0 and len(cls(8)) == 0 and not cls(8)
    assert HyperLogLog(8).estimate("classic") == 0.0


def test_all_registers_saturated_estimate_is_finite_or_inf():
    sketch = HyperLogLog(4)
    sketch.add_hashes([fake_hash(4, j, 61) for j in range(16)])
    assert sketch.estimate() == math.inf or sketch.estimate() > 1e18


def test_ertl_matches_linear_counting_at_small_n():
    m, q = 1024, 54
    counts = [0] * (q + 2)
    counts[0], counts[1] = 1014, 10  # ten registers at rank 1
    lc = m * math.log(m / 1014)
    assert abs(ertl_estimate(counts, m, q) - lc) / lc < 0.02


def test_classic_estimator_and_bad_method():
    sketch = HyperLogLog(12)
    sketch.update(np.arange(50_000))
    assert abs(sketch.estimate("classic") / 50_000 - 1) < 3 * sketch.relative_error
    with pytest.raises(ValueError, match="method"):
        sketch.estimate("nope")


def test_loglog_constant_matches_published_value():
    assert abs(limiting_alpha(1.0) - 0.39701) < 5e-6
    assert 0.5 < limiting_alpha(0.7) < 1.0


def test_sparse_memory_below_one_kb_then_dense_under_12_5_kb():
    sketch = HyperLogLog(14)
    sketch.update([f"item{i}" for i in range(299)])
    assert sketch.is_sparse
    assert sys.getsizeof(sketch) <= 1024
    sketch.update([f"item{i}" for i in range(20_000)])
    assert not sketch.is_sparse
    assert sys.getsizeof(sketch) <= 12_800
    assert sketch._regs.nbytes == 6 * 2**14 // 8 + 1


def test_turns_dense_at_a_quarter_of_registers():
    sketch = HyperLogLog(8)
    sketch.add_hashes([fake_hash(8, j, 1) for j in range(64)])
    assert sketch.is_sparse
    sketch.add_hashes([fake_hash(8, 64, 1)])
    assert not sketch.is_sparse
    assert int(np.count_nonzero(sketch.registers())) == 65


@pytest.mark.parametrize("p", [4, 12])
def test_registers_match_python_model(p):
    items = [f"x{i}" for i in range(3000)]
    sketch = HyperLogLog(p, seed=3)
    sketch.update(items)
    expected = model_registers(p, [hash64(x, 3) for x in items])
    assert np.array_equal(sketch.registers(), expected)


def test_bad_parameters():
    with pytest.raises(ValueError, match="p must be"):
        HyperLogLog(3)
    with pytest.raises(ValueError, match="p must be"):
        LogLog(19)
    with pytest.raises(TypeError, match="p must be an int"):
        HyperLogLog(14.0)


def test_payload_checks_beyond_the_checksum():
    from lowram._fileformat import pack, unpack

    good = HyperLogLog(8)
    good.update(range(10))
    payload = bytearray(unpack(good.to_bytes()).payload)
    payload[0] = 30  # p out of range, with a valid checksum
    with pytest.raises(FormatError, match="out of range"):
        HyperLogLog.from_bytes(pack("HyperLogLog", HyperLogLog._VERSION, bytes(payload)))
    payload = bytearray(unpack(good.to_bytes()).payload)
    payload[11] = ord("X")  # unknown register mode
    with pytest.raises(FormatError, match="mode"):
        HyperLogLog.from_bytes(pack("HyperLogLog", HyperLogLog._VERSION, bytes(payload)))
    dense = HyperLogLog(4)
    dense.update(range(100))
    payload = bytearray(unpack(dense.to_bytes()).payload)
    payload[12] = 0xFF  # an impossible rank in a dense register
    with pytest.raises(FormatError, match="impossible rank"):
        HyperLogLog.from_bytes(pack("HyperLogLog", HyperLogLog._VERSION, bytes(payload)))


class RegisterMachine(RuleBasedStateMachine):
    """Drive a sketch and the Python register model with the same operations."""

    cls = HyperLogLog
    p = 6  # small: the sparse-to-dense switch (at 16 registers) happens within a run

    def __init__(self):
        super().__init__()
        self.sketch = self.cls(self.p, seed=1)
        self.hashes: list[int] = []

    @rule(items=st.lists(st.one_of(st.text(max_size=5), st.integers(-5, 10**6)), max_size=8))
    def update(self, items):
        self.sketch.update(items)
        self.hashes.extend(hash64(x, 1) for x in items)

    @rule(item=st.binary(max_size=6))
    def add(self, item):
        self.sketch.add(item)
        self.hashes.append(hash64(item, 1))

    @rule(items=st.lists(st.integers(0, 10**9), max_size=12))
    def merge(self, items):
        other = self.cls(self.p, seed=1)
        other.update(items)
        self.sketch |= other
        self.hashes.extend(hash64(x, 1) for x in items)

    @rule()
    def round_trip(self):
        self.sketch = self.cls.from_bytes(self.sketch.to_bytes())

    @precondition(lambda self: len(self.hashes) > 0)
    @rule()
    def copy(self):
        self.sketch = self.sketch.copy()

    @invariant()
    def registers_agree(self):
        self.sketch._check()
        assert np.array_equal(self.sketch.registers(), model_registers(self.p, self.hashes))
        assert self.sketch.is_sparse == (len({h >> (64 - self.p) for h in self.hashes})
                                         <= (1 << self.p) // 4)


class LogLogMachine(RegisterMachine):
    cls = LogLog


TestHyperLogLogMachine = RegisterMachine.TestCase
TestLogLogMachine = LogLogMachine.TestCase


_FUZZ = """
import random
from lowram.sketches._hll import Registers
from lowram import BloomFilter, CountMinSketch, KMinValues, ScalableBloomFilter, MorrisCounter
from lowram.sketches.hll import HyperLogLog
rng = random.Random(0)
kinds = [HyperLogLog, BloomFilter, CountMinSketch, KMinValues, ScalableBloomFilter,
         MorrisCounter]
good = []
for cls in kinds:
    s = cls(8) if cls is HyperLogLog else cls(50) if cls in (BloomFilter, KMinValues,
        ScalableBloomFilter) else cls(16, 2) if cls is CountMinSketch else cls()
    s.update(list(range(40)))
    good.append((cls, s._payload()))
for _ in range(3000):
    cls, payload = rng.choice(good)
    data = bytearray(payload)
    for _ in range(rng.randrange(1, 4)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    if rng.random() < 0.3:
        data = data[: rng.randrange(len(data) + 1)]
    try:
        cls._from_payload(bytes(data), 1)
    except (ValueError, OverflowError, IndexError, __import__("struct").error):
        pass
for _ in range(3000):
    body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40)))
    try:
        Registers.from_payload(rng.choice([4, 8, 14]), 0, b"S" + body)
    except ValueError:
        pass
print("survived")
"""


def test_damaged_payloads_past_the_checksum_never_crash():
    """Payloads that pass no checksum go straight to the parsers: a subprocess proves that
    random damage raises Python errors and never crashes the interpreter."""
    assert "survived" in run_ok(_FUZZ, timeout=300)


def test_format_1_files_hashed_with_xxh64_are_refused():
    # version 1 payloads hashed items with XXH64: merging one with an XXH3 sketch would mix
    # two hash functions, so it is refused by name rather than read
    blob = HyperLogLog(8).to_bytes()
    from lowram._fileformat import pack, unpack

    old = pack("HyperLogLog", 1, bytes(unpack(blob).payload))
    with pytest.raises(FormatError, match="version 1 is not supported"):
        HyperLogLog.from_bytes(old)
