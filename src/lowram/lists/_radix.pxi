# The typed lists' sort: a stable LSD radix sort over the items' bytes, with the GIL held.
# Included by _typed.pyx.
#
# Why not numpy's sort of a view of the buffer: numpy releases the GIL while it sorts, and
# another thread's append could then move the buffer under it (freed memory written: the
# interpreter crashed). This sort runs in C from start to end without releasing the GIL, so
# another thread waits for it as it waits for list.sort. (Without a GIL, nothing but the
# caller's own lock would keep two threads apart here.)
#
# Why radix: items are fixed-width machine numbers, so an order-preserving unsigned key of
# each can be sorted a byte at a time, stably, in O(n) per byte: one pass counts every
# byte's histogram, then one scatter pass per byte that is not the same in every key (small
# ints in a wide type skip their high bytes). The cost is a scratch buffer of n items. A
# list already in order is found by one scan first, and left as it is.
#
# The keys: an int's bits with the sign bit flipped; a float's bits with the sign bit set
# (positive) or every bit flipped (negative), -0.0 taking +0.0's key (they compare equal,
# so a stable sort keeps their order, as list.sort does) and every NaN the largest key (last,
# in their order, as numpy sorts them).

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t

cdef inline uint64_t _sort_key(elem_t v) noexcept nogil:
    cdef uint32_t b32, top32 = (<uint32_t>1) << 31
    cdef uint64_t b64, top64 = (<uint64_t>1) << 63
    if elem_t is float:
        if v != v:
            return <uint32_t>0 - 1
        if v == 0:
            return top32
        memcpy(&b32, &v, 4)
        return <uint32_t>(~b32) if b32 & top32 else b32 | top32
    elif elem_t is double:
        if v != v:
            return <uint64_t>0 - 1
        if v == 0:
            return top64
        memcpy(&b64, &v, 8)
        return ~b64 if b64 & top64 else b64 | top64
    elif elem_t is int8_t:
        return (<uint8_t>v) ^ (<uint8_t>0x80)
    elif elem_t is int16_t:
        return (<uint16_t>v) ^ (<uint16_t>0x8000)
    elif elem_t is int32_t:
        return (<uint32_t>v) ^ top32
    else:
        return (<uint64_t>v) ^ top64


cdef int _radix_sort(elem_t* data, Py_ssize_t n) except -1:
    """Sort ``data[:n]`` ascending, stably, in place (scratch: ``n`` items). GIL held."""
    cdef int width = sizeof(elem_t)
    cdef Py_ssize_t (*counts)[256]
    cdef Py_ssize_t k, total, c
    cdef int b, shift
    cdef uint64_t key
    cdef elem_t* src = data
    cdef elem_t* dst
    cdef elem_t* scratch
    cdef elem_t* swap
    if n < 2:
        return 0
    k = 1
    while k < n and _sort_key(data[k - 1]) <= _sort_key(data[k]):
        k += 1
    if k == n:
        return 0   # already in order (a common case, found in one pass that stops early)
    counts = <Py_ssize_t (*)[256]>PyMem_Malloc(width * 256 * sizeof(Py_ssize_t))
    scratch = <elem_t*>PyMem_Malloc(n * sizeof(elem_t))
    if counts == NULL or scratch == NULL:
        PyMem_Free(counts)
        PyMem_Free(scratch)
        raise MemoryError(f"sort needs a scratch buffer of {n * sizeof(elem_t)} bytes")
    memset(counts, 0, width * 256 * sizeof(Py_ssize_t))
    for k in range(n):   # every byte's histogram in one pass
        key = _sort_key(data[k])
        for b in range(width):
            counts[b][(key >> (8 * b)) & 0xFF] += 1
    dst = scratch
    for b in range(width):
        if counts[b][(_sort_key(data[0]) >> (8 * b)) & 0xFF] == n:
            continue   # this byte is the same in every key: nothing to move
        total = 0
        for c in range(256):   # counts -> the first slot of each byte value
            k = counts[b][c]
            counts[b][c] = total
            total += k
        shift = 8 * b
        for k in range(n):
            c = (_sort_key(src[k]) >> shift) & 0xFF
            dst[counts[b][c]] = src[k]
            counts[b][c] += 1
        swap = src
        src = dst
        dst = swap
    if src != data:
        memcpy(data, src, n * sizeof(elem_t))
    PyMem_Free(counts)
    PyMem_Free(scratch)
    return 0


cdef int _sort_buffer(char* data, int code, Py_ssize_t n) except -1:
    """Sort ``n`` items of type ``code`` at ``data`` ascending and stably. O(n) per byte."""
    if code == I8:
        return _radix_sort(<int8_t*>data, n)
    if code == I16:
        return _radix_sort(<int16_t*>data, n)
    if code == I32:
        return _radix_sort(<int32_t*>data, n)
    if code == I64:
        return _radix_sort(<int64_t*>data, n)
    if code == F32:
        return _radix_sort(<float*>data, n)
    return _radix_sort(<double*>data, n)
