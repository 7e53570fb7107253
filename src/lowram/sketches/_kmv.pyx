# cython: language_level=3
"""K-Minimum Values core: the k smallest distinct 64-bit hashes in a sorted native array.

Threads: the array and its count change together inside each method, in C with the GIL held
and nothing in between that could hand the GIL to another thread (no Python code, no
allocation the garbage collector tracks), so another thread sees the sketch before or after
an update, a merge or a snapshot, never between. Without a GIL, a per-object lock would be
needed here.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from libc.stdint cimport uint64_t
from libc.string cimport memcpy, memmove

import sys

import numpy as np

__all__ = ["MinHashes", "kmv_insert"]

# the payload stores the hashes little-endian: a big-endian machine swaps them
cdef bint _LITTLE = sys.byteorder == "little"


cdef extern from *:
    uint64_t _swap "__builtin_bswap64"(uint64_t x) nogil


cdef Py_ssize_t _insert(uint64_t *values, Py_ssize_t k, Py_ssize_t n, const uint64_t *hashes,
                        Py_ssize_t m) noexcept nogil:
    """Insert ``hashes[:m]`` into the sorted ``values[:n]`` (room for ``k``), keeping the
    smallest distinct ones; return the new ``n``. O(1) per hash once full and the hash is
    not among the k smallest (the usual case), else O(log k) + O(k) to shift."""
    cdef Py_ssize_t i, lo, hi, mid
    cdef uint64_t h
    for i in range(m):
        h = hashes[i]
        if n == k and h >= values[k - 1]:
            continue
        lo = 0
        hi = n
        while lo < hi:
            mid = (lo + hi) >> 1
            if values[mid] < h:
                lo = mid + 1
            else:
                hi = mid
        if lo < n and values[lo] == h:
            continue
        if n == k:
            n -= 1  # the largest falls off
        if lo < n:
            memmove(&values[lo + 1], &values[lo], (n - lo) * sizeof(uint64_t))
        values[lo] = h
        n += 1
    return n


def kmv_insert(uint64_t[::1] values, Py_ssize_t n, const uint64_t[::1] hashes):
    """Insert ``hashes`` into the sorted ``values[:n]`` (capacity ``len(values)``), keeping
    the smallest distinct ones; return the new ``n``.

    >>> import numpy as np
    >>> v = np.zeros(2, dtype=np.uint64)
    >>> kmv_insert(v, 0, np.array([5, 3, 5, 9, 1], dtype=np.uint64)), v.tolist()
    (2, [1, 3])
    """
    if n < 0 or n > values.shape[0]:
        raise ValueError("n out of range")
    if values.shape[0] == 0 or hashes.shape[0] == 0:
        return n
    return _insert(&values[0], values.shape[0], n, &hashes[0], hashes.shape[0])


#: hashes room is made for at first; it doubles as hashes come, up to k
cdef enum:
    _FIRST = 64


cdef class MinHashes:
    """The k smallest distinct hashes seen, ascending, in native memory that grows with the
    hashes held (doubling, to ``8 k`` bytes): a sketch of large ``k`` that holds few hashes,
    or a payload that claims a large ``k``, costs what it holds.

    >>> import numpy as np
    >>> h = MinHashes(3); h.insert(np.array([9, 4, 4, 7, 1], dtype=np.uint64))
    >>> len(h), h.hashes().tolist(), h.kth()
    (3, [1, 4, 7], 7)
    """

    cdef uint64_t *values
    cdef readonly Py_ssize_t k
    cdef Py_ssize_t n
    cdef Py_ssize_t cap     # room in values (n <= cap <= k)

    def __cinit__(self, Py_ssize_t k):
        if k < 1:
            raise ValueError(f"k must be positive, not {k}")
        self.cap = min(k, _FIRST)
        self.values = <uint64_t *>PyMem_Malloc(self.cap * sizeof(uint64_t))
        if self.values == NULL:
            raise MemoryError(f"cannot allocate {self.cap * 8} bytes")
        self.k = k
        self.n = 0

    def __dealloc__(self):
        PyMem_Free(self.values)

    cdef int _reserve(self, Py_ssize_t more) except -1:
        """Room for ``more`` hashes beyond those held (at most k in all); MemoryError, with
        nothing changed, when there is none to be had."""
        cdef Py_ssize_t need = self.k if more >= self.k - self.n else self.n + more
        cdef Py_ssize_t cap = self.cap
        cdef void *grown
        if need <= cap:
            return 0
        cap = max(need, min(self.k, 2 * cap))
        grown = PyMem_Realloc(self.values, cap * sizeof(uint64_t))
        if grown == NULL:
            raise MemoryError(f"cannot allocate {cap * 8} bytes")
        self.values = <uint64_t *>grown
        self.cap = cap
        return 0

    def __len__(self):
        return self.n

    def insert(self, const uint64_t[::1] hashes):
        """Insert the hashes (a uint64 array). O(len(hashes)) usually."""
        if hashes.shape[0]:
            self._reserve(hashes.shape[0])
            self.n = _insert(self.values, self.k, self.n, &hashes[0], hashes.shape[0])

    def insert_from(self, MinHashes other):
        """Insert every hash ``other`` holds (a merge: exact). O(other's count * log k)."""
        if other.n == 0:
            return
        if other is self:
            return   # the union of a set with itself
        self._reserve(other.n)
        self.n = _insert(self.values, self.k, self.n, other.values, other.n)

    def clear(self):
        """Forget every hash (and give back the room beyond the first)."""
        cdef void *less
        self.n = 0
        if self.cap > _FIRST:
            less = PyMem_Realloc(self.values, _FIRST * sizeof(uint64_t))
            if less != NULL:
                self.values = <uint64_t *>less
                self.cap = _FIRST

    def kth(self):
        """The largest hash held when full (the k-th smallest seen), else None."""
        return self.values[self.k - 1] if self.n == self.k else None

    def state(self):
        """``(count, k-th hash or None)`` of one moment: what the estimate needs."""
        return self.n, (self.values[self.k - 1] if self.n == self.k else None)

    def hashes(self):
        """The hashes held, ascending, as a new uint64 array."""
        cdef Py_ssize_t n, room
        while True:
            room = self.cap
            out = np.empty(room, dtype=np.uint64)
            # from here: C only (module docstring); the array was allocated first, and
            # another thread may have added hashes meanwhile: then again
            if self.n <= room:
                break
        cdef uint64_t[::1] o = out
        n = self.n
        if n:
            memcpy(&o[0], self.values, n * sizeof(uint64_t))
        return out[:n].copy()

    def payload(self):
        """``(count, bytes)``: the hashes held, little-endian, of one moment."""
        cdef Py_ssize_t i, n = self.n
        cdef bytes body = PyBytes_FromStringAndSize(NULL, n * 8)
        cdef uint64_t *dst = <uint64_t *>PyBytes_AS_STRING(body)
        for i in range(n):
            dst[i] = self.values[i] if _LITTLE else _swap(self.values[i])
        return n, body

    @staticmethod
    def from_hashes(Py_ssize_t k, const uint64_t[::1] held):
        """A MinHashes of ``k`` holding ``held`` (ascending, distinct, at most ``k``);
        ValueError otherwise."""
        cdef MinHashes out = MinHashes(k)
        cdef Py_ssize_t i, n = held.shape[0]
        if n > k:
            raise ValueError(f"{n} hashes for k={k}")
        for i in range(1, n):
            if held[i] <= held[i - 1]:
                raise ValueError("hashes are not strictly increasing")
        out._reserve(n)
        if n:
            memcpy(out.values, &held[0], n * sizeof(uint64_t))
        out.n = n
        return out

    @property
    def nbytes(self):
        """Native bytes held: 8 per hash of room (at most ``8 k``)."""
        return self.cap * 8

    def __sizeof__(self):
        return object.__sizeof__(self) + self.cap * 8

    def _check(self):
        cdef Py_ssize_t i
        assert 0 <= self.n <= self.k
        for i in range(1, self.n):
            assert self.values[i] > self.values[i - 1], i
        assert self.n <= self.cap <= self.k
