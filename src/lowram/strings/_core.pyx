# cython: language_level=3
"""The hot path of :class:`lowram.StringSet`: ``in``, ``len`` and ``contains_many`` in C.

``x in s`` reaches the backend's own C lookup through one C call (``PySequence_Contains``
on the backend object), with no Python frame in between, so the wrapper adds a few
nanoseconds to the raw library's time. The front handles what no backend should see:
non-``str`` queries (``False``, as ``frozenset`` answers), the empty key (kept as a flag, as
some libraries cannot store it) and, for backends that cannot hold ``"\\x00"``, queries
containing it (which a C library would read as a shorter, NUL-terminated key).
"""

import numpy as np

from cpython.unicode cimport PyUnicode_Check

cdef extern from "Python.h":
    Py_ssize_t PyUnicode_GET_LENGTH(object)
    Py_ssize_t PyUnicode_FindChar(object, Py_UCS4, Py_ssize_t, Py_ssize_t, int) except -2
    int _raw_contains "PySequence_Contains"(object, object) noexcept
    int _set_contains "PySet_Contains"(object, object) noexcept
    int PyErr_ExceptionMatches(object) noexcept
    void PyErr_Clear() noexcept


cdef int _propagate() except -1:
    # the error indicator is already set by the failed lookup: returning -1 hands it on
    return -1


cdef class SetCore:
    """Base of :class:`lowram.StringSet`: membership, length and batch membership in C.

    Not used directly; :class:`lowram.StringSet` derives from it.
    """

    cdef object _impl
    cdef Py_ssize_t _size
    cdef bint _has_empty
    cdef bint _nul_unsafe
    cdef bint _is_set  # the backend object is a frozenset: call the set lookup directly

    def _init_core(self, impl, Py_ssize_t size, bint has_empty, bint nul_unsafe):
        """Attach the backend object answering ``in`` for non-empty keys."""
        self._impl = impl
        self._size = size
        self._has_empty = has_empty
        self._nul_unsafe = nul_unsafe
        self._is_set = type(impl) is frozenset

    cdef inline int _lookup(self, key) except -1:
        cdef Py_ssize_t n
        cdef int r
        if not PyUnicode_Check(key):
            return 0
        n = PyUnicode_GET_LENGTH(key)
        if n == 0:
            return self._has_empty
        if self._nul_unsafe and PyUnicode_FindChar(key, 0, 0, n, 1) >= 0:
            return 0
        r = _set_contains(self._impl, key) if self._is_set else _raw_contains(self._impl, key)
        if r >= 0:
            return r
        if PyErr_ExceptionMatches(UnicodeEncodeError):
            # a lone surrogate: no UTF-8 backend can hold it, so it is not stored
            PyErr_Clear()
            return 0
        return _propagate()

    def __contains__(self, key):
        return self._lookup(key) == 1

    def __len__(self):
        return self._size

    def contains_many(self, strings):
        """Return a numpy bool array telling, for each of ``strings``, whether it is stored.

        The loop runs in C and calls the backend's lookup directly: no Python frame per key.
        Non-``str`` items give ``False``. Cost: one lookup per item; memory: one byte per item.

        >>> from lowram import StringSet
        >>> StringSet(["a", "b"], backend="sorted").contains_many(["a", "x", 3]).tolist()
        [True, False, False]
        """
        batch = getattr(self._impl, "contains_many", None)
        # always a private snapshot: a key's own __hash__/__eq__ (str subclasses) may change
        # the caller's list while the unchecked C loop walks it
        cdef list seq = list(strings)
        cdef Py_ssize_t i, n = len(seq)
        cdef unsigned char[::1] res
        if batch is not None and not self._nul_unsafe:
            out = batch(seq)
            if self._has_empty:
                res = out.view(np.uint8)
                for i in range(n):
                    key = seq[i]
                    if PyUnicode_Check(key) and PyUnicode_GET_LENGTH(key) == 0:
                        res[i] = 1
            return out
        out = np.zeros(n, dtype=np.bool_)
        res = out.view(np.uint8)
        for i in range(n):
            res[i] = self._lookup(seq[i])
        return out
