# cython: language_level=3, boundscheck=False, wraparound=False
"""Loops over a column of strings held as one UTF-8 buffer plus offsets (an Arrow string
array's layout, and StrList's): the bounds and UTF-8 check every builder relies on, and the
sketches' hashing of each item's bytes, both without a Python object per item.

An item's bytes hash exactly as the ``str`` they decode to (lowram hashes a str as its UTF-8),
so a sketch fed a column agrees with one fed the same strings as Python objects.
"""

cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.string cimport memcpy

from lowram._native._hash cimport lr_xxh3

import numpy as np

cnp.import_array()

ctypedef fused off_t:
    int32_t
    int64_t


cdef extern from "utf8.h":
    # the first byte of s[0:n] that is not well-formed UTF-8 (surrogates refused), or -1
    Py_ssize_t _utf8_bad "lowram_utf8_bad"(const uint8_t* s, Py_ssize_t n,
                                          int surrogates) noexcept nogil


cdef Py_ssize_t _row_of_byte(const off_t* off, Py_ssize_t n, Py_ssize_t pos) noexcept nogil:
    """The row whose span holds byte ``pos`` (offsets monotone, pos inside them)."""
    cdef Py_ssize_t lo = 0, hi = n - 1, mid
    while lo < hi:   # the last row whose start is <= pos and whose span is not empty
        mid = (lo + hi + 1) // 2
        if <Py_ssize_t>off[mid] <= pos:
            lo = mid
        else:
            hi = mid - 1
    while lo > 0 and off[lo] == off[lo + 1]:
        lo -= 1
    return lo


cdef Py_ssize_t _first_bad_span(const uint8_t* data, Py_ssize_t size, const off_t* off,
                                Py_ssize_t n, bint utf8, int* why) noexcept nogil:
    """First item whose span is out of bounds (why=1) or not UTF-8 (why=2), or -1.

    Three passes, each sequential: the offsets (inside the buffer, never decreasing); the
    whole byte range they cover, as one UTF-8 text (8 ASCII bytes a step); and every row's
    first byte, which must not continue a character (a row boundary inside a character).
    Only when one of them fails are the spans checked one by one, to name the first bad row."""
    cdef Py_ssize_t i, a, b, bad, first, last
    for i in range(n):
        a = <Py_ssize_t>off[i]
        b = <Py_ssize_t>off[i + 1]
        if a < 0 or b < a or b > size:
            why[0] = 1
            return i
    if not utf8 or n == 0:
        return -1
    first = <Py_ssize_t>off[0]
    last = <Py_ssize_t>off[n]
    bad = _utf8_bad(data + first, last - first, 0)
    if bad < 0:
        for i in range(1, n):
            a = <Py_ssize_t>off[i]
            if a < last and (data[a] & 0xC0) == 0x80:   # a boundary inside a character
                bad = a
                break
    if bad < 0:
        return -1
    why[0] = 2
    for i in range(n):   # the error path: find the first bad row exactly, span by span
        if _utf8_bad(data + off[i], <Py_ssize_t>(off[i + 1] - off[i]), 0) >= 0:
            return i
    return -1   # unreachable: some span holds the bad byte


cdef uint8_t _NOTHING[1]   # what an empty buffer points at (never read)


cdef const uint8_t* _ptr(const uint8_t[::1] data) noexcept:
    if data.shape[0] == 0:
        return _NOTHING
    return &data[0]


def check_spans(const uint8_t[::1] data, const off_t[::1] offsets, Py_ssize_t row0=0,
                str what="lowram", bint utf8=True):
    """Raise ValueError naming the row (``row0`` + index) of the first item whose offsets
    leave ``data`` or (``utf8``) whose bytes are not well-formed UTF-8. O(total bytes), in C.

    >>> import numpy as np
    >>> check_spans(np.frombuffer(b"ab\\xff", np.uint8), np.array([0, 2, 3], np.int32))
    Traceback (most recent call last):
    ...
    ValueError: lowram takes UTF-8 text, and row 1 is not UTF-8 (b'\\xff')
    """
    cdef Py_ssize_t n = offsets.shape[0] - 1, bad
    cdef int why = 0
    if n < 0:
        raise ValueError(f"{what}: a string column needs at least one offset")
    cdef const uint8_t* p = _ptr(data)
    with nogil:
        bad = _first_bad_span(p, data.shape[0], &offsets[0], n, utf8, &why)
    if bad < 0:
        return None
    a, b = int(offsets[bad]), int(offsets[bad + 1])
    if why == 1:
        raise ValueError(f"{what}: corrupt string column: row {row0 + bad} spans bytes "
                         f"{a}..{b} of a {data.shape[0]}-byte buffer")
    raw = bytes(data[a:min(b, a + 40)])
    raise ValueError(f"{what} takes UTF-8 text, and row {row0 + bad} is not UTF-8 ({raw!r})")


def hash_spans(const uint8_t[::1] data, const off_t[::1] offsets, uint64_t seed):
    """The XXH3-64 hash of each item's bytes (spans already checked) as a uint64 array.

    >>> import numpy as np
    >>> from lowram.hashing import hash64
    >>> h = hash_spans(np.frombuffer(b"abc", np.uint8), np.array([0, 1, 3]), 7)
    >>> [int(x) for x in h] == [hash64("a", 7), hash64("bc", 7)]
    True
    """
    cdef Py_ssize_t i, n = offsets.shape[0] - 1
    out = np.empty(max(n, 0), dtype=np.uint64)
    cdef uint64_t[::1] h = out
    cdef const uint8_t* p = _ptr(data)
    with nogil:
        for i in range(n):
            h[i] = lr_xxh3(p + offsets[i], <size_t>(offsets[i + 1] - offsets[i]), seed)
    return out


def decode_spans(const uint8_t[::1] data, const off_t[::1] offsets):
    """Each item's bytes (spans already checked to be UTF-8) as a ``list`` of ``str``, made
    in one C loop: for a structure whose lookup needs the str objects themselves.

    >>> import numpy as np
    >>> decode_spans(np.frombuffer("aé".encode(), np.uint8), np.array([0, 1, 3]))
    ['a', 'é']
    """
    cdef Py_ssize_t i, n = offsets.shape[0] - 1
    cdef list out = [None] * max(n, 0)
    cdef const uint8_t* p = _ptr(data)
    for i in range(n):
        out[i] = PyUnicode_DecodeUTF8(<const char*>p + offsets[i],
                                      offsets[i + 1] - offsets[i], NULL)
    return out


def first_null(list items, tuple singletons=()):
    """Position of the first null of ``items`` (None, a float NaN, or one of ``singletons``,
    such as ``pandas.NA``), or -1: what pandas counts as missing in an object column, found
    in one C loop instead of ``Series.isna()``'s pass."""
    cdef Py_ssize_t i, n = len(items)
    cdef object o, s
    for i in range(n):
        o = items[i]
        if type(o) is str:
            continue
        if o is None or (isinstance(o, float) and o != o):
            return i
        for s in singletons:   # by identity: pandas.NA == x is NA, whose truth is an error
            if o is s:
                return i
    return -1
