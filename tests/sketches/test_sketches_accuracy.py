"""Error bounds of the sketches, checked against the theory over several seeds.

Tolerances are the theory's: a distinct-count estimate within 3 standard errors (HyperLogLog
1.04/sqrt(m), LogLog 1.30/sqrt(m), SuperLogLog 1.05/sqrt(m), KMV 1/sqrt(k-2)) on every run,
and its mean over the runs within 3 standard errors of the mean; a Bloom filter's measured
false-positive rate within 3 binomial standard deviations of ``(ones/size)**k``; a Count-Min
over-count within ``eps N`` for at least a ``1 - delta`` share of items (less 3 binomial
standard deviations). Large n use numpy arrays; n = 10**6 runs over fewer seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lowram import (BloomFilter, CountMinSketch, HyperLogLog, KMinValues, LogLog,
                    MorrisCounter, ScalableBloomFilter, SuperLogLog)

SIZES = [10, 1_000, 100_000, 1_000_000]
DISTINCT = [
    ("HyperLogLog", lambda seed: HyperLogLog(10, seed=seed)),
    ("LogLog", lambda seed: LogLog(10, seed=seed)),
    ("SuperLogLog", lambda seed: SuperLogLog(10, seed=seed)),
    ("KMinValues", lambda seed: KMinValues(256, seed=seed)),
]


def seeds_for(n):
    return range(3) if n >= 1_000_000 else range(8)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("label,factory", DISTINCT, ids=[d[0] for d in DISTINCT])
def test_distinct_count_within_three_standard_errors(label, factory, n):
    errors = []
    for seed in seeds_for(n):
        sketch = factory(seed)
        sketch.update(np.arange(n, dtype=np.uint64) + np.uint64(seed * 10**7))
        errors.append(sketch.estimate() / n - 1)
    sigma = sketch.relative_error
    assert max(abs(e) for e in errors) <= 3 * sigma, (label, n, errors)
    assert abs(float(np.mean(errors))) <= 3 * sigma / math.sqrt(len(errors)), (label, n)


def test_kmv_is_exact_below_k():
    sketch = KMinValues(256)
    sketch.update(np.arange(255))
    sketch.update(np.arange(100))
    assert sketch.estimate() == 255.0


def test_kmv_fake_hashes_give_the_formula():
    sketch = KMinValues(4)
    step = 2**60
    sketch.add_hashes(np.arange(1, 9, dtype=np.uint64) * np.uint64(step))
    assert sketch.hashes().tolist() == [step, 2 * step, 3 * step, 4 * step]
    assert sketch.estimate() == pytest.approx(3 / ((4 * step + 1) / 2**64))


@pytest.mark.parametrize("seed", range(4))
def test_bloom_false_positive_rate(seed):
    n, queries = 20_000, 200_000
    bf = BloomFilter(n, 0.01, seed=seed)
    bf.update(np.arange(n) + seed * 10**9)
    assert bf.contains_many(np.arange(n) + seed * 10**9).all()  # no false negatives
    measured = float(bf.contains_many(np.arange(n, n + queries) + seed * 10**9).mean())
    expected = bf.current_false_positive_rate()
    assert abs(measured - expected) <= 3 * math.sqrt(expected * (1 - expected) / queries)
    # the fill itself: ones/m against 1 - (1 - 1/m)**(k n), binomial spread at most
    fill = 1 - (1 - 1 / bf.size) ** (bf.hashes * n)
    ones = expected ** (1 / bf.hashes)
    assert abs(ones - fill) <= 3 * math.sqrt(fill * (1 - fill) / bf.size)
    assert bf.false_positive_rate <= 0.01
    assert abs(bf.estimate() / n - 1) < 0.05


@pytest.mark.parametrize("error_rate", [0.1, 0.01, 0.001, 1e-5])
def test_bloom_bits_per_key_near_optimal(error_rate):
    bf = BloomFilter(100_000, error_rate)
    optimum = math.log2(1 / error_rate) / math.log(2)
    assert bf.bits_per_key <= 1.05 * optimum
    assert bf.false_positive_rate <= error_rate


def test_scalable_bloom_stays_within_target():
    sbf = ScalableBloomFilter(1000, 0.01, seed=3)
    sbf.update(np.arange(100_000))
    sbf._check()
    assert sbf.stages >= 6
    assert sbf.contains_many(np.arange(100_000)).all()
    queries = 200_000
    measured = float(sbf.contains_many(np.arange(10**9, 10**9 + queries)).mean())
    assert sbf.false_positive_rate <= 0.01
    assert measured <= 0.01 + 3 * math.sqrt(0.01 * 0.99 / queries)


def _zipf_items(seed, n=200_000):
    return np.random.default_rng(seed).zipf(1.3, n) % 50_000


@pytest.mark.parametrize("seed", range(3))
def test_count_min_bound_holds(seed):
    items = _zipf_items(seed)
    keys, truth = np.unique(items, return_counts=True)
    plain = CountMinSketch.from_error(0.001, 0.01, seed=seed)
    plain.update(items)
    plain._check()
    careful = CountMinSketch.from_error(0.001, 0.01, seed=seed, conservative=True)
    careful.update(items)
    careful._check()
    est_plain = plain.count_many(keys).astype(np.int64)
    est_careful = careful.count_many(keys).astype(np.int64)
    assert (est_plain >= truth).all() and (est_careful >= truth).all()  # never under
    assert (est_careful <= est_plain).all()  # conservative update never counts higher
    within = float(np.mean(est_plain - truth <= plain.error_bound))
    d = plain.delta
    assert within >= 1 - d - 3 * math.sqrt(d * (1 - d) / len(keys))
    assert (est_careful - truth).mean() < (est_plain - truth).mean()


def test_count_min_fake_hash_and_saturation():
    cms = CountMinSketch(16, 3)
    cms.add_hashes(np.full(5, 42, dtype=np.uint64))
    assert cms._table.count_hash(42) == 5 and cms.total == 5
    cms.add("x", 2**32 - 1)
    cms.add("x", 10)
    assert cms.count("x") == 2**32 - 1  # saturates, never wraps
    with pytest.raises(ValueError, match="count"):
        cms.add("x", -1)
    with pytest.raises(ValueError, match="eps"):
        CountMinSketch.from_error(0, 0.1)


@pytest.mark.parametrize("n", [10, 1_000, 100_000, 1_000_000])
def test_morris_mean_is_unbiased(n):
    runs = 300
    estimates = []
    for seed in range(runs):
        counter = MorrisCounter(2.0, seed=seed)
        counter.increment(n)
        estimates.append(counter.estimate())
    sigma = math.sqrt((2.0 - 1) * n * (n - 1) / 2)  # Morris' variance
    assert abs(np.mean(estimates) - n) <= 3 * sigma / math.sqrt(runs) + 1e-9


def test_morris_one_by_one_and_merge():
    runs, n = 300, 300
    single, merged = [], []
    for seed in range(runs):
        counter = MorrisCounter(2.0, seed=seed)
        for _ in range(n):
            counter.add()
        single.append(counter.estimate())
        other = MorrisCounter(2.0, seed=seed + 10_000)
        other.update(range(2 * n))
        counter.merge(other)
        merged.append(counter.estimate())
    sigma = math.sqrt(n * (n - 1) / 2)
    assert abs(np.mean(single) - n) <= 3 * sigma / math.sqrt(runs)
    # merging adds the other counter's unbiased estimate with unbiased increments; its
    # spread is at most that of two counters over 3n events
    sigma3 = math.sqrt(2 * 3 * n * (3 * n - 1) / 2)
    assert abs(np.mean(merged) - 3 * n) <= 3 * sigma3 / math.sqrt(runs)
    assert MorrisCounter(2.0).relative_error == pytest.approx(math.sqrt(0.5))
