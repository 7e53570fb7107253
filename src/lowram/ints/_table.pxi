# The int family's shared parts, included at the top of each of its compiled modules: the
# imports they all use, the table's C interface (csrc/int_table.h), how a Python value becomes
# a key (set's and dict's equality rules), the undo log of a set's batch, table snapshots.
# Each module defines _WHAT (how errors name what they refuse) before any of it runs.

import collections.abc
import numbers
import os
import random
import struct
import types

import numpy as np

from lowram._fileformat import atomic_write, pack, read_file, unpack
from lowram.errors import FormatError

from cpython.float cimport PyFloat_AS_DOUBLE, PyFloat_Check
from cpython.long cimport (PyLong_AsLongLongAndOverflow, PyLong_AsUnsignedLongLong,
                           PyLong_Check, PyLong_FromLongLong, PyLong_FromUnsignedLongLong)
from cpython.number cimport PyIndex_Check, PyNumber_Index
from libc.math cimport floor, isfinite
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy

cdef extern from "csrc/int_table.h":
    ctypedef struct lri_table:
        uint64_t n
        uint64_t seed
        uint64_t version
        int w
        int k
        int vw
        int vfloat
    int LRI_LAST
    int LRI_SUM_INT
    int LRI_SUM_FLOAT
    int lri_init(lri_table *t, uint64_t seed, int vw, int vfloat)
    void lri_free(lri_table *t)
    uint64_t lri_nbytes(const lri_table *t)
    int lri_contains(const lri_table *t, uint64_t p)
    int lri_get(const lri_table *t, uint64_t p, uint64_t *v)
    int lri_add(lri_table *t, uint64_t p)
    int lri_put(lri_table *t, uint64_t p, uint64_t v)
    int lri_discard(lri_table *t, uint64_t p)
    int lri_remove(lri_table *t, uint64_t p, uint64_t *old)
    int lri_clear(lri_table *a, lri_table *b, int vw)
    int lri_copy(lri_table *dst, const lri_table *src)
    int lri_widen(lri_table *t)
    int lri_widen_values(lri_table *t, int vw)
    int lri_fits32(uint64_t p)
    int lri_vwidth(int64_t v)
    int lri_next(const lri_table *t, uint64_t *j, uint64_t *pos, uint64_t *p)
    int lri_next_v(const lri_table *t, uint64_t *j, uint64_t *pos, uint64_t *p, uint64_t *v)
    int lri_prev_v(const lri_table *t, uint64_t *j, uint64_t *pos, uint64_t *p, uint64_t *v)
    int lri_pop(lri_table *t, uint64_t *p, uint64_t *v)
    int lri_add_bulk(lri_table *t, const uint64_t *ps, const uint64_t *vsrc, uint64_t vconst,
                     uint64_t m, int w_needed, int vw_needed, int policy)
    int lri_check(const lri_table *t)
    void lri_contains_many(const lri_table *t, const uint64_t *ps, uint64_t n, uint8_t *out)
    void lri_lookup_many(const lri_table *t, const uint64_t *ps, uint64_t n, uint8_t *out,
                         uint64_t *vals)


cdef enum:
    CHUNK = 65536          # items converted from an iterable before they are added
cdef uint64_t HI_BASE = 1ULL << 63
cdef object U64_LIMIT = 1 << 64

# a value's place: the int64 table, the table of ints from 2**63 up, or no int at all
cdef enum:
    LO = 0
    HI = 1
    ABSENT = 2


cdef object _as_int(object x):
    """The int equal to x (a number of another kind: Decimal, Fraction, numpy bool or float,
    complex with no imaginary part), or None."""
    if isinstance(x, (str, bytes, bytearray, memoryview)):
        return None
    if isinstance(x, complex):
        if x.imag != 0:
            return None
        x = x.real
    if not (isinstance(x, numbers.Number) or isinstance(x, np.generic)
            or hasattr(type(x), "__int__")):
        return None
    try:
        i = int(x)
        if i == x:
            return i
    except (TypeError, ValueError, OverflowError, ArithmeticError):
        pass
    return None


cdef int _key(object x, uint64_t *p, bint strict) except -1:
    """Where x goes (LO or HI, its pattern in *p), or ABSENT when it equals no int IntSet can
    hold (only when not strict: strict raises TypeError or OverflowError instead)."""
    cdef int overflow = 0
    cdef long long v
    cdef double d
    cdef object i
    if not PyLong_Check(x):
        if isinstance(x, np.bool_):
            x = int(x)
        elif PyFloat_Check(x):
            d = PyFloat_AS_DOUBLE(x)
            if not isfinite(d) or d != floor(d):
                if strict:
                    raise TypeError(f"{_WHAT} must be int, not float {x!r}")
                return ABSENT
            x = int(d)
        elif PyIndex_Check(x):
            x = PyNumber_Index(x)
        else:
            i = _as_int(x)
            if i is None:
                if strict:
                    raise TypeError(f"{_WHAT} must be int, not {type(x).__name__}")
                hash(x)          # as set: an unhashable value is a TypeError, not absent
                return ABSENT
            x = i
    v = PyLong_AsLongLongAndOverflow(x, &overflow)
    if overflow == 0:
        p[0] = <uint64_t>v
        return LO
    if overflow > 0 and x < U64_LIMIT:
        p[0] = PyLong_AsUnsignedLongLong(x) - HI_BASE
        return HI
    if strict:
        raise OverflowError(f"{x} is outside the ints {_WHAT} can be (-2**63 to 2**64 - 1)")
    return ABSENT


cdef inline object _value(uint64_t p, int which):
    if which == HI:
        return PyLong_FromUnsignedLongLong(p + HI_BASE)
    return PyLong_FromLongLong(<int64_t>p)


# ------------------------------------------------------------------------- undo log --------

cdef struct Undo:
    uint64_t *keys        # patterns added, to remove if the batch fails
    uint8_t *where        # LO or HI for each
    Py_ssize_t n, cap
    uint8_t was_empty[2]  # a table empty when the batch began is emptied again: no log


cdef int _undo_push(Undo *u, uint64_t p, int which) except -1:
    """Log one added pattern; MemoryError (nothing logged) when the log cannot grow, so log
    before adding, or ``_undo_reserve`` first."""
    _undo_reserve(u)
    u.keys[u.n] = p
    u.where[u.n] = <uint8_t>which
    u.n += 1
    return 0


cdef int _undo_reserve(Undo *u) except -1:
    """Room in the log for one more pattern (MemoryError if there is none to be had)."""
    cdef Py_ssize_t cap
    cdef void *a
    cdef void *b
    if u.n == u.cap:
        cap = u.cap * 2 if u.cap else 1024
        a = realloc(u.keys, cap * sizeof(uint64_t))
        if a == NULL:
            raise MemoryError()
        u.keys = <uint64_t *>a
        b = realloc(u.where, cap)
        if b == NULL:
            raise MemoryError()
        u.where = <uint8_t *>b
        u.cap = cap
    return 0


cdef void _undo_free(Undo *u):
    free(u.keys)
    free(u.where)
    u.keys = NULL
    u.where = NULL
    u.n = u.cap = 0




cdef tuple _snapshot(lri_table *t, bint values):
    """(keys, values): one table's key patterns and (when asked) value bits as two new uint64
    arrays in iteration order, values None otherwise. The arrays are made first: making them
    may run Python code (a collection, a finaliser), and so let another thread change the
    table; the table's version is read again after, and the copy made when it held still,
    in C with nothing else run from its first key to its last."""
    cdef uint64_t j, pos, p, v, n, version
    cdef Py_ssize_t i
    cdef uint64_t[::1] ko
    cdef uint64_t[::1] vo
    cdef uint64_t *vp
    while True:
        version = t.version
        n = t.n
        keys = np.empty(n, dtype=np.uint64)
        vals = np.empty(n if values else 0, dtype=np.uint64)
        ko = keys
        vo = vals
        if t.version == version and t.n == n:
            break
    j = pos = 0
    i = 0
    while <uint64_t>i < n and lri_next_v(t, &j, &pos, &p, &v if values else NULL):
        ko[i] = p
        if values:
            vo[i] = v
        i += 1
    return keys, (vals if values else None)


cdef bint _fit32(object patterns):
    """Whether every key pattern of the array fits an int32."""
    v = patterns.view(np.int64)
    return len(v) == 0 or bool(v.min() >= -2**31 and v.max() < 2**31)


cdef object _seed(object seed):
    """A table's seed: a random one for None, else checked."""
    if seed is None:
        return random.getrandbits(64)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 1 << 64:
        raise ValueError(f"seed must be an int from 0 to 2**64 - 1, not {seed!r}")
    return seed


cdef int _check_tables(str what, lri_table *lo, lri_table *hi) except -1:
    """AssertionError naming the first invariant broken in either table."""
    for name, code in (("int64", lri_check(lo)), ("uint64", lri_check(hi))):
        if code:
            raise AssertionError(f"{what} {name} table broken: invariant {code}")
    return 0
