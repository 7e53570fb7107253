# cython: language_level=3
"""A growable byte buffer (see ``_bytes.pxd``): doubled as it fills, freed with its owner."""

from cpython.buffer cimport PyBuffer_FillInfo
from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from libc.string cimport memcpy

cdef extern from "Python.h":
    object PyUnicode_DecodeUTF8(const char*, Py_ssize_t, const char*)


cdef class Bytes:
    """Bytes ``p[:n]`` in a buffer of ``cap`` bytes that grows by doubling; a read-only
    buffer to Python (``memoryview``), during which it cannot grow.

    >>> Bytes(4).size, bytes(memoryview(Bytes(4)))
    (0, b'')
    """

    def __cinit__(self, Py_ssize_t cap=256):
        self.cap = cap if cap > 0 else 1
        self.p = <uint8_t*>PyMem_Malloc(self.cap)
        if self.p == NULL:
            raise MemoryError()

    def __dealloc__(self):
        PyMem_Free(self.p)

    def __len__(self):
        return self.n

    @property
    def size(self):
        """Bytes in use."""
        return self.n

    @property
    def capacity(self):
        """Bytes allocated."""
        return self.cap

    def __getbuffer__(self, Py_buffer* view, int flags):
        PyBuffer_FillInfo(view, self, self.p, self.n, 1, flags)
        self.exports += 1

    def __releasebuffer__(self, Py_buffer* view):
        self.exports -= 1

    cdef int _move(self, Py_ssize_t cap) except -1:
        """Reallocate to ``cap`` bytes (at least n): not while a view is open."""
        cdef uint8_t* q
        if self.exports:
            raise BufferError("a buffer that is viewed cannot move")
        q = <uint8_t*>PyMem_Realloc(self.p, cap)
        if q == NULL:
            raise MemoryError()
        self.p = q
        self.cap = cap
        return 0

    cdef int reserve(self, Py_ssize_t total) except -1:
        """Room for ``total`` bytes in all."""
        cdef Py_ssize_t cap = self.cap
        while cap < total:
            cap *= 2
        if cap != self.cap:
            self._move(cap)
        return 0

    cdef int set(self, Py_ssize_t keep, const uint8_t* s, Py_ssize_t size) except -1:
        """Keep the first ``keep`` bytes (keep <= n) and append ``size`` from s."""
        self.reserve(keep + size)
        if size:
            memcpy(self.p + keep, s, size)
        self.n = keep + size
        return 0

    cdef int write(self, const uint8_t* s, Py_ssize_t size) except -1:
        return self.set(self.n, s, size)

    cdef int varint(self, uint64_t v) except -1:
        """Append v as a LEB128 varint."""
        self.reserve(self.n + 10)
        while v >= 0x80:
            self.p[self.n] = <uint8_t>(v & 0x7F) | 0x80
            self.n += 1
            v >>= 7
        self.p[self.n] = <uint8_t>v
        self.n += 1
        return 0

    cdef int release(self) except -1:
        """Empty the buffer and give its memory back (down to 256 bytes)."""
        if self.exports:
            raise BufferError("a buffer that is viewed cannot be emptied")
        self.n = 0
        if self.cap > 256:
            self._move(256)
        return 0

    cdef int fit(self) except -1:
        """Give back the memory past the bytes in use."""
        if self.n < self.cap:
            self._move(self.n if self.n > 0 else 1)
        return 0

    cdef bytes take(self):
        """A copy of the bytes in use."""
        return PyBytes_FromStringAndSize(<const char*>self.p, self.n)

    cdef str text(self):
        """The bytes in use as str (UTF-8, lone surrogates as ``surrogatepass`` wrote them)."""
        return PyUnicode_DecodeUTF8(<const char*>self.p, self.n, "surrogatepass")
