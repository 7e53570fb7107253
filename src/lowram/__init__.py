"""lowram: large collections in little RAM, with honest measurements of how little.

The public API is what ``__all__`` lists; everything else is private.
"""

from . import corpora, measure
from .errors import FormatError, LowramError, MeasurementError
from .hashing import hash64, hash64_many
from .sketches import (BloomFilter, CountMinSketch, HyperLogLog, KMinValues, LogLog,
                       MorrisCounter, ScalableBloomFilter, SuperLogLog)

__version__ = "0.1.0"

__all__ = [
    "BloomFilter",
    "CountMinSketch",
    "HyperLogLog",
    "KMinValues",
    "LogLog",
    "MorrisCounter",
    "ScalableBloomFilter",
    "SuperLogLog",
    "hash64",
    "hash64_many",
    "FormatError",
    "LowramError",
    "MeasurementError",
    "corpora",
    "measure",
    "__version__",
]
