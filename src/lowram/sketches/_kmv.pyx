# cython: language_level=3
"""K-Minimum Values kernel: keep the k smallest distinct 64-bit hashes in a sorted array."""

from libc.stdint cimport uint64_t
from libc.string cimport memmove


def kmv_insert(uint64_t[::1] values, Py_ssize_t n, const uint64_t[::1] hashes):
    """Insert ``hashes`` into the sorted ``values[:n]`` (capacity ``len(values)``), keeping
    the smallest distinct ones; return the new ``n``.

    Cost per hash: O(1) once the array is full and the hash is not among the k smallest
    (the usual case), else O(log k) to find its place plus O(k) to shift.

    >>> import numpy as np
    >>> v = np.zeros(2, dtype=np.uint64)
    >>> kmv_insert(v, 0, np.array([5, 3, 5, 9, 1], dtype=np.uint64)), v.tolist()
    (2, [1, 3])
    """
    cdef Py_ssize_t k = values.shape[0], i, lo, hi, mid, m = hashes.shape[0]
    cdef uint64_t h
    if n < 0 or n > k:
        raise ValueError("n out of range")
    if k == 0:
        return 0
    for i in range(m):  # GIL held: two threads must not shift the array at once
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
