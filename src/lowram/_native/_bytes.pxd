# cython: language_level=3
"""A growable byte buffer for compiled loops that write or rebuild bytes without a Python
object per item (the string builds, their gathered keys, a key rebuilt from front coding)."""

from libc.stdint cimport uint8_t, uint64_t


cdef class Bytes:
    cdef uint8_t* p       # the bytes; p[:n] are in use, p[:cap] allocated
    cdef Py_ssize_t n, cap
    cdef int exports      # buffer views open on it: it may not move while one is

    cdef int _move(self, Py_ssize_t cap) except -1
    cdef int reserve(self, Py_ssize_t total) except -1
    cdef int set(self, Py_ssize_t keep, const uint8_t* s, Py_ssize_t size) except -1
    cdef int write(self, const uint8_t* s, Py_ssize_t size) except -1
    cdef int varint(self, uint64_t v) except -1
    cdef int release(self) except -1
    cdef int fit(self) except -1
    cdef bytes take(self)
    cdef str text(self)
