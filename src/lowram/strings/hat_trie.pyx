"""MutableStringSet and MutableStringMap: a mutable set of ``str``, and a mutable mapping
from ``str`` to int64, in a HAT-trie (Askitis & Sinha, 2007).

The map is the same trie with 8 value bytes (the int64, in native byte order) after each
key's bytes in its bucket; a key that ends at a trie node keeps its value in the node, in a
field that shares the node's scratch link. A set carries no value bytes and pays nothing for
the map: its buckets and nodes are laid out as before.

lowram writes its own HAT-trie because the Python binding of the C library (``hat-trie``)
no longer builds on Python 3.10+, and the tries that do build are frozen (marisa-trie, DAWG)
or heavy (datrie). The core is hand-written C (``csrc/hat_trie_impl.h``, compiled into
this module): a burst trie whose leaves are array hash tables holding keys as bytes, back
to back in one allocation per bucket, each bucket's pointer paired with a 64-bit Bloom filter
of its keys so that most lookups of absent keys end without reading the bucket. No Python
object is kept per key.

Tuning (chosen by ``benchmarks/bench_hat_trie.py --tune``, a grid of burst 1024..65536 and
load 4..32 on 663,473 shuffled English words; figures in
``benchmarks/results/bench_hat_trie_tune.json``):

* ``BURST = 4096`` keys: a container holding more splits its range of first bytes in two or,
  when it serves one byte, bursts into a trie node. 65,536 iterated slowest in every grid run
  (larger containers to sort); 1,024 spent 322 trie nodes (2 KiB each) for no gain; 4,096 and
  16,384 were alike in time (differences within the noise of a shared machine), and 4,096
  uses less memory on both English and Ukrainian words and bounds the container scan of a
  prefix query to 4,096 keys.
* ``LOAD = 12`` keys per bucket: a container doubles its buckets when the mean goes above it
  (and halves them below a quarter of it). At burst 4,096, memory falls with the load (20.6
  B/word at 4, 14.9 at 8, 13.2 at 12, 12.0 at 16, 10.7 at 32) while lookups are bound by two
  cache misses (bucket slot, bucket) more than by the scan; at 32 the longer scans and the
  Bloom filters' false positives showed in the miss times, so 12 takes most of the memory
  gain and stays clear of the 15 B/word target.

Keys are stored in lowram's key code (``csrc/pykey.h``): a prefix-free byte code of code
points whose bytewise order is code point order (the order of UTF-8), where ASCII is as in
UTF-8, the 96 letters of the basic Cyrillic block U+0400..U+045F take one byte instead of
two, and no character takes more bytes than in UTF-8. On 1,556,100 Ukrainian words it halves
the key bytes (21.4 UTF-8 bytes a word on average, 11 coded); English words are unchanged.
Files and pickles hold UTF-8. A str holding a lone surrogate (``'\\ud800'``) cannot be
stored: ``add`` raises ``UnicodeEncodeError`` (a ``ValueError``), while queries answer as for
any absent key (``'\\ud800' in s`` is ``False``).
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcmp, memcpy

import itertools
import collections.abc as _abc

import numpy

from lowram._fileformat import atomic_write, pack, read_file, unpack

__all__ = ["MutableStringMap", "MutableStringSet", "BURST", "LOAD"]


cdef extern from "csrc/hat_trie_impl.h" nogil:
    ctypedef struct hat_t:
        size_t size
        size_t bytes
        uint32_t burst
        uint32_t load
        uint8_t vwidth
        size_t nodes
        size_t containers
        size_t buckets
    ctypedef struct hat_cursor:
        pass
    hat_t *hat_new(uint32_t burst, uint32_t load, uint8_t vwidth)
    void hat_free(hat_t *t)
    int hat_clear(hat_t *t)
    hat_t *hat_copy(const hat_t *t)
    int hat_contains(const hat_t *t, const uint8_t *key, size_t len)
    int hat_insert(hat_t *t, const uint8_t *key, size_t len)
    int hat_remove(hat_t *t, const uint8_t *key, size_t len)
    int hat_upsert(hat_t *t, const uint8_t *key, size_t len, const uint8_t *val, uint8_t **where)
    uint8_t *hat_value(const hat_t *t, const uint8_t *key, size_t len)
    const uint8_t *hat_cursor_value(const hat_cursor *c)
    void hat_prefetch(const hat_t *t, const uint8_t *key, size_t len, int stage)
    int hat_any(const hat_t *t, uint8_t **buf, size_t *cap, size_t *len)
    int hat_has_prefix(const hat_t *t, const uint8_t *prefix, size_t len)
    long hat_prefix_lengths(const hat_t *t, const uint8_t *s, size_t len, size_t *out)
    hat_cursor *hat_cursor_new(const hat_t *t, const uint8_t *prefix, size_t len)
    int hat_cursor_next(hat_cursor *c, const uint8_t **key, size_t *len)
    void hat_cursor_free(hat_cursor *c)
    int hat_check(const hat_t *t, char *msg, size_t msglen)
    int hat_valid_utf8(const uint8_t *s, size_t len)


cdef extern from "Python.h":
    ctypedef struct PyObject

cdef extern from "csrc/pykey.h":
    ctypedef struct lowram_key:
        const uint8_t *p
        Py_ssize_t n
    int lowram_key_of(object o, lowram_key *k) except -1
    void lowram_key_done(lowram_key *k)
    void lowram_prefetch_obj(PyObject *o)
    object lowram_key_str(const uint8_t *p, size_t n)
    size_t kc_to_utf8(const uint8_t *s, size_t n, uint8_t *out) nogil
    size_t kc_from_utf8(const uint8_t *s, size_t n, uint8_t *out) nogil
    int kc_valid(const uint8_t *s, size_t n) nogil
    int kc_surrogate_free(const uint8_t *s, size_t n) nogil


cdef extern from "Python.h":
    ctypedef struct PyTypeObject:
        Py_ssize_t tp_basicsize
    PyTypeObject *Py_TYPE(object o)
    PyObject *PySequence_Fast_GET_ITEM(object o, Py_ssize_t i)
    Py_ssize_t PySequence_Fast_GET_SIZE(object o)
    void Py_INCREF(PyObject *o)
    void Py_DECREF(PyObject *o)

# Batches from a list or tuple run as a pipeline: the str object of the key _AHEAD_OBJ places
# ahead is prefetched, the key _AHEAD_SLOT ahead is coded and its bucket slot prefetched, the
# key _AHEAD_BUCKET ahead has its bucket prefetched, so the memory reads of several keys
# overlap instead of following one another.
cdef enum:
    _RING = 16
    _AHEAD_OBJ = 12
    _AHEAD_SLOT = 8
    _AHEAD_BUCKET = 4


#: A container holding more keys than this splits or bursts.
BURST = 4096
#: Mean keys per bucket at which a container doubles its buckets.
LOAD = 12

_KIND = "MutableStringSet"
_FORMAT = 1
_MISSING = object()


cdef int _query_key(object key, lowram_key *k) except -1:
    """Bytes to look ``key`` up by: 0 ready, 1 not a str (absent by definition).

    A lone surrogate is looked up by its code, which no stored key holds, so the answer is
    "absent" without an error, and prefix queries stay exact.
    """
    cdef int r = lowram_key_of(key, k)
    if r == 2:
        return 0
    return r


cdef int _store_key(object key, lowram_key *k, str owner=_KIND) except -1:
    """Bytes to store ``key`` as; TypeError for a non-str, UnicodeEncodeError for surrogates."""
    cdef int r = lowram_key_of(key, k)
    if r == 1:
        raise TypeError(f"{owner} keys must be str, not {type(key).__name__}")
    if r == 2:
        lowram_key_done(k)
        (<str>key).encode("utf-8")  # raises UnicodeEncodeError naming the position
        raise UnicodeError("unreachable")  # pragma: no cover
    if <size_t>k.n > 0xFFFFFFFF:
        lowram_key_done(k)
        raise ValueError(f"key of {k.n} coded bytes is longer than the 4 GiB limit")
    return 0


cdef inline str _decode(const uint8_t *p, size_t n):
    return lowram_key_str(p, n)


cdef class _Buffer:
    """A growable byte buffer (C heap) for serialising and rollback logs."""
    cdef uint8_t *p
    cdef size_t n, cap

    def __dealloc__(self):
        free(self.p)

    cdef int reserve(self, size_t more) except -1:
        cdef size_t cap
        cdef uint8_t *q
        if self.n + more <= self.cap:
            return 0
        cap = self.cap * 2 if self.cap else 4096
        while cap < self.n + more:
            cap *= 2
        q = <uint8_t *>realloc(self.p, cap)
        if q == NULL:
            raise MemoryError()
        self.p = q
        self.cap = cap
        return 0

    cdef int varint(self, uint64_t v) except -1:
        self.reserve(10)
        while v >= 0x80:
            self.p[self.n] = <uint8_t>(v & 0x7F) | 0x80
            self.n += 1
            v >>= 7
        self.p[self.n] = <uint8_t>v
        self.n += 1
        return 0

    cdef int log_key(self, const uint8_t *s, size_t n) noexcept:
        """Append a varint length and the bytes; -1 when out of memory (no exception)."""
        try:
            self.varint(n)
            self.write(s, n)
        except MemoryError:
            return -1
        return 0

    cdef int write(self, const uint8_t *s, size_t n) except -1:
        self.reserve(n)
        if n:
            memcpy(self.p + self.n, s, n)
        self.n += n
        return 0


cdef uint64_t _read_varint(const uint8_t *p, size_t n, size_t *pos,
                           kind=_KIND) except? 0xFFFFFFFFFFFFFFFF:
    cdef uint64_t v = 0
    cdef int shift = 0
    cdef uint8_t b
    while True:
        if pos[0] >= n:
            raise _format_error("truncated record", kind)
        b = p[pos[0]]
        if shift > 63 or (shift == 63 and b > 1):
            raise _format_error("malformed varint", kind)
        pos[0] += 1
        v |= <uint64_t>(b & 0x7F) << shift
        if b < 0x80:
            return v
        shift += 7


def _format_error(what, kind=_KIND):
    from lowram.errors import FormatError

    return FormatError(f"{kind} payload: {what}")


cdef inline int64_t _rd64(const uint8_t *p) noexcept nogil:
    cdef int64_t v
    memcpy(&v, p, 8)
    return v


cdef enum:
    _KEYS = 0
    _VALUES = 1
    _ITEMS = 2


cdef class _KeyIterator:
    """Sorted iterator over the keys, values or items of a HAT-trie (under a prefix)."""
    cdef _HatTrie owner
    cdef hat_cursor *cur
    cdef unsigned long version
    cdef int mode

    def __dealloc__(self):
        hat_cursor_free(self.cur)

    def __iter__(self):
        return self

    def __next__(self):
        cdef const uint8_t *p
        cdef size_t n
        cdef int r
        if self.cur == NULL:
            raise StopIteration
        if self.owner._version != self.version:
            hat_cursor_free(self.cur)
            self.cur = NULL
            raise RuntimeError(f"{type(self.owner).__name__} changed during iteration")
        r = hat_cursor_next(self.cur, &p, &n)
        if r == 1:
            if self.mode == _KEYS:
                return _decode(p, n)
            if self.mode == _VALUES:
                return _rd64(hat_cursor_value(self.cur))
            return (_decode(p, n), _rd64(hat_cursor_value(self.cur)))
        if r < 0:
            raise MemoryError()
        hat_cursor_free(self.cur)
        self.cur = NULL
        raise StopIteration


cdef _KeyIterator _iterate(_HatTrie s, const uint8_t *prefix, size_t n, int mode=_KEYS):
    cdef _KeyIterator it = _KeyIterator.__new__(_KeyIterator)
    it.owner = s
    it.mode = mode
    it.version = s._version
    it.cur = hat_cursor_new(s._t, prefix, n)
    if it.cur == NULL:
        raise MemoryError()
    return it


def _rebuild(data):
    """Unpickle a MutableStringSet from its serialised bytes."""
    return MutableStringSet.from_bytes(data)


cdef class _HatTrie:
    """What MutableStringSet and MutableStringMap share: the trie, its tuning, size, checks,
    prefix tests, copies and the file format.

    A subclass's ``__cinit__`` makes the trie (``_new_trie``) with its value width (0 for a
    set), so an instance made by ``__new__`` alone is already a valid empty container.
    """

    cdef hat_t *_t
    cdef unsigned long _version

    _lowram_sizeof_is_total = True
    _kind = None  # the file envelope's kind, set by each subclass

    def __dealloc__(self):
        hat_free(self._t)

    cdef int _new_trie(self, uint32_t burst, uint32_t load, uint8_t vwidth) except -1:
        """Replace the trie with an empty one of this tuning (the old one is freed)."""
        cdef hat_t *t = hat_new(burst, load, vwidth)
        if t == NULL:
            raise MemoryError()
        hat_free(self._t)
        self._t = t
        self._version += 1
        return 0

    cdef int _reset(self, burst, load) except -1:
        """Empty the container with the given tuning (checked first: ValueError)."""
        if not (1 <= burst <= (1 << 24)):
            raise ValueError(f"_burst must be in 1..{1 << 24}, not {burst}")
        if not (1 <= load <= 1024):
            raise ValueError(f"_load must be in 1..1024, not {load}")
        if self._t.size or self._t.burst != burst or self._t.load != load:
            self._new_trie(burst, load, self._t.vwidth)
        return 0

    cdef _HatTrie _empty_like(self):
        """An empty container of the same class and tuning."""
        cdef _HatTrie r = type(self).__new__(type(self))
        r._reset(self._t.burst, self._t.load)
        return r

    def _check(self):
        """Assert the trie's internal invariants (tests call it after every step).

        Cost: O(total key bytes).

        >>> MutableStringSet(["a", "b"])._check()
        """
        cdef char msg[256]
        cdef hat_cursor *cur
        cdef const uint8_t *p
        cdef size_t n
        cdef int r
        name = type(self).__name__
        if hat_check(self._t, msg, sizeof(msg)):
            raise AssertionError(f"{name} invariant broken: " + msg.decode("ascii"))
        cur = hat_cursor_new(self._t, NULL, 0)
        if cur == NULL:
            raise MemoryError()
        try:
            while True:
                r = hat_cursor_next(cur, &p, &n)
                if r < 0:
                    raise MemoryError()
                if r == 0:
                    break
                if not kc_valid(p, n) or not kc_surrogate_free(p, n):
                    raise AssertionError(f"{name} invariant broken: a key that is not a "
                                         "valid key code of a str without surrogates")
        finally:
            hat_cursor_free(cur)

    def _stats(self):
        """Counts of trie nodes, containers and buckets, heap bytes and value width: a dict.

        >>> sorted(MutableStringSet(["a"])._stats())
        ['buckets', 'burst', 'bytes', 'containers', 'keys', 'load', 'nodes', 'value_bytes']
        """
        t = self._t
        return {"keys": t.size, "nodes": t.nodes, "containers": t.containers,
                "buckets": t.buckets, "bytes": t.bytes, "burst": t.burst, "load": t.load,
                "value_bytes": t.vwidth}

    def __contains__(self, key):
        """True when ``key`` is a key; False for any non-str. Cost: O(len(key)).

        >>> "b" in MutableStringSet(["a", "b"]), 3 in MutableStringSet(["a"])
        (True, False)
        """
        cdef lowram_key k
        cdef int r = lowram_key_of(key, &k)
        if r == 0:
            r = hat_contains(self._t, k.p, <size_t>k.n)
            lowram_key_done(&k)
            return r == 1
        lowram_key_done(&k)
        return False

    cdef int _remove(self, key) except -1:
        """Remove key: 1, or 0 when absent (any non-str is absent)."""
        cdef lowram_key k
        cdef int r
        if _query_key(key, &k):
            return 0
        r = hat_remove(self._t, k.p, <size_t>k.n)
        lowram_key_done(&k)
        if r:
            self._version += 1
        return r

    def __len__(self):
        """Number of keys. Cost: O(1).

        >>> len(MutableStringSet(["a", "b", "a"]))
        2
        """
        return self._t.size

    def __sizeof__(self):
        """Bytes held: the object plus every native allocation with its allocator overhead.

        >>> import sys; sys.getsizeof(MutableStringSet(["a"] )) > 2048
        True
        """
        return Py_TYPE(self).tp_basicsize + self._t.bytes

    @property
    def nbytes(self):
        """Native heap bytes held (allocator overhead included). Cost: O(1).

        >>> MutableStringSet().nbytes > 0
        True
        """
        return self._t.bytes

    def copy(self):
        """A new, independent container with the same contents. Cost: O(memory held).

        >>> s = MutableStringSet(["a"]); t = s.copy(); t.add("b"); len(s), len(t)
        (1, 2)
        """
        cdef _HatTrie r = type(self).__new__(type(self))
        cdef hat_t *t = hat_copy(self._t)
        if t == NULL:
            raise MemoryError()
        hat_free(r._t)
        r._t = t
        return r

    def __copy__(self):
        """``copy.copy``: an independent copy (keys and ints are immutable: shallow = deep)."""
        return self.copy()

    def __deepcopy__(self, memo):
        """``copy.deepcopy``: the same as :meth:`copy`."""
        return self.copy()

    def has_prefix(self, prefix):
        """True when some key starts with ``prefix``. Cost: O(len(prefix)), or one container.

        >>> s = MutableStringSet(["apple"]); s.has_prefix("app"), s.has_prefix("b")
        (True, False)
        """
        cdef lowram_key k
        cdef int r
        if not isinstance(prefix, str):
            raise TypeError(f"prefix must be str, not {type(prefix).__name__}")
        _query_key(prefix, &k)
        r = hat_has_prefix(self._t, k.p, <size_t>k.n)
        lowram_key_done(&k)
        return r == 1

    cdef list _prefix_matches(self, s, bint items):
        """The keys (or (key, value) items) whose keys are prefixes of s, shortest first."""
        cdef lowram_key k
        cdef size_t *lens
        cdef long m, i
        if not isinstance(s, str):
            raise TypeError(f"prefixes() takes a str, not {type(s).__name__}")
        _query_key(s, &k)
        try:
            lens = <size_t *>malloc((<size_t>k.n + 1) * sizeof(size_t))
            if lens == NULL:
                raise MemoryError()
            try:
                m = hat_prefix_lengths(self._t, k.p, <size_t>k.n, lens)
                if m < 0:
                    raise MemoryError()
                if not items:
                    return [_decode(k.p, lens[i]) for i in range(m)]
                return [(_decode(k.p, lens[i]), _rd64(hat_value(self._t, k.p, lens[i])))
                        for i in range(m)]
            finally:
                free(lens)
        finally:
            lowram_key_done(&k)

    def longest_prefix(self, s, default=_MISSING):
        """The longest key (a map: its item) that is a prefix of ``s``; ``default`` or
        KeyError if none. Cost: as :meth:`prefixes`.

        >>> s = MutableStringSet(["a", "ab"]); s.longest_prefix("abc"), s.longest_prefix("x", None)
        ('ab', None)
        """
        found = self.prefixes(s)
        if found:
            return found[len(found) - 1]
        if default is _MISSING:
            raise KeyError(s)
        return default

    def clear(self):
        """Remove everything and free the memory it held. Cost: O(n).

        >>> s = MutableStringSet(["a", "b"]); s.clear(); len(s)
        0
        """
        hat_clear(self._t)
        self._version += 1

    # ------------------------------------------------------------------ persistence

    def to_bytes(self):
        """Serialise to bytes in lowram's checksummed envelope. Cost: O(n log n).

        Payload (format 1): burst and load (uint32 each), the key count (uint64), then the
        keys' UTF-8 bytes in sorted order, each as two LEB128 varints (bytes shared with the
        previous key, bytes that follow) and those bytes; in a map each key is followed by
        its value as a zigzag LEB128 varint (1 byte for -64..63, at most 10).

        >>> MutableStringSet.from_bytes(MutableStringSet(["a", "b"]).to_bytes())
        MutableStringSet(['a', 'b'])
        """
        cdef _Buffer out = _Buffer()
        cdef _Buffer utf = _Buffer()
        cdef hat_cursor *cur = hat_cursor_new(self._t, NULL, 0)
        cdef const uint8_t *p
        cdef const uint8_t *code
        cdef uint8_t *prev = NULL
        cdef size_t n, prevlen = 0, shared, cap = 0
        cdef uint32_t head[2]
        cdef uint64_t count = self._t.size
        cdef int64_t v
        cdef bint values = self._t.vwidth != 0
        cdef int r
        if cur == NULL:
            raise MemoryError()
        try:
            head[0] = self._t.burst
            head[1] = self._t.load
            out.write(<uint8_t *>head, 8)
            out.write(<uint8_t *>&count, 8)
            while True:
                r = hat_cursor_next(cur, &code, &n)
                if r == 0:
                    break
                if r < 0:
                    raise MemoryError()
                if values:
                    v = _rd64(hat_cursor_value(cur))
                utf.n = 0
                utf.reserve(2 * n)  # the key code to UTF-8: no character more than doubles
                n = kc_to_utf8(code, n, utf.p)
                p = utf.p
                shared = 0
                while shared < n and shared < prevlen and p[shared] == prev[shared]:
                    shared += 1
                out.varint(shared)
                out.varint(n - shared)
                out.write(p + shared, n - shared)
                if values:
                    out.varint((<uint64_t>v << 1) ^ <uint64_t>(v >> 63))  # zigzag
                if n > cap:
                    free(prev)
                    cap = n
                    prev = <uint8_t *>malloc(cap)
                    if prev == NULL:
                        raise MemoryError()
                memcpy(prev, p, n)
                prevlen = n
        finally:
            hat_cursor_free(cur)
            free(prev)
        return pack(type(self)._kind, _FORMAT, PyBytes_FromStringAndSize(<char *>out.p, out.n))

    @classmethod
    def from_bytes(cls, data):
        """Rebuild from :meth:`to_bytes` output; FormatError for damaged data.

        Every check (checksum, lengths, order, UTF-8) runs before a key is trusted.

        >>> MutableStringSet.from_bytes(b"junk")
        Traceback (most recent call last):
        ...
        lowram.errors.FormatError: data: not a lowram file (bad magic number)
        """
        env = unpack(data, kind=cls._kind, versions=(_FORMAT,))
        return _parse(env.payload, cls)

    def save(self, path):
        """Write to ``path`` atomically (temp file, fsync, replace). Cost: O(n log n).

        >>> import os, tempfile; p = os.path.join(tempfile.mkdtemp(), "s.lowram")
        >>> MutableStringSet(["x"]).save(p); MutableStringSet.load(p)
        MutableStringSet(['x'])
        """
        atomic_write(path, self.to_bytes())

    @classmethod
    def load(cls, path):
        """Read a file written by :meth:`save`; FormatError naming the file if it is damaged.

        >>> MutableStringSet.load(__file__)
        Traceback (most recent call last):
        ...
        lowram.errors.FormatError: ...: not a lowram file (bad magic number)
        """
        env = read_file(path, kind=cls._kind, versions=(_FORMAT,))
        return _parse(env.payload, cls)


cdef class MutableStringSet(_HatTrie):
    """A mutable set of ``str`` held in a HAT-trie: about 13.3 bytes per English word and
    13.6 per Ukrainian word (``benchmarks/results/bench_hat_trie.json``).

    A complete ``collections.abc.MutableSet`` that behaves like ``set`` for str keys, plus
    sorted iteration and prefix queries. Keys are bytes inside array hash containers
    (no Python object per key). ``x in s``, ``add`` and ``discard`` cost O(len(x)) expected;
    iteration is in sorted (code point) order. ``x in s`` for a word parsed from text takes
    0.62-0.86x ``set``'s time on a hit and 0.53-0.96x on a miss; for the set's own stored
    ``str`` objects, which ``set`` matches by identity on a cached hash, 3.7-5.8x on a hit.

    >>> s = MutableStringSet(["pear", "apple", "fig"])
    >>> s.add("plum"); s.discard("fig")
    >>> list(s), "pear" in s, len(s)
    (['apple', 'pear', 'plum'], True, 3)
    """

    _kind = _KIND

    def __cinit__(self, *args, **kwargs):
        # a trie from the start, so an instance made by __new__ alone is a valid empty set
        self._new_trie(BURST, LOAD, 0)

    def __init__(self, iterable=(), *, _burst=BURST, _load=LOAD):
        """Build from ``iterable`` of str. Cost: O(total key length), no Python object kept.

        ``_burst`` and ``_load`` set the tuning (see the module docstring); they are for
        benchmarks and tests, the defaults serve any data.
        """
        self._reset(_burst, _load)
        if not (isinstance(iterable, (tuple, list)) and not iterable):
            self._add_all(iterable)

    # ------------------------------------------------------------------ internals

    cdef int _swap(self, MutableStringSet other) except -1:
        """Take other's trie (other gets ours)."""
        self._t, other._t = other._t, self._t
        self._version += 1
        other._version += 1
        return 0

    cdef Py_ssize_t _add_all(self, iterable) except -1:
        """Add every key of iterable; on any error undo what this call added, then raise."""
        cdef lowram_key k
        cdef lowram_key ring[_RING]
        cdef PyObject *held[_RING]
        cdef Py_ssize_t i, j, n, c, coded = 0, done = 0
        cdef int r
        cdef Py_ssize_t added = 0
        cdef bint was_empty = self._t.size == 0
        cdef _Buffer log = None if was_empty else _Buffer()
        cdef size_t pos
        cdef uint64_t klen
        try:
            if type(iterable) is list or type(iterable) is tuple:
                # the pipeline (see _RING); `held` keeps each coded key's str alive, since an
                # ASCII key's bytes are the str's own
                seq = iterable
                try:
                    i = 0
                    while True:
                        n = PySequence_Fast_GET_SIZE(seq)  # re-read: the list may shrink
                        if i >= n:
                            break
                        j = i + _AHEAD_OBJ
                        if j < n:
                            lowram_prefetch_obj(PySequence_Fast_GET_ITEM(seq, j))
                        while coded < n and coded <= i + _AHEAD_SLOT:
                            c = coded % _RING
                            held[c] = PySequence_Fast_GET_ITEM(seq, coded)
                            Py_INCREF(held[c])
                            coded += 1  # from here the `finally` releases it
                            r = lowram_key_of(<object>held[c], &ring[c])
                            if r != 0 or <size_t>ring[c].n > 0xFFFFFFFF:
                                _store_key(<object>held[c], &k)  # raises the error for it
                                raise AssertionError("unreachable")  # pragma: no cover
                            hat_prefetch(self._t, ring[c].p, <size_t>ring[c].n, 0)
                        j = i + _AHEAD_BUCKET
                        if j < coded:
                            hat_prefetch(self._t, ring[j % _RING].p, <size_t>ring[j % _RING].n, 1)
                        r = hat_insert(self._t, ring[i % _RING].p, <size_t>ring[i % _RING].n)
                        if r == 1:
                            if log is not None and log.log_key(ring[i % _RING].p,
                                                               <size_t>ring[i % _RING].n) < 0:
                                hat_remove(self._t, ring[i % _RING].p, <size_t>ring[i % _RING].n)
                                r = -1
                            else:
                                added += 1
                                self._version += 1
                        lowram_key_done(&ring[i % _RING])
                        Py_DECREF(held[i % _RING])
                        done = i + 1
                        i += 1
                        if r < 0:
                            raise MemoryError()
                finally:
                    while done < coded:
                        lowram_key_done(&ring[done % _RING])
                        Py_DECREF(held[done % _RING])
                        done += 1
                return self._count_added(added)
            for key in iterable:
                _store_key(key, &k)  # on error it holds nothing
                r = hat_insert(self._t, k.p, <size_t>k.n)
                if r == 1:
                    if log is not None and log.log_key(k.p, <size_t>k.n) < 0:
                        hat_remove(self._t, k.p, <size_t>k.n)  # unlogged: undo it now
                        r = -1
                    else:
                        added += 1
                        # every insert may move buckets: a live iterator must see it at once
                        self._version += 1
                lowram_key_done(&k)
                if r < 0:
                    raise MemoryError()
        except BaseException:
            if added:
                if was_empty:
                    hat_clear(self._t)
                else:
                    pos = 0
                    while pos < log.n:
                        klen = _read_varint(log.p, log.n, &pos)
                        hat_remove(self._t, log.p + pos, klen)
                        pos += klen
                self._version += 1
            raise
        return self._count_added(added)

    cdef inline Py_ssize_t _count_added(self, Py_ssize_t added):
        if added:
            self._version += 1
        return added

    cdef inline int _has(self, key) except -1:
        cdef lowram_key k
        cdef int r = _query_key(key, &k)
        if r:
            return 0
        r = hat_contains(self._t, k.p, <size_t>k.n)
        lowram_key_done(&k)
        return r

    # ------------------------------------------------------------------ the Set protocol

    def __iter__(self):
        """Iterate the keys in sorted order. Cost: O(n) plus sorting each container once.

        Changing the set while iterating raises RuntimeError, as for ``set``.

        >>> list(MutableStringSet(["b", "a", "ab"]))
        ['a', 'ab', 'b']
        """
        return _iterate(self, NULL, 0)

    def __reversed__(self):
        """Iterate the keys in reverse sorted order. Cost: O(n) memory for the keys.

        >>> list(reversed(MutableStringSet(["b", "a"])))
        ['b', 'a']
        """
        return reversed(list(self.iterkeys()))

    def __repr__(self):
        """``MutableStringSet([...])`` with the keys in sorted order. Cost: O(n).

        >>> MutableStringSet(["b", "a"]), MutableStringSet()
        (MutableStringSet(['a', 'b']), MutableStringSet())
        """
        if not self._t.size:
            return "MutableStringSet()"
        return f"MutableStringSet({list(self.iterkeys())!r})"

    __hash__ = None

    # comparisons, with any collections.abc.Set
    def __eq__(self, other):
        """Equal to any Set holding the same keys. Cost: O(n).

        >>> MutableStringSet(["a"]) == {"a"}, MutableStringSet(["a"]) == ["a"]
        (True, False)
        """
        if not isinstance(other, _abc.Set):
            return NotImplemented
        return len(self) == len(other) and self._subset_of(other)

    def __ne__(self, other):
        """Not equal to a Set (see ``__eq__``). Cost: O(n).

        >>> MutableStringSet(["a"]) != {"b"}
        True
        """
        if not isinstance(other, _abc.Set):
            return NotImplemented
        return not (len(self) == len(other) and self._subset_of(other))

    def __le__(self, other):
        """Subset of another Set. Cost: O(n).

        >>> MutableStringSet(["a"]) <= {"a", "b"}
        True
        """
        if not isinstance(other, _abc.Set):
            return NotImplemented
        return len(self) <= len(other) and self._subset_of(other)

    def __lt__(self, other):
        """Proper subset of another Set. Cost: O(n).

        >>> MutableStringSet(["a"]) < {"a"}
        False
        """
        if not isinstance(other, _abc.Set):
            return NotImplemented
        return len(self) < len(other) and self._subset_of(other)

    def __ge__(self, other):
        """Superset of another Set. Cost: O(len(other)).

        >>> MutableStringSet(["a", "b"]) >= {"a"}
        True
        """
        if not isinstance(other, _abc.Set):
            return NotImplemented
        return len(self) >= len(other) and self._superset_of(other)

    def __gt__(self, other):
        """Proper superset of another Set. Cost: O(len(other)).

        >>> MutableStringSet(["a", "b"]) > {"a"}
        True
        """
        if not isinstance(other, _abc.Set):
            return NotImplemented
        return len(self) > len(other) and self._superset_of(other)

    cdef bint _subset_of(self, other) except -1:
        if isinstance(other, MutableStringSet):
            for key in self:
                if not (<MutableStringSet>other)._has(key):
                    return False
            return True
        for key in self:
            if key not in other:
                return False
        return True

    cdef bint _superset_of(self, other) except -1:
        for key in other:
            if not self._has(key):
                return False
        return True

    def issubset(self, other):
        """True when every key is in ``other`` (any iterable). Cost: O(n + len(other)).

        >>> MutableStringSet(["a"]).issubset(["a", "b"])
        True
        """
        if not isinstance(other, _abc.Set):
            other = set(other)
        return len(self) <= len(other) and self._subset_of(other)

    def issuperset(self, other):
        """True when every item of ``other`` (any iterable) is a key. Cost: O(len(other)).

        >>> MutableStringSet(["a", "b"]).issuperset(["a"])
        True
        """
        return self._superset_of(other)

    def isdisjoint(self, other):
        """True when no item of ``other`` (any iterable) is a key. Cost: O(len(other)).

        >>> MutableStringSet(["a"]).isdisjoint(["b"])
        True
        """
        for key in other:
            if self._has(key):
                return False
        return True

    # set algebra: results are MutableStringSets; operators take any Iterable, as the
    # collections.abc.Set mixins do
    @classmethod
    def _from_iterable(cls, iterable):
        return cls(iterable)

    def __or__(self, other):
        """Union with any iterable of str. Cost: O(n + len(other)).

        >>> MutableStringSet(["a"]) | {"b"}
        MutableStringSet(['a', 'b'])
        """
        if not isinstance(other, _abc.Iterable):
            return NotImplemented
        cdef MutableStringSet result = self.copy()
        result._add_all(other)
        return result

    def __ror__(self, other):
        """``other | self``: the union, as a MutableStringSet.

        >>> {"b"} | MutableStringSet(["a"])
        MutableStringSet(['a', 'b'])
        """
        return self.__or__(other)

    def __and__(self, other):
        """Intersection with any iterable. Cost: O(len(other)).

        >>> MutableStringSet(["a", "b"]) & {"b", "c"}
        MutableStringSet(['b'])
        """
        if not isinstance(other, _abc.Iterable):
            return NotImplemented
        cdef MutableStringSet result = <MutableStringSet>self._empty_like()
        if isinstance(other, _abc.Set) and len(other) > len(self):
            result._add_all([k for k in self if k in other])
        else:
            result._add_all([k for k in other if self._has(k)])
        return result

    def __rand__(self, other):
        """``other & self``: the intersection, as a MutableStringSet.

        >>> {"a", "c"} & MutableStringSet(["a"])
        MutableStringSet(['a'])
        """
        return self.__and__(other)

    def __sub__(self, other):
        """Keys not in ``other`` (any iterable). Cost: O(n + len(other)).

        >>> MutableStringSet(["a", "b"]) - {"b"}
        MutableStringSet(['a'])
        """
        if not isinstance(other, _abc.Iterable):
            return NotImplemented
        if not isinstance(other, _abc.Set):
            other = set(other)
        cdef MutableStringSet result = <MutableStringSet>self._empty_like()
        result._add_all([k for k in self if k not in other])
        return result

    def __rsub__(self, other):
        """``other - self``: the items of other (str only) that are not keys.

        >>> {"a", "c"} - MutableStringSet(["a"])
        MutableStringSet(['c'])
        """
        if not isinstance(other, _abc.Iterable):
            return NotImplemented
        cdef MutableStringSet result = <MutableStringSet>self._empty_like()
        result._add_all([k for k in other if not self._has(k)])
        return result

    def __xor__(self, other):
        """Keys in exactly one of the two. Cost: O(n + len(other)).

        >>> MutableStringSet(["a", "b"]) ^ {"b", "c"}
        MutableStringSet(['a', 'c'])
        """
        if not isinstance(other, _abc.Iterable):
            return NotImplemented
        result = self.copy()
        result.symmetric_difference_update(other)
        return result

    def __rxor__(self, other):
        """``other ^ self``: the symmetric difference, as a MutableStringSet.

        >>> {"a", "c"} ^ MutableStringSet(["a", "b"])
        MutableStringSet(['b', 'c'])
        """
        return self.__xor__(other)

    def union(self, *others):
        """A new set with the keys of this one and of every iterable in ``others``.

        >>> MutableStringSet(["a"]).union(["b"], ("c",))
        MutableStringSet(['a', 'b', 'c'])
        """
        cdef MutableStringSet result = self.copy()
        for other in others:
            result._add_all(other)
        return result

    def intersection(self, *others):
        """A new set with the keys found in every iterable of ``others``.

        >>> MutableStringSet(["a", "b"]).intersection(["b", "c"])
        MutableStringSet(['b'])
        """
        result = self.copy()
        for other in others:
            result.intersection_update(other)
        return result

    def difference(self, *others):
        """A new set with the keys found in none of ``others``.

        >>> MutableStringSet(["a", "b"]).difference(["b"])
        MutableStringSet(['a'])
        """
        result = self.copy()
        for other in others:
            result.difference_update(other)
        return result

    def symmetric_difference(self, other):
        """A new set with the keys in exactly one of this set and ``other``.

        >>> MutableStringSet(["a", "b"]).symmetric_difference(["b", "c"])
        MutableStringSet(['a', 'c'])
        """
        return self.__xor__(other)

    # ------------------------------------------------------------------ mutation

    def add(self, key):
        """Add ``key`` (a str). Cost: O(len(key)) expected; a burst is O(container).

        >>> s = MutableStringSet(); s.add("a"); s.add("a"); len(s)
        1
        """
        cdef lowram_key k
        cdef int r
        _store_key(key, &k)
        r = hat_insert(self._t, k.p, <size_t>k.n)
        lowram_key_done(&k)
        if r < 0:
            raise MemoryError()
        if r:
            self._version += 1

    def discard(self, key):
        """Remove ``key`` if present. Cost: O(len(key)) expected.

        >>> s = MutableStringSet(["a"]); s.discard("a"); s.discard("z"); len(s)
        0
        """
        self._remove(key)

    def remove(self, key):
        """Remove ``key``; KeyError if absent. Cost: O(len(key)) expected.

        >>> MutableStringSet(["a"]).remove("b")
        Traceback (most recent call last):
        ...
        KeyError: 'b'
        """
        if not self._remove(key):
            raise KeyError(key)

    def pop(self):
        """Remove and return an arbitrary key; KeyError if empty. Cost: O(len(key)).

        >>> MutableStringSet(["a"]).pop()
        'a'
        """
        cdef uint8_t *buf = NULL
        cdef size_t cap = 0, n = 0
        cdef int r = hat_any(self._t, &buf, &cap, &n)
        try:
            if r == 0:
                raise KeyError("pop from an empty MutableStringSet")
            if r < 0:
                raise MemoryError()
            key = _decode(buf, n)
            hat_remove(self._t, buf, n)
            self._version += 1
            return key
        finally:
            free(buf)

    def update(self, *iterables):
        """Add the keys of each iterable. On a bad key nothing this call added is kept.

        Cost: O(total key length).

        >>> s = MutableStringSet(["a"]); s.update(["b"], ["c"]); list(s)
        ['a', 'b', 'c']
        """
        self._add_all(itertools.chain.from_iterable(iterables))  # all iterables, or none

    def add_many(self, iterable):
        """Add the keys of ``iterable`` and return how many were new (all or none on error).

        Cost: O(total key length).

        >>> MutableStringSet(["a"]).add_many(["a", "b", "c"])
        2
        """
        return self._add_all(iterable)

    def contains_many(self, keys):
        """``numpy`` bool array: for each of ``keys``, whether it is in the set.

        Cost: O(total key length), in one C loop.

        >>> MutableStringSet(["a", "c"]).contains_many(["a", "b", "c"]).tolist()
        [True, False, True]
        """
        cdef lowram_key ring[_RING]
        cdef PyObject *held[_RING]
        cdef int codes[_RING]
        cdef Py_ssize_t i, j, c, n, coded = 0, done = 0
        seq = keys if type(keys) is list or type(keys) is tuple else list(keys)
        n = PySequence_Fast_GET_SIZE(seq)
        out = numpy.zeros(n, dtype=numpy.bool_)
        cdef uint8_t[::1] view = out.view(numpy.uint8)
        # the pipeline of _add_all; no Python code runs in the loop, so `seq` cannot change
        try:
            for i in range(n):
                j = i + _AHEAD_OBJ
                if j < n:
                    lowram_prefetch_obj(PySequence_Fast_GET_ITEM(seq, j))
                while coded < n and coded <= i + _AHEAD_SLOT:
                    c = coded % _RING
                    held[c] = PySequence_Fast_GET_ITEM(seq, coded)
                    Py_INCREF(held[c])
                    coded += 1
                    codes[c] = lowram_key_of(<object>held[c], &ring[c])
                    if codes[c] == 0:
                        hat_prefetch(self._t, ring[c].p, <size_t>ring[c].n, 0)
                j = i + _AHEAD_BUCKET
                if j < coded and codes[j % _RING] == 0:
                    hat_prefetch(self._t, ring[j % _RING].p, <size_t>ring[j % _RING].n, 1)
                c = i % _RING
                if codes[c] == 0:
                    view[i] = hat_contains(self._t, ring[c].p, <size_t>ring[c].n)
                lowram_key_done(&ring[c])
                Py_DECREF(held[c])
                done = i + 1
        finally:
            while done < coded:
                lowram_key_done(&ring[done % _RING])
                Py_DECREF(held[done % _RING])
                done += 1
        return out

    def difference_update(self, *others):
        """Remove every key found in any of ``others``. Cost: O(total length of others).

        >>> s = MutableStringSet(["a", "b"]); s.difference_update(["a"]); list(s)
        ['b']
        """
        for other in others:
            if other is self:
                self.clear()
                continue
            for key in (list(other) if isinstance(other, MutableStringSet) else other):
                self.discard(key)

    def intersection_update(self, *others):
        """Keep only the keys found in every one of ``others``. Cost: O(n + their length).

        >>> s = MutableStringSet(["a", "b"]); s.intersection_update(["b", "c"]); list(s)
        ['b']
        """
        cdef MutableStringSet kept
        for other in others:
            if other is self:
                continue
            kept = self.__and__(other)
            self._swap(kept)

    def symmetric_difference_update(self, other):
        """Keep the keys in exactly one of this set and ``other``. Cost: O(len(other)).

        All or nothing: a non-str item of ``other`` raises TypeError before any change.

        >>> s = MutableStringSet(["a", "b"]); s.symmetric_difference_update(["b", "c"]); list(s)
        ['a', 'c']
        """
        cdef lowram_key k
        if other is self:
            self.clear()
            return
        cdef MutableStringSet items = MutableStringSet(
            other, _burst=self._t.burst, _load=self._t.load)
        cdef MutableStringSet new = items - self
        for key in items:
            self.discard(key)
        self._add_all(new)

    def __ior__(self, other):
        """``self |= other``: add every key of an iterable (all or nothing). Cost: O(len(other)).

        >>> s = MutableStringSet(["a"]); s |= ["b"]; s
        MutableStringSet(['a', 'b'])
        """
        self._add_all(other)
        return self

    def __iand__(self, other):
        """``self &= other``: keep the keys found in an iterable. Cost: O(n + len(other)).

        >>> s = MutableStringSet(["a", "b"]); s &= ["b"]; s
        MutableStringSet(['b'])
        """
        self.intersection_update(other)
        return self

    def __isub__(self, other):
        """``self -= other``: remove the items of an iterable. Cost: O(len(other)).

        >>> s = MutableStringSet(["a", "b"]); s -= ["b"]; s
        MutableStringSet(['a'])
        """
        self.difference_update(other)
        return self

    def __ixor__(self, other):
        """``self ^= other``: keep the keys in exactly one of the two. Cost: O(len(other)).

        >>> s = MutableStringSet(["a", "b"]); s ^= ["b", "c"]; s
        MutableStringSet(['a', 'c'])
        """
        self.symmetric_difference_update(other)
        return self

    # ------------------------------------------------------------------ prefix queries

    def keys(self, prefix=""):
        """Iterate lazily, in sorted order, over the keys that start with ``prefix``.

        The same contract as :meth:`lowram.StringSet.keys`. Cost: O(len(prefix)) to reach
        the subtree, then each container is sorted as iteration reaches it.

        >>> list(MutableStringSet(["car", "cat", "dog"]).keys("ca"))
        ['car', 'cat']
        """
        return self.iterkeys(prefix)

    def iterkeys(self, prefix=""):
        """Iterate, in sorted order, the keys that start with ``prefix``.

        >>> list(MutableStringSet(["car", "cat", "dog"]).iterkeys("d"))
        ['dog']
        """
        cdef lowram_key k
        if not isinstance(prefix, str):
            raise TypeError(f"prefix must be str, not {type(prefix).__name__}")
        _query_key(prefix, &k)
        try:
            return _iterate(self, k.p, <size_t>k.n)
        finally:
            lowram_key_done(&k)

    def prefixes(self, s):
        """Keys that are prefixes of ``s``, shortest first. Cost: O(len(s)) hash probes.

        >>> MutableStringSet(["a", "ab", "abc", "b"]).prefixes("abd")
        ['a', 'ab']
        """
        return self._prefix_matches(s, False)

    # ------------------------------------------------------------------ persistence

    def __reduce__(self):
        """Pickle as the :meth:`to_bytes` envelope (checksummed; tuning kept).

        >>> import pickle; pickle.loads(pickle.dumps(MutableStringSet(["a"])))
        MutableStringSet(['a'])
        """
        return (_rebuild, (self.to_bytes(),))

    def freeze(self, backend="auto"):
        """A frozen ``lowram.strings.StringSet`` with the same keys. Cost: O(n log n).

        >>> MutableStringSet(["a"]).freeze()  # doctest: +SKIP
        StringSet(['a'])
        """
        from lowram.strings import StringSet

        return StringSet(self.keys(), backend=backend)


cdef _HatTrie _parse(bytes payload, cls):
    """A container of class cls from a payload of :meth:`_HatTrie.to_bytes`."""
    cdef const uint8_t *p = <const uint8_t *>PyBytes_AS_STRING(payload)
    cdef size_t n = len(payload), pos = 16, shared, rest, prevlen = 0, cap = 0
    cdef uint32_t burst, load
    cdef uint64_t count, i, u
    cdef int64_t v = 0
    cdef uint8_t *key = NULL
    cdef uint8_t *grown
    cdef uint8_t *code = NULL
    cdef size_t ncode
    cdef int r
    cdef bint values
    cdef _HatTrie s
    kind = cls._kind
    if n < 16:
        raise _format_error(f"{n} bytes, shorter than its 16-byte header", kind)
    memcpy(&burst, p, 4)
    memcpy(&load, p + 4, 4)
    memcpy(&count, p + 8, 8)
    if not (1 <= burst <= (1 << 24)) or not (1 <= load <= 1024):
        raise _format_error(f"bad tuning (burst {burst}, load {load})", kind)
    if count > n:
        raise _format_error(f"claims {count} keys in {n} bytes", kind)
    s = cls.__new__(cls)
    s._reset(burst, load)
    values = s._t.vwidth != 0
    try:
        for i in range(count):
            shared = _read_varint(p, n, &pos, kind)
            rest = _read_varint(p, n, &pos, kind)
            if shared > prevlen:
                raise _format_error(f"key {i} shares {shared} bytes with a {prevlen}-byte key",
                                    kind)
            if rest > n - pos:
                raise _format_error(f"key {i} runs past the end", kind)
            if shared + rest > 0xFFFFFFFF:
                raise _format_error(f"key {i} is too long", kind)
            if shared + rest > cap:
                cap = max(shared + rest, 2 * cap, 64)
                grown = <uint8_t *>realloc(key, cap)
                if grown == NULL:
                    raise MemoryError()
                key = grown
                grown = <uint8_t *>realloc(code, cap)
                if grown == NULL:
                    raise MemoryError()
                code = grown
            if i and (rest == 0 or (shared < prevlen and p[pos] <= key[shared])):
                raise _format_error(f"key {i} is not after the key before it", kind)
            if rest:
                memcpy(key + shared, p + pos, rest)
            pos += rest
            prevlen = shared + rest
            if not hat_valid_utf8(key, prevlen):
                raise _format_error(f"key {i} is not valid UTF-8", kind)
            if values:
                u = _read_varint(p, n, &pos, kind)
                v = <int64_t>(u >> 1) ^ -<int64_t>(u & 1)  # zigzag
            ncode = kc_from_utf8(key, prevlen, code)  # never longer than the UTF-8
            r = hat_upsert(s._t, code, ncode, <uint8_t *>&v, NULL)
            if r < 0:
                raise MemoryError()
        if pos != n:
            raise _format_error(f"{n - pos} bytes after the last key", kind)
    finally:
        free(key)
        free(code)
    return s


_abc.MutableSet.register(MutableStringSet)


# ---------------------------------------------------------------------- MutableStringMap

_MAP_KIND = "MutableStringMap"
_INT64_MAX = 0x7FFFFFFFFFFFFFFF
_INT64_MIN = -0x8000000000000000


cdef int64_t _value_of(object v) except? -1:
    """v as an int64: TypeError naming it for a non-int (bool too), OverflowError beyond int64."""
    if type(v) is not int and (not isinstance(v, int) or isinstance(v, bool)):
        raise TypeError(f"{_MAP_KIND} values must be int, not {type(v).__name__}: {v!r:.80}")
    if not (_INT64_MIN <= v <= _INT64_MAX):
        shown = f"{int(v)}" if abs(v) < 10 ** 40 else f"an int of {int(v).bit_length()} bits"
        raise OverflowError(f"{_MAP_KIND} values must fit in int64, not {shown}")
    return <int64_t>v


cdef class _Undo(_Buffer):
    """A log of map changes to undo a failed batch: per change the key, the value before and
    whether the key was there, then the key's length (so the log reads backwards)."""

    cdef int record(self, const uint8_t *key, size_t n, const uint8_t *old) except -1:
        """Log a change about to happen to key (old: its value now, NULL when absent)."""
        cdef int64_t v = 0
        cdef uint8_t had = old != NULL
        cdef uint64_t n64 = n
        if old != NULL:
            memcpy(&v, old, 8)
        self.reserve(n + 17)
        self.write(key, n)
        self.write(<uint8_t *>&v, 8)
        self.write(&had, 1)
        self.write(<uint8_t *>&n64, 8)
        return 0

    cdef void undo(self, hat_t *t) noexcept:
        """Put back, newest first, what every logged change replaced (needs no memory)."""
        cdef size_t end = self.n, kpos
        cdef uint64_t n64
        cdef uint8_t *w
        while end:
            memcpy(&n64, self.p + end - 8, 8)
            kpos = end - 17 - <size_t>n64
            if self.p[end - 9]:
                w = hat_value(t, self.p + kpos, <size_t>n64)
                if w != NULL:
                    memcpy(w, self.p + end - 17, 8)
            else:
                hat_remove(t, self.p + kpos, <size_t>n64)
            end = kpos
        self.n = 0


class _MapItemsView(_abc.ItemsView):
    """``m.items()``: a set-like view of (key, value) pairs, iterated in key order."""

    __slots__ = ()

    def __iter__(self):
        return self._mapping._iterate_as(_ITEMS)


class _MapValuesView(_abc.ValuesView):
    """``m.values()``: a view of the values, in key order."""

    __slots__ = ()

    def __iter__(self):
        return self._mapping._iterate_as(_VALUES)


def _rebuild_map(data):
    """Unpickle a MutableStringMap from its serialised bytes."""
    return MutableStringMap.from_bytes(data)


cdef class MutableStringMap(_HatTrie):
    """A mutable mapping from ``str`` to ``int`` (int64) held in a HAT-trie.

    A complete ``collections.abc.MutableMapping`` that behaves like a ``dict`` of str keys
    and int values, plus sorted iteration, prefix queries (as :class:`lowram.StringMap`) and
    a counting path, :meth:`increment`. Each value is 8 bytes stored beside its key in the
    trie's bucket (a key ending at a trie node keeps it in the node), so a map costs the
    set's bytes per key plus 8 and glibc's rounding: 21.4 bytes per English word and 21.7 per
    Ukrainian word, against 120 and 183 for a ``dict`` of the words to distinct ints, and 20
    bytes per distinct token counted against 98 for a ``Counter``
    (``benchmarks/results/bench_hat_map.json``). No Python object is kept per key or value.
    A lookup of a word parsed from text takes 0.90-1.01x a dict's time on a hit and
    0.40-0.55x on a miss (3-5x on a hit whose query is the dict's own key object, which a dict
    matches by identity); counting tokens runs at 0.94x ``Counter``'s speed. Lookup,
    assignment and deletion cost O(len(key)) expected; iteration is in sorted (code point)
    order. Values must be ``int`` in int64 range
    (``bool`` is refused, as :class:`lowram.StringMap` refuses it: TypeError), and a batch
    that fails (bad key, bad value, overflow) leaves the map as it was.

    >>> m = MutableStringMap({"pear": 3, "apple": 1})
    >>> m["fig"] = 7; m["pear"] += 1; del m["apple"]
    >>> m.increment(["fig", "kiwi", "kiwi"])
    1
    >>> dict(m), m.prefixes("figs"), list(m.items("p"))
    ({'fig': 8, 'kiwi': 2, 'pear': 4}, [('fig', 8)], [('pear', 4)])
    """

    _kind = _MAP_KIND

    def __cinit__(self, *args, **kwargs):
        # a trie from the start, so an instance made by __new__ alone is a valid empty map
        self._new_trie(BURST, LOAD, 8)

    def __init__(self, mapping_or_pairs=(), *, _burst=BURST, _load=LOAD, **kwargs):
        """Build from a mapping or (key, value) pairs, then keyword pairs, as ``dict`` does.

        Cost: O(total key length). ``_burst`` and ``_load`` set the tuning, as for
        :class:`MutableStringSet`.
        """
        self._reset(_burst, _load)
        self.update(mapping_or_pairs, **kwargs)

    # ------------------------------------------------------------------ internals

    cdef int _put(self, lowram_key *k, int64_t v, _Undo log) except -1:
        """Set key k to v (logging the change when log is not None)."""
        cdef uint8_t *where
        cdef int r
        if log is not None:
            log.record(k.p, <size_t>k.n, hat_value(self._t, k.p, <size_t>k.n))
        r = hat_upsert(self._t, k.p, <size_t>k.n, <uint8_t *>&v, &where)
        if r < 0:
            raise MemoryError()
        if r == 0:
            memcpy(where, &v, 8)
        else:
            self._version += 1  # a new key may move buckets: live iterators must stop
        return r

    cdef int _add(self, lowram_key *k, int64_t by, _Undo log) except -1:
        """Add by to key k's value (inserting it as by); 1 when the key was new."""
        cdef uint8_t *where
        cdef int64_t old
        cdef int r = hat_upsert(self._t, k.p, <size_t>k.n, <uint8_t *>&by, &where)
        if r < 0:
            raise MemoryError()
        if r == 1:
            self._version += 1
            if log is not None:
                try:
                    log.record(k.p, <size_t>k.n, NULL)
                except MemoryError:
                    hat_remove(self._t, k.p, <size_t>k.n)  # unlogged: undo it now
                    raise
            return 1
        old = _rd64(where)
        if (by > 0 and old > <int64_t>_INT64_MAX - by) or \
                (by < 0 and old < <int64_t>_INT64_MIN - by):
            raise OverflowError(f"{_MAP_KIND} value {old} + {by} does not fit in int64 "
                                f"(key {_decode(k.p, <size_t>k.n)!r:.80})")
        if log is not None:
            log.record(k.p, <size_t>k.n, where)  # the log's memory only: `where` stays valid
        old += by
        memcpy(where, &old, 8)
        return 0

    cdef int _rollback(self, bint was_empty, _Undo log) noexcept:
        if was_empty:
            hat_clear(self._t)
        else:
            log.undo(self._t)
        self._version += 1
        return 0

    cdef int _update_pairs(self, pairs) except -1:
        """Set each (key, value) of pairs; on any error undo them all, then raise."""
        cdef lowram_key k
        cdef int64_t v
        cdef bint was_empty = self._t.size == 0
        cdef _Undo log = None if was_empty else _Undo()
        cdef Py_ssize_t i = 0
        try:
            for pair in pairs:
                try:
                    key, value = pair
                except (TypeError, ValueError):
                    if not isinstance(pair, _abc.Iterable):
                        raise TypeError(f"cannot convert {_MAP_KIND} update sequence element "
                                        f"#{i} to a sequence") from None
                    raise ValueError(f"{_MAP_KIND} update sequence element #{i} has length "
                                     f"{len(list(pair))}; 2 is required") from None
                v = _value_of(value)
                _store_key(key, &k, _MAP_KIND)  # on error it holds nothing
                try:
                    self._put(&k, v, log)
                finally:
                    lowram_key_done(&k)
                i += 1
        except BaseException:
            self._rollback(was_empty, log)
            raise
        return 0

    def _iterate_as(self, int mode):
        """Sorted iterator of keys (0), values (1) or items (2)."""
        return _iterate(self, NULL, 0, mode)

    cdef _under(self, prefix, int mode):
        cdef lowram_key k
        if not isinstance(prefix, str):
            raise TypeError(f"prefix must be a str, not {type(prefix).__name__}")
        _query_key(prefix, &k)
        try:
            return _iterate(self, k.p, <size_t>k.n, mode)
        finally:
            lowram_key_done(&k)

    # ------------------------------------------------------------------ the Mapping protocol

    def __getitem__(self, key):
        """``m[key]``; KeyError if absent (any non-str key is absent). Cost: O(len(key)).

        >>> MutableStringMap({"a": 1})["a"]
        1
        """
        cdef lowram_key k
        cdef uint8_t *w
        if _query_key(key, &k):
            raise KeyError(key)
        w = hat_value(self._t, k.p, <size_t>k.n)
        lowram_key_done(&k)
        if w == NULL:
            raise KeyError(key)
        return _rd64(w)

    def __setitem__(self, key, value):
        """``m[key] = value`` (an int in int64 range). Cost: O(len(key)) expected.

        >>> m = MutableStringMap(); m["a"] = -5; m["a"] = 2**63 - 1; m
        MutableStringMap({'a': 9223372036854775807})
        """
        cdef lowram_key k
        cdef int64_t v = _value_of(value)  # before anything changes
        _store_key(key, &k, _MAP_KIND)
        try:
            self._put(&k, v, None)
        finally:
            lowram_key_done(&k)

    def __delitem__(self, key):
        """``del m[key]``; KeyError if absent. Cost: O(len(key)) expected.

        >>> m = MutableStringMap({"a": 1}); del m["a"]; len(m)
        0
        """
        if not self._remove(key):
            raise KeyError(key)

    def __iter__(self):
        """Iterate the keys in sorted order; RuntimeError if a key is added or removed meanwhile.

        Cost: O(n) plus sorting each container once.

        >>> list(MutableStringMap({"b": 1, "a": 2}))
        ['a', 'b']
        """
        return _iterate(self, NULL, 0, _KEYS)

    def __reversed__(self):
        """Iterate the keys in reverse sorted order. Cost: O(n) memory for the keys.

        >>> list(reversed(MutableStringMap({"b": 1, "a": 2})))
        ['b', 'a']
        """
        return reversed(list(self))

    def get(self, key, default=None):
        """``m[key]`` if present, else ``default``. Cost: O(len(key)).

        >>> MutableStringMap({"a": 1}).get("b", 0)
        0
        """
        cdef lowram_key k
        cdef uint8_t *w
        if _query_key(key, &k):
            return default
        w = hat_value(self._t, k.p, <size_t>k.n)
        lowram_key_done(&k)
        return default if w == NULL else _rd64(w)

    def keys(self, prefix=None):
        """A ``KeysView`` (no prefix), or a lazy sorted iterator of the keys under ``prefix``.

        As :meth:`lowram.StringMap.keys`. Cost: O(len(prefix)) to reach the subtree.

        >>> m = MutableStringMap({"ab": 1, "b": 2}); list(m.keys("a")), "b" in m.keys()
        (['ab'], True)
        """
        if prefix is None:
            return _abc.KeysView(self)
        return self._under(prefix, _KEYS)

    def items(self, prefix=None):
        """An ``ItemsView`` (no prefix), or a lazy sorted iterator of the items under ``prefix``.

        >>> m = MutableStringMap({"ab": 1, "b": 2}); list(m.items("a")), list(m.items())
        ([('ab', 1)], [('ab', 1), ('b', 2)])
        """
        if prefix is None:
            return _MapItemsView(self)
        return self._under(prefix, _ITEMS)

    def values(self):
        """A ``ValuesView``, in key order. Cost: O(1); iterating it O(n).

        >>> list(MutableStringMap({"b": 1, "a": 2}).values())
        [2, 1]
        """
        return _MapValuesView(self)

    def prefixes(self, s):
        """Items whose keys are prefixes of ``s``, shortest first. Cost: O(len(s)) probes.

        >>> MutableStringMap({"a": 1, "abc": 2}).prefixes("abcd")
        [('a', 1), ('abc', 2)]
        """
        return self._prefix_matches(s, True)

    # ------------------------------------------------------------------ mutation

    def pop(self, key, default=_MISSING):
        """Remove ``key`` and return its value; ``default`` or KeyError if absent.

        Cost: O(len(key)) expected.

        >>> m = MutableStringMap({"a": 1}); m.pop("a"), m.pop("a", None)
        (1, None)
        """
        cdef lowram_key k
        cdef uint8_t *w = NULL
        cdef int64_t v
        if not _query_key(key, &k):
            w = hat_value(self._t, k.p, <size_t>k.n)
            if w != NULL:
                v = _rd64(w)
                hat_remove(self._t, k.p, <size_t>k.n)
                self._version += 1
            lowram_key_done(&k)
        if w != NULL:
            return v
        if default is _MISSING:
            raise KeyError(key)
        return default

    def popitem(self):
        """Remove and return some (key, value) pair; KeyError if empty. Cost: O(len(key)).

        >>> MutableStringMap({"a": 1}).popitem()
        ('a', 1)
        """
        cdef uint8_t *buf = NULL
        cdef size_t cap = 0, n = 0
        cdef int r = hat_any(self._t, &buf, &cap, &n)
        cdef int64_t v
        try:
            if r == 0:
                raise KeyError(f"popitem(): {_MAP_KIND} is empty")
            if r < 0:
                raise MemoryError()
            key = _decode(buf, n)
            v = _rd64(hat_value(self._t, buf, n))
            hat_remove(self._t, buf, n)
            self._version += 1
            return (key, v)
        finally:
            free(buf)

    def setdefault(self, key, default=0):
        """``m[key]`` if present, else set it to ``default`` and return that.

        The default default is 0, not None (a map holds ints only). Cost: O(len(key)).

        >>> m = MutableStringMap({"a": 1}); m.setdefault("a", 5), m.setdefault("b"), m["b"]
        (1, 0, 0)
        """
        cdef lowram_key k
        cdef uint8_t *where
        cdef int64_t v = _value_of(default)
        cdef int r
        _store_key(key, &k, _MAP_KIND)
        try:
            r = hat_upsert(self._t, k.p, <size_t>k.n, <uint8_t *>&v, &where)
        finally:
            lowram_key_done(&k)
        if r < 0:
            raise MemoryError()
        if r == 1:
            self._version += 1
            return v
        return _rd64(where)

    def update(self, other=(), **kwargs):
        """Set the pairs of a mapping (or of (key, value) pairs), then of keywords.

        All or nothing: a bad key or value anywhere leaves the map as it was. Cost:
        O(total key length).

        >>> m = MutableStringMap({"a": 1}); m.update({"b": 2}, c=3); m.update([("a", 0)]); m
        MutableStringMap({'a': 0, 'b': 2, 'c': 3})
        """
        if isinstance(other, MutableStringMap):
            pairs = (<MutableStringMap>other)._iterate_as(_ITEMS)
            if other is self:
                pairs = list(pairs)
        elif type(other) is dict:
            pairs = (<dict>other).items()
        elif isinstance(other, _abc.Mapping):
            pairs = other.items()
        elif hasattr(other, "keys"):
            pairs = ((key, other[key]) for key in other.keys())
        else:
            pairs = other
        if kwargs:
            pairs = itertools.chain(pairs, kwargs.items())
        self._update_pairs(pairs)

    def increment(self, keys, by=1):
        """Add ``by`` to the value of each of ``keys`` (a key not present starts at 0), in
        one C loop with no Python call per key; return how many keys were new.

        The counting path: ``m.increment(tokens)`` counts tokens. All or nothing: a non-str
        key or an overflow beyond int64 undoes the whole call. Cost: O(total key length).

        >>> m = MutableStringMap({"a": 5}); m.increment(["a", "b", "b"]), m
        (1, MutableStringMap({'a': 6, 'b': 2}))
        """
        cdef lowram_key k
        cdef int64_t step = _value_of(by)
        cdef bint was_empty = self._t.size == 0
        cdef _Undo log = None if was_empty else _Undo()
        cdef Py_ssize_t added = 0
        if isinstance(keys, str):
            raise TypeError("increment() takes an iterable of str keys, not one str "
                            "(for one key: m[key] = m.get(key, 0) + by)")
        try:
            for key in keys:
                _store_key(key, &k, _MAP_KIND)
                try:
                    added += self._add(&k, step, log)
                finally:
                    lowram_key_done(&k)
        except BaseException:
            self._rollback(was_empty, log)
            raise
        return added

    @classmethod
    def counted(cls, tokens):
        """A new map of how many times each str of ``tokens`` occurs (a compact ``Counter``).

        Cost: O(total token length), one C loop (:meth:`increment`).

        >>> MutableStringMap.counted("to be or not to be".split())
        MutableStringMap({'be': 2, 'not': 1, 'or': 1, 'to': 2})
        """
        m = cls()
        m.increment(tokens)
        return m

    @classmethod
    def fromkeys(cls, keys, value=0):
        """A new map with each of ``keys`` set to ``value`` (0 by default, not None).

        >>> MutableStringMap.fromkeys(["b", "a"], 1)
        MutableStringMap({'a': 1, 'b': 1})
        """
        _value_of(value)  # a bad value fails before any key is read
        m = cls()
        (<MutableStringMap>m)._update_pairs((key, value) for key in keys)
        return m

    def __or__(self, other):
        """``m | other``: a new map with the items of both (other's win), as for ``dict``.

        Cost: O(n + len(other)).

        >>> MutableStringMap({"a": 1, "b": 2}) | {"b": 3}
        MutableStringMap({'a': 1, 'b': 3})
        """
        if not isinstance(other, _abc.Mapping):
            return NotImplemented
        result = self.copy()
        result.update(other)
        return result

    def __ror__(self, other):
        """``other | m``: a new map with the items of both (m's win).

        >>> {"a": 1, "b": 2} | MutableStringMap({"b": 3})
        MutableStringMap({'a': 1, 'b': 3})
        """
        if not isinstance(other, _abc.Mapping):
            return NotImplemented
        result = (<_HatTrie>self)._empty_like()
        result.update(other)
        result.update(self)
        return result

    def __ior__(self, other):
        """``m |= other``: :meth:`update` with a mapping or pairs (all or nothing).

        >>> m = MutableStringMap({"a": 1}); m |= [("b", 2)]; m
        MutableStringMap({'a': 1, 'b': 2})
        """
        self.update(other)
        return self

    # ------------------------------------------------------------------ comparisons, repr

    __hash__ = None

    def __eq__(self, other):
        """Equal to any Mapping with the same items. Cost: O(n) lookups in ``other``.

        >>> MutableStringMap({"a": 1}) == {"a": 1}, MutableStringMap({"a": 1}) == {"a": 2}
        (True, False)
        """
        if not isinstance(other, _abc.Mapping):
            return NotImplemented
        if len(other) != len(self):
            return False
        for key, value in self._iterate_as(_ITEMS):
            try:
                if other[key] != value:
                    return False
            except KeyError:
                return False
        return True

    def __ne__(self, other):
        """Not equal (see ``__eq__``). Cost: O(n).

        >>> MutableStringMap({"a": 1}) != {"a": 1}
        False
        """
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __repr__(self):
        """``MutableStringMap({...})`` with the items in key order. Cost: O(n).

        >>> MutableStringMap({"b": 2, "a": 1}), MutableStringMap()
        (MutableStringMap({'a': 1, 'b': 2}), MutableStringMap())
        """
        if not self._t.size:
            return "MutableStringMap()"
        return f"MutableStringMap({dict(self._iterate_as(_ITEMS))!r})"

    # ------------------------------------------------------------------ persistence

    def __reduce__(self):
        """Pickle as the :meth:`to_bytes` envelope (checksummed; tuning kept).

        >>> import pickle; pickle.loads(pickle.dumps(MutableStringMap({"a": -1})))
        MutableStringMap({'a': -1})
        """
        return (_rebuild_map, (self.to_bytes(),))

    def freeze(self, backend="auto"):
        """A frozen ``lowram.strings.StringMap`` with the same items. Cost: O(n log n).

        >>> MutableStringMap({"a": 1}).freeze(backend="sorted")["a"]
        1
        """
        from lowram.strings import StringMap

        return StringMap(self._iterate_as(_ITEMS), backend=backend)


_abc.MutableMapping.register(MutableStringMap)
