"""Builders and error functions that register the sketches in ``lowram-report``.

A builder takes the corpus stream and returns the sketch; it feeds ``update`` in lists of
256 items, so no list of the corpus is held. Bigger lists leave freed string objects'
pymalloc arenas behind in the resident memory the report measures (on the bundled tokens,
HyperLogLog's 12 KB showed as 1.5 MB of growth with lists of 65,536 tokens, 0.6 MB with
4,096 and 0.18 MB with 1,024). An error function compares a
sketch with the exact :class:`lowram.report.runner.Truth` and returns named error figures.
"""

from __future__ import annotations

import itertools

import numpy as np

from .bloom import BloomFilter, ScalableBloomFilter
from .cms import CountMinSketch
from .hll import HyperLogLog
from .kmv import KMinValues
from .loglog import LogLog, SuperLogLog
from .morris import MorrisCounter

__all__ = [
    "bloom", "bloom_error", "cms", "cms_conservative", "cms_error", "distinct_error", "hll",
    "kmv", "loglog", "morris", "morris_error", "scalable_bloom", "superloglog", "bloom_2m",
    "cms_large",
]

#: Capacity the Bloom filters of the report are sized for: the bundled token corpus has
#: 56,200 distinct tokens, so the filter is measured at (just under) its capacity.
BLOOM_CAPACITY = 60_000


def _feed(sketch, items, batch: int = 256):
    items = iter(items)
    while True:
        block = list(itertools.islice(items, batch))
        if not block:
            return sketch
        sketch.update(block)


def hll(items):
    """HyperLogLog(p=14) of the stream."""
    return _feed(HyperLogLog(14), items)


def loglog(items):
    """LogLog(p=14) of the stream."""
    return _feed(LogLog(14), items)


def superloglog(items):
    """SuperLogLog(p=14) of the stream."""
    return _feed(SuperLogLog(14), items)


def kmv(items):
    """KMinValues(k=4096) of the stream."""
    return _feed(KMinValues(4096), items)


def bloom(items):
    """BloomFilter sized for 60,000 items at 1% false positives."""
    return _feed(BloomFilter(BLOOM_CAPACITY, 0.01), items)


def scalable_bloom(items):
    """ScalableBloomFilter starting at 4,096 items, 1% overall false positives."""
    return _feed(ScalableBloomFilter(4096, 0.01), items)


def cms(items):
    """CountMinSketch with eps = 1e-4, delta = 0.01 (27,183 x 5 counters)."""
    return _feed(CountMinSketch.from_error(1e-4, 0.01), items)


def cms_conservative(items):
    """The same Count-Min sketch with conservative update."""
    return _feed(CountMinSketch.from_error(1e-4, 0.01, conservative=True), items)


def morris(items):
    """MorrisCounter(base=2) counting the stream's items."""
    counter = MorrisCounter()
    counter.update(items)
    return counter


def distinct_error(sketch, truth) -> dict:
    """Relative error of the distinct-count estimate, and the theory's standard error."""
    est = sketch.estimate()
    return {"estimate": est, "rel_error": (est - truth.distinct) / truth.distinct,
            "std_error": sketch.relative_error}


def bloom_error(sketch, truth) -> dict:
    """Measured false-positive rate on the truth's absent items, beside the target."""
    misses = truth.misses
    hits = truth.hits
    fp = int(sketch.contains_many(misses).sum()) if misses else 0
    found = int(sketch.contains_many(hits).sum()) if hits else 0
    return {"fpr": fp / len(misses) if misses else float("nan"),
            "target_fpr": sketch.error_rate,
            "false_negatives": len(hits) - found}


def cms_error(sketch, truth) -> dict:
    """Mean and largest over-count over every distinct item, and the eps*N bound."""
    counts = truth.counts or {}
    keys = list(counts)
    est = sketch.count_many(keys).astype(np.int64)
    exact = np.fromiter((counts[k] for k in keys), dtype=np.int64, count=len(keys))
    over = est - exact
    return {"mean_overestimate": float(over.mean()), "max_overestimate": int(over.max()),
            "error_bound": sketch.error_bound,
            "within_bound": float(np.mean(over <= sketch.error_bound))}


def morris_error(sketch, truth) -> dict:
    """Relative error of the event count."""
    return {"estimate": sketch.estimate(),
            "rel_error": (sketch.estimate() - truth.items) / truth.items,
            "std_error": sketch.relative_error}


def bloom_2m(items):
    """BloomFilter sized for 2,000,000 items at 1% (2.4 MB of bits)."""
    return _feed(BloomFilter(2_000_000, 0.01), items)


def cms_large(items):
    """CountMinSketch with eps = 1e-5, delta = 0.01 (271,829 x 5 counters, 5.4 MB)."""
    return _feed(CountMinSketch.from_error(1e-5, 0.01), items)
