# cython: language_level=3
"""The hot path of :class:`lowram.StringSet`: ``in``, ``len`` and ``contains_many`` in C.

``x in s`` reaches the backend's own C lookup through one C call (``PySequence_Contains``
on the backend object), with no Python frame in between, so the wrapper adds a few
nanoseconds to the raw library's time. The front handles what no backend should see:
non-``str`` queries (``False``, as ``frozenset`` answers), the empty key (kept as a flag, as
some libraries cannot store it) and, for backends that cannot hold ``"\\x00"``, queries
containing it (which a C library would read as a shorter, NUL-terminated key).
"""

import os

import numpy as np

from lowram._arrow import is_columnar, object_strings, text_blocks
from lowram._native._text import decode_spans

from cpython.unicode cimport PyUnicode_Check, PyUnicode_CheckExact
from cpython.object cimport PyObject
from libc.stdint cimport uint32_t, uint64_t

cdef extern from "Python.h":
    ctypedef struct setentry:
        PyObject* key
        Py_hash_t hash
    ctypedef struct PySetObject:
        Py_ssize_t mask
        setentry* table
    ctypedef int (*objobjproc)(PyObject*, PyObject*) noexcept
    ctypedef struct PySequenceMethods:
        objobjproc sq_contains
    ctypedef struct PyTypeObject:
        PySequenceMethods* tp_as_sequence
    PyTypeObject* Py_TYPE(object)
    Py_hash_t PyObject_Hash(object) except -1
    str PyUnicode_FromObject(object)
    Py_ssize_t PyUnicode_GET_LENGTH(object)
    int _raw_contains "PySequence_Contains"(object, object) noexcept
    int _set_contains "PySet_Contains"(object, object) noexcept
    int PyErr_ExceptionMatches(object) noexcept
    void PyErr_Clear() noexcept

cdef extern from "pystr.h":
    # a str's length reads 0 until it is ready (strs of the old wide-char API, Python < 3.12)
    int lowram_str_ready(object s) except -1
    int lowram_ready_all(list seq) except -1


cdef extern from *:
    void __builtin_prefetch(const void*) nogil

cdef extern from "hugepages.h":
    int lowram_collapse(const void* p, size_t n, size_t page) nogil


#: tables smaller than this stay on small pages: their interior holds at most one huge page
HUGE_TABLE_MIN = 4 << 20

_THP = "/sys/kernel/mm/transparent_hugepage/"
_huge_page = None  # the system's huge page size, read on first use


def huge_page_size():
    """The size of a transparent huge page here, in bytes; 0 when lowram should not use them.

    0 when the environment variable ``LOWRAM_HUGE_PAGES`` is ``0``, when the system's
    transparent huge pages are set to ``never`` (an administrator's choice, which
    ``MADV_COLLAPSE`` itself would not honour), or when the system has none (not Linux).
    2 MB on x86-64 and on 64-bit ARM with 4 KB base pages; larger where base pages are.

    >>> import os
    >>> os.environ["LOWRAM_HUGE_PAGES"] = "0"
    >>> huge_page_size()
    0
    >>> del os.environ["LOWRAM_HUGE_PAGES"]
    """
    global _huge_page
    if os.environ.get("LOWRAM_HUGE_PAGES", "") == "0":
        return 0
    if _huge_page is None:
        try:
            with open(_THP + "enabled") as fh:
                never = "[never]" in fh.read()
            with open(_THP + "hpage_pmd_size") as fh:
                _huge_page = 0 if never else int(fh.read())
        except (OSError, ValueError):
            _huge_page = 0
    return _huge_page


def _table_span(frozenset fs not None):
    """(address, size in bytes) of the hash table of ``fs``, for tests."""
    cdef PySetObject* so = <PySetObject*><PyObject*>fs
    return <size_t>so.table, (<size_t>so.mask + 1) * sizeof(setentry)


def set_table_huge_pages(frozenset fs not None):
    """Move the hash table of ``fs`` onto transparent huge pages; how many huge pages.

    The builtin backend calls this once per set: a lookup in a large frozenset touches a
    random page of its table, and huge pages save the TLB miss (``_native/csrc/hugepages.h``). The
    table is copied onto the huge pages by the kernel: contents, answers and resident size
    stay the same, and a frozenset's table never moves after. 0 for tables under
    ``HUGE_TABLE_MIN`` bytes and where :func:`huge_page_size` is 0; -1 where the kernel
    refused some or all of the pages (before Linux 6.1, or short of free huge pages), which
    leaves those on small pages. The interpreter lock is released meanwhile (the kernel may
    compact memory first, which can take milliseconds).

    >>> set_table_huge_pages(frozenset({"a"}))
    0
    """
    cdef PySetObject* so = <PySetObject*><PyObject*>fs
    cdef size_t size = (<size_t>so.mask + 1) * sizeof(setentry)
    cdef size_t page = huge_page_size() if size >= HUGE_TABLE_MIN else 0
    cdef int pages
    if page == 0:
        return 0
    with nogil:  # fs, held by the caller, keeps the table alive
        pages = lowram_collapse(so.table, size, page)
    return pages


cdef enum:
    _SORT_MIN = 64  # shorter batches are looked up as given
    _AHEAD = 8
    _RING = 32  # > 2 * _AHEAD


cdef extern from "Python.h":
    int PyUnicode_KIND(object)
    void* PyUnicode_DATA(object)
    uint32_t PyUnicode_READ(int, void*, Py_ssize_t)


cpdef object _utf8_prefixes(list seq):
    """The first 8 UTF-8 bytes of each str in ``seq`` as big-endian uint64 (0 for non-str).

    Sorting these orders the keys as their UTF-8 bytes (code points) would, up to ties
    between keys sharing 8 bytes: close enough to walk a trie in order. Computed from the
    code points, so no UTF-8 copy of a query is made or cached.
    """
    cdef Py_ssize_t i, j, n = len(seq), m
    out = np.zeros(n, dtype=np.uint64)
    cdef uint64_t[::1] keys = out
    cdef uint64_t k
    cdef int shift, kind
    cdef void* data
    cdef uint32_t c
    for i in range(n):
        key = seq[i]
        if not PyUnicode_Check(key):
            continue
        kind = PyUnicode_KIND(key)
        data = PyUnicode_DATA(key)
        m = PyUnicode_GET_LENGTH(key)
        k = 0
        shift = 56
        j = 0
        while j < m and shift >= 0:
            c = PyUnicode_READ(kind, data, j)
            j += 1
            if c < 0x80:
                k |= (<uint64_t>c) << shift
                shift -= 8
                continue
            if c < 0x800:
                k |= _put(0xC0 | (c >> 6), shift) | _put(0x80 | (c & 0x3F), shift - 8)
                shift -= 16
            elif c < 0x10000:
                k |= (_put(0xE0 | (c >> 12), shift) | _put(0x80 | ((c >> 6) & 0x3F), shift - 8)
                      | _put(0x80 | (c & 0x3F), shift - 16))
                shift -= 24
            else:
                k |= (_put(0xF0 | (c >> 18), shift) | _put(0x80 | ((c >> 12) & 0x3F), shift - 8)
                      | _put(0x80 | ((c >> 6) & 0x3F), shift - 16)
                      | _put(0x80 | (c & 0x3F), shift - 24))
                shift -= 32
        keys[i] = k
    return out


cdef inline uint64_t _put(uint64_t byte, int shift) noexcept nogil:
    # a byte at bit ``shift`` of a big-endian key; bytes past the 8th (shift < 0) are dropped
    return byte << shift if shift >= 0 else 0


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
    cdef bint _is_set  # the backend object is a frozenset: call the set lookup directly
    cdef objobjproc _set_slot  # frozenset's own ``in`` (its sq_contains slot)
    cdef bint _sort_batches  # contains_many looks keys up in UTF-8 order (see _init_core)

    def _init_core(self, impl, Py_ssize_t size, bint has_empty, bint sort_batches=False):
        """Attach the backend object answering ``in`` for non-empty keys.

        ``sort_batches``: ``contains_many`` looks keys up in UTF-8 byte order (the order of
        a trie's nodes), which keeps the trie's cache lines warm from one key to the next.
        """
        self._sort_batches = sort_batches
        self._impl = impl
        self._size = size
        self._has_empty = has_empty
        self._is_set = type(impl) is frozenset
        self._set_slot = Py_TYPE(impl).tp_as_sequence.sq_contains if self._is_set else NULL

    cdef inline int _lookup(self, key) except -1:
        cdef Py_ssize_t n
        cdef int r
        if self._is_set and PyUnicode_CheckExact(key) and lowram_str_ready(key) == 0 and \
                PyUnicode_GET_LENGTH(key) != 0:
            # the builtin backend's fast path: one set lookup, as ``key in frozenset``
            return self._set_slot(<PyObject*>self._impl, <PyObject*>key)
        if not PyUnicode_Check(key):
            return 0
        lowram_str_ready(key)
        n = PyUnicode_GET_LENGTH(key)
        if n == 0:
            return self._has_empty
        if self._is_set:
            r = _set_contains(self._impl, key)
        elif PyUnicode_CheckExact(key):
            r = _raw_contains(self._impl, key)
        else:
            # a str subclass: some libraries accept only exact str (datrie raises TypeError);
            # look up its text, as a frozenset would for a subclass that keeps str's __eq__
            r = _raw_contains(self._impl, PyUnicode_FromObject(key))
        if r >= 0:
            return r
        if PyErr_ExceptionMatches(UnicodeEncodeError):
            # a lone surrogate: no UTF-8 backend can hold it, so it is not stored
            PyErr_Clear()
            return 0
        return _propagate()

    def __contains__(self, key):
        cdef int r
        if self._set_slot != NULL and PyUnicode_CheckExact(key) and \
                lowram_str_ready(key) == 0 and PyUnicode_GET_LENGTH(key) != 0:
            # the builtin backend: straight to the frozenset's own ``in`` (hot path, kept
            # free of reference counting and branches the other backends need)
            r = self._set_slot(<PyObject*>self._impl, <PyObject*>key)
            if r < 0:
                return _propagate()
            return r
        return self._lookup(key) == 1

    def __len__(self):
        return self._size

    def contains_many(self, strings):
        """Return a numpy bool array telling, for each of ``strings``, whether it is stored.

        The loop runs in C and calls the backend's lookup directly: no Python frame per key.
        Non-``str`` items give ``False``. How the batch is walked depends on the backend, not
        on the answers: ``builtin`` prefetches each key's hash-table slot and stored key a
        few keys ahead; ``marisa`` looks the keys up in UTF-8 order (an O(n log n) sort of
        8-byte prefixes, for batches of 64 keys or more), so consecutive lookups share the
        trie's cache lines; ``dawg``, ``datrie`` and ``sorted`` run their own C loops.
        Cost: one lookup per item; memory: one byte per item in the result, and while it
        runs a snapshot of the batch (8 bytes per item) plus, for the sorted walk, 16 more.

        A pyarrow or pandas string column (string, large_string, string_view, dictionary,
        chunked; a Series of any string dtype) is read from its buffers, block by block
        (64K rows), its strings made in C: the answers are the list's; a null or a row that
        is not UTF-8 raises ValueError naming the row, as the constructors do.

        >>> from lowram import StringSet
        >>> StringSet(["a", "b"], backend="sorted").contains_many(["a", "x", 3]).tolist()
        [True, False, False]
        >>> import pyarrow as pa
        >>> StringSet(["a", "b"]).contains_many(pa.array(["a", "x", "b"])).tolist()
        [True, False, True]
        """
        rows = object_strings(strings, type(self).__name__)
        if rows is not None:
            return self._contains_list(rows)
        if is_columnar(strings):
            parts = [self._contains_list(decode_spans(data, offs))
                     for data, offs, row0 in text_blocks(strings, type(self).__name__)]
            return np.concatenate(parts) if parts else np.zeros(0, dtype=np.bool_)
        # always a private snapshot: a key's own __hash__/__eq__ (str subclasses) may change
        # the caller's list while the unchecked C loop walks it
        return self._contains_list(list(strings))

    cdef object _contains_list(self, list seq):
        batch = getattr(self._impl, "contains_many", None)
        cdef Py_ssize_t i, n = len(seq)
        lowram_ready_all(seq)  # every backend's batch reads lengths (Python < 3.12)
        cdef unsigned char[::1] res
        if self._is_set:
            out = np.zeros(n, dtype=np.bool_)
            res = out.view(np.uint8)
            self._set_many(seq, res)
            return out
        if batch is not None:
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
        cdef const Py_ssize_t[::1] order
        if self._sort_batches and n >= _SORT_MIN:
            # answers are scattered back to each key's own position
            order = np.argsort(_utf8_prefixes(seq)).astype(np.intp, copy=False)
            for i in range(n):
                res[order[i]] = self._lookup(seq[order[i]])
            return out
        for i in range(n):
            res[i] = self._lookup(seq[i])
        return out

    cdef int _set_many(self, list seq, unsigned char[::1] res) except -1:
        # Lookups in a large frozenset wait on two cache misses each: the table slot, then
        # the stored str the query is compared with. Looking keys up in a pipeline that
        # prefetches the slot of key i + 2*_AHEAD and the stored key of key i + _AHEAD
        # overlaps those misses (the answers still come from the set's own lookup; the
        # prefetches are only hints, and a frozenset's table never moves).
        cdef PySetObject* so = <PySetObject*><PyObject*>self._impl
        cdef setentry* table = so.table
        cdef size_t mask = <size_t>so.mask
        cdef Py_ssize_t i, j, n = len(seq)
        cdef Py_hash_t hashes[_RING]
        cdef Py_hash_t h
        cdef PyObject* stored
        cdef object key
        for i in range(n + 2 * _AHEAD):
            if i < n:
                key = seq[i]
                if PyUnicode_CheckExact(key):
                    h = PyObject_Hash(key)
                    hashes[i % _RING] = h
                    __builtin_prefetch(&table[<size_t>h & mask])
            j = i - _AHEAD
            if 0 <= j < n and PyUnicode_CheckExact(seq[j]):
                stored = table[<size_t>hashes[j % _RING] & mask].key
                if stored != NULL:
                    __builtin_prefetch(stored)
                    __builtin_prefetch((<char*>stored) + 64)
            j = i - 2 * _AHEAD
            if 0 <= j < n:
                res[j] = self._lookup(seq[j])
        return 0
