# cython: language_level=3
"""Sorted keys in one UTF-8 buffer plus an offsets array, searched in C.

This is lowram's own backend (no library gives it): the keys, sorted by code point, are
concatenated into one bytes buffer and ``offsets[i]:offsets[i + 1]`` delimits key ``i``. A
lookup is a binary search with ``memcmp``; no Python object exists per key. Keys are encoded
with ``surrogatepass``, whose byte order equals code-point order, so every ``str`` is held.
Memory: the UTF-8 bytes of the keys plus 4 bytes per key (8 past 4 GiB of text).
"""

import struct
from array import array

import numpy as np

from lowram._arrow import is_columnar, text_blocks
from lowram._native._hash cimport lr_xxh3

from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.mem cimport PyMem_Calloc, PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.unicode cimport PyUnicode_Check
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport qsort
from libc.string cimport memcmp, memcpy, memmove

from lowram.strings._frontcode cimport fc_pair

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object)
    const char* PyUnicode_AsUTF8AndSize(object, Py_ssize_t*) except NULL
    str PyUnicode_DecodeUTF8(const char*, Py_ssize_t, const char*)

cdef extern from "csrc/sorted_batch.h":
    int lowram_sorted_contains_many(const unsigned char* buf, const void* off, int wide,
                                    size_t n, list seq, unsigned char* out) except -1

_HEADER = struct.Struct("<QQB7x")  # number of keys, buffer bytes, offset width (4 or 8)


cdef inline int _cmp(const unsigned char* a, Py_ssize_t alen,
                     const unsigned char* b, Py_ssize_t blen) noexcept nogil:
    cdef Py_ssize_t m = alen if alen < blen else blen
    cdef int c = memcmp(a, b, m)
    if c != 0:
        return c
    return (alen > blen) - (alen < blen)


# the buffer and offsets qsort's comparator reads (set just before each sort; the GIL is held)
cdef const unsigned char* _sort_buf = NULL
cdef const uint64_t* _sort_off = NULL


cdef int _cmp_index(const void* a, const void* b) noexcept nogil:
    cdef uint64_t i = (<const uint64_t*>a)[0], j = (<const uint64_t*>b)[0]
    cdef uint64_t si = _sort_off[i], sj = _sort_off[j]
    cdef int c = _cmp(_sort_buf + si, <Py_ssize_t>(_sort_off[i + 1] - si),
                      _sort_buf + sj, <Py_ssize_t>(_sort_off[j + 1] - sj))
    if c != 0:
        return c
    return (i > j) - (i < j)


def _sort_unique(buf, offs):
    """:class:`SortedKeys` of the distinct keys among the spans ``offs`` (n + 1 uint64
    offsets) of ``buf``, and for each kept key the index of the span it came from (the first
    of equal spans). One ``qsort`` over span indices; no Python object per key."""
    global _sort_buf, _sort_off
    cdef Py_ssize_t n = len(offs) - 1, k, m = 0, total = 0
    cdef const uint64_t[::1] off = offs
    cdef const unsigned char[::1] src = buf if len(buf) else bytearray(1)
    order = np.arange(n, dtype=np.uint64)
    cdef uint64_t[::1] idx = order
    if n > 1:
        _sort_buf = &src[0]
        _sort_off = &off[0]
        qsort(&idx[0], n, sizeof(uint64_t), _cmp_index)
        _sort_buf = NULL
        _sort_off = NULL
    out = bytearray(len(buf) or 1)
    cdef unsigned char[::1] dst = out
    offsets = np.zeros(n + 1, dtype=np.uint64)
    kept = np.zeros(n, dtype=np.uint64)
    cdef uint64_t[::1] new_off = offsets
    cdef uint64_t[::1] keep = kept
    cdef uint64_t i, prev = 0, s, e, ps, pe
    for k in range(n):
        i = idx[k]
        s = off[i]
        e = off[i + 1]
        if m > 0:
            ps = off[prev]
            pe = off[prev + 1]
            if pe - ps == e - s and memcmp(&src[0] + ps, &src[0] + s, e - s) == 0:
                continue
        memcpy(&dst[0] + total, &src[0] + s, e - s)
        total += e - s
        keep[m] = i
        m += 1
        new_off[m] = total
        prev = i
    del order
    buffer = bytes(out[:total])
    del out
    offsets = offsets[:m + 1]
    offsets = offsets.astype(np.uint32) if total < 2 ** 32 else offsets.copy()
    return SortedKeys(buffer, offsets), kept[:m].copy()


def collect_column(column, what="StringSet"):
    """Distinct non-empty keys of an Arrow or pandas string column as :class:`SortedKeys`,
    whether "" occurs, and, for each key (in sorted order) and for "", the last row that
    holds it (-1 when "" does not occur): what a map needs for last-wins values.

    The column is read from its buffers (checked UTF-8, no null: see ``lowram._arrow``);
    distinct keys are found with a hash table as it streams, so memory is the distinct keys'
    bytes plus 32 bytes per distinct key, and only those are sorted. Cost: O(total bytes)
    plus O(d log d) for d distinct keys.

    >>> import pyarrow as pa
    >>> keys, has_empty, rows, empty_row = collect_column(pa.array(["b", "", "a", "b"]))
    >>> list(keys), has_empty, rows.tolist(), empty_row
    (['a', 'b'], True, [2, 3], 1)
    """
    cdef _Distinct d = _Distinct()
    for data, offs, row0 in text_blocks(column, what):
        d.add_block(data, offs, row0)
    keys, kept = _sort_unique(d.text(), d.offsets())
    return keys, d.empty_row >= 0, d.rows()[kept.astype(np.intp)], d.empty_row


cdef class _Distinct:
    """The distinct keys of a stream of UTF-8 spans: their bytes back to back, their
    offsets, hashes and last rows, and an open-addressing table (linear probing, at most
    half full) of key numbers + 1 by hash."""
    cdef unsigned char* buf
    cdef size_t nbytes, bufcap
    cdef uint64_t* off      # n + 1
    cdef uint64_t* hashes   # n
    cdef int64_t* last      # n
    cdef size_t n, cap
    cdef uint64_t* slots
    cdef size_t mask
    cdef readonly int64_t empty_row

    def __cinit__(self):
        self.empty_row = -1
        self.cap = 1024
        self.off = <uint64_t*>PyMem_Malloc((self.cap + 1) * sizeof(uint64_t))
        self.hashes = <uint64_t*>PyMem_Malloc(self.cap * sizeof(uint64_t))
        self.last = <int64_t*>PyMem_Malloc(self.cap * sizeof(int64_t))
        self.bufcap = 4096
        self.buf = <unsigned char*>PyMem_Malloc(self.bufcap)
        self.mask = 2047
        self.slots = <uint64_t*>PyMem_Calloc(self.mask + 1, sizeof(uint64_t))
        if not (self.off and self.hashes and self.last and self.buf and self.slots):
            raise MemoryError()
        self.off[0] = 0

    def __dealloc__(self):
        PyMem_Free(self.off)
        PyMem_Free(self.hashes)
        PyMem_Free(self.last)
        PyMem_Free(self.buf)
        PyMem_Free(self.slots)

    cdef int _grow_keys(self) except -1:
        cdef size_t cap = self.cap * 2
        cdef void* p
        p = PyMem_Realloc(self.off, (cap + 1) * sizeof(uint64_t))
        if p == NULL:
            raise MemoryError()
        self.off = <uint64_t*>p
        p = PyMem_Realloc(self.hashes, cap * sizeof(uint64_t))
        if p == NULL:
            raise MemoryError()
        self.hashes = <uint64_t*>p
        p = PyMem_Realloc(self.last, cap * sizeof(int64_t))
        if p == NULL:
            raise MemoryError()
        self.last = <int64_t*>p
        self.cap = cap
        return 0

    cdef int _grow_table(self) except -1:
        cdef size_t size = (self.mask + 1) * 2, k, j
        cdef uint64_t* slots = <uint64_t*>PyMem_Calloc(size, sizeof(uint64_t))
        if slots == NULL:
            raise MemoryError()
        for k in range(self.n):
            j = self.hashes[k] & (size - 1)
            while slots[j]:
                j = (j + 1) & (size - 1)
            slots[j] = k + 1
        PyMem_Free(self.slots)
        self.slots = slots
        self.mask = size - 1
        return 0

    cdef int _push(self, const unsigned char* p, size_t size, uint64_t h, int64_t row,
                   size_t slot) except -1:
        cdef size_t cap
        cdef void* q
        if self.nbytes + size > self.bufcap:
            cap = self.bufcap * 2
            while cap < self.nbytes + size:
                cap *= 2
            q = PyMem_Realloc(self.buf, cap)
            if q == NULL:
                raise MemoryError()
            self.buf = <unsigned char*>q
            self.bufcap = cap
        if self.n == self.cap:
            self._grow_keys()
        memcpy(self.buf + self.nbytes, p, size)
        self.nbytes += size
        self.hashes[self.n] = h
        self.last[self.n] = row
        self.n += 1
        self.off[self.n] = self.nbytes
        self.slots[slot] = self.n
        if 2 * self.n > self.mask:
            self._grow_table()
        return 0

    cdef int add_block(self, const unsigned char[::1] data, const int64_t[::1] offs,
                       int64_t row0) except -1:
        cdef Py_ssize_t i, m = offs.shape[0] - 1
        cdef const unsigned char* base = &data[0]
        cdef const unsigned char* p
        cdef size_t size, j
        cdef uint64_t h, k
        for i in range(m):
            size = <size_t>(offs[i + 1] - offs[i])
            if size == 0:
                self.empty_row = row0 + i
                continue
            p = base + offs[i]
            h = lr_xxh3(p, size, 0)
            j = h & self.mask
            while True:
                k = self.slots[j]
                if k == 0:
                    self._push(p, size, h, row0 + i, j)
                    break
                k -= 1
                if self.hashes[k] == h and self.off[k + 1] - self.off[k] == size and \
                        memcmp(self.buf + self.off[k], p, size) == 0:
                    self.last[k] = row0 + i
                    break
                j = (j + 1) & self.mask
        return 0

    cdef object text(self):
        return PyBytes_FromStringAndSize(<char*>self.buf, self.nbytes)

    cdef object offsets(self):
        out = np.empty(self.n + 1, dtype=np.uint64)
        cdef uint64_t[::1] view = out
        memcpy(&view[0], self.off, (self.n + 1) * sizeof(uint64_t))
        return out

    cdef object rows(self):
        out = np.empty(self.n, dtype=np.int64)
        cdef int64_t[::1] view = out
        if self.n:
            memcpy(&view[0], self.last, self.n * sizeof(int64_t))
        return out


cdef object _from_stream(const uint8_t[::1] data, Py_ssize_t n, Py_ssize_t total):
    """SortedKeys of the n front-coded keys in data (a KeyStream's buffer; total: their UTF-8
    bytes in all): each key is its predecessor's shared bytes, copied, then its own."""
    cdef Py_ssize_t i, at = 0, pos = 0, prev = 0, end = data.shape[0]
    cdef uint64_t shared, length
    text = np.empty(max(total, 1), dtype=np.uint8)
    offsets = np.zeros(n + 1, dtype=np.uint64)
    cdef uint8_t[::1] out = text
    cdef uint64_t[::1] off = offsets
    for i in range(n):
        at = fc_pair(&data[0], at, end, &shared, &length)
        if at < 0 or <Py_ssize_t>shared > pos - prev or <Py_ssize_t>length > end - at or \
                pos + <Py_ssize_t>(shared + length) > total:
            raise RuntimeError("the gathered keys are damaged")
        memmove(&out[0] + pos, &out[0] + prev, <size_t>shared)
        memcpy(&out[0] + pos + shared, &data[0] + at, <size_t>length)
        prev = pos
        pos += <Py_ssize_t>(shared + length)
        at += <Py_ssize_t>length
        off[i + 1] = <uint64_t>pos
    text = text[:total]
    text.flags.writeable = False
    if total < 2 ** 32:
        offsets = offsets.astype(np.uint32)
    return SortedKeys(text, offsets)


cdef class SortedKeys:
    """Sorted ``str`` keys in one UTF-8 buffer; ``in`` by binary search in C.

    Build with :meth:`build` from a sorted list of distinct keys. Lookup O(log n) ``memcmp``
    calls; memory: UTF-8 size of the keys + 4 bytes per key.

    >>> s = SortedKeys.build(["a", "ab", "b"])
    >>> len(s), "ab" in s, "c" in s, list(s.iter_range(0, 2))
    (3, True, False, ['a', 'ab'])
    """

    cdef readonly object buffer    #: bytes-like: the concatenated UTF-8 keys
    cdef readonly object offsets   #: numpy uint32/uint64 array of n + 1 offsets
    cdef const unsigned char[::1] _buf
    cdef const unsigned char* _p
    cdef const uint32_t[::1] _off32
    cdef const uint64_t[::1] _off64
    cdef bint _wide
    cdef Py_ssize_t _n

    def __cinit__(self, buffer, offsets):
        offsets = np.asarray(offsets)
        if offsets.ndim != 1 or offsets.shape[0] < 1:
            raise ValueError("offsets must be a 1-d array with at least one entry")
        self.buffer = buffer
        self.offsets = offsets
        self._n = offsets.shape[0] - 1
        if offsets.dtype == np.uint32:
            self._wide = False
            self._off32 = offsets
        elif offsets.dtype == np.uint64:
            self._wide = True
            self._off64 = offsets
        else:
            raise TypeError(f"offsets must be uint32 or uint64, not {offsets.dtype}")
        self._buf = memoryview(buffer).cast("B") if len(buffer) else memoryview(b"\0")
        self._p = &self._buf[0]
        if int(offsets[0]) != 0 or int(offsets[offsets.shape[0] - 1]) != len(buffer):
            raise ValueError("offsets do not span the buffer")
        if self._n and bool(np.any(offsets[1:] < offsets[:self._n])):
            # every search reads offsets[i + 1] - offsets[i] bytes: never negative
            raise ValueError("sorted-keys offsets are not monotone")

    @staticmethod
    def build(keys):
        """Build from a list of distinct ``str`` sorted by code point, or from gathered keys
        (a :class:`~lowram.strings._gather.KeyStream`, decoded in C). O(total length).

        Keys are encoded one at a time into one growing buffer, so the build never holds a
        Python object per key (which would leave the heap fragmented behind it).
        """
        from lowram.strings._gather import KeyStream
        if isinstance(keys, KeyStream):
            return _from_stream(keys.buffer, len(keys), keys.text_bytes)
        cdef list seq = keys if type(keys) is list else list(keys)
        cdef Py_ssize_t i, n = len(seq)
        offsets = np.zeros(n + 1, dtype=np.uint64)
        cdef uint64_t[::1] off = offsets
        buf = bytearray()
        for i in range(n):
            buf += (<str>seq[i]).encode("utf-8", "surrogatepass")
            off[i + 1] = len(buf)
        buffer = bytes(buf)
        del buf
        if len(buffer) < 2 ** 32:
            offsets = offsets.astype(np.uint32)
        return SortedKeys(buffer, offsets)

    cdef inline Py_ssize_t _start(self, Py_ssize_t i) noexcept nogil:
        if self._wide:
            return <Py_ssize_t>self._off64[i]
        return <Py_ssize_t>self._off32[i]

    cdef inline int _cmp_at(self, Py_ssize_t i, const unsigned char* p,
                            Py_ssize_t plen) noexcept nogil:
        cdef Py_ssize_t s = self._start(i)
        return _cmp(self._p + s, self._start(i + 1) - s, p, plen)

    cdef Py_ssize_t _lower(self, const unsigned char* p, Py_ssize_t plen) noexcept nogil:
        cdef Py_ssize_t lo = 0, hi = self._n, mid
        while lo < hi:
            mid = (lo + hi) >> 1
            if self._cmp_at(mid, p, plen) < 0:
                lo = mid + 1
            else:
                hi = mid
        return lo

    cdef bint _has(self, const unsigned char* p, Py_ssize_t plen) noexcept nogil:
        cdef Py_ssize_t i = self._lower(p, plen)
        return i < self._n and self._cmp_at(i, p, plen) == 0

    def __len__(self):
        return self._n

    def __iter__(self):
        return self.iter_range(0, self._n)

    def __contains__(self, key):
        cdef const char* p
        cdef Py_ssize_t size
        if not PyUnicode_Check(key):
            return False
        if PyUnicode_IS_ASCII(key):
            p = PyUnicode_AsUTF8AndSize(key, &size)
            return self._has(<const unsigned char*>p, size)
        b = (<str>key).encode("utf-8", "surrogatepass")
        return self._has(<const unsigned char*><const char*>b, len(b))

    def contains_many(self, strings):
        """Return a numpy bool array: ``s in self`` for each of ``strings``, looped in C.

        Keys go in chunks of 256, encoded to UTF-8 first (``csrc/utf8_batch.h``), then
        searched sixteen at a time with prefetches (``csrc/sorted_batch.h``), so the cache
        misses of one binary search overlap with the others' work.
        """
        cdef list seq = list(strings)  # a private snapshot: the chunks read its keys in place
        out = np.zeros(len(seq), dtype=np.bool_)
        cdef unsigned char[::1] res = out.view(np.uint8)
        cdef const void* off
        if len(seq) and self._n:
            off = <const void*>&self._off64[0] if self._wide else <const void*>&self._off32[0]
            lowram_sorted_contains_many(self._p, off, self._wide, self._n, seq, &res[0])
        return out

    def lower_bound(self, bytes key):
        """Index of the first key >= ``key`` (UTF-8 bytes). O(log n)."""
        return self._lower(<const unsigned char*><const char*>key, len(key))

    def prefix_end(self, Py_ssize_t lo, bytes prefix):
        """First index >= ``lo`` whose key does not start with ``prefix``. O(log n).

        Keys from ``lo`` (the lower bound of ``prefix``) that start with it are contiguous.
        """
        cdef Py_ssize_t hi = self._n, mid, s, e, plen = len(prefix)
        cdef const unsigned char* p = <const unsigned char*><const char*>prefix
        while lo < hi:
            mid = (lo + hi) >> 1
            s = self._start(mid)
            e = self._start(mid + 1)
            if e - s >= plen and (plen == 0 or memcmp(self._p + s, p, plen) == 0):
                lo = mid + 1
            else:
                hi = mid
        return lo

    def key_at(self, Py_ssize_t i):
        """The ``i``-th key (0 <= i < len). O(length of the key)."""
        if not 0 <= i < self._n:
            raise IndexError(i)
        return self._decode(i)

    cdef str _decode(self, Py_ssize_t i):
        cdef Py_ssize_t s = self._start(i), e = self._start(i + 1)
        return PyUnicode_DecodeUTF8(<const char*>self._p + s, e - s, "surrogatepass")

    def iter_range(self, Py_ssize_t lo, Py_ssize_t hi):
        """Yield keys ``lo`` to ``hi - 1`` in order, decoding one at a time."""
        cdef Py_ssize_t i
        for i in range(max(lo, 0), min(hi, self._n)):
            yield self._decode(i)

    def index_of(self, key):
        """Position of ``key`` (a str) in sorted order, or -1 when it is not stored."""
        cdef const char* p
        cdef Py_ssize_t size, i
        if not PyUnicode_Check(key):
            return -1
        if PyUnicode_IS_ASCII(key):
            p = PyUnicode_AsUTF8AndSize(key, &size)
        else:
            b = (<str>key).encode("utf-8", "surrogatepass")
            p = <const char*>b
            size = len(b)
        i = self._lower(<const unsigned char*>p, size)
        if i < self._n and self._cmp_at(i, <const unsigned char*>p, size) == 0:
            return i
        return -1

    def has_bytes(self, bytes key):
        """Whether ``key`` (UTF-8 bytes) is stored. O(log n)."""
        return self._has(<const unsigned char*><const char*>key, len(key))

    @property
    def nbytes(self):
        """Bytes of the buffer and the offsets array."""
        return len(self.buffer) + self.offsets.nbytes

    def to_bytes(self):
        """Serialise: header, offsets (aligned to 8 bytes if the payload is), buffer."""
        width = self.offsets.dtype.itemsize
        head = _HEADER.pack(self._n, len(self.buffer), width)
        return b"".join([head, self.offsets.tobytes(), bytes(self.buffer)])

    @staticmethod
    def from_buffer(view):
        """Open serialised keys from a bytes-like ``view`` without copying it.

        The caller has checked the envelope's checksum; the structure is checked too (sizes
        here, monotone offsets by the constructor), so a malformed payload raises
        ``ValueError``.
        """
        view = memoryview(view).cast("B")
        if len(view) < _HEADER.size:
            raise ValueError("sorted-keys payload shorter than its header")
        n, size, width = _HEADER.unpack_from(view)
        if width not in (4, 8):
            raise ValueError(f"sorted-keys offset width {width} is not 4 or 8")
        start = _HEADER.size
        end = start + (n + 1) * width
        if end + size != len(view):
            raise ValueError("sorted-keys payload length does not match its header")
        dtype = np.uint32 if width == 4 else np.uint64
        offsets = np.frombuffer(view[start:end], dtype=dtype)
        keys = SortedKeys(view[end:], offsets)  # which checks the offsets
        check_text(view[end:], offsets, "sorted keys")
        return keys


def check_text(data, offsets, what) -> None:
    """ValueError naming ``what`` unless ``data`` is UTF-8 (lone surrogates allowed, as
    keys and str values keep them) with every offset at the start of a character: read a
    MiB at a time, so a large mapped file is checked without a copy of its text."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")
    step = 1 << 20
    try:
        for at in range(0, len(data), step):
            decoder.decode(data[at:at + step])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{what} are not UTF-8 ({exc.reason})") from None
    inner = np.asarray(offsets[1:-1], dtype=np.int64)
    inner = inner[inner < len(data)]
    if len(inner) and np.any((np.frombuffer(data, dtype=np.uint8)[inner] & 0xC0) == 0x80):
        raise ValueError(f"{what}: an offset splits a character")
