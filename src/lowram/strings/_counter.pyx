# cython: language_level=3
"""StringCounter: ``collections.Counter`` of ``str`` in a compact, insertion-ordered hash
table, with no Python object per key.

Layout (CPython's compact dict, without its per-entry hash and object pointers):

* the **arena**: every key's bytes back to back, in insertion order, in lowram's key code
  (``hat/pykey.h``: ASCII as in UTF-8, basic Cyrillic one byte per letter, nothing longer
  than UTF-8), so a key is never a Python ``str`` until it is read out;
* the **entries**: per key its start in the arena (32 bits until the arena passes 2 GiB,
  then 64; the top bit marks a removed key) and its count (int32 until a count needs 64
  bits: the counts widen as IntList's items do);
* the **index**: a power-of-two table, at most 7/8 full, of one tag byte per slot (0 empty,
  1 removed, 2..255 eight bits of the key's hash) and an entry number, 16 bits while every
  entry number fits, then 32 (CPython's dict narrows its index the same way). A probe scans
  the tag bytes, which sit together in memory, and reads an entry only when its tag matches,
  so a lookup of an absent key seldom touches the arena.

Keys are hashed with lowram's XXH3 under a seed drawn per process (iteration order is
insertion order, so the seed is never visible). Removing a key marks its entry; removed
entries are dropped, and the arena compacted, when the index is next rebuilt.

Threads: every change is one call into this module made with the GIL held, so another thread
sees the counter before or after it. A batch (``update``, ``subtract``, the constructor) that
runs Python code between its steps (a generator's ``next``, a count's ``__index__``) undoes
its own changes when it fails only if no other call changed the counter meanwhile, as a
failed ``IntList.extend`` does; otherwise it keeps them, as ``Counter.update`` keeps its
partial counts. Iterators raise RuntimeError when a key was added or removed since they
started, as ``dict``'s do. The GIL is the only lock here: without one, each call would need
a per-object lock.
"""

cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport qsort
from libc.string cimport memcmp, memcpy, memmove, memset

from lowram._native._hash cimport lr_xxh3

import collections
import collections.abc as _abc
import itertools
import operator
import os
import types

from lowram._arrow import is_columnar, object_strings, text_blocks
from lowram._fileformat import atomic_write, pack, read_file, unpack

cdef extern from "hat/pykey.h":
    ctypedef struct lowram_key:
        const uint8_t *p
        Py_ssize_t n
    int lowram_key_of(object o, lowram_key *k) except -1
    void lowram_key_done(lowram_key *k)
    object lowram_key_str(const uint8_t *p, size_t n)
    size_t kc_from_utf8(const uint8_t *s, size_t n, uint8_t *out) nogil
    int kc_valid(const uint8_t *s, size_t n) nogil

cdef extern from "Python.h":
    ctypedef struct PyObject
    PyObject *PySequence_Fast_GET_ITEM(object o, Py_ssize_t i)
    Py_ssize_t PySequence_Fast_GET_SIZE(object o)

cdef extern from *:
    """
    #define LR_C_EMPTY 0
    #define LR_C_GONE 1
    #define LR_C_DEAD32 0x80000000u
    #define LR_C_DEAD64 0x8000000000000000ull
    #define LR_C_NARROW_ARENA 0x7FFFFFFFull
    #define LR_C_MAX_ENTRIES 0xFFFFFFF0ull
    #define LR_C_I32_MIN (-2147483647 - 1)
    #define LR_C_I32_MAX 2147483647
    #define LR_C_I64_MIN (-9223372036854775807LL - 1)
    #define LR_C_I64_MAX 9223372036854775807LL
    typedef struct { int64_t count; uint32_t entry; } lr_c_ranked;
    /* most common first; equal counts in insertion order */
    static int lr_c_rank_cmp(const void *a, const void *b) {
        const lr_c_ranked *x = (const lr_c_ranked *)a, *y = (const lr_c_ranked *)b;
        if (x->count != y->count) return x->count > y->count ? -1 : 1;
        return x->entry < y->entry ? -1 : x->entry > y->entry;
    }
    """
    uint8_t LR_C_EMPTY
    uint8_t LR_C_GONE
    uint32_t LR_C_DEAD32
    uint64_t LR_C_DEAD64
    uint64_t LR_C_NARROW_ARENA
    uint64_t LR_C_MAX_ENTRIES
    int64_t LR_C_I32_MIN
    int64_t LR_C_I32_MAX
    int64_t LR_C_I64_MIN
    int64_t LR_C_I64_MAX
    ctypedef struct lr_c_ranked:
        int64_t count
        uint32_t entry
    int lr_c_rank_cmp(const void *a, const void *b) noexcept nogil

_KIND = "StringCounter"
_FORMAT = 1
_ROWS = 65536        # rows of a column counted per step
_ITEMS = 1024        # items of a generator counted per step (few str alive at once)
cdef uint64_t _SEED = int.from_bytes(os.urandom(8), "little")


include "_counter_core.pxi"


# ---------------------------------------------------------------------------- iteration

@cython.final
cdef class _CounterIterator:
    cdef StringCounter c
    cdef size_t pos           # next entry (forward), or entries left (reverse)
    cdef unsigned long version
    cdef int mode             # 0 keys, 1 counts, 2 items
    cdef bint reverse

    def __iter__(self):
        return self

    def __next__(self):
        cdef StringCounter c = self.c
        cdef size_t e
        if c is None:
            raise StopIteration
        if c._version != self.version:
            self.c = None
            raise RuntimeError("StringCounter changed size during iteration")
        while True:
            if self.reverse:
                if self.pos == 0 or self.pos > c._n:
                    self.c = None
                    raise StopIteration
                self.pos -= 1
                e = self.pos
            else:
                if self.pos >= c._n:
                    self.c = None
                    raise StopIteration
                e = self.pos
                self.pos += 1
            if not _dead(c, e):
                break
        if self.mode == 0:
            return _key_str(c, e)
        if self.mode == 1:
            return _cnt(c, e)
        return (_key_str(c, e), _cnt(c, e))

    def __length_hint__(self):
        return 0 if self.c is None else self.c._live


cdef _CounterIterator _iterate(StringCounter c, int mode, bint reverse=False):
    cdef _CounterIterator it = _CounterIterator.__new__(_CounterIterator)
    it.c = c
    it.version = c._version
    it.mode = mode
    it.reverse = reverse
    it.pos = c._n if reverse else 0
    return it


def _view(base, int mode, str name):
    """A view class over a StringCounter: Counter's views, iterating in C (``mode``: the
    iterator's 0 keys, 1 counts, 2 items)."""

    def __iter__(self):
        return _iterate(self._mapping, mode)

    def __reversed__(self):
        return _iterate(self._mapping, mode, True)

    def __repr__(self):
        return f"{type(self._mapping).__name__}_{name}({list(self)!r})"

    return type(f"_{name.capitalize()}", (base,), {
        "__slots__": (), "__iter__": __iter__, "__reversed__": __reversed__,
        "__repr__": __repr__, "__module__": __name__})


_Keys = _view(_abc.KeysView, 0, "keys")
_Values = _view(_abc.ValuesView, 1, "values")


class _Items(_view(_abc.ItemsView, 2, "items")):
    __slots__ = ()

    def __contains__(self, item):
        try:
            key, value = item
        except (TypeError, ValueError):
            return False
        return key in self._mapping and self._mapping[key] == value


def _is_counter(obj):
    return isinstance(obj, (StringCounter, collections.Counter))


# ---------------------------------------------------------------------------- the class

cdef class StringCounter:
    """A ``collections.Counter`` of ``str`` keys in a compact, insertion-ordered hash table:
    every method and operator of Counter, with its semantics, and no Python object per key.

    A missing key reads 0 and is not inserted; ``c[k] += n`` works; ``update`` and
    ``subtract`` add from iterables of str, mappings and keywords; iteration is in insertion
    order; ``most_common(n)`` selects without sorting everything. Counts are int64 (an
    ``OverflowError`` past it leaves the counter unchanged); keys are ``str`` (TypeError
    otherwise). Built from, or updated with, a pyarrow or pandas string column, it counts
    from the column's buffers in C.

    Cost: per distinct key, its UTF-8 bytes plus its offset and its count (4 bytes each
    until the arena passes 4 GiB or a count passes int32, then 8), its index entry and the
    tables' growth room (:attr:`nbytes` gives the total; the README, the figures); a lookup
    or an increment hashes the key once and usually reads one entry. ``most_common(n)`` is
    O(len * log n).

    >>> c = StringCounter("to be or not to be".split())
    >>> c["to"], c["missing"], "missing" in c
    (2, 0, False)
    >>> c["be"] += 1; c.most_common(2)
    [('be', 3), ('to', 2)]
    >>> c.update({"or": 4}); c.subtract(["to"]); c
    StringCounter({'or': 5, 'be': 3, 'to': 1, 'not': 1})
    >>> c + StringCounter(["to"])
    StringCounter({'or': 5, 'be': 3, 'to': 2, 'not': 1})
    """

    cdef uint8_t *_arena
    cdef size_t _alen, _acap
    cdef void *_offs
    cdef void *_cnts
    cdef bint _owide, _cwide
    cdef size_t _n, _ecap, _live
    cdef uint8_t *_tags
    cdef void *_slots      # uint16_t entries, or uint32_t once _swide
    cdef bint _swide
    cdef size_t _mask, _filled
    cdef unsigned long _version, _changes
    cdef int _batch
    cdef object __weakref__

    __hash__ = None
    __class_getitem__ = classmethod(types.GenericAlias)

    def __cinit__(self, *args, **kwargs):
        self._offs = PyMem_Malloc(4)
        self._tags = <uint8_t *>PyMem_Malloc(8)
        self._slots = PyMem_Malloc(8 * 2)
        if self._offs == NULL or self._tags == NULL or self._slots == NULL:
            raise MemoryError()
        (<uint32_t *>self._offs)[0] = 0
        memset(self._tags, LR_C_EMPTY, 8)
        self._mask = 7

    def __dealloc__(self):
        PyMem_Free(self._arena)
        PyMem_Free(self._offs)
        PyMem_Free(self._cnts)
        PyMem_Free(self._tags)
        PyMem_Free(self._slots)

    def __init__(self, iterable=None, /, **kwds):
        self.update(iterable, **kwds)

    # ------------------------------------------------------------------ reading

    def __getitem__(self, key):
        """``c[key]``: the count of key, 0 when it is absent (not inserted). Cost: O(len(key))."""
        cdef lowram_key k
        cdef size_t where
        cdef Py_ssize_t e
        if _lookup(key, &k):
            return 0
        e = _find(self, k.p, <size_t>k.n, lr_xxh3(k.p, <size_t>k.n, _SEED), &where)
        lowram_key_done(&k)
        return 0 if e < 0 else _cnt(self, e)

    def __missing__(self, key):
        """The count of a key not present: 0, as Counter's."""
        return 0

    def __contains__(self, key):
        cdef lowram_key k
        cdef size_t where
        cdef Py_ssize_t e
        if _lookup(key, &k):
            return False
        e = _find(self, k.p, <size_t>k.n, lr_xxh3(k.p, <size_t>k.n, _SEED), &where)
        lowram_key_done(&k)
        return e >= 0

    def get(self, key, default=None):
        """The count of key, or ``default`` (None) when absent, as ``dict.get``."""
        cdef lowram_key k
        cdef size_t where
        cdef Py_ssize_t e
        if _lookup(key, &k):
            return default
        e = _find(self, k.p, <size_t>k.n, lr_xxh3(k.p, <size_t>k.n, _SEED), &where)
        lowram_key_done(&k)
        return default if e < 0 else _cnt(self, e)

    def get_many(self, keys, default=None):
        """``[c.get(k, default) for k in keys]`` in one C loop (no Python call per key).

        ``keys`` may be a list, tuple, generator or numpy array, or a pyarrow or pandas
        string column, read from its buffers (a null raises ValueError, as ``update``
        refuses one). Cost: O(total key length).

        >>> StringCounter("abracadabra").get_many(["a", "z", "r"], 0)
        [5, 0, 2]
        """
        cdef lowram_key k
        cdef size_t where
        cdef Py_ssize_t e, i
        cdef const uint8_t *base
        cdef const int64_t[::1] offs
        cdef const uint8_t[::1] dview
        cdef uint8_t *scratch = NULL
        cdef size_t cap = 0, n, m
        if isinstance(keys, str):
            raise TypeError("get_many() takes an iterable of str keys, not one str")
        out = []
        rows = object_strings(keys, _KIND)
        if rows is not None:
            keys = rows
        elif is_columnar(keys):
            try:
                for data, block, row0 in text_blocks(keys, _KIND, _ROWS):
                    offs = block
                    dview = data
                    base = &dview[0]
                    for i in range(offs.shape[0] - 1):
                        n = <size_t>(offs[i + 1] - offs[i])
                        if n + 1 > cap:
                            PyMem_Free(scratch)
                            cap = n + 256
                            scratch = <uint8_t *>PyMem_Malloc(cap)
                            if scratch == NULL:
                                raise MemoryError()
                        m = kc_from_utf8(base + offs[i], n, scratch)
                        e = _find(self, scratch, m, lr_xxh3(scratch, m, _SEED), &where)
                        out.append(default if e < 0 else _cnt(self, e))
            finally:
                PyMem_Free(scratch)
            return out
        seq = keys if type(keys) is list or type(keys) is tuple else list(keys)
        for i in range(len(seq)):
            if _lookup(seq[i], &k):
                out.append(default)
                continue
            e = _find(self, k.p, <size_t>k.n, lr_xxh3(k.p, <size_t>k.n, _SEED), &where)
            lowram_key_done(&k)
            out.append(default if e < 0 else _cnt(self, e))
        return out

    def __len__(self):
        return self._live

    def __iter__(self):
        return _iterate(self, 0)

    def __reversed__(self):
        return _iterate(self, 0, True)

    def keys(self):
        return _Keys(self)

    def values(self):
        return _Values(self)

    def items(self):
        return _Items(self)

    def total(self):
        """Sum of the counts. Cost: O(len), one C loop.

        >>> StringCounter(a=2, b=-1).total()
        1
        """
        cdef size_t e
        cdef int64_t acc = 0, v
        big = 0
        for e in range(self._n):
            if _dead(self, e):
                continue
            v = _cnt(self, e)
            if (v > 0 and acc > LR_C_I64_MAX - v) or (v < 0 and acc < LR_C_I64_MIN - v):
                big += acc
                acc = 0
            acc += v
        return big + acc

    def most_common(self, n=None):
        """The ``n`` most common (key, count) pairs, most common first, equal counts in
        insertion order (all of them when ``n`` is None), as Counter's.

        Cost: O(len * log n) with a bounded heap in C (O(len log len) for all).

        >>> StringCounter("abracadabra").most_common(3)
        [('a', 5), ('b', 2), ('r', 2)]
        """
        cdef size_t want, e, have = 0, i, j, child
        cdef lr_c_ranked *heap
        cdef lr_c_ranked x, tmp
        if n is None:
            want = self._live
        else:
            n = operator.index(n)
            if n <= 0:
                return []
            want = n if n < self._live else self._live
        if want == 0:
            return []
        heap = <lr_c_ranked *>PyMem_Malloc(want * sizeof(lr_c_ranked))
        if heap == NULL:
            raise MemoryError()
        try:
            if want == self._live:
                for e in range(self._n):
                    if not _dead(self, e):
                        heap[have].count = _cnt(self, e)
                        heap[have].entry = <uint32_t>e
                        have += 1
            else:
                # a min-heap of the best ``want`` so far, its root the worst of them: the
                # smallest count, and of equal counts the latest; an entry comes later than
                # every one in the heap, so it enters only with a larger count than the root
                for e in range(self._n):
                    if _dead(self, e):
                        continue
                    x.count = _cnt(self, e)
                    x.entry = <uint32_t>e
                    if have < want:
                        i = have
                        have += 1
                        while i > 0:
                            j = (i - 1) >> 1
                            if lr_c_rank_cmp(&heap[j], &x) >= 0:
                                break
                            heap[i] = heap[j]
                            i = j
                        heap[i] = x
                    elif x.count > heap[0].count:
                        i = 0
                        while True:
                            child = 2 * i + 1
                            if child >= have:
                                break
                            if child + 1 < have and \
                                    lr_c_rank_cmp(&heap[child + 1], &heap[child]) > 0:
                                child += 1
                            if lr_c_rank_cmp(&heap[child], &x) <= 0:
                                break
                            heap[i] = heap[child]
                            i = child
                        heap[i] = x
            qsort(heap, have, sizeof(lr_c_ranked), lr_c_rank_cmp)
            version = self._version
            out = []
            for i in range(have):
                # a tuple may start the garbage collector, whose finalizers may change
                # the counter: the entry numbers hold only while no key came or went
                if self._version != version:
                    raise RuntimeError("StringCounter changed size during most_common()")
                out.append((_key_str(self, heap[i].entry), heap[i].count))
            return out
        finally:
            PyMem_Free(heap)

    def elements(self):
        """An iterator over the keys, each repeated as many times as its count (keys with a
        count below one are left out), in insertion order, as Counter's.

        >>> sorted(StringCounter(a=2, b=1, c=0).elements())
        ['a', 'a', 'b']
        """
        return itertools.chain.from_iterable(itertools.starmap(itertools.repeat, self.items()))

    # ------------------------------------------------------------------ changing

    def __setitem__(self, key, value):
        """``c[key] = count``: count is an int in int64 (TypeError, OverflowError)."""
        cdef lowram_key k
        cdef int64_t v = _count_of(value)
        cdef size_t where
        cdef Py_ssize_t e
        cdef uint64_t h
        _key(key, &k)
        try:
            h = lr_xxh3(k.p, <size_t>k.n, _SEED)
            e = _find(self, k.p, <size_t>k.n, h, &where)
            if e >= 0:
                _set_cnt(self, e, v)
                self._changes += 1
            else:
                _append(self, k.p, <size_t>k.n, h, v)
        finally:
            lowram_key_done(&k)

    def __delitem__(self, key):
        """``del c[key]``; a missing key is ignored, as Counter ignores it."""
        self._pop(key, False)

    cdef object _pop(self, key, bint required):
        cdef lowram_key k
        cdef size_t where
        cdef Py_ssize_t e
        cdef int64_t v
        if _lookup(key, &k):
            if required:
                raise KeyError(key)
            return None
        e = _find(self, k.p, <size_t>k.n, lr_xxh3(k.p, <size_t>k.n, _SEED), &where)
        lowram_key_done(&k)
        if e < 0:
            if required:
                raise KeyError(key)
            return None
        v = _cnt(self, e)
        _remove(self, e, where)
        return v

    def pop(self, key, *default):
        """Remove key and return its count; ``default`` if given and key is absent, else
        KeyError, as ``dict.pop``."""
        if len(default) > 1:
            raise TypeError(f"pop expected at most 2 arguments, got {1 + len(default)}")
        if default and key not in self:
            return default[0]
        return self._pop(key, True)

    def popitem(self):
        """Remove and return the last inserted (key, count) pair (LIFO, as ``dict``)."""
        cdef size_t e, where
        if self._live == 0:
            raise KeyError("popitem(): StringCounter is empty")
        e = self._n - 1   # a removed tail is dropped at once: the last entry is live
        key = _key_str(self, e)
        v = _cnt(self, e)
        where = _slot_of(self, e)
        _remove(self, e, where)
        return key, v

    def setdefault(self, key, default=None):
        """The count of key; when absent, insert it with ``default`` (which must be an int:
        a counter holds no None) and return that."""
        if key in self:
            return self[key]
        self[key] = default
        return default

    def clear(self):
        """Remove every key and free the memory."""
        self._reset()

    cdef int _reset(self) except -1:
        cdef void *q
        PyMem_Free(self._arena)
        PyMem_Free(self._cnts)
        self._arena = NULL
        self._cnts = NULL
        self._alen = self._acap = 0
        self._n = self._ecap = self._live = 0
        self._cwide = False
        self._owide = False
        q = PyMem_Realloc(self._offs, 4)
        if q != NULL:
            self._offs = q
        (<uint32_t *>self._offs)[0] = 0
        if self._mask > 7:
            q = PyMem_Realloc(self._tags, 8)
            if q != NULL:
                self._tags = <uint8_t *>q
            q = PyMem_Realloc(self._slots, 8 * (4 if self._swide else 2))
            if q != NULL:
                self._slots = q
            self._mask = 7
        memset(self._tags, LR_C_EMPTY, self._mask + 1)
        self._filled = 0
        self._version += 1
        self._changes += 1
        return 0

    def update(self, iterable=None, /, **kwds):
        """Add counts: from an iterable of str (each occurrence counts one), a mapping of
        str to int (its counts are added), then from keywords, as ``Counter.update``.

        All or nothing: a non-str key, a non-int count or an overflow leaves the counter as
        it was. A list, a tuple or a numpy array is counted in one C loop; a pyarrow or
        pandas string column from its buffers (a null raises ValueError). Cost: O(total
        key length).

        >>> c = StringCounter(["a"]); c.update(["a", "b"], c=2); c
        StringCounter({'a': 2, 'c': 2, 'b': 1})
        """
        self._change(iterable, kwds, 1)

    def subtract(self, iterable=None, /, **kwds):
        """Subtract counts, as ``Counter.subtract``: counts may go to zero or below.

        >>> c = StringCounter(a=4, b=2); c.subtract(a=1, b=2, d=3); c
        StringCounter({'a': 3, 'b': 0, 'd': -3})
        """
        self._change(iterable, kwds, -1)

    cdef int _change(self, iterable, dict kwds, int sign) except -1:
        cdef _Log log = _Log()
        pairs = None
        if isinstance(iterable, _abc.Mapping):
            pairs = _pairs_of(iterable)
        if kwds:
            pairs = (pairs or []) + _pairs_of(kwds)   # every count checked before any change
        log.start(self)
        try:
            if iterable is not None and not isinstance(iterable, _abc.Mapping):
                _count_all(self, iterable, sign, log)
            if pairs:
                _add_pairs(self, pairs, sign, log)
        except BaseException:
            log.undo()
            raise
        finally:
            log.finish()
        return 0

    @classmethod
    def fromkeys(cls, iterable, v=None):
        raise NotImplementedError(
            "StringCounter.fromkeys() is undefined.  Use StringCounter(iterable) instead.")

    # ------------------------------------------------------------------ copies and files

    def copy(self):
        """A shallow copy (the same keys and counts, in the same order). Cost: O(bytes)."""
        cdef StringCounter r = type(self).__new__(type(self))
        r._take_copy(self)
        return r

    cdef int _take_copy(self, StringCounter src) except -1:
        """Become a compacted copy of src (its live entries, in order, one rebuild)."""
        cdef size_t e, a, b, at = 0, w = 0
        self._reserve(src._live, src._alen)
        if src._cwide:
            _widen_counts(self)
        for e in range(src._n):
            if _dead(src, e):
                continue
            a = _off(src, e)
            b = _off(src, e + 1)
            memcpy(self._arena + at, src._arena + a, b - a)
            _set_off(self, w, at)
            _set_cnt(self, w, _cnt(src, e))
            at += b - a
            w += 1
        _set_off(self, w, at)
        self._n = self._live = w
        self._alen = at
        self._size_index()
        return 0

    cdef int _reserve(self, size_t entries, size_t nbytes) except -1:
        """Room for ``entries`` entries and ``nbytes`` key bytes (an empty counter)."""
        cdef void *q
        if nbytes > LR_C_NARROW_ARENA:
            q = PyMem_Realloc(self._offs, (entries + 1) * 8)
            self._owide = True
        else:
            q = PyMem_Realloc(self._offs, (entries + 1) * 4)
        if q == NULL:
            raise MemoryError()
        self._offs = q
        _set_off(self, 0, 0)
        q = PyMem_Realloc(self._cnts, (entries if entries else 1) * (8 if self._cwide else 4))
        if q == NULL:
            raise MemoryError()
        self._cnts = q
        self._ecap = entries
        q = PyMem_Realloc(self._arena, nbytes if nbytes else 1)
        if q == NULL:
            raise MemoryError()
        self._arena = <uint8_t *>q
        self._acap = nbytes
        return 0

    cdef int _size_index(self) except -1:
        _reindex(self, _index_size(self._live, False))
        self._version += 1
        self._changes += 1
        return 0

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def __reduce__(self):
        return (_rebuild_counter, (self.to_bytes(),))

    def to_bytes(self):
        """Serialise to bytes in lowram's checksummed envelope. Cost: O(bytes).

        Payload (format 1): the key count (uint64), the count width (uint8: 4 or 8) and 7
        zero bytes; then each key's length in bytes (uint32 each), each count (int32 or
        int64 each), then the keys' bytes back to back in lowram's key code, all in
        insertion order, little-endian.

        >>> StringCounter.from_bytes(StringCounter(["x", "x"]).to_bytes())
        StringCounter({'x': 2})
        """
        cdef size_t e, w = 0, n = self._live, a, b, at
        cdef int width = 4
        cdef uint8_t *p
        cdef uint64_t head = n
        cdef uint32_t ln
        cdef int32_t c32
        cdef int64_t c64
        cdef size_t keybytes = 0
        for e in range(self._n):
            if not _dead(self, e):
                keybytes += _off(self, e + 1) - _off(self, e)
                if _cnt(self, e) < LR_C_I32_MIN or _cnt(self, e) > LR_C_I32_MAX:
                    width = 8
        out = PyBytes_FromStringAndSize(NULL, 16 + n * (4 + width) + keybytes)
        p = <uint8_t *>PyBytes_AS_STRING(out)
        memcpy(p, &head, 8)
        p[8] = width
        memset(p + 9, 0, 7)
        at = 16 + n * (4 + width)
        for e in range(self._n):
            if _dead(self, e):
                continue
            a = _off(self, e)
            b = _off(self, e + 1)
            ln = <uint32_t>(b - a)
            memcpy(p + 16 + 4 * w, &ln, 4)
            if width == 4:
                c32 = <int32_t>_cnt(self, e)
                memcpy(p + 16 + 4 * n + 4 * w, &c32, 4)
            else:
                c64 = _cnt(self, e)
                memcpy(p + 16 + 4 * n + 8 * w, &c64, 8)
            memcpy(p + at, self._arena + a, b - a)
            at += b - a
            w += 1
        return pack(_KIND, _FORMAT, out)

    @classmethod
    def from_bytes(cls, data):
        """Rebuild from :meth:`to_bytes` output; ``lowram.FormatError`` for damaged data.

        Every check (checksum, sizes, key code, no key twice) runs before a key is trusted.

        >>> StringCounter.from_bytes(b"junk")
        Traceback (most recent call last):
        ...
        lowram.errors.FormatError: data: not a lowram file (bad magic number)
        """
        env = unpack(data, kind=_KIND, versions=(_FORMAT,))
        return _parse(cls, env.payload)

    def save(self, path):
        """Write to ``path`` atomically (temp file, fsync, replace). Cost: O(bytes).

        >>> import os, tempfile; p = os.path.join(tempfile.mkdtemp(), "c.lowram")
        >>> StringCounter(["x"]).save(p); StringCounter.load(p)
        StringCounter({'x': 1})
        """
        atomic_write(path, self.to_bytes())

    @classmethod
    def load(cls, path, *, mmap=False):
        """Read a file written by :meth:`save`; FormatError naming the file if damaged.

        ``mmap`` is accepted for the same call as every lowram ``load``; a counter is
        always read into memory (its index is rebuilt, so a mapped file would gain
        nothing).
        """
        env = read_file(path, kind=_KIND, versions=(_FORMAT,))
        return _parse(cls, env.payload)

    # ------------------------------------------------------------------ memory

    def __sizeof__(self):
        """Bytes of the object and its native memory (arena, entries, index)."""
        return object.__sizeof__(self) + self._native()

    cdef size_t _native(self):
        return (self._acap + (self._ecap + 1) * (8 if self._owide else 4)
                + self._ecap * (8 if self._cwide else 4)
                + (self._mask + 1) * (5 if self._swide else 3))

    @property
    def nbytes(self):
        """Bytes held: the object and its native memory (as ``sys.getsizeof`` less the
        garbage collector's header)."""
        return self.__sizeof__()

    def _check(self):
        """Raise AssertionError if an invariant is broken (for tests and the thread stress)."""
        cdef size_t e, where, live = 0, filled = 0, j
        cdef uint64_t h
        for e in range(self._n):
            if _off(self, e) > _off(self, e + 1):
                raise AssertionError(f"entry {e}: offsets out of order")
            if _dead(self, e):
                continue
            live += 1
            h = _hash_entry(self, e)
            if _find(self, self._arena + _off(self, e), _off(self, e + 1) - _off(self, e),
                     h, &where) != <Py_ssize_t>e:
                raise AssertionError(f"entry {e} is not found by its key")
        if _off(self, self._n) != self._alen or self._alen > self._acap:
            raise AssertionError("arena length")
        if live != self._live or self._n > self._ecap + (self._ecap == 0):
            raise AssertionError(f"{live} live entries, {self._live} counted")
        for j in range(self._mask + 1):
            if self._tags[j] != LR_C_EMPTY:
                filled += 1
                if self._tags[j] != LR_C_GONE and (_sget(self, j) >= self._n
                                                    or _dead(self, _sget(self, j))):
                    raise AssertionError(f"slot {j} names a removed entry")
        if filled != self._filled or self._filled * 8 > (self._mask + 1) * 7:
            raise AssertionError("index fill")

    # ------------------------------------------------------------------ Counter's algebra

    def __repr__(self):
        if not self._live:
            return f"{type(self).__name__}()"
        return f"{type(self).__name__}({dict(self.most_common())!r})"

    def __eq__(self, other):
        """With a Counter or StringCounter, equal as multisets (a missing key counts 0, as
        Counter compares); with another mapping, equal as dicts."""
        if _is_counter(other):
            return all(self[e] == other[e] for c in (self, other) for e in c)
        if isinstance(other, _abc.Mapping):
            return len(self) == len(other) and all(
                k in other and other[k] == v for k, v in self.items())
        return NotImplemented

    def __ne__(self, other):
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    def __le__(self, other):
        if not _is_counter(other):
            return NotImplemented
        return all(self[e] <= other[e] for c in (self, other) for e in c)

    def __lt__(self, other):
        if not _is_counter(other):
            return NotImplemented
        return self <= other and self != other

    def __ge__(self, other):
        if not _is_counter(other):
            return NotImplemented
        return all(self[e] >= other[e] for c in (self, other) for e in c)

    def __gt__(self, other):
        if not _is_counter(other):
            return NotImplemented
        return self >= other and self != other

    def __add__(self, other):
        """Add counts; keep positive ones, as ``Counter + Counter``."""
        if not _is_counter(other):
            return NotImplemented
        result = type(self)()
        for elem, count in self.items():
            newcount = count + other[elem]
            if newcount > 0:
                result[elem] = newcount
        for elem, count in other.items():
            if elem not in self and count > 0:
                result[elem] = count
        return result

    def __sub__(self, other):
        """Subtract counts; keep positive ones, as ``Counter - Counter``."""
        if not _is_counter(other):
            return NotImplemented
        result = type(self)()
        for elem, count in self.items():
            newcount = count - other[elem]
            if newcount > 0:
                result[elem] = newcount
        for elem, count in other.items():
            if elem not in self and count < 0:
                result[elem] = 0 - count
        return result

    def __or__(self, other):
        """Maximum of counts; keep positive ones, as ``Counter | Counter``."""
        if not _is_counter(other):
            return NotImplemented
        result = type(self)()
        for elem, count in self.items():
            other_count = other[elem]
            newcount = other_count if count < other_count else count
            if newcount > 0:
                result[elem] = newcount
        for elem, count in other.items():
            if elem not in self and count > 0:
                result[elem] = count
        return result

    def __and__(self, other):
        """Minimum of counts; keep positive ones, as ``Counter & Counter``."""
        if not _is_counter(other):
            return NotImplemented
        result = type(self)()
        for elem, count in self.items():
            other_count = other[elem]
            newcount = count if count < other_count else other_count
            if newcount > 0:
                result[elem] = newcount
        return result

    def __pos__(self):
        """The positive counts, as ``+Counter``."""
        result = type(self)()
        for elem, count in self.items():
            if count > 0:
                result[elem] = count
        return result

    def __neg__(self):
        """The negated negative counts, as ``-Counter``."""
        result = type(self)()
        for elem, count in self.items():
            if count < 0:
                result[elem] = 0 - count
        return result

    cdef object _become(self, StringCounter other):
        """Take the positive counts of other (a result computed aside, so a failed in-place
        operator leaves self unchanged), as Counter's in-place operators keep them."""
        cdef StringCounter kept = StringCounter()
        for elem, count in other.items():
            if count > 0:
                kept[elem] = count
        self._swap(kept)
        return self

    cdef void _swap(self, StringCounter o) noexcept:
        """Exchange native state with o (no allocation: cannot fail)."""
        self._arena, o._arena = o._arena, self._arena
        self._alen, o._alen = o._alen, self._alen
        self._acap, o._acap = o._acap, self._acap
        self._offs, o._offs = o._offs, self._offs
        self._cnts, o._cnts = o._cnts, self._cnts
        self._owide, o._owide = o._owide, self._owide
        self._cwide, o._cwide = o._cwide, self._cwide
        self._n, o._n = o._n, self._n
        self._ecap, o._ecap = o._ecap, self._ecap
        self._live, o._live = o._live, self._live
        self._tags, o._tags = o._tags, self._tags
        self._slots, o._slots = o._slots, self._slots
        self._swide, o._swide = o._swide, self._swide
        self._mask, o._mask = o._mask, self._mask
        self._filled, o._filled = o._filled, self._filled
        self._version += 1
        self._changes += 1
        o._version += 1
        o._changes += 1

    def __iadd__(self, other):
        if not _is_counter(other):
            return NotImplemented
        work = self.copy()
        for elem, count in other.items():
            work[elem] = work[elem] + count
        return self._become(work)

    def __isub__(self, other):
        if not _is_counter(other):
            return NotImplemented
        work = self.copy()
        for elem, count in other.items():
            work[elem] = work[elem] - count
        return self._become(work)

    def __ior__(self, other):
        if not _is_counter(other):
            return NotImplemented
        work = self.copy()
        for elem, other_count in other.items():
            if other_count > work[elem]:
                work[elem] = other_count
        return self._become(work)

    def __iand__(self, other):
        if not _is_counter(other):
            return NotImplemented
        work = self.copy()
        for elem, count in self.items():
            other_count = other[elem]
            if other_count < count:
                work[elem] = other_count
        return self._become(work)


_abc.MutableMapping.register(StringCounter)


cdef _parse(cls, payload):
    """A counter from a format-1 payload, every size and key checked before use."""
    cdef const uint8_t[::1] view = memoryview(payload).cast("B")
    cdef size_t size = view.shape[0], n, width, keys, at, i, ln
    cdef uint64_t head
    cdef const uint8_t *p
    cdef uint32_t l32
    cdef int32_t c32
    cdef int64_t c64
    cdef int added
    cdef StringCounter c
    cdef size_t slots
    if size < 16:
        raise _format_error("shorter than its header")
    p = &view[0]
    memcpy(&head, p, 8)
    width = p[8]
    if width != 4 and width != 8:
        raise _format_error(f"count width {width} (4 or 8 expected)")
    for i in range(9, 16):
        if p[i]:
            raise _format_error("reserved header bytes are not zero")
    if head > (size - 16) // (4 + width):
        raise _format_error(f"{head} keys do not fit in {size} bytes")
    n = head
    keys = 0
    for i in range(n):
        memcpy(&l32, p + 16 + 4 * i, 4)
        keys += l32
    if 16 + n * (4 + width) + keys != size:
        raise _format_error(f"key bytes {keys} do not match the payload's size {size}")
    c = cls.__new__(cls)
    c._reserve(n, keys)
    if width == 8:
        _widen_counts(c)
    _reindex(c, _index_size(n, False))
    at = 16 + n * (4 + width)
    for i in range(n):
        memcpy(&l32, p + 16 + 4 * i, 4)
        ln = l32
        if not kc_valid(p + at, ln):
            raise _format_error(f"key {i} is not a valid key code")
        if width == 4:
            memcpy(&c32, p + 16 + 4 * n + 4 * i, 4)
            c64 = c32
        else:
            memcpy(&c64, p + 16 + 4 * n + 8 * i, 8)
        try:
            added = _add(c, p + at, ln, c64, None)
        except OverflowError:   # only a key seen before is summed: its counts overflowed
            added = 0
        if added == 0:
            raise _format_error(f"key {i} appears twice")
        at += ln
    return c


def _format_error(what):
    from lowram.errors import FormatError

    return FormatError(f"{_KIND} payload: {what}")
