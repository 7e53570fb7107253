"""Probabilistic sketches: count, count distinct or test membership in a few kilobytes.

Every sketch hashes items with lowram's stable XXH3-64 (:mod:`lowram.hashing`), so sketches
built in different processes or machines with the same parameters and seed merge, and
serialise with :mod:`lowram._fileformat`'s checked envelope.
"""

from .bloom import BloomFilter, ScalableBloomFilter
from .cms import CountMinSketch
from .hll import HyperLogLog
from .kmv import KMinValues
from .loglog import LogLog, SuperLogLog
from .morris import MorrisCounter

__all__ = [
    "BloomFilter",
    "CountMinSketch",
    "HyperLogLog",
    "KMinValues",
    "LogLog",
    "MorrisCounter",
    "ScalableBloomFilter",
    "SuperLogLog",
]
