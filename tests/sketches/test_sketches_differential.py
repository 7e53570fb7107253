"""Sketches driven beside the builtins they approximate (set, Counter), step by step.

A Bloom filter never forgets a member (no false negatives); KMinValues below k counts
exactly; a Count-Min sketch never under-counts and, with the standard update, its rows sum
to the total. Each machine checks ``_check()`` invariants after every step; one machine body
is rerun per class.
"""

from __future__ import annotations

import collections
import sys

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from lowram import BloomFilter, CountMinSketch, HyperLogLog, KMinValues, ScalableBloomFilter
from lowram.measure import isolated_memory

ITEM = st.one_of(st.text(max_size=6), st.binary(max_size=6), st.integers(-1000, 1000))


class SketchMachine(RuleBasedStateMachine):
    make = staticmethod(lambda: BloomFilter(200, 0.01, seed=4))

    def __init__(self):
        super().__init__()
        self.sketch = self.make()
        self.truth: collections.Counter = collections.Counter()

    @rule(items=st.lists(ITEM, max_size=10))
    def update(self, items):
        self.sketch.update(items)
        self.truth.update(items_key(x) for x in items)

    @rule(item=ITEM)
    def add(self, item):
        self.sketch.add(item)
        self.truth[items_key(item)] += 1

    @rule(items=st.lists(ITEM, max_size=10))
    def merge_other(self, items):
        other = self.make()
        other.update(items)
        self.sketch.merge(other)
        self.truth.update(items_key(x) for x in items)

    @rule()
    def reload(self):
        self.sketch = type(self.sketch).from_bytes(self.sketch.to_bytes())

    @rule(bad=st.sampled_from([1.5, None, 2**70]))
    def bad_item(self, bad):
        before = self.sketch.to_bytes()
        with pytest.raises((TypeError, OverflowError)):
            self.sketch.update(["fine", bad])
        assert self.sketch.to_bytes() == before

    @invariant()
    def agrees(self):
        self.sketch._check()
        self.compare()

    def compare(self):
        members = [key_item(k) for k in self.truth]
        assert all(x in self.sketch for x in members)
        if members:
            assert self.sketch.contains_many(members).all()


def items_key(x):
    """The bytes lowram hashes for ``x``: equal keys are the same item to every sketch
    (``"a"`` and ``b"a"`` are one item; an int is its 8 little-endian bytes)."""
    if isinstance(x, str):
        return x.encode("utf-8", "surrogatepass")
    if isinstance(x, int):
        return x.to_bytes(8, "little", signed=True)
    return bytes(x)


def key_item(key):
    return key


class ScalableMachine(SketchMachine):
    make = staticmethod(lambda: ScalableBloomFilter(8, 0.01, seed=4))


class KMVMachine(SketchMachine):
    make = staticmethod(lambda: KMinValues(1000, seed=4))

    def compare(self):
        # distinct hashes == distinct items (no 64-bit collisions among a few hundred)
        assert self.sketch.estimate() == len(self.truth)


class CountMinMachine(SketchMachine):
    make = staticmethod(lambda: CountMinSketch(64, 3, seed=4))

    def compare(self):
        assert self.sketch.total == sum(self.truth.values())
        for key, count in self.truth.items():
            assert self.sketch.count(key_item(key)) >= count


class ConservativeMachine(CountMinMachine):
    make = staticmethod(lambda: CountMinSketch(64, 3, seed=4, conservative=True))


TestBloomMachine = SketchMachine.TestCase
TestScalableMachine = ScalableMachine.TestCase
TestKMVMachine = KMVMachine.TestCase
TestCountMinMachine = CountMinMachine.TestCase
TestConservativeMachine = ConservativeMachine.TestCase


@pytest.mark.slow
@pytest.mark.parametrize("builder", ["lowram.sketches._report:bloom_2m",
                                     "lowram.sketches._report:cms_large"])
def test_sizeof_matches_resident_memory(builder):
    """``sys.getsizeof`` against RSS growth in a fresh process. Tolerance: 64 KB plus 3%:
    RSS moves in 4 KB pages and the allocator keeps some slack around large blocks, while a
    missed native buffer would be megabytes (the structures are 2.4 MB and 5.4 MB)."""
    from lowram.report.registry import resolve

    here = sys.getsizeof(resolve(builder)(range(1000)))
    iso = isolated_memory(builder, range(1000), warmup=10)
    assert abs(iso.growth - here) <= 64 * 1024 + 0.03 * here, (iso.growth, here)


# -------------------------------------------- __sizeof__ of small sketches against RSS
# A sketch of a few KB is below RSS's resolution alone, so each builder makes a thousand
# (filled past any sparse mode) and the test compares the sum of their sys.getsizeof with
# the growth of a fresh process.

def many_hll(seeds):
    # dense from the start (opened from bytes): filling each through its sparse mode leaves
    # allocator holes between the register blocks, varying with the heap's history, which
    # say nothing about what a sketch holds
    blob = HyperLogLog(12)
    blob.update(np.arange(20_000))
    data = blob.to_bytes()
    return [HyperLogLog.from_bytes(data) for _ in seeds]


def _many(seeds, make):
    out = []
    for seed in seeds:
        s = make(seed)
        s.update(np.arange(5_000))
        out.append(s)
    return out


def many_bloom(seeds):
    return _many(seeds, lambda seed: BloomFilter(10_000, 0.01, seed=seed))


def many_cms(seeds):
    return _many(seeds, lambda seed: CountMinSketch(1024, 4, seed=seed))


def many_kmv(seeds):
    return _many(seeds, lambda seed: KMinValues(1024, seed=seed))


@pytest.mark.parametrize("builder", [many_hll, many_bloom, many_cms, many_kmv],
                         ids=lambda f: f.__name__)
def test_sizeof_of_small_sketches_matches_resident_memory(builder):
    """Tolerance 10% plus 64 KB of the total (1,000 sketches of 3-16 KB each: 3-16 MB), so a
    sketch whose ``__sizeof__`` missed its buffer, or counted it twice, fails."""
    built = builder(range(1000))
    here = sum(sys.getsizeof(s) for s in built) + sys.getsizeof(built)
    iso = isolated_memory(builder, range(1000), warmup=10)
    assert iso.growth is not None
    assert abs(iso.growth - here) <= 64 * 1024 + 0.10 * here, (iso.growth, here)
