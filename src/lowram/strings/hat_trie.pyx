"""MutableStringSet and MutableStringMap: a mutable set of ``str``, and a mutable mapping
from ``str`` to int64, in a HAT-trie (Askitis & Sinha, 2007).

The map is the same trie with 8 value bytes (the int64, in native byte order) after each
key's bytes in its bucket; a key that ends at a trie node keeps its value in the node, in a
field that shares the node's scratch link. A set carries no value bytes and pays nothing for
the map: its buckets and nodes are laid out as before.

lowram writes its own HAT-trie because the Python binding of the C library (``hat-trie``)
no longer builds on Python 3.10+, and the tries that do build are frozen (marisa-trie, DAWG)
or heavy (datrie). The core is hand-written C (``hat/hat_trie_impl.h`` and
``hat/hat_trie_walk.h``, compiled into this module): a burst trie whose leaves are array hash
tables holding keys as bytes, back to back in one allocation per bucket, each bucket's
pointer paired with a 64-bit Bloom filter of its keys so that most lookups of absent keys end
without reading the bucket. No Python object is kept per key.

Tuning (chosen by ``benchmarks/bench_hat_trie.py --tune``, a grid of burst 1024..65536 and
load 4..32 on the shuffled English words; figures in the README and
``benchmarks/results/bench_hat_trie_tune.json``):

* ``BURST = 4096`` keys: a container holding more splits its range of first bytes in two or,
  when it serves one byte, bursts into a trie node. 65,536 iterated slowest (larger
  containers to sort); 1,024 spent more trie nodes (2 KiB each) for no gain; 4,096 and
  16,384 were alike in time, and 4,096 uses less memory on both English and Ukrainian words
  and bounds the container scan of a prefix query to 4,096 keys.
* ``LOAD = 12`` keys per bucket: a container doubles its buckets when the mean goes above it
  (and halves them below a quarter of it). Memory falls as the load rises, while lookups are
  bound by two cache misses (bucket slot, bucket) more than by the scan; at 32 the longer
  scans and the Bloom filters' false positives showed in the miss times, so 12 takes most
  of the memory gain.

Keys are stored in lowram's key code (``hat/pykey.h``): a prefix-free byte code of code
points whose bytewise order is code point order (the order of UTF-8), where ASCII is as in
UTF-8, the 96 letters of the basic Cyrillic block U+0400..U+045F take one byte instead of
two, and no character takes more bytes than in UTF-8, so Ukrainian words take about half
their UTF-8 bytes and English words are unchanged. Files and pickles hold UTF-8. A str
holding a lone surrogate (``'\\ud800'``) cannot be stored: ``add`` raises
``UnicodeEncodeError`` (a ``ValueError``), while queries answer as for any absent key
(``'\\ud800' in s`` is ``False``).

The source is split by concern into ``hat/*.pxi``, included below in order: the C
declarations and key encoding, buffers and the payload parser, the ``_HatTrie`` base and its
iterator, the set operators (``_SetAlgebra``), the set, the map.

Threads: every change of a trie is one call into the C core made with the GIL held (the core
never releases it), so another thread sees the trie before or after it; an iterator checks
the trie's change count at every step and raises RuntimeError when a key was added or removed
meanwhile, as ``set`` and ``dict`` do. The GIL is the only lock here: without one, the calls
into the core would need a per-object lock.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.object cimport Py_EQ, Py_GE, Py_GT, Py_LE, Py_LT, Py_NE
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcmp, memcpy, memset

from lowram._native._hash cimport lr_xxh3

import copy as _copy
import itertools
import os as _os
import sys as _sys
import types as _types
import collections.abc as _abc

import numpy

from lowram._arrow import is_columnar, object_strings, text_blocks
from lowram._fileformat import atomic_write, pack, read_file, unpack
from lowram.strings._prefix import MISSING, longest_prefix

__all__ = ["MutableStringMap", "MutableStringSet", "BURST", "LOAD"]

#: A container holding more keys than this splits or bursts.
BURST = 4096
#: Mean keys per bucket at which a container doubles its buckets.
LOAD = 12

include "hat/decl.pxi"
include "hat/buffers.pxi"
include "hat/trie.pxi"
include "hat/columns.pxi"
include "hat/set_algebra.pxi"
include "hat/set.pxi"
include "hat/values.pxi"
include "hat/map.pxi"
