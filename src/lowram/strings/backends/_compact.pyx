# cython: language_level=3
"""Front-coded sorted keys in buckets: the core of the ``compact`` backend.

Keys sorted by their UTF-8 bytes (code-point order; lone surrogates kept with
``surrogatepass``) go in buckets of ``bucket`` keys. A bucket's first key (its head) is written
whole: a varint length, then its bytes. Every other key is written as the number of bytes it
shares with the key before it and the number of its own remaining bytes (one byte of two 4-bit
fields; a field of 15 is followed by a varint of the rest), then those bytes: sorted keys
share long prefixes, so most of their bytes are not written at all (plain front coding, as in
Martinez-Prieto et al., "Practical compressed string dictionaries", 2016). An array of n / bucket
offsets finds a bucket, so:

- a lookup binary-searches a locator of each head's first four bytes (4 bytes per bucket, built
  at open, in cache), then the few heads that share the probe's first four bytes (one
  ``memcmp`` each, no decoding), then walks one bucket
  comparing each key's new bytes only where they can decide the order (a key that shares more
  with its predecessor than the predecessor shared with the probe orders as it did, one that
  shares less is past the probe), never rebuilding a key;
- a key's rank is its bucket's number times ``bucket`` plus its place in the bucket, and key i
  is rebuilt by walking its bucket up to it (select);
- iteration rebuilds each key from the one before.

The file is the header, the offsets and the bytes, opened in place from a memory map. Opening
walks every bucket once and refuses (ValueError, which the envelope reports as FormatError)
a bucket whose varints or bytes run past its end, a shared length longer than the previous key,
a key that does not sort after the one before it, a key that is not UTF-8, or a count that
disagrees with the header; so every later read stays inside the buffer whatever the file held.
"""

import struct

import numpy as np

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.unicode cimport PyUnicode_Check
from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libc.string cimport memcmp, memcpy

cdef extern from "utf8.h":
    Py_ssize_t lowram_utf8_bad(const uint8_t* s, Py_ssize_t n, int surrogates) noexcept nogil

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object)
    const char* PyUnicode_AsUTF8AndSize(object, Py_ssize_t*) except NULL
    object PyUnicode_DecodeUTF8(const char*, Py_ssize_t, const char*)

#: keys per bucket: a lookup walks at most this many keys after its binary search
BUCKET = 32

# keys, buckets, bytes of keys, keys per bucket, offset width (4 or 8)
_HEADER = struct.Struct("<QQQII")


cdef inline int _cmp(const uint8_t* a, Py_ssize_t alen, const uint8_t* b,
                     Py_ssize_t blen) noexcept nogil:
    cdef Py_ssize_t m = alen if alen < blen else blen
    cdef int c = memcmp(a, b, m) if m else 0
    if c != 0:
        return c
    return (alen > blen) - (alen < blen)


cdef inline Py_ssize_t _lcp(const uint8_t* a, Py_ssize_t alen, const uint8_t* b,
                            Py_ssize_t blen) noexcept nogil:
    cdef Py_ssize_t m = alen if alen < blen else blen, i = 0
    while i < m and a[i] == b[i]:
        i += 1
    return i


cdef inline uint32_t _lead_of(const uint8_t* s, Py_ssize_t n) noexcept nogil:
    """The first 4 bytes of s as a big-endian number, zeros past its end."""
    cdef uint32_t v = 0
    cdef Py_ssize_t i
    for i in range(4):
        v = (v << 8) | (s[i] if i < n else 0)
    return v


cdef inline Py_ssize_t _varint(const uint8_t* p, Py_ssize_t at, Py_ssize_t end,
                               uint64_t* out) noexcept nogil:
    """Read a LEB128 varint at p[at] (before end): the position after it, or -1."""
    cdef uint64_t v = 0
    cdef int shift = 0
    cdef uint8_t byte
    while at < end and shift < 64:
        byte = p[at]
        at += 1
        v |= <uint64_t>(byte & 0x7F) << shift
        if not (byte & 0x80):
            out[0] = v
            return at
        shift += 7
    return -1


cdef inline Py_ssize_t _pair(const uint8_t* p, Py_ssize_t at, Py_ssize_t end,
                             uint64_t* shared, uint64_t* length) noexcept nogil:
    """Read a key's (shared, length) at p[at]: one byte of two 4-bit fields, a field of 15
    followed by a varint of the rest. The position after it, or -1."""
    cdef uint64_t more
    cdef uint8_t h
    if at >= end:
        return -1
    h = p[at]
    at += 1
    shared[0] = h >> 4
    length[0] = h & 15
    if shared[0] == 15:
        at = _varint(p, at, end, &more)
        if at < 0 or more > (1ULL << 62):
            return -1
        shared[0] += more
    if length[0] == 15:
        at = _varint(p, at, end, &more)
        if at < 0 or more > (1ULL << 62):
            return -1
        length[0] += more
    return at


cdef class _Bytes:
    """A growing byte buffer: the build's output, or one key rebuilt (an iterator, a select
    and the open's check each own one). No Python object per key."""
    cdef uint8_t* p
    cdef Py_ssize_t n, cap

    def __cinit__(self, Py_ssize_t cap=256):
        self.cap = cap
        self.p = <uint8_t*>PyMem_Malloc(self.cap)
        if self.p == NULL:
            raise MemoryError()

    def __dealloc__(self):
        PyMem_Free(self.p)

    cdef int reserve(self, Py_ssize_t total) except -1:
        """Room for ``total`` bytes in all."""
        cdef Py_ssize_t cap = self.cap
        cdef uint8_t* q
        while cap < total:
            cap *= 2
        if cap != self.cap:
            q = <uint8_t*>PyMem_Realloc(self.p, cap)
            if q == NULL:
                raise MemoryError()
            self.p = q
            self.cap = cap
        return 0

    cdef int set(self, Py_ssize_t keep, const uint8_t* s, Py_ssize_t size) except -1:
        """Keep the first ``keep`` bytes (keep <= n) and append ``size`` from s."""
        self.reserve(keep + size)
        if size:
            memcpy(self.p + keep, s, size)
        self.n = keep + size
        return 0

    cdef int write(self, const uint8_t* s, Py_ssize_t size) except -1:
        return self.set(self.n, s, size)

    cdef int varint(self, uint64_t v) except -1:
        self.reserve(self.n + 10)
        while v >= 0x80:
            self.p[self.n] = <uint8_t>(v & 0x7F) | 0x80
            self.n += 1
            v >>= 7
        self.p[self.n] = <uint8_t>v
        self.n += 1
        return 0

    cdef int pair(self, uint64_t shared, uint64_t length) except -1:
        self.reserve(self.n + 1)
        self.p[self.n] = <uint8_t>(((shared if shared < 15 else 15) << 4)
                                   | (length if length < 15 else 15))
        self.n += 1
        if shared >= 15:
            self.varint(shared - 15)
        if length >= 15:
            self.varint(length - 15)
        return 0

    cdef bytes take(self):
        return PyBytes_FromStringAndSize(<const char*>self.p, self.n)

    cdef str text(self):
        """The key as str (its UTF-8 was checked when the keys were opened)."""
        return PyUnicode_DecodeUTF8(<const char*>self.p, self.n, "surrogatepass")


cdef class CompactKeys:
    """Sorted ``str`` keys, front-coded in buckets of 32 (see the module docstring).

    The ``compact`` backend's store, with the interface of the ``sorted`` backend's
    :class:`~lowram.strings._sortedkeys.SortedKeys` plus :meth:`key_at` (select) and
    :meth:`index_of` (rank). Costs: ``in``, rank and lower bound O(log(n / 32)) head
    comparisons plus a walk of at most 32 keys; select the walk alone; iteration O(1) per key
    after the first. Memory: the bytes each key does not share with the key before it, a
    byte (rarely more) of lengths per key, and 8 bytes per 32 keys (offset and locator; 12
    past 4 GiB of keys).

    >>> s = CompactKeys.build(["apple", "applet", "apply", "banana"])
    >>> len(s), "applet" in s, "appl" in s, s.index_of("apply"), s.key_at(3)
    (4, True, False, 2, 'banana')
    >>> list(s.iter_range(s.lower_bound(b"appl"), s.prefix_end(0, b"appl")))
    ['apple', 'applet', 'apply']
    """

    cdef readonly object buffer     #: bytes-like: the buckets
    cdef readonly object offsets    #: numpy uint32/uint64 array of buckets + 1 offsets
    cdef object _leads              # each bucket head's first 4 bytes, built at open
    cdef const uint32_t[::1] _lead
    cdef const uint8_t[::1] _buf
    cdef const uint8_t* _p
    cdef const uint32_t[::1] _off32
    cdef const uint64_t[::1] _off64
    cdef bint _wide
    cdef Py_ssize_t _n, _nb, _b

    def __cinit__(self, data, offsets, Py_ssize_t n, Py_ssize_t bucket):
        # what is checked once must not change after: a writable buffer or array is copied
        # (a read-only memory map or bytes is used in place) and the offsets kept read-only
        if not memoryview(data).readonly:
            data = bytes(data)
        offsets = np.asarray(offsets)
        if offsets.flags.writeable:
            offsets = offsets.copy()
            offsets.flags.writeable = False
        if offsets.ndim != 1 or offsets.shape[0] < 1:
            raise ValueError("compact keys: offsets must be a 1-d array with an entry")
        if bucket < 1 or n < 0:
            raise ValueError(f"compact keys: {n} keys in buckets of {bucket}")
        self._nb = offsets.shape[0] - 1
        if self._nb != (n + bucket - 1) // bucket:
            raise ValueError(f"compact keys: {self._nb} buckets for {n} keys of {bucket} each")
        if offsets.dtype == np.uint32:
            self._wide = False
            self._off32 = offsets
        elif offsets.dtype == np.uint64:
            self._wide = True
            self._off64 = offsets
        else:
            raise ValueError(f"compact keys: offsets of dtype {offsets.dtype}")
        self.buffer = data
        self.offsets = offsets
        self._buf = memoryview(data).cast("B") if len(data) else memoryview(b"\0")
        self._p = &self._buf[0]
        self._n = n
        self._b = bucket
        self._validate(self._buf.shape[0] if len(data) else 0)
        self._leads = np.zeros(max(self._nb, 1), dtype=np.uint32)
        self._lead = self._leads
        self._index()

    cdef void _index(self) noexcept:
        """The locator: each head's first 4 bytes as one big-endian number (zeros past a
        shorter head), in bucket order. Keys in order have leads in order, so a binary search
        over this 4-byte-per-bucket array (in cache) leaves only the heads whose lead equals
        the probe's to compare in the data."""
        cdef Py_ssize_t b, at
        cdef uint64_t hlen
        cdef uint32_t[::1] lead = self._leads
        for b in range(self._nb):
            at = _varint(self._p, self._start(b), self._start(b + 1), &hlen)
            lead[b] = _lead_of(self._p + at, <Py_ssize_t>hlen)

    cdef inline Py_ssize_t _start(self, Py_ssize_t b) noexcept nogil:
        if self._wide:
            return <Py_ssize_t>self._off64[b]
        return <Py_ssize_t>self._off32[b]

    cdef inline Py_ssize_t _count(self, Py_ssize_t b) noexcept nogil:
        cdef Py_ssize_t left = self._n - b * self._b
        return left if left < self._b else self._b

    cdef int _validate(self, Py_ssize_t size) except -1:
        """Walk every bucket once; ValueError naming the first thing out of place."""
        cdef Py_ssize_t b, j, at, end, cnt, ch
        cdef uint64_t shared, length
        cdef _Bytes key = _Bytes(), last = _Bytes()
        if self._start(0) != 0 or self._start(self._nb) != size:
            raise ValueError("compact keys: offsets do not span the data")
        for b in range(self._nb):
            at = self._start(b)
            end = self._start(b + 1)
            if end < at or end > size:
                raise ValueError(f"compact keys: bucket {b} runs outside the data")
            cnt = self._count(b)
            for j in range(cnt):
                shared = 0
                if j:
                    at = _pair(self._p, at, end, &shared, &length)
                    if at >= 0 and shared > <uint64_t>key.n:
                        raise ValueError(f"compact keys: bucket {b} key {j}: bad shared length")
                else:
                    at = _varint(self._p, at, end, &length)
                if at < 0 or length == 0 or length > <uint64_t>(end - at):
                    raise ValueError(f"compact keys: bucket {b} key {j}: bad length")
                if j and shared < <uint64_t>key.n and self._p[at] <= key.p[shared]:
                    raise ValueError(f"compact keys: bucket {b} key {j} is not after the key "
                                     "before it")
                key.set(<Py_ssize_t>shared, self._p + at, <Py_ssize_t>length)
                at += <Py_ssize_t>length
                # UTF-8 from the first byte of the character holding the last shared byte
                # (the shared bytes before it were checked with the key before; that
                # character may be cut short by the new bytes, or completed by them)
                ch = <Py_ssize_t>shared - 1 if shared else 0
                while ch > 0 and (key.p[ch] & 0xC0) == 0x80 and <Py_ssize_t>shared - ch < 4:
                    ch -= 1
                if lowram_utf8_bad(key.p + ch, key.n - ch, 1) >= 0:
                    raise ValueError(f"compact keys: bucket {b} key {j} is not UTF-8")
                if j == 0 and b and _cmp(key.p, key.n, last.p, last.n) <= 0:
                    raise ValueError(f"compact keys: bucket {b}'s first key is not after the "
                                     "last of the bucket before")
            if at != end:
                raise ValueError(f"compact keys: bucket {b} has bytes past its keys")
            last.set(0, key.p, key.n)
        return 0

    @staticmethod
    def build(keys, Py_ssize_t bucket=BUCKET):
        """Build from distinct non-empty keys sorted by code point: a list of ``str``, or a
        :class:`~lowram.strings._sortedkeys.SortedKeys` (read from its bytes, no ``str`` made).
        O(total bytes); memory: the output and one key."""
        from lowram.strings._sortedkeys import SortedKeys
        cdef _Bytes out = _Bytes(1 << 16)
        cdef Py_ssize_t i, n, size, nb = 0
        cdef uint64_t[::1] offs
        cdef const uint8_t[::1] text
        cdef _Bytes prev = _Bytes()
        cdef const char* cp
        if isinstance(keys, SortedKeys):
            text = memoryview(keys.buffer).cast("B") if len(keys.buffer) else memoryview(b"\0")
            n = len(keys)
            offsets = np.zeros((n + bucket - 1) // bucket + 1, dtype=np.uint64)
            offs = offsets
            if keys.offsets.dtype == np.uint32:
                _put_spans[uint32_t](out, &text[0], keys.offsets, n, bucket, offs)
            else:
                _put_spans[uint64_t](out, &text[0], keys.offsets, n, bucket, offs)
        else:
            seq = keys if type(keys) is list else list(keys)
            n = len(seq)
            offsets = np.zeros((n + bucket - 1) // bucket + 1, dtype=np.uint64)
            offs = offsets
            for i in range(n):
                key = seq[i]
                if PyUnicode_IS_ASCII(key):
                    cp = PyUnicode_AsUTF8AndSize(key, &size)
                    _put(out, prev, i % bucket, <const uint8_t*>cp, size)
                else:
                    raw = (<str>key).encode("utf-8", "surrogatepass")
                    _put(out, prev, i % bucket, <const uint8_t*>PyBytes_AS_STRING(raw), len(raw))
                if i % bucket == bucket - 1 or i == n - 1:
                    nb += 1
                    offs[nb] = out.n
        data = out.take()
        del out
        if len(data) < 2 ** 32:
            offsets = offsets.astype(np.uint32)
        return CompactKeys(data, offsets, n, bucket)

    # -- search

    cdef Py_ssize_t _search(self, const uint8_t* q, Py_ssize_t qlen, bint* found) noexcept nogil:
        """Index of the first key >= q; *found: that key is q."""
        cdef Py_ssize_t lo = 0, hi = self._nb, mid, at, end, j, cnt, m, k, base
        cdef uint64_t hlen, shared, length
        cdef uint32_t ql = _lead_of(q, qlen)
        found[0] = False
        while lo < hi:   # the first bucket whose lead is not below q's
            mid = (lo + hi) >> 1
            if self._lead[mid] < ql:
                lo = mid + 1
            else:
                hi = mid
        hi = self._nb
        k = lo
        while k < hi:    # the first bucket whose lead is past q's
            mid = (k + hi) >> 1
            if self._lead[mid] <= ql:
                k = mid + 1
            else:
                hi = mid
        hi = k
        while lo < hi:   # among equal leads, the first bucket whose head is past q
            mid = (lo + hi) >> 1
            at = _varint(self._p, self._start(mid), self._start(mid + 1), &hlen)
            if _cmp(self._p + at, <Py_ssize_t>hlen, q, qlen) > 0:
                hi = mid
            else:
                lo = mid + 1
        if lo == 0:
            return 0
        base = (lo - 1) * self._b
        at = self._start(lo - 1)
        end = self._start(lo)
        at = _varint(self._p, at, end, &hlen)
        m = _lcp(self._p + at, <Py_ssize_t>hlen, q, qlen)
        if m == <Py_ssize_t>hlen and m == qlen:
            found[0] = True
            return base
        at += <Py_ssize_t>hlen
        cnt = self._count(lo - 1)
        # the key before (the head here) sorts below q and shares its first m bytes with it
        for j in range(1, cnt):
            at = _pair(self._p, at, end, &shared, &length)
            if <Py_ssize_t>shared > m:        # differs from q where its predecessor did
                at += <Py_ssize_t>length
                continue
            if <Py_ssize_t>shared < m:        # larger than its predecessor where that matched q
                return base + j
            k = _lcp(self._p + at, <Py_ssize_t>length, q + m, qlen - m)
            if k == <Py_ssize_t>length:
                if m + k == qlen:
                    found[0] = True
                    return base + j
                m += k                        # a proper prefix of q: below it
            elif m + k == qlen or self._p[at + k] > q[m + k]:
                return base + j               # q is a prefix of it, or it is larger
            else:
                m += k
            at += <Py_ssize_t>length
        return base + cnt

    cdef Py_ssize_t _find(self, key, bint* found) except -2:
        cdef const char* p
        cdef Py_ssize_t size
        if PyUnicode_IS_ASCII(key):
            p = PyUnicode_AsUTF8AndSize(key, &size)
            return self._search(<const uint8_t*>p, size, found)
        raw = (<str>key).encode("utf-8", "surrogatepass")
        return self._search(<const uint8_t*>PyBytes_AS_STRING(raw), len(raw), found)

    def __len__(self):
        return self._n

    def __iter__(self):
        return self.iter_range(0, self._n)

    def __contains__(self, key):
        cdef bint found
        if not PyUnicode_Check(key):
            return False
        self._find(key, &found)
        return found

    def contains_many(self, strings):
        """A numpy bool array: ``s in self`` for each of ``strings``, looped in C."""
        cdef list seq = list(strings)
        out = np.zeros(len(seq), dtype=np.bool_)
        cdef uint8_t[::1] res = out.view(np.uint8)
        cdef Py_ssize_t i
        cdef bint found
        for i in range(len(seq)):
            key = seq[i]
            if PyUnicode_Check(key):
                self._find(key, &found)
                res[i] = found
        return out

    def lower_bound(self, bytes key):
        """Index of the first key >= ``key`` (UTF-8 bytes)."""
        cdef bint found
        return self._search(<const uint8_t*>PyBytes_AS_STRING(key), len(key), &found)

    def prefix_end(self, Py_ssize_t lo, bytes prefix):
        """The end of the keys that start with ``prefix``, given ``lo``, its lower bound (as
        the backends pass it): the lower bound of ``prefix`` + 0xFF, a byte no UTF-8 text
        holds, and never below ``lo``."""
        cdef bint found
        cdef bytes past = prefix + b"\xff"
        cdef Py_ssize_t i = self._search(<const uint8_t*>PyBytes_AS_STRING(past), len(past),
                                         &found)
        return i if i > lo else lo

    def has_bytes(self, bytes key):
        """Whether ``key`` (UTF-8 bytes) is stored."""
        cdef bint found
        self._search(<const uint8_t*>PyBytes_AS_STRING(key), len(key), &found)
        return found

    def index_of(self, key):
        """The rank of ``key`` (a str): its position in sorted order, or -1 when absent."""
        cdef bint found
        cdef Py_ssize_t i
        if not PyUnicode_Check(key):
            return -1
        i = self._find(key, &found)
        return i if found else -1

    # -- select and iteration

    cdef Py_ssize_t _walk(self, Py_ssize_t b, Py_ssize_t upto, _Bytes key) except -1:
        """Rebuild key ``upto`` of bucket b into key; the position after it."""
        cdef Py_ssize_t at = self._start(b), end = self._start(b + 1), j
        cdef uint64_t shared = 0, length
        for j in range(upto + 1):
            if j:
                at = _pair(self._p, at, end, &shared, &length)
            else:
                at = _varint(self._p, at, end, &length)
            key.set(<Py_ssize_t>shared, self._p + at, <Py_ssize_t>length)
            at += <Py_ssize_t>length
        return at

    def key_at(self, Py_ssize_t i):
        """The ``i``-th key in sorted order (select): a walk of at most 32 keys."""
        cdef _Bytes key = _Bytes()
        if not 0 <= i < self._n:
            raise IndexError(i)
        self._walk(i // self._b, i % self._b, key)
        return key.text()

    def iter_range(self, Py_ssize_t lo, Py_ssize_t hi):
        """Yield keys ``lo`` to ``hi - 1`` in order, each rebuilt from the one before."""
        cdef _Bytes key = _Bytes()
        cdef Py_ssize_t i, b, j, at = 0, end = 0
        cdef uint64_t shared, length
        lo = max(lo, 0)
        hi = min(hi, self._n)
        i = lo
        while i < hi:
            b = i // self._b
            j = i % self._b
            if j == 0 or i == lo:
                at = self._walk(b, j, key)
                end = self._start(b + 1)
            else:
                at = _pair(self._p, at, end, &shared, &length)
                key.set(<Py_ssize_t>shared, self._p + at, <Py_ssize_t>length)
                at += <Py_ssize_t>length
            yield key.text()
            i += 1

    # -- size and files

    @property
    def nbytes(self):
        """Bytes of the buckets, the offsets array and the locator."""
        return len(self.buffer) + self.offsets.nbytes + self._leads.nbytes

    def to_bytes(self):
        """Header, offsets, then the buckets."""
        head = _HEADER.pack(self._n, self._nb, len(self.buffer), self._b,
                            self.offsets.dtype.itemsize)
        return b"".join([head, self.offsets.tobytes(), bytes(self.buffer)])

    @staticmethod
    def from_buffer(view):
        """Open keys that :meth:`to_bytes` wrote from a bytes-like ``view`` (a memory map is
        used in place); ValueError for anything else (see the module docstring)."""
        view = memoryview(view).cast("B")
        if len(view) < _HEADER.size:
            raise ValueError("compact keys: payload shorter than its header")
        n, nb, size, bucket, width = _HEADER.unpack_from(view)
        if width not in (4, 8) or bucket < 1 or bucket > 1 << 16:
            raise ValueError(f"compact keys: offset width {width}, bucket {bucket}")
        if nb != (n + bucket - 1) // bucket:
            raise ValueError(f"compact keys: {nb} buckets for {n} keys of {bucket} each")
        start = _HEADER.size
        end = start + (nb + 1) * width
        if end + size != len(view):
            raise ValueError("compact keys: payload length does not match its header")
        offsets = np.frombuffer(view[start:end], dtype=np.uint32 if width == 4 else np.uint64)
        return CompactKeys(view[end:], offsets, n, bucket)


ctypedef fused span_t:
    uint32_t
    uint64_t


cdef int _put_spans(_Bytes out, const uint8_t* text, const span_t[::1] spans, Py_ssize_t n,
                    Py_ssize_t bucket, uint64_t[::1] offs) except -1:
    """Write the n keys text[spans[i]:spans[i + 1]] (a SortedKeys' buffer and offsets, read
    in place whatever their width), each bucket's end into offs[1:]."""
    cdef _Bytes prev = _Bytes()
    cdef Py_ssize_t i, nb = 0
    for i in range(n):
        _put(out, prev, i % bucket, text + spans[i], <Py_ssize_t>(spans[i + 1] - spans[i]))
        if i % bucket == bucket - 1 or i == n - 1:
            nb += 1
            offs[nb] = out.n
    return 0


cdef int _put(_Bytes out, _Bytes prev, Py_ssize_t j, const uint8_t* s, Py_ssize_t size) except -1:
    """Write key s as key j of its bucket (whole when j is 0), and remember it in prev."""
    cdef Py_ssize_t shared = 0
    if j:
        shared = _lcp(prev.p, prev.n, s, size)
        out.pair(<uint64_t>shared, <uint64_t>(size - shared))
    else:
        out.varint(<uint64_t>size)
    out.write(s + shared, size - shared)
    prev.set(0, s, size)
    return 0
