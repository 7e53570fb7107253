# cython: language_level=3
"""Counter table of the Count-Min sketch: ``depth`` probes per 64-bit hash, one per row.

Row ``i``'s counter for hash ``h`` is ``range(h + i * step, width)``, with the probe sequence
of the Bloom filters (``csrc/lowram_bloom.h``: Kirsch-Mitzenmacher double hashing, Lemire's
multiply-shift reduction).

Threads: the counters and the total change together inside each method, in C with the GIL
held and no Python code in between, so another thread sees the table before or after an
update, a merge or a snapshot. (``count_hashes`` reads with the GIL released: the table is
never moved or freed while the object lives, and a 32-bit counter read is whole. Without a
GIL, writers would need a per-object lock; that read would stay as it is.)
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport uint32_t, uint64_t
from libc.string cimport memcpy, memset

import sys

import numpy as np

from lowram._native._hash cimport BATCH, hash_item, hash_run, lr_range


cdef extern from "csrc/lowram_bloom.h" nogil:
    uint64_t _step "lr_bloom_step"(uint64_t h)


cdef class CountMinTable:
    """``depth`` rows of ``width`` saturating uint32 counters.

    >>> import numpy as np
    >>> t = CountMinTable(np.zeros((2, 8), dtype=np.uint32), False)
    >>> t.add_hash(99, 3); t.count_hash(99)
    3
    """

    cdef readonly object table  #: the (depth, width) uint32 numpy array
    cdef uint32_t *c
    cdef readonly uint64_t width
    cdef readonly int depth
    cdef readonly bint conservative
    cdef readonly uint64_t total   #: the sum of the counts added (saturates at 2**64 - 1)

    def __cinit__(self, object table, bint conservative, uint64_t total=0):
        cdef uint32_t[:, ::1] view = table
        if view.shape[0] < 1 or view.shape[1] < 1 or view.shape[0] > 64:
            raise ValueError("a Count-Min table needs 1-64 rows and at least one column")
        self.table = table
        self.c = &view[0, 0]
        self.depth = view.shape[0]
        self.width = view.shape[1]
        self.conservative = conservative
        self.total = total

    cdef inline void _count_in(self, uint64_t n) noexcept nogil:
        self.total = self.total + n if self.total + n >= self.total else <uint64_t>0 - 1

    cdef inline void _add(self, uint64_t h, uint32_t count) noexcept nogil:
        cdef uint64_t g = h, step = _step(h)
        cdef uint64_t idx[64]
        cdef uint32_t least = 0xFFFFFFFFu, v
        cdef uint64_t total
        cdef int i
        cdef uint32_t x
        if self.conservative:
            # branch-free min and max: the comparisons are unpredictable
            for i in range(self.depth):
                idx[i] = <uint64_t>i * self.width + lr_range(g, self.width)
                g += step
                x = self.c[idx[i]]
                least = x if x < least else least
            total = <uint64_t>least + count
            v = <uint32_t>(total if total < 0xFFFFFFFFu else 0xFFFFFFFFu)
            for i in range(self.depth):
                x = self.c[idx[i]]
                self.c[idx[i]] = v if x < v else x
            return
        for i in range(self.depth):
            idx[0] = <uint64_t>i * self.width + lr_range(g, self.width)
            g += step
            total = <uint64_t>self.c[idx[0]] + count
            self.c[idx[0]] = <uint32_t>(total if total < 0xFFFFFFFFu else 0xFFFFFFFFu)

    cdef inline uint32_t _count(self, uint64_t h) noexcept nogil:
        cdef uint64_t g = h, step = _step(h), idx
        cdef uint32_t least = 0xFFFFFFFFu
        cdef int i
        cdef uint32_t x
        for i in range(self.depth):
            idx = <uint64_t>i * self.width + lr_range(g, self.width)
            g += step
            x = self.c[idx]
            least = x if x < least else least
        return least

    def add_hash(self, uint64_t h, uint32_t count=1):
        """Add ``count`` to the key's counters. O(depth)."""
        self._add(h, count)
        self._count_in(count)

    def add_hashes(self, const uint64_t[::1] hs):
        """Count each hash once. O(len(hs) * depth), in C (GIL held: no torn writes)."""
        cdef Py_ssize_t i, n = hs.shape[0]
        for i in range(n):
            self._add(hs[i], 1)
        self._count_in(n)

    def add_objects(self, object seq, uint64_t seed):
        """Hash and count every item of a list or tuple once, in C (through a small buffer).
        Check the items first (``check_items``): this method stops at the first bad one.
        O(total bytes + n * depth)."""
        cdef Py_ssize_t start, i, k, n = len(seq)
        cdef uint64_t buf[BATCH]
        for start in range(0, n, BATCH):
            k = hash_run(seq, start, BATCH, seed, buf)
            for i in range(k):
                self._add(buf[i], 1)
            self._count_in(k)

    def add_item(self, item, uint64_t seed, uint32_t count=1):
        """Hash ``item`` with ``seed`` and add ``count`` to its counters. O(depth)."""
        cdef uint64_t h
        hash_item(item, seed, &h)
        self._add(h, count)
        self._count_in(count)

    def merge_from(self, CountMinTable other):
        """Add ``other``'s counters (saturating) and total into this table: one step."""
        cdef Py_ssize_t i, n = self.width * self.depth
        cdef uint64_t t
        if other.width != self.width or other.depth != self.depth:
            raise ValueError("Count-Min tables differ in shape")
        for i in range(n):   # (other may be self: each counter read before it is written)
            t = <uint64_t>self.c[i] + other.c[i]
            self.c[i] = <uint32_t>(t if t < 0xFFFFFFFFu else 0xFFFFFFFFu)
        self._count_in(other.total)

    def clear(self):
        """Every counter and the total to zero."""
        memset(self.c, 0, self.width * self.depth * sizeof(uint32_t))
        self.total = 0

    def snapshot(self):
        """``(total, counters as little-endian uint32 bytes, row by row)`` of one moment."""
        cdef Py_ssize_t i, n = self.width * self.depth
        cdef bytes body = PyBytes_FromStringAndSize(NULL, n * 4)
        cdef uint32_t *dst = <uint32_t *>PyBytes_AS_STRING(body)
        cdef uint32_t x
        if sys.byteorder == "little":
            memcpy(dst, self.c, n * 4)
        else:
            for i in range(n):
                x = self.c[i]
                dst[i] = ((x & 0xFF) << 24) | ((x & 0xFF00) << 8) | ((x >> 8) & 0xFF00) | (x >> 24)
        return self.total, body

    def count_item(self, item, uint64_t seed):
        """Estimated count of ``item`` hashed with ``seed``. O(depth)."""
        cdef uint64_t h
        hash_item(item, seed, &h)
        return self._count(h)

    def count_hash(self, uint64_t h):
        """The key's estimated count: the least of its counters. O(depth)."""
        return self._count(h)

    def count_hashes(self, const uint64_t[::1] hs):
        """Estimated counts of many keys as a uint32 array. O(len(hs) * depth)."""
        cdef Py_ssize_t i, n = hs.shape[0]
        out = np.empty(n, dtype=np.uint32)
        cdef uint32_t[::1] ov = out
        with nogil:
            for i in range(n):
                ov[i] = self._count(hs[i])
        return out
