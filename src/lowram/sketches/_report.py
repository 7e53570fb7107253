"""Builders and error functions that register the sketches in ``lowram-report``.

A builder takes the corpus stream and returns the sketch; it feeds ``update`` in lists of
256 items, so no list of the corpus is held: bigger lists leave freed string objects'
pymalloc arenas behind in the resident memory the report measures, which would be charged
to a sketch of a few kilobytes. An error function compares a sketch with the exact
:class:`lowram.report.runner.Truth` and returns named error figures. :data:`REPORT` lists the
entries (see :mod:`lowram.report.registry`).
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
    "REPORT", "bloom", "bloom_error", "cms", "cms_conservative", "cms_error", "distinct_error", "hll",
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


_ERR_DISTINCT = ":distinct_error"
_ERR_BLOOM = ":bloom_error"
_ERR_CMS = ":cms_error"
_SKETCH = dict(exact=False, family="lowram")

#: the sketches' entries in ``lowram-report``: error figures against the exact answer
REPORT = [
    dict(name="HyperLogLog(p=14)", kinds=("tokens", "words", "ints"), builder=":hll",
         query="none", error=_ERR_DISTINCT, note="distinct count; Ertl's improved estimator",
         **_SKETCH),
    dict(name="LogLog(p=14)", kinds=("tokens",), builder=":loglog", query="none",
         error=_ERR_DISTINCT, note="distinct count", **_SKETCH),
    dict(name="SuperLogLog(p=14)", kinds=("tokens",), builder=":superloglog", query="none",
         error=_ERR_DISTINCT, note="distinct count, 70% truncation", **_SKETCH),
    dict(name="KMinValues(k=4096)", kinds=("tokens", "words", "ints"), builder=":kmv",
         query="none", error=_ERR_DISTINCT,
         note="distinct count from the 4096 smallest hashes", **_SKETCH),
    dict(name="BloomFilter(60k, 1%)", kinds=("tokens",), builder=":bloom", error=_ERR_BLOOM,
         note="membership, 1% false positives", **_SKETCH),
    dict(name="ScalableBloomFilter(1%)", kinds=("tokens", "words"), builder=":scalable_bloom",
         error=_ERR_BLOOM, note="membership, grows; overall false positives within 1%",
         **_SKETCH),
    dict(name="CountMinSketch(1e-4, 0.01)", kinds=("tokens",), builder=":cms", query="none",
         error=_ERR_CMS, note="approximate counts", **_SKETCH),
    dict(name="CountMinSketch(conservative)", kinds=("tokens",), builder=":cms_conservative",
         query="none", error=_ERR_CMS, note="approximate counts, conservative update",
         **_SKETCH),
    dict(name="MorrisCounter", kinds=("tokens",), builder=":morris", query="none",
         error=":morris_error", note="item count in one byte", **_SKETCH),
    dict(name="BloomFilter(2M, 1%)", kinds=("tokens", "words", "ints"), builder=":bloom_2m",
         error=_ERR_BLOOM, default=False, note="membership, sized for 2,000,000 items",
         **_SKETCH),
    dict(name="CountMinSketch(1e-5, 0.01)", kinds=("tokens", "words"), builder=":cms_large",
         query="none", error=_ERR_CMS, default=False, note="approximate counts, 5.4 MB",
         **_SKETCH),
]
