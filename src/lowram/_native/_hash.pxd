# cython: language_level=3
"""Declarations of lowram's stable 64-bit hash (XXH3-64) for the kernels that cimport it, and
the inline fast path the batch loops share."""

from cpython.object cimport PyObject, PyTypeObject
from libc.stdint cimport uint64_t

cdef extern from "lowram_hash.h" nogil:
    uint64_t lr_xxh3(const void *data, size_t length, uint64_t seed)
    uint64_t lr_xxh3_u64(uint64_t value, uint64_t seed)
    uint64_t lr_xxh3_1to8_inobject(const unsigned char *p, size_t length, uint64_t seed)
    uint64_t lr_fmix64(uint64_t k)
    uint64_t lr_range(uint64_t x, uint64_t n)
    int lr_clz64(uint64_t x)
    uint64_t lr_splitmix64(uint64_t *state)

cdef int hash_item(object item, uint64_t seed, uint64_t *out) except -1
cdef int check_objects(object seq) except -1
cdef Py_ssize_t hash_run(object seq, Py_ssize_t start, Py_ssize_t count, uint64_t seed,
                         uint64_t *out) except -1

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define LR_PREFETCH(p) __builtin_prefetch((const void *)(p))
    #else
    #define LR_PREFETCH(p) ((void)0)
    #endif
    #define LR_TYPE(o) Py_TYPE(o)
    """
    void LR_PREFETCH(const void *p) nogil
    PyTypeObject *LR_TYPE(PyObject *o) nogil

cdef extern from "Python.h":
    ctypedef struct PyListObject:
        PyObject **ob_item
    ctypedef struct PyTupleObject:
        PyObject *ob_item[1]
    PyTypeObject PyUnicode_Type
    PyTypeObject PyBytes_Type
    bint PyUnicode_IS_COMPACT_ASCII(object o)
    void *PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    char *PyBytes_AS_STRING(object o)
    Py_ssize_t PyBytes_GET_SIZE(object o)

cdef extern from "utf8.h":
    enum: LR_UTF8_BUF
    Py_ssize_t lr_utf8_into(PyObject *s, unsigned char *buf) noexcept

#: How many items ahead the object loops prefetch: they are bound by memory latency.
cdef enum:
    AHEAD = 32
    BATCH = 512  #: hashes a fused update buffers on the stack (4 KB: stays in L1 cache)


cdef inline PyObject **items_of(object seq) noexcept:
    """The item array of a list or tuple, borrowed: valid only until Python code runs (a slow
    item's ``__index__`` may resize the list, so a loop re-reads it after one)."""
    if type(seq) is list:
        return (<PyListObject *>seq).ob_item
    return &(<PyTupleObject *>seq).ob_item[0]


cdef inline bint hash_fast(PyObject *item, uint64_t seed, uint64_t *out) noexcept:
    """Hash a str of up to 256 code points or a bytes into ``out[0]`` without touching its
    reference count or allocating; False for any other item (hash it with hash_item)."""
    cdef PyTypeObject *t = LR_TYPE(item)
    cdef unsigned char buf[LR_UTF8_BUF]
    cdef Py_ssize_t n
    if t is &PyUnicode_Type:
        if PyUnicode_IS_COMPACT_ASCII(<object>item):
            n = PyUnicode_GET_LENGTH(<object>item)
            if 0 < n <= 8:  # the str's header precedes its data: the in-object form is safe
                out[0] = lr_xxh3_1to8_inobject(
                    <const unsigned char *>PyUnicode_DATA(<object>item), <size_t>n, seed)
            else:
                out[0] = lr_xxh3(PyUnicode_DATA(<object>item), <size_t>n, seed)
            return True
        n = lr_utf8_into(item, buf)
        if n < 0:
            return False
        out[0] = lr_xxh3(buf, <size_t>n, seed)
        return True
    if t is &PyBytes_Type:
        n = PyBytes_GET_SIZE(<object>item)
        if 0 < n <= 8:  # the bytes' header precedes its data: the in-object form is safe
            out[0] = lr_xxh3_1to8_inobject(
                <const unsigned char *>PyBytes_AS_STRING(<object>item), <size_t>n, seed)
        else:
            out[0] = lr_xxh3(PyBytes_AS_STRING(<object>item), <size_t>n, seed)
        return True
    return False
