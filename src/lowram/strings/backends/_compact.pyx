# cython: language_level=3
"""Front-coded sorted keys in buckets, compressed with a symbol table: the core of the
``compact`` backend.

Keys sorted by their UTF-8 bytes (code-point order; lone surrogates kept with
``surrogatepass``) go in buckets of ``bucket`` keys. A bucket's first key (its head) is written
whole: a varint length, then its bytes. Every other key is written as the number of bytes it
shares with the key before it and the number of its own remaining bytes (one byte of two 4-bit
fields; a field of 15 is followed by a varint of the rest), then those bytes: sorted keys
share long prefixes, so most of their bytes are not written at all (plain front coding, as in
Martinez-Prieto et al., "Practical compressed string dictionaries", 2016).

Each bucket's bytes are then coded with one table of up to 255 symbols of 1 to 8 bytes trained
on a sample of the buckets (FSST, Boncz et al. 2020; ``strings/csrc/symtab.h``): a common
ending and the length byte before it ("ing" after a key that shares all but its last three
bytes) become one code. The table is kept only when it makes the buckets smaller; otherwise
they are stored as they are. An array of n / bucket offsets finds a bucket, so:

- a lookup binary-searches a locator of each head's first eight bytes (8 bytes per bucket,
  built at open, in cache), then the few heads that share the probe's first eight bytes (decoding
  only the head), then decodes one bucket and walks it, comparing each key's new bytes only
  where they can decide the order (a key that shares more with its predecessor than the
  predecessor shared with the probe orders as it did, one that shares less is past the
  probe), never rebuilding a key;
- a key's rank is its bucket's number times ``bucket`` plus its place in the bucket, and key i
  is rebuilt by walking its bucket up to it (select);
- iteration rebuilds each key from the one before.

The file is the header, the offsets, the symbol table and the buckets, opened in place from a
memory map. Opening decodes and walks every bucket once and refuses (ValueError, which the
envelope reports as FormatError) a symbol of no length or more than 8 bytes, a code no symbol
has, an escape without its byte, a bucket whose varints or bytes run past its end, a shared
length longer than the previous key, a key that does not sort after the one before it, a key
that is not UTF-8, or a count that disagrees with the header; so every later read stays inside
the buffer whatever the file held, and a bucket decodes to at most the size the open saw.
"""

import struct

import numpy as np

from cpython.bytes cimport PyBytes_AS_STRING
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.unicode cimport PyUnicode_Check
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memset

from lowram._native._bytes cimport Bytes
from lowram.strings._frontcode cimport fc_cmp, fc_lcp, fc_pair, fc_put_pair, fc_varint

cdef extern from "../csrc/symtab.h":
    ctypedef struct lr_symtab:
        uint64_t sym[256]
        uint8_t len[256]
        int n
    void lr_symtab_index(lr_symtab* t) noexcept nogil
    int lr_symtab_train(lr_symtab* t, const uint8_t* sample, const size_t* ends,
                        size_t nseg) noexcept nogil
    size_t lr_sym_encode(const lr_symtab* t, const uint8_t* data, size_t n,
                         uint8_t* out) noexcept nogil
    int lr_sym_fill(const lr_symtab* t, const uint8_t* codes, size_t* pos, size_t end,
                    uint8_t* out, size_t* o, size_t need) noexcept nogil
    void lr_sym_decode(const lr_symtab* t, const uint8_t* codes, size_t* pos, size_t n,
                       uint8_t* out, size_t* o, size_t need) noexcept nogil

cdef extern from "../csrc/strsort.h":
    int lr_sort_keys(uint64_t* idx, size_t n, const uint8_t* text, const uint64_t* off) nogil

cdef extern from "utf8.h":
    Py_ssize_t lowram_utf8_bad(const uint8_t* s, Py_ssize_t n, int surrogates) noexcept nogil

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object)
    const char* PyUnicode_AsUTF8AndSize(object, Py_ssize_t*) except NULL

#: keys per bucket: a lookup walks at most this many keys after its binary search. Larger
#: buckets hold fewer heads, offsets and leads, and make each lookup walk further
BUCKET = 48

# keys, buckets, bytes of buckets, keys per bucket, offset width (4 or 8), symbols
_HEADER = struct.Struct("<QQQIII")

cdef enum:
    # a bucket that decodes to at most this many bytes (with the decoder's slack) is decoded
    # on the stack
    _STACK = 4096


ctypedef uint64_t lead_t   # a bucket head's first 8 bytes, as one big-endian number

cdef inline lead_t _lead_of(const uint8_t* s, Py_ssize_t n) noexcept nogil:
    """The first 8 bytes of s as a big-endian number, zeros past its end."""
    cdef lead_t v = 0
    cdef Py_ssize_t i
    for i in range(8):
        v = (v << 8) | (s[i] if i < n else 0)
    return v


cdef inline bint _below(lead_t lead, lead_t ql, bint past) noexcept nogil:
    """A bucket whose lead is ``lead`` sorts before the answer of a search for ql: lead < ql,
    or lead <= ql when ``past`` (bitwise, so the test does not short-circuit)."""
    return (lead < ql) | (past & (lead == ql))


cdef struct _Cur:
    # one bucket being read: its stored bytes (codes) and the bytes decoded from them so far
    const uint8_t* codes
    size_t pos          # next code
    size_t end          # the bucket's stored length
    const uint8_t* out  # the decoded bytes (the stored ones when the keys are not coded)
    uint8_t* buf        # where they are decoded (NULL when not coded)
    size_t o            # bytes decoded so far


cdef struct _Stop:
    # where a bucket walk stopped: key j (its pair at byte ``at``; j = the bucket's count
    # past its end, 0 at its head) and the length m its probe shared with key j - 1
    Py_ssize_t j
    Py_ssize_t at
    Py_ssize_t m


cdef inline void _stopped(_Stop* stop, Py_ssize_t j, Py_ssize_t at, Py_ssize_t m) noexcept nogil:
    if stop != NULL:
        stop.j = j
        stop.at = at
        stop.m = m


cdef Py_ssize_t _walk_to(const uint8_t* d, Py_ssize_t end, Py_ssize_t upto,
                         Bytes key) except -1:
    """Rebuild key ``upto`` of the decoded bucket d[:end] into key; the position after it."""
    cdef Py_ssize_t at = 0, j
    cdef uint64_t shared = 0, length = 0
    for j in range(upto + 1):
        if j:
            at = fc_pair(d, at, end, &shared, &length)
        else:
            at = fc_varint(d, at, end, &length)
        key.set(<Py_ssize_t>shared, d + at, <Py_ssize_t>length)
        at += <Py_ssize_t>length
    return at


cdef class CompactKeys:
    """Sorted ``str`` keys, front-coded in buckets of 48 and compressed with a symbol table
    (see the module docstring).

    The ``compact`` backend's store, with the interface of the ``sorted`` backend's
    :class:`~lowram.strings._sortedkeys.SortedKeys` plus :meth:`key_at` (select) and
    :meth:`index_of` (rank). Costs: ``in``, rank and lower bound O(log(n / 32)) comparisons of
    8-byte leads plus a walk of at most 48 keys, decoding the bucket as it goes; select the
    walk alone; iteration O(1) per key after the first. Memory: the coded bytes each key does
    not share with the key before it, with its byte (rarely more) of lengths; 12 bytes per
    bucket (offset and locator; 16 past 4 GiB of keys); the symbol table (at most 2.3 KiB).

    >>> s = CompactKeys.build(["apple", "applet", "apply", "banana"])
    >>> len(s), "applet" in s, "appl" in s, s.index_of("apply"), s.key_at(3)
    (4, True, False, 2, 'banana')
    >>> list(s.iter_range(s.lower_bound(b"appl"), s.prefix_end(0, b"appl")))
    ['apple', 'applet', 'apply']
    """

    cdef readonly object buffer     #: bytes-like: the buckets (coded when ``table`` is not empty)
    cdef readonly object offsets    #: numpy uint32/uint64 array of buckets + 1 offsets
    cdef readonly bytes table       #: the symbol table: lengths, then 8 bytes per symbol
    cdef object _leads              # each bucket head's first 8 bytes, built at open
    cdef const lead_t[::1] _lead
    cdef const lead_t* _lp          # &_lead[0], for the searches
    cdef const uint8_t[::1] _buf
    cdef const uint8_t* _p
    cdef const uint32_t[::1] _off32
    cdef const uint64_t[::1] _off64
    cdef bint _wide, _coded
    cdef Py_ssize_t _n, _nb, _b
    cdef size_t _scratch            # bytes a bucket may decode to, with the decoder's slack
    cdef lr_symtab _t

    def __cinit__(self, data, offsets, Py_ssize_t n, Py_ssize_t bucket, table=b""):
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
        self._read_table(bytes(table))
        self.buffer = data
        self.offsets = offsets
        self._buf = memoryview(data).cast("B") if len(data) else memoryview(b"\0")
        self._p = &self._buf[0]
        self._n = n
        self._b = bucket
        self._validate(self._buf.shape[0] if len(data) else 0)
        self._leads = np.zeros(max(self._nb, 1), dtype=np.uint64)
        self._lead = self._leads
        self._lp = &self._lead[0]
        self._index()

    cdef int _read_table(self, bytes table) except -1:
        """The symbol table from its bytes: ValueError for a count, length or symbol out of
        place. An empty table: the buckets are stored as they are."""
        cdef Py_ssize_t c, k, size = len(table), nsym = len(table) // 9
        cdef const uint8_t* t = <const uint8_t*>PyBytes_AS_STRING(table)
        cdef uint64_t v
        if size % 9 or nsym > 255:
            raise ValueError(f"compact keys: a symbol table of {size} bytes")
        memset(&self._t, 0, sizeof(lr_symtab))
        for c in range(nsym):
            if not 1 <= t[c] <= 8:
                raise ValueError(f"compact keys: symbol {c} of length {t[c]}")
            v = 0
            for k in range(8):
                v |= <uint64_t>t[nsym + 8 * c + k] << (8 * k)
            if t[c] < 8 and v >> (8 * t[c]):
                raise ValueError(f"compact keys: symbol {c} has bytes past its length")
            self._t.sym[c] = v
            self._t.len[c] = t[c]
        self._t.n = <int>nsym
        lr_symtab_index(&self._t)
        self._coded = nsym > 0
        self.table = table
        return 0

    cdef void _index(self) except *:
        """The locator: each head's first 8 bytes as one big-endian number (zeros past a
        shorter head), in bucket order. Keys in order have leads in order, so a binary search
        over this 8-byte-per-bucket array (in cache) leaves only the heads whose lead equals
        the probe's to compare in the data."""
        cdef Py_ssize_t b, at
        cdef uint64_t hlen = 0
        cdef lead_t[::1] lead = self._leads
        cdef Bytes scratch = Bytes(self._scratch + 1)
        cdef _Cur c
        for b in range(self._nb):
            self._open(b, &c, scratch.p)
            at = self._head(&c, &hlen)
            lead[b] = _lead_of(c.out + at, <Py_ssize_t>hlen)

    cdef inline Py_ssize_t _start(self, Py_ssize_t b) noexcept nogil:
        if self._wide:
            return <Py_ssize_t>self._off64[b]
        return <Py_ssize_t>self._off32[b]

    cdef inline Py_ssize_t _count(self, Py_ssize_t b) noexcept nogil:
        cdef Py_ssize_t left = self._n - b * self._b
        return left if left < self._b else self._b

    # -- reading a bucket

    cdef inline void _open(self, Py_ssize_t b, _Cur* c, uint8_t* scratch,
                           bint whole=False) noexcept nogil:
        """Start reading bucket b, decoding into scratch (``_scratch`` bytes): as it is read,
        or ``whole`` at once (one tight loop, for a walk that reads most of it)."""
        cdef Py_ssize_t s = self._start(b)
        c.codes = self._p + s
        c.pos = 0
        c.end = <size_t>(self._start(b + 1) - s)
        if self._coded:
            c.buf = scratch
            c.out = scratch
            c.o = 0
            if whole:
                lr_sym_decode(&self._t, c.codes, &c.pos, c.end, scratch, &c.o, <size_t>-1)
        else:
            c.buf = NULL
            c.out = c.codes
            c.o = c.end
            c.pos = c.end   # nothing to decode

    cdef inline void _fill(self, _Cur* c, size_t need) noexcept nogil:
        """Decode until ``need`` bytes are out (and up to 32 more, so a walk asks once per
        few keys, not once per key) or the bucket ends. (The open decoded every bucket whole,
        so no code here is out of place.)"""
        if c.o < need and c.pos < c.end:
            lr_sym_decode(&self._t, c.codes, &c.pos, c.end, c.buf, &c.o, need + 32)

    cdef inline Py_ssize_t _head(self, _Cur* c, uint64_t* hlen) noexcept nogil:
        """Read the bucket's first key: the position of its bytes, all of them decoded."""
        cdef Py_ssize_t at
        self._fill(c, 10)
        at = fc_varint(c.out, 0, <Py_ssize_t>c.o, hlen)
        self._fill(c, <size_t>at + hlen[0])
        return at

    cdef const uint8_t* _bucket(self, Py_ssize_t b, Bytes dec, Py_ssize_t* size) except NULL:
        """Bucket b decoded whole (into dec when the keys are coded); its size in *size."""
        cdef Py_ssize_t s = self._start(b), e = self._start(b + 1)
        cdef size_t pos = 0, o = 0
        if not self._coded:
            size[0] = e - s
            return self._p + s
        dec.reserve(self._scratch)
        lr_sym_decode(&self._t, self._p + s, &pos, <size_t>(e - s), dec.p, &o, <size_t>-1)
        dec.n = <Py_ssize_t>o
        size[0] = <Py_ssize_t>o
        return dec.p

    cdef int _validate(self, Py_ssize_t size) except -1:
        """Decode and walk every bucket once; ValueError naming the first thing out of
        place."""
        cdef Py_ssize_t b, j, at, end, cnt, ch, s, e, most = 0
        cdef uint64_t shared, length
        cdef size_t pos, o
        cdef const uint8_t* d
        cdef Bytes key = Bytes(), last = Bytes(), dec = Bytes()
        if self._start(0) != 0 or self._start(self._nb) != size:
            raise ValueError("compact keys: offsets do not span the data")
        for b in range(self._nb):
            s = self._start(b)
            e = self._start(b + 1)
            if e < s or e > size:
                raise ValueError(f"compact keys: bucket {b} runs outside the data")
            if self._coded:
                # a code decodes to at most 8 bytes, and the decoder writes 8 at a time
                dec.reserve(8 * (e - s) + 16)
                pos = o = 0
                if lr_sym_fill(&self._t, self._p + s, &pos, <size_t>(e - s), dec.p, &o,
                               <size_t>-1) < 0 or pos != <size_t>(e - s):
                    raise ValueError(f"compact keys: bucket {b} holds a code out of place")
                d = dec.p
                end = <Py_ssize_t>o
                most = max(most, end)
            else:
                d = self._p + s
                end = e - s
            at = 0
            cnt = self._count(b)
            for j in range(cnt):
                shared = 0
                if j:
                    at = fc_pair(d, at, end, &shared, &length)
                    if at >= 0 and shared > <uint64_t>key.n:
                        raise ValueError(f"compact keys: bucket {b} key {j}: bad shared length")
                else:
                    at = fc_varint(d, at, end, &length)
                if at < 0 or length == 0 or length > <uint64_t>(end - at):
                    raise ValueError(f"compact keys: bucket {b} key {j}: bad length")
                if j and shared < <uint64_t>key.n and d[at] <= key.p[shared]:
                    raise ValueError(f"compact keys: bucket {b} key {j} is not after the key "
                                     "before it")
                key.set(<Py_ssize_t>shared, d + at, <Py_ssize_t>length)
                at += <Py_ssize_t>length
                # UTF-8 from the first byte of the character holding the last shared byte
                # (the shared bytes before it were checked with the key before; that
                # character may be cut short by the new bytes, or completed by them)
                ch = <Py_ssize_t>shared - 1 if shared else 0
                while ch > 0 and (key.p[ch] & 0xC0) == 0x80 and <Py_ssize_t>shared - ch < 4:
                    ch -= 1
                if lowram_utf8_bad(key.p + ch, key.n - ch, 1) >= 0:
                    raise ValueError(f"compact keys: bucket {b} key {j} is not UTF-8")
                if j == 0 and b and fc_cmp(key.p, key.n, last.p, last.n) <= 0:
                    raise ValueError(f"compact keys: bucket {b}'s first key is not after the "
                                     "last of the bucket before")
            if at != end:
                raise ValueError(f"compact keys: bucket {b} has bytes past its keys")
            last.set(0, key.p, key.n)
        # a bucket decodes to the same bytes every time, and the decoder writes at most 8
        # bytes from a position before its end
        self._scratch = <size_t>(most + 16) if self._coded else 0
        return 0

    @staticmethod
    def build(keys, Py_ssize_t bucket=BUCKET, bint compress=True):
        """Build from distinct non-empty keys sorted by code point: a list of ``str``, gathered
        keys (a :class:`~lowram.strings._gather.KeyStream`: already front-coded, so only each
        bucket's head is written whole) or a :class:`~lowram.strings._sortedkeys.SortedKeys`
        (read from its bytes); no ``str`` is made from either.
        ``compress``: code the buckets with a symbol table trained on a sample of them (kept
        only when it makes them smaller). O(total bytes); memory: the result, and from a list
        or SortedKeys the uncoded buckets as well (gathered keys are read twice instead: once
        for the sample, once to code each bucket as it is made)."""
        from lowram.strings._gather import KeyStream
        from lowram.strings._sortedkeys import SortedKeys
        cdef Bytes out = Bytes(1 << 16)
        cdef Py_ssize_t i, n, size, nb = 0
        cdef uint64_t[::1] offs
        cdef const uint8_t[::1] text
        cdef Bytes prev = Bytes()
        cdef const char* cp
        table = b""
        if isinstance(keys, KeyStream):
            n = len(keys)
            offsets = np.zeros((n + bucket - 1) // bucket + 1, dtype=np.uint64)
            offs = offsets
            out, table = _from_stream(keys.buffer, n, bucket, offs, compress)
        elif isinstance(keys, SortedKeys):
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
        if compress and n and not isinstance(keys, KeyStream):
            coded, coded_offsets, table = _compress(out, offs)
            if table:
                out = coded
                offsets = coded_offsets
        out.fit()   # read in place (its buffer is read-only to Python): no copy
        if out.n < 2 ** 32:
            offsets = offsets.astype(np.uint32)
        return CompactKeys(out, offsets, n, bucket, table)

    # -- search

    cdef Py_ssize_t _search(self, const uint8_t* q, Py_ssize_t qlen, bint* found) except -2:
        """Index of the first key >= q; *found: that key is q. A bucket decodes into a buffer
        on the stack (on the heap for buckets of long keys), as far as the walk reads."""
        cdef uint8_t stack[_STACK]
        cdef uint8_t* scratch = stack
        cdef Py_ssize_t r
        if self._scratch > _STACK:
            scratch = <uint8_t*>PyMem_Malloc(self._scratch)
            if scratch == NULL:
                raise MemoryError()
        r = self._search_in(q, qlen, found, scratch)
        if scratch != stack:
            PyMem_Free(scratch)
        return r

    cdef Py_ssize_t _search_in(self, const uint8_t* q, Py_ssize_t qlen, bint* found,
                               uint8_t* scratch) noexcept nogil:
        cdef Py_ssize_t lo = self._locate(q, qlen, -1, scratch)
        cdef _Cur c
        found[0] = False
        if lo == 0:
            return 0
        self._open(lo - 1, &c, scratch)
        return self._walk(&c, lo - 1, q, qlen, found)

    cdef inline Py_ssize_t _leads_from(self, lead_t ql, bint past, Py_ssize_t hint) \
            noexcept nogil:
        """The first bucket whose lead is not below ql (``past``: is above ql), searched
        from ``hint`` (a bucket near the answer, as the last one of a sorted batch is) by
        doubling steps, or over all buckets when hint is -1."""
        cdef const lead_t* lead = self._lp
        cdef Py_ssize_t lo = 0, hi = self._nb, nb = self._nb, mid, step = 1
        if hint >= 0:
            if hint > nb:
                hint = nb
            if hint < nb and _below(lead[hint], ql, past):
                lo = hint + 1               # the answer is past hint: step forward
                while lo + step <= nb and _below(lead[lo + step - 1], ql, past):
                    lo += step
                    step *= 2
                hi = lo + step if lo + step < nb else nb
            else:                           # at or before hint: step back
                hi = hint
                while hi - step >= 0 and not _below(lead[hi - step], ql, past):
                    hi -= step
                    step *= 2
                lo = hi - step + 1 if hi - step + 1 > 0 else 0
        while lo < hi:
            mid = (lo + hi) >> 1
            if _below(lead[mid], ql, past):
                lo = mid + 1
            else:
                hi = mid
        return lo

    cdef Py_ssize_t _locate(self, const uint8_t* q, Py_ssize_t qlen, Py_ssize_t hint,
                            uint8_t* scratch) noexcept nogil:
        """The first bucket whose head is past q (so q, if stored, is in the bucket before):
        the leads bound the buckets to compare, then the heads with q's lead are compared
        in the data (decoding only the head)."""
        cdef lead_t ql = _lead_of(q, qlen)
        cdef Py_ssize_t lo = self._leads_from(ql, False, hint), mid, at
        cdef Py_ssize_t hi = self._leads_from(ql, True, lo)
        cdef uint64_t hlen = 0
        cdef _Cur c
        while lo < hi:   # among equal leads, the first bucket whose head is past q
            mid = (lo + hi) >> 1
            self._open(mid, &c, scratch)
            at = self._head(&c, &hlen)
            if fc_cmp(c.out + at, <Py_ssize_t>hlen, q, qlen) > 0:
                hi = mid
            else:
                lo = mid + 1
        return lo

    cdef Py_ssize_t _walk(self, _Cur* c, Py_ssize_t b, const uint8_t* q, Py_ssize_t qlen,
                          bint* found, _Stop* stop=NULL) noexcept nogil:
        """Rank of the first key >= q, q sorting at or after bucket b's head (open in c);
        *found: that key is q. ``stop``: where the walk stopped (the key it returned and,
        for a later probe of the same bucket, what it knew there), and, when stop.j > 0,
        where to start: a walk for a probe that sorts at or after the last one starts at the
        key the last one stopped at, not at the head."""
        cdef Py_ssize_t at, j, j0 = 1, cnt = self._count(b), m, k, base = b * self._b, pair
        cdef uint64_t hlen = 0, shared = 0, length = 0
        cdef const uint8_t* out
        cdef size_t o
        cdef uint8_t h
        found[0] = False
        if stop != NULL and stop.j > 0:
            if stop.j >= cnt:
                return base + cnt             # past the bucket's last key, as the last probe
            j0 = stop.j
            at = stop.at
            m = stop.m
        else:
            at = self._head(c, &hlen)
            m = fc_lcp(c.out + at, <Py_ssize_t>hlen, q, qlen)
            if m == <Py_ssize_t>hlen and m == qlen:
                found[0] = True
                if stop != NULL:
                    stop.j = 0                # the next probe starts at the head again
                return base
            at += <Py_ssize_t>hlen
        # the key before (the head here) sorts below q and shares its first m bytes with it;
        # a key that shares more with it than m is below q too and is passed over unread
        out = c.out
        o = c.o
        for j in range(j0, cnt):
            pair = at
            if <size_t>at + 21 > o:           # a pair is at most 21 bytes
                self._fill(c, <size_t>at + 21)
                o = c.o
            h = out[at]
            if h < 0xF0 and (h & 15) != 15:   # both fields in the one byte
                shared = h >> 4
                length = h & 15
                at += 1
            else:
                at = fc_pair(out, at, <Py_ssize_t>o, &shared, &length)
            if <Py_ssize_t>shared > m:        # differs from q where its predecessor did
                at += <Py_ssize_t>length
                continue
            if <Py_ssize_t>shared < m:        # larger than its predecessor where that matched q
                _stopped(stop, j, pair, m)
                return base + j
            if <size_t>at + length > o:
                self._fill(c, <size_t>at + length)
                o = c.o
            k = fc_lcp(out + at, <Py_ssize_t>length, q + m, qlen - m)
            if k == <Py_ssize_t>length:
                if m + k == qlen:
                    found[0] = True
                    _stopped(stop, j, pair, m)
                    return base + j
                m += k                        # a proper prefix of q: below it
            elif m + k == qlen or out[at + k] > q[m + k]:
                _stopped(stop, j, pair, m)
                return base + j               # q is a prefix of it, or it is larger
            else:
                m += k
            at += <Py_ssize_t>length
        _stopped(stop, cnt, at, m)
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
        """A numpy bool array: ``s in self`` for each of ``strings``, looped in C.

        The keys are copied as UTF-8 into one buffer and looked up in sorted order (a
        multikey quicksort, ``csrc/strsort.h``; answers go back to each key's place): each
        search starts from the bucket the one before found, a bucket two keys share is
        decoded once, and the walk for a key in the same bucket as the one before starts
        where that one stopped. Cost: the sort plus one lookup per key, most of them a few
        steps from the last; memory: the keys' UTF-8 and 33 bytes per key while it runs."""
        cdef list seq = list(strings)
        cdef Py_ssize_t i, k, n = len(seq), size, b, cur = -1, hint = -1, m = 0
        cdef const char* p
        cdef bint found
        cdef _Cur c
        out = np.zeros(n, dtype=np.bool_)
        cdef uint8_t[::1] res = out.view(np.uint8)
        cdef Bytes text = Bytes(max(256, 8 * n))
        offs_a = np.zeros(n + 1, dtype=np.uint64)
        order_a = np.zeros(n, dtype=np.uint64)
        cdef uint64_t[::1] off = offs_a, order = order_a
        for i in range(n):
            key = seq[i]
            off[i + 1] = off[i]
            if not PyUnicode_Check(key):
                continue
            if PyUnicode_IS_ASCII(key):
                p = PyUnicode_AsUTF8AndSize(key, &size)
                text.write(<const uint8_t*>p, size)
            else:
                raw = (<str>key).encode("utf-8", "surrogatepass")
                text.write(<const uint8_t*>PyBytes_AS_STRING(raw), len(raw))
            off[i + 1] = <uint64_t>text.n
            order[m] = <uint64_t>i
            m += 1
        if m > 1 and lr_sort_keys(&order[0], <size_t>m, text.p, &off[0]) < 0:
            raise MemoryError()
        # one buffer for the heads a search compares, one for the bucket kept decoded
        cdef Bytes heads = Bytes(self._scratch + 1), bucket = Bytes(self._scratch + 1)
        cdef _Stop stop
        cdef const uint8_t* q
        cdef const uint8_t* last = NULL
        cdef Py_ssize_t qlen, last_len = 0
        stop.j = 0
        for k in range(m):
            i = <Py_ssize_t>order[k]
            q = text.p + off[i]
            qlen = <Py_ssize_t>(off[i + 1] - off[i])
            b = self._locate(q, qlen, hint, heads.p)
            hint = b
            if b == 0:
                continue
            if b - 1 != cur:
                self._open(b - 1, &c, bucket.p, True)
                cur = b - 1
                stop.j = 0
            elif stop.j > 0:
                if fc_cmp(last, last_len, q, qlen) <= 0:
                    # last <= q, and key j - 1 < last: q shares with key j - 1 the shorter
                    # of what last shared with it and what q shares with last
                    stop.m = min(stop.m, fc_lcp(last, last_len, q, qlen))
                else:
                    stop.j = 0   # below the last probe (cannot happen once sorted): from the head
            self._walk(&c, b - 1, q, qlen, &found, &stop)
            last = q
            last_len = qlen
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

    def key_at(self, Py_ssize_t i):
        """The ``i``-th key in sorted order (select): a walk of at most 48 keys."""
        cdef Bytes key = Bytes(), dec = Bytes()
        cdef Py_ssize_t end
        cdef const uint8_t* d
        if not 0 <= i < self._n:
            raise IndexError(i)
        d = self._bucket(i // self._b, dec, &end)
        _walk_to(d, end, i % self._b, key)
        return key.text()

    def iter_range(self, Py_ssize_t lo, Py_ssize_t hi):
        """Yield keys ``lo`` to ``hi - 1`` in order, each rebuilt from the one before."""
        cdef Bytes key = Bytes(), dec = Bytes()
        cdef const uint8_t* d = NULL
        cdef Py_ssize_t i, b, j, at = 0, end = 0
        cdef uint64_t shared, length
        lo = max(lo, 0)
        hi = min(hi, self._n)
        i = lo
        while i < hi:
            b = i // self._b
            j = i % self._b
            if j == 0 or i == lo:
                d = self._bucket(b, dec, &end)
                at = _walk_to(d, end, j, key)
            else:
                at = fc_pair(d, at, end, &shared, &length)
                key.set(<Py_ssize_t>shared, d + at, <Py_ssize_t>length)
                at += <Py_ssize_t>length
            yield key.text()
            i += 1

    # -- size and files

    @property
    def nbytes(self):
        """Bytes of the buckets, the offsets array, the locator and the symbol table's bytes
        (the decoding table itself is part of this object's own size)."""
        return len(self.buffer) + self.offsets.nbytes + self._leads.nbytes + len(self.table)

    def to_bytes(self):
        """Header, offsets, symbol table, then the buckets."""
        head = _HEADER.pack(self._n, self._nb, len(self.buffer), self._b,
                            self.offsets.dtype.itemsize, len(self.table) // 9)
        return b"".join([head, self.offsets.tobytes(), self.table, bytes(self.buffer)])

    @staticmethod
    def from_buffer(view):
        """Open keys that :meth:`to_bytes` wrote from a bytes-like ``view`` (a memory map is
        used in place); ValueError for anything else (see the module docstring)."""
        view = memoryview(view).cast("B")
        if len(view) < _HEADER.size:
            raise ValueError("compact keys: payload shorter than its header")
        n, nb, size, bucket, width, nsym = _HEADER.unpack_from(view)
        if width not in (4, 8) or bucket < 1 or bucket > 1 << 16 or nsym > 255:
            raise ValueError(f"compact keys: offset width {width}, bucket {bucket}, "
                             f"{nsym} symbols")
        if nb != (n + bucket - 1) // bucket:
            raise ValueError(f"compact keys: {nb} buckets for {n} keys of {bucket} each")
        start = _HEADER.size
        end = start + (nb + 1) * width
        table_end = end + 9 * nsym
        if table_end + size != len(view):
            raise ValueError("compact keys: payload length does not match its header")
        offsets = np.frombuffer(view[start:end], dtype=np.uint32 if width == 4 else np.uint64)
        return CompactKeys(view[table_end:], offsets, n, bucket, bytes(view[end:table_end]))


cdef tuple _compress(Bytes out, const uint64_t[::1] offs):
    """Train a symbol table on a sample of the front-coded buckets out[offs[b]:offs[b + 1]]
    (see _Sample) and code every bucket with it.
    (coded bytes, their offsets, the table's bytes), or (None, None, b"") when coding does not
    make the buckets smaller."""
    cdef Py_ssize_t nb = offs.shape[0] - 1, b, i, seg
    cdef Bytes coded
    cdef lr_symtab t
    cdef uint64_t[::1] new
    cdef _Sample sample = _Sample(out.n, nb)
    for b in range(nb):
        sample.offer(b, out.p + offs[b], <Py_ssize_t>(offs[b + 1] - offs[b]))
    sample.train(&t)
    coded = Bytes(out.n // 2 + 64)
    new_offsets = np.zeros(nb + 1, dtype=np.uint64)
    new = new_offsets
    for b in range(nb):
        seg = <Py_ssize_t>(offs[b + 1] - offs[b])
        coded.reserve(coded.n + 2 * seg)
        coded.n += <Py_ssize_t>lr_sym_encode(&t, out.p + offs[b], <size_t>seg, coded.p + coded.n)
        new[b + 1] = <uint64_t>coded.n
    if coded.n >= out.n or t.n == 0:
        return None, None, b""
    return coded, new_offsets, _table_bytes(&t)


ctypedef fused span_t:
    uint32_t
    uint64_t


cdef int _put_spans(Bytes out, const uint8_t* text, const span_t[::1] spans, Py_ssize_t n,
                    Py_ssize_t bucket, uint64_t[::1] offs) except -1:
    """Write the n keys text[spans[i]:spans[i + 1]] (a SortedKeys' buffer and offsets, read
    in place whatever their width), each bucket's end into offs[1:]."""
    cdef Bytes prev = Bytes()
    cdef Py_ssize_t i, nb = 0
    for i in range(n):
        _put(out, prev, i % bucket, text + spans[i], <Py_ssize_t>(spans[i + 1] - spans[i]))
        if i % bucket == bucket - 1 or i == n - 1:
            nb += 1
            offs[nb] = out.n
    return 0


cdef Py_ssize_t _stream_bucket(const uint8_t* p, Py_ssize_t at, Py_ssize_t end,
                               Py_ssize_t count, Bytes key, Bytes out) except -1:
    """Append the next ``count`` front-coded keys of a KeyStream's bytes p[at:end] to out as
    one bucket: its head written whole, the other keys' pairs and bytes as they are. The
    position after them."""
    cdef Py_ssize_t j, start
    cdef uint64_t shared, length
    for j in range(count):
        start = at
        at = fc_pair(p, at, end, &shared, &length)
        if at < 0 or shared > <uint64_t>key.n or length > <uint64_t>(end - at):
            raise RuntimeError("the gathered keys are damaged")
        key.set(<Py_ssize_t>shared, p + at, <Py_ssize_t>length)
        at += <Py_ssize_t>length
        if j == 0:
            out.varint(<uint64_t>key.n)
            out.write(key.p, key.n)
        else:
            out.write(p + start, at - start)
    return at


cdef class _Sample:
    """The buckets a symbol table is trained on: every step-th bucket, step chosen from the
    buckets' total size so that about 64 KiB are taken, spread over all of them, and never
    more than 128 KiB. Built-in-memory and gathered keys take the same buckets, so they get
    the same table."""
    cdef Bytes data, ends
    cdef Py_ssize_t step, nseg, target

    def __cinit__(self, Py_ssize_t total, Py_ssize_t nb):
        self.target = 1 << 16
        self.step = max(1, total // self.target)
        self.data = Bytes(2 * self.target + 256)
        self.ends = Bytes((nb // self.step + 2) * sizeof(size_t))

    cdef int offer(self, Py_ssize_t b, const uint8_t* bucket, Py_ssize_t size) except -1:
        if b % self.step == 0 and (self.nseg == 0 or self.data.n + size <= 2 * self.target):
            self.data.write(bucket, size)
            (<size_t*>self.ends.p)[self.nseg] = <size_t>self.data.n
            self.nseg += 1
        return 0

    cdef int train(self, lr_symtab* t) except -1:
        if lr_symtab_train(t, self.data.p, <size_t*>self.ends.p, <size_t>self.nseg) < 0:
            raise MemoryError()
        return 0


cdef tuple _from_stream(const uint8_t[::1] data, Py_ssize_t n, Py_ssize_t bucket,
                        uint64_t[::1] offs, bint compress):
    """The n keys of a KeyStream's bytes in buckets, coded as they are made, so the uncoded
    buckets are never held: passes over the keys make every bucket again, to size them, to
    sample them (_Sample), and to code each straight into the output. (output, table bytes);
    the table is empty when coding does not make the buckets smaller (then they are written
    as they are)."""
    cdef Py_ssize_t nb = offs.shape[0] - 1, b, at, end = data.shape[0], raw = 0, npass
    cdef const uint8_t* p = &data[0] if end else NULL
    cdef Bytes key = Bytes(), one = Bytes(), out = Bytes(max(256, end // 2))
    cdef _Sample sample = None
    cdef lr_symtab t
    cdef bint coded = compress and n > 0
    # pass 0: the buckets' total size; 1: the sample; 2: the output (3: as they are)
    for npass in range(0 if coded else 2, 4):
        at = 0
        key.n = 0
        out.n = 0
        if npass == 1:
            sample = _Sample(raw, nb)
        for b in range(nb):
            one.n = 0
            at = _stream_bucket(p, at, end, min(bucket, n - b * bucket), key, one)
            if npass == 0:
                raw += one.n
            elif npass == 1:
                sample.offer(b, one.p, one.n)
            elif coded:
                out.reserve(out.n + 2 * one.n)
                out.n += <Py_ssize_t>lr_sym_encode(&t, one.p, <size_t>one.n, out.p + out.n)
                offs[b + 1] = <uint64_t>out.n
            else:
                out.write(one.p, one.n)
                offs[b + 1] = <uint64_t>out.n
        if npass == 1:
            sample.train(&t)
            sample = None
            coded = t.n > 0
        elif npass >= 2:
            if not coded or out.n < raw:
                break
            coded = False   # coding made them no smaller: write them as they are
    if not coded:
        return out, b""
    return out, _table_bytes(&t)


cdef bytes _table_bytes(lr_symtab* t):
    """The table as a file holds it: the lengths, then each symbol in 8 bytes."""
    lens = bytes([t.len[i] for i in range(t.n)])
    syms = b"".join([(<uint64_t>t.sym[i]).to_bytes(8, "little") for i in range(t.n)])
    return lens + syms


cdef int _put(Bytes out, Bytes prev, Py_ssize_t j, const uint8_t* s, Py_ssize_t size) except -1:
    """Write key s as key j of its bucket (whole when j is 0), and remember it in prev."""
    cdef Py_ssize_t shared = 0
    if j:
        shared = fc_lcp(prev.p, prev.n, s, size)
        fc_put_pair(out, <uint64_t>shared, <uint64_t>(size - shared))
    else:
        out.varint(<uint64_t>size)
    out.write(s + shared, size - shared)
    prev.set(0, s, size)
    return 0
