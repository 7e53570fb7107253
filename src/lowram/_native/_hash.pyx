# cython: language_level=3
"""lowram's stable hashing kernel: XXH3-64 of an item's bytes, one item or a whole batch.

An item's bytes are: a ``str``'s UTF-8 encoding (lone surrogates kept, as the
``surrogatepass`` error handler writes them), a ``bytes``/``bytearray``/``memoryview``'s own
bytes, an ``int``'s 8-byte little-endian two's-complement value (ints from -2**63 to
2**64 - 1; numpy integers and integer arrays alike). Anything else is a ``TypeError``. The
result never depends on the process, the machine or the Python version.
"""

cimport numpy as cnp
from cpython.buffer cimport PyBUF_CONTIG_RO, PyBuffer_Release, PyObject_GetBuffer
from cpython.long cimport PyLong_AsLongLong, PyLong_AsUnsignedLongLong
from cpython.unicode cimport PyUnicode_AsEncodedString
from libc.stdint cimport int64_t, uint64_t

import numpy as np

cnp.import_array()

cdef extern from "Python.h":
    bint PyUnicode_Check(object o)
    bint PyBytes_Check(object o)
    bint PyLong_Check(object o)

#: Items hashed per chunk when a sketch consumes a batch: small enough to stay in L2 cache.
CHUNK = 16384

_INT_DTYPES = frozenset("bBhHiIlLqQ")


cdef int _hash_long(object item, uint64_t seed, uint64_t *out) except -1:
    cdef long long v
    cdef unsigned long long u
    try:
        v = PyLong_AsLongLong(item)
    except OverflowError:
        try:
            u = PyLong_AsUnsignedLongLong(item)
        except OverflowError:
            raise OverflowError(
                f"int {_short(item)} does not fit in 64 bits: lowram hashes ints from "
                f"-2**63 to 2**64 - 1") from None
        out[0] = lr_xxh3_u64(<uint64_t>u, seed)
        return 0
    out[0] = lr_xxh3_u64(<uint64_t>v, seed)
    return 0


cdef str _short(object item):
    text = repr(item)
    return text if len(text) <= 40 else text[:37] + "..."


cdef int hash_item(object item, uint64_t seed, uint64_t *out) except -1:
    """Hash one item into ``out[0]``; raise TypeError/OverflowError for what cannot be hashed."""
    cdef Py_buffer view
    if PyUnicode_Check(item):
        if PyUnicode_IS_COMPACT_ASCII(item):
            out[0] = lr_xxh3(PyUnicode_DATA(item), <size_t>PyUnicode_GET_LENGTH(item), seed)
        elif hash_fast(<PyObject *>item, seed, out):  # short: UTF-8 on the stack
            pass
        else:
            encoded = PyUnicode_AsEncodedString(item, b"utf-8", b"surrogatepass")
            out[0] = lr_xxh3(PyBytes_AS_STRING(encoded), <size_t>PyBytes_GET_SIZE(encoded),
                              seed)
        return 0
    if PyBytes_Check(item):
        out[0] = lr_xxh3(PyBytes_AS_STRING(item), <size_t>PyBytes_GET_SIZE(item), seed)
        return 0
    if PyLong_Check(item):
        return _hash_long(item, seed, out)
    if isinstance(item, (bytearray, memoryview)):
        try:
            PyObject_GetBuffer(item, &view, PyBUF_CONTIG_RO)
        except BufferError:  # a strided memoryview: hash the bytes it shows
            raw = item.tobytes()
        else:
            try:
                out[0] = lr_xxh3(view.buf, <size_t>view.len, seed)
            finally:
                PyBuffer_Release(&view)
            return 0
        out[0] = lr_xxh3(PyBytes_AS_STRING(raw), <size_t>PyBytes_GET_SIZE(raw), seed)
        return 0
    if isinstance(item, np.integer):
        return _hash_long(int(item), seed, out)
    raise TypeError(
        f"lowram cannot hash an item of type {type(item).__name__!r}: items must be str, "
        f"bytes, bytearray, memoryview or int")


cdef uint64_t _seed(object seed) except? 0:
    try:
        if seed < 0:
            raise OverflowError
        return <uint64_t>PyLong_AsUnsignedLongLong(seed.__index__())
    except OverflowError:
        raise OverflowError(f"seed must be an int from 0 to 2**64 - 1, not {_short(seed)}") \
            from None
    except (AttributeError, TypeError):
        raise TypeError(f"seed must be an int, not {type(seed).__name__!r}") from None


def check_seed(seed):
    """Return ``seed`` as an int after checking it is an int from 0 to 2**64 - 1.

    >>> check_seed(7)
    7
    """
    return int(_seed(seed))


def hash64(item, seed=0):
    """Return the stable 64-bit hash (XXH3-64) of one item, as an int in [0, 2**64).

    Cost: O(len(item)).

    >>> hash64(b"")
    3244421341483603138
    >>> hash64("abc") == hash64(b"abc")
    True
    """
    cdef uint64_t s = _seed(seed)
    cdef uint64_t h = 0
    hash_item(item, s, &h)
    return h


cdef object _int_array(object items):
    """``items`` as a C-contiguous uint64 array holding each value mod 2**64, or None."""
    if not isinstance(items, np.ndarray):
        return None
    arr = <cnp.ndarray>items
    if arr.dtype.char not in _INT_DTYPES:
        if arr.dtype == object or arr.dtype.kind in "US":
            return None   # hashed item by item, as the list of its items (str, bytes)
        raise TypeError(f"lowram hashes numpy arrays of integers, strings or objects, not "
                        f"of dtype {arr.dtype}")
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    if arr.dtype.itemsize == 8:
        return np.ascontiguousarray(arr).view(np.uint64)
    return arr.astype(np.int64).view(np.uint64)


cdef void _hash_u64(const uint64_t *values, Py_ssize_t n, uint64_t seed, uint64_t *out) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        out[i] = lr_xxh3_u64(values[i], seed)


cdef int _hash_objects(object seq, Py_ssize_t start, Py_ssize_t stop, uint64_t seed,
                       uint64_t *out) except -1:
    """Hash ``seq[start:stop]`` (a list or tuple) into ``out``, with str/bytes inlined."""
    cdef Py_ssize_t i
    cdef Py_ssize_t n = len(seq)
    cdef PyObject **items = items_of(seq)
    for i in range(start, stop):
        if i + AHEAD < n:
            LR_PREFETCH(items[i + AHEAD])
        if not hash_fast(items[i], seed, &out[i - start]):
            # a slow item may run Python code (__index__, a buffer): re-read the array after
            hash_item(<object>items[i], seed, &out[i - start])
            if len(seq) != n:
                raise RuntimeError("the sequence changed size during hashing")
            items = items_of(seq)
    return 0


cdef Py_ssize_t hash_run(object seq, Py_ssize_t start, Py_ssize_t count, uint64_t seed,
                         uint64_t *out) except -1:
    """Hash up to ``count`` items of the list or tuple ``seq`` from ``start`` into ``out``;
    return how many (fewer at its end)."""
    cdef Py_ssize_t stop = min(len(seq), start + count)
    if stop <= start:
        return 0
    _hash_objects(seq, start, stop, seed, out)
    return stop - start


cdef int check_objects(object seq) except -1:
    """Raise, naming the position, if an item of the list or tuple ``seq`` cannot be hashed."""
    cdef Py_ssize_t i, n = len(seq)
    cdef uint64_t scratch
    cdef PyObject **items = items_of(seq)
    cdef PyTypeObject *t
    for i in range(n):
        if i + AHEAD < n:
            LR_PREFETCH(items[i + AHEAD])
        t = LR_TYPE(items[i])
        if t is &PyUnicode_Type or t is &PyBytes_Type:
            continue
        try:
            hash_item(<object>items[i], 0, &scratch)
        except (TypeError, OverflowError) as exc:
            raise type(exc)(f"item {i}: {exc}") from None
        if len(seq) != n:
            raise RuntimeError("the sequence changed size during hashing")
        items = items_of(seq)
    return 0


def check_items(seq):
    """Raise ``TypeError``/``OverflowError`` naming the position of the first item of the list
    or tuple ``seq`` that cannot be hashed; the check before a fused update. O(n), in C.

    >>> check_items(["a", 1, b"b"])
    >>> check_items(["a", 1.5])
    Traceback (most recent call last):
    ...
    TypeError: item 1: lowram cannot hash an item of type 'float': items must be str, bytes, bytearray, memoryview or int
    """
    if type(seq) is not list and type(seq) is not tuple:
        raise TypeError(f"expected a list or tuple, not {type(seq).__name__}")
    check_objects(seq)


def _grow_hashes(object iterable, uint64_t seed):
    """Hash every item of any iterable into one uint64 array (8 bytes per item)."""
    cdef Py_ssize_t n = 0, cap = 1024
    cdef uint64_t h
    out = np.empty(cap, dtype=np.uint64)
    cdef uint64_t[::1] view = out
    for item in iterable:
        try:
            hash_item(item, seed, &h)
        except (TypeError, OverflowError) as exc:
            raise type(exc)(f"item {n}: {exc}") from None
        if n == cap:
            cap *= 2
            out = np.resize(out, cap)
            view = out
        view[n] = h
        n += 1
    return out[:n]


cdef object _refuse_single(object items):
    if isinstance(items, (str, bytes, bytearray, memoryview)):
        raise TypeError(
            f"expected an iterable of items, got a single {type(items).__name__}: use add() "
            f"for one item, or wrap it in a list")
    return None


def hash64_many(items, seed=0):
    """Return the stable 64-bit hashes of ``items`` as a numpy ``uint64`` array.

    ``items`` is a list, tuple, any iterable of items, or a numpy integer array (hashed
    element-wise in C, as its values' 8-byte little-endian form). Cost: O(total bytes);
    8 bytes of output per item.

    >>> import numpy as np
    >>> [int(h) for h in hash64_many(["abc", 5])] == [hash64("abc"), hash64(5)]
    True
    >>> bool((hash64_many(np.arange(3)) == hash64_many([0, 1, 2])).all())
    True
    """
    cdef uint64_t s = _seed(seed)
    cdef cnp.ndarray values
    cdef Py_ssize_t n
    _refuse_single(items)
    arr = _int_array(items)
    if arr is not None:
        values = <cnp.ndarray>arr
        n = values.shape[0]
        out = np.empty(n, dtype=np.uint64)
        with nogil:
            _hash_u64(<const uint64_t *>cnp.PyArray_DATA(values), n, s,
                      <uint64_t *>cnp.PyArray_DATA(<cnp.ndarray>out))
        return out
    if isinstance(items, np.ndarray):
        items = items.reshape(-1).tolist()
    if type(items) is list or type(items) is tuple:
        n = len(items)
        out = np.empty(n, dtype=np.uint64)
        try:
            _hash_objects(items, 0, n, s, <uint64_t *>cnp.PyArray_DATA(<cnp.ndarray>out))
        except (TypeError, OverflowError):
            check_objects(items)  # re-raise naming the position
            raise
        return out
    return _grow_hashes(items, s)


def hash_chunks(items, seed, Py_ssize_t chunk=CHUNK):
    """Yield the hashes of ``items`` as uint64 arrays of at most ``chunk`` hashes.

    The sketches' batch path: nothing is yielded unless every item can be hashed, so a bad
    item leaves a sketch unchanged. Lists, tuples and integer arrays are checked, then hashed
    chunk by chunk into one reused buffer (copy a chunk to keep it); any other iterable is
    hashed whole first (8 bytes per item). Cost: O(total bytes). (Arrow and pandas columns:
    ``lowram._arrow.hash_chunks``, which the sketches call.)

    >>> [len(c) for c in hash_chunks(list(range(5)), 0, chunk=2)]
    [2, 2, 1]
    """
    cdef uint64_t s = _seed(seed)
    cdef Py_ssize_t n, start, stop
    cdef cnp.ndarray values, buf
    if chunk < 1:
        raise ValueError(f"chunk must be positive, not {chunk}")
    _refuse_single(items)
    arr = _int_array(items)
    if arr is None and isinstance(items, np.ndarray):
        items = items.reshape(-1).tolist()
    if arr is None and type(items) is not list and type(items) is not tuple:
        hashes = _grow_hashes(items, s)
        n = hashes.shape[0]
        for start in range(0, n, chunk):
            yield hashes[start:start + chunk]
        return
    n = len(arr) if arr is not None else len(items)
    buf = np.empty(min(n, chunk), dtype=np.uint64)
    if arr is not None:
        values = <cnp.ndarray>arr
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            with nogil:
                _hash_u64(<const uint64_t *>cnp.PyArray_DATA(values) + start, stop - start, s,
                          <uint64_t *>cnp.PyArray_DATA(buf))
            yield buf[:stop - start]
        return
    check_objects(items)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        if stop > len(items):  # the list shrank while we were yielding
            raise RuntimeError("the list changed size during the update")
        _hash_objects(items, start, stop, s, <uint64_t *>cnp.PyArray_DATA(buf))
        yield buf[:stop - start]
