"""lowram: large collections in little RAM, with honest measurements of how little.

* typed lists: :class:`IntList`, :class:`FloatList`, :class:`BitList`, :class:`StrList`,
  :class:`PackedIntArray`;
* sets and maps of ints: :class:`IntSet` (a ``set`` of ints in a compact hash table),
  :class:`IntMap` (a ``dict`` from int to int or float, with counting), :class:`SortedIntSet`
  (frozen and sorted, in Elias-Fano code);
* string sets and maps: :class:`StringSet`, :class:`StringMap` (marisa, DAWG, datrie, sorted,
  builtin backends) and the mutable HAT-tries :class:`MutableStringSet` and
  :class:`MutableStringMap`; :class:`StringCounter`, a ``collections.Counter`` of str;
* sketches: :class:`HyperLogLog`, :class:`LogLog`, :class:`SuperLogLog`, :class:`KMinValues`,
  :class:`BloomFilter`, :class:`ScalableBloomFilter`, :class:`CountMinSketch`,
  :class:`MorrisCounter`, on the stable :func:`hash64`;
* :mod:`lowram.measure` (honest sizes and times), :mod:`lowram.corpora` (streaming readers),
  :mod:`lowram.parallel` (process-pool builds); optional :mod:`lowram.dask`, :mod:`lowram.redis`.

The public API is what ``__all__`` lists; everything else is private.
"""

from . import corpora, measure, parallel
from .errors import FormatError, LowramError, MeasurementError
from .hashing import hash64, hash64_many
from .ints import IntMap, IntSet, SortedIntSet
from .lists import BitList, FloatList, IntList, PackedIntArray, StrList
from .sketches import (BloomFilter, CountMinSketch, HyperLogLog, KMinValues, LogLog,
                       MorrisCounter, ScalableBloomFilter, SuperLogLog)
from .strings import MutableStringMap, MutableStringSet, StringCounter, StringMap, StringSet

__version__ = "0.1.0"

__all__ = [
    "BitList",
    "BloomFilter",
    "CountMinSketch",
    "FloatList",
    "FormatError",
    "HyperLogLog",
    "IntList",
    "IntMap",
    "IntSet",
    "KMinValues",
    "LogLog",
    "LowramError",
    "MeasurementError",
    "MorrisCounter",
    "MutableStringMap",
    "MutableStringSet",
    "PackedIntArray",
    "ScalableBloomFilter",
    "SortedIntSet",
    "StrList",
    "StringCounter",
    "StringMap",
    "StringSet",
    "SuperLogLog",
    "corpora",
    "hash64",
    "hash64_many",
    "measure",
    "parallel",
    "__version__",
]
