"""Probabilistic sketches: count, count distinct or test membership in a few kilobytes.

Items are hashed with lowram's stable, seeded XXH3-64 (:mod:`lowram.hashing`), so sketches
built in different processes or machines with the same parameters and seed merge; the
exceptions are ``HyperLogLog(hash="redis")``, which hashes with Redis' MurmurHash64A so its
registers are Redis' own, and :class:`MorrisCounter`, which counts events and hashes nothing.
Every sketch serialises with :mod:`lowram._fileformat`'s checked envelope, and
:func:`sketch_from_bytes` reads any of them back.

Each sketch is one module here (its compiled core beside it, ``_<name>.pyx``); importing the
module registers its kinds (:data:`lowram.sketches._base.KINDS`).

Threads: every update, merge, clear and snapshot (``to_bytes``, ``copy``, pickle) is one step
of a sketch's compiled core, or, for the two whose state is Python objects
(:class:`ScalableBloomFilter`, :class:`MorrisCounter`), runs under the object's lock
(docs/threads.md).
"""

from . import redis_hll  # noqa: F401  (registers HyperLogLog(hash="redis"))
from ._base import sketch_from_bytes
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
    "sketch_from_bytes",
]
