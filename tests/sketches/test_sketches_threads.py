"""Sketches shared by threads: no item added is lost, no snapshot is torn (the mixed run of
every op is tests/core/test_threads.py), and the totals that merges double saturate instead
of breaking ``to_bytes``."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from lowram import (BloomFilter, CountMinSketch, HyperLogLog, KMinValues, MorrisCounter,
                    ScalableBloomFilter)
from lowram.sketches._base import KINDS

MAKERS = {
    "BloomFilter": lambda: BloomFilter(2_000_000, 0.01),   # a merge long enough to overlap
    "ScalableBloomFilter": lambda: ScalableBloomFilter(1000, 0.01),
    "CountMinSketch": lambda: CountMinSketch(4096, 4),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_items_added_by_threads_are_all_found(name):
    # adders and mergers/savers at once: a merge that read and wrote the bits in two steps
    # lost another thread's bits (a false negative, which a Bloom filter must never give)
    sketch = MAKERS[name]()
    done = threading.Event()
    added = [0] * 4

    def adder(k):
        i = 0
        while not done.is_set() or i == 0:
            sketch.update([f"{k}-{j}" for j in range(i, i + 50)])
            i += 50
        added[k] = i

    def churner():
        for _ in range(15):
            sketch.merge(MAKERS[name]())
            sketch.to_bytes()
    adders = [threading.Thread(target=adder, args=(k,)) for k in range(4)]
    churners = [threading.Thread(target=churner) for _ in range(2)]
    for t in adders + churners:
        t.start()
    for t in churners:
        t.join()
    done.set()
    for t in adders:
        t.join()
    missing = [f"{k}-{j}" for k in range(4) for j in range(added[k])
               if f"{k}-{j}" not in sketch]
    assert not missing, missing[:5]
    sketch._check()


def test_count_min_total_saturates_instead_of_breaking_to_bytes():
    cms = CountMinSketch(16, 2)
    cms.add("x", 2**32 - 1)
    for _ in range(40):
        cms.merge(cms)   # doubles the total: beyond 2**64 after 32 merges
    assert cms.total == 2**64 - 1
    back = CountMinSketch.from_bytes(cms.to_bytes())
    assert back.total == 2**64 - 1 and back.count("x") == 2**32 - 1
    back._check()


#: constructor arguments of the kinds that have no default size (a new kind without
#: defaults fails here until it is given some)
ARGS = {"BloomFilter": (5000, 0.01), "CountMinSketch": (256, 4)}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_merging_a_sketch_into_itself_is_merging_its_copy(kind):
    cls = KINDS[kind]
    sketch = cls(*ARGS.get(kind, ()))
    if not isinstance(sketch, MorrisCounter):
        sketch.update([f"w{i}" for i in range(300)])
    else:
        sketch.increment(300)
    twin = sketch.copy()
    sketch.merge(sketch)
    twin.merge(twin.copy())
    assert sketch.to_bytes() == twin.to_bytes()


def test_kmv_and_hll_batches_from_threads_equal_one_thread():
    # the core's update is one step: 4 threads feeding disjoint chunks give the same
    # sketch as one thread feeding them all (both are exact functions of the set of items)
    chunks = [np.arange(k * 50_000, (k + 1) * 50_000) for k in range(8)]
    for make in (lambda: KMinValues(512), lambda: HyperLogLog(12)):
        shared, alone = make(), make()
        threads = [threading.Thread(target=lambda c=c: shared.update(c)) for c in chunks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for c in chunks:
            alone.update(c)
        assert shared.to_bytes() == alone.to_bytes()
