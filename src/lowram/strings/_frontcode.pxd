# cython: language_level=3
"""Front coding, shared by the builds' gathered keys (``_gather.pyx``) and the ``compact``
backend (``backends/_compact.pyx``): inline readers and writers of the one key layout both use.

A key after the first is written as the number of bytes it shares with the key before it and
the number of its own remaining bytes (one byte of two 4-bit fields; a field of 15 is followed
by a LEB128 varint of the rest), then those bytes. Every reader takes the end of its buffer and
returns -1 rather than read past it.
"""

from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memcmp

from lowram._native._bytes cimport Bytes


cdef inline int fc_cmp(const uint8_t* a, Py_ssize_t alen, const uint8_t* b,
                       Py_ssize_t blen) noexcept nogil:
    """Byte order, then length: the order of sorted keys. (The first bytes in a loop: keys
    that sort near each other differ early, and a call to memcmp costs more than that.)"""
    cdef Py_ssize_t m = alen if alen < blen else blen, i = 0
    cdef Py_ssize_t head = m if m < 16 else 16
    cdef int c
    while i < head and a[i] == b[i]:
        i += 1
    if i < head:
        return <int>a[i] - <int>b[i]
    if m > head:
        c = memcmp(a + head, b + head, m - head)
        if c != 0:
            return c
    return (alen > blen) - (alen < blen)


cdef inline Py_ssize_t fc_lcp(const uint8_t* a, Py_ssize_t alen, const uint8_t* b,
                              Py_ssize_t blen) noexcept nogil:
    """Length of the longest common prefix of a and b."""
    cdef Py_ssize_t m = alen if alen < blen else blen, i = 0
    while i < m and a[i] == b[i]:
        i += 1
    return i


cdef inline Py_ssize_t fc_varint(const uint8_t* p, Py_ssize_t at, Py_ssize_t end,
                                 uint64_t* out) noexcept nogil:
    """Read a LEB128 varint at p[at] (before end): the position after it, or -1."""
    cdef uint64_t v = 0
    cdef int shift = 0
    cdef uint8_t byte
    while at < end and shift < 64:
        byte = p[at]
        at += 1
        v |= <uint64_t>(byte & 0x7F) << shift
        if not (byte & 0x80):
            out[0] = v
            return at
        shift += 7
    return -1


cdef inline Py_ssize_t fc_pair(const uint8_t* p, Py_ssize_t at, Py_ssize_t end,
                               uint64_t* shared, uint64_t* length) noexcept nogil:
    """Read a key's (shared, length) at p[at]: the position after it, or -1."""
    cdef uint64_t more
    cdef uint8_t h
    if at >= end:
        return -1
    h = p[at]
    at += 1
    shared[0] = h >> 4
    length[0] = h & 15
    if shared[0] == 15:
        at = fc_varint(p, at, end, &more)
        if at < 0 or more > (1ULL << 62):
            return -1
        shared[0] += more
    if length[0] == 15:
        at = fc_varint(p, at, end, &more)
        if at < 0 or more > (1ULL << 62):
            return -1
        length[0] += more
    return at


cdef inline int fc_put_pair(Bytes out, uint64_t shared, uint64_t length) except -1:
    """Append a key's (shared, length)."""
    out.reserve(out.n + 1)
    out.p[out.n] = <uint8_t>(((shared if shared < 15 else 15) << 4)
                             | (length if length < 15 else 15))
    out.n += 1
    if shared >= 15:
        out.varint(shared - 15)
    if length >= 15:
        out.varint(length - 15)
    return 0


cdef inline int fc_put_key(Bytes out, Bytes prev, const uint8_t* s, Py_ssize_t size) except -1:
    """Append key s front-coded against prev (the key before it; empty for a first key), and
    make it prev."""
    cdef Py_ssize_t shared = fc_lcp(prev.p, prev.n, s, size)
    fc_put_pair(out, <uint64_t>shared, <uint64_t>(size - shared))
    out.write(s + shared, size - shared)
    prev.set(shared, s + shared, size - shared)
    return 0
