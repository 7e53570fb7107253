# cython: language_level=3
"""A compiled reader of libdatrie's serialised trie (what ``datrie.BaseTrie.write`` writes).

datrie builds the trie; lowram reads it here rather than through datrie's objects, because
a flat array read in C is what the wrapper improves on: a lookup reads the query's code
points in place (datrie encodes every query to UTF-32 first), a batch of lookups runs
without a Python call per key, the trie opens in place from a memory map, its memory is its
buffer plus one offset per tail block (and a few small code-point tables), and a malformed
buffer is refused or, if it passes the checks, can only give wrong answers: libdatrie
itself reads any index it finds.

Every index read from the buffer is bounds-checked (cells against the cell count, tail
blocks against the block count, in 64-bit arithmetic), and iteration never descends into
the root again: as ``check`` names a state's one parent, a path can only revisit a state
through the root, so each state is visited at most once and every walk ends.

Format (libdatrie's ``trie_fwrite``; every integer big-endian, signed 32-bit unless said):

* alpha map: signature 0xD9FCD9FC, the number of ranges, then each range's first and last
  code point. Trie characters 1, 2, 3... go to the code points of the ranges in order
  (``alpha_map_recalc_work_area``); 0 is the end-of-key marker, so at most 255 code points.
* double array: cell 0 is (signature 0xDAFCDAFC, number of cells including cell 0), then
  each further cell's (base, check). The root is state 2; state ``s`` has the child
  ``t = base[s] + c`` for trie character ``c`` when ``check[t] == s``. A state whose base is
  negative ends the branching part of its key: the rest is in tail block ``-base``.
* tail: signature 0xDFFCDFFC, the first free block, the number of blocks, then per block
  (numbered from 1) the next free block, the int32 data of the key, an int16 length and
  that many trie characters (the key's suffix, without the end-of-key marker).

``trie_retrieve`` walks the key's trie characters, then 0, through the double array until a
state whose key goes on in the tail, then matches the rest of the key (0 included) against
the suffix. Children are visited in trie-character order (0 first), which is code-point
order, so iteration yields keys sorted by code point.
"""

import numpy as np

from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.unicode cimport PyUnicode_Check
from libc.stdint cimport int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memset

from ...errors import FormatError

cdef extern from "pystr.h":
    # a str's length reads 0 until it is ready (strs of the old wide-char API, Python < 3.12)
    int lowram_str_ready(object s) except -1
    int lowram_ready_all(list seq) except -1

cdef extern from "Python.h":
    int PyUnicode_KIND(object)
    void* PyUnicode_DATA(object)
    uint32_t PyUnicode_READ(int, void*, Py_ssize_t) nogil
    Py_ssize_t PyUnicode_GET_LENGTH(object)
    object PyUnicode_FromKindAndData(int, const void*, Py_ssize_t)
    int PyUnicode_4BYTE_KIND

cdef extern from *:
    void __builtin_prefetch(const void*) nogil

DEF _LANES = 8
# buffers from this size walk contains_many's keys in lanes: about where, in ad-hoc timings
# on a 2 MiB-L2 Xeon (no benchmark in the repo prints them), lanes overtook the plain loop
DEF _LANES_FROM = 4 << 20
DEF _ROOT = 2
DEF _ALPHA_SIG = 0xD9FCD9FC
DEF _DA_SIG = 0xDAFCDAFC
DEF _TAIL_SIG = 0xDFFCDFFC


cdef inline int32_t _be32(const uint8_t* p) noexcept nogil:
    # compilers turn this into one load and a byte swap
    return <int32_t>((<uint32_t>p[0] << 24) | (<uint32_t>p[1] << 16) | (<uint32_t>p[2] << 8)
                     | <uint32_t>p[3])


cdef inline int16_t _be16(const uint8_t* p) noexcept nogil:
    return <int16_t>((<uint32_t>p[0] << 8) | <uint32_t>p[1])


ctypedef fused _ucs:
    uint8_t
    uint16_t
    uint32_t


cdef class DatrieDict:
    """A libdatrie trie over a bytes-like buffer (``datrie.BaseTrie.write``), used in place
    if its owner is read-only (bytes, a read-only map); a writable one is copied, so that
    the bytes cannot change after the checks.

    Opening checks the structure (``lowram.FormatError`` if malformed) and indexes the tail
    blocks: O(size) time; besides the buffer it holds 4 bytes per tail block and a 256-byte
    table per 256-code-point block of the alphabet. A lookup costs O(len(key))
    bounds-checked steps.

    >>> import datrie, tempfile
    >>> t = datrie.BaseTrie(alphabet="abc")
    >>> t["ab"] = 1; t["abc"] = 2; t["b"] = 3
    >>> with tempfile.TemporaryFile() as fh:
    ...     t.write(fh); _ = fh.seek(0); d = DatrieDict(fh.read())
    >>> "abc" in d, "a" in d, list(d.iter_keys("a")), d.prefix_lengths("abcd"), d.value_of("b")
    (True, False, ['ab', 'abc'], [2, 3], 3)
    """

    cdef readonly object buffer
    cdef const uint8_t[::1] _view
    cdef const uint8_t* _cells  # cell 0 of the double array (8 bytes a cell)
    cdef int64_t _ncells
    cdef const uint8_t* _tail  # the first tail block
    cdef uint32_t* _offsets  # byte offset of each tail block from _tail
    cdef int64_t _ntails
    cdef int64_t _limit  # values outside [0, _limit) count as absent (no limit if < 0)
    cdef int _nchars  # trie characters 1.._nchars are in use
    cdef int _nranges
    # code point < 0x10000 -> trie character (0: not in the alphabet): _pages[cp >> 8] is a
    # 256-byte table, the shared zero table (_page_mem's first) for blocks with no character
    cdef const uint8_t* _pages[256]
    cdef uint8_t* _page_mem
    cdef Py_ssize_t _npages
    cdef uint32_t _rfirst[256]  # ranges: first code point, last, trie character of first
    cdef uint32_t _rlast[256]
    cdef uint32_t _rtc[256]
    cdef uint32_t _chars[256]  # trie character -> code point

    def __cinit__(self, buffer, long long value_limit=-1):
        view = memoryview(buffer).cast("B")
        if view.readonly and view.obj is not None:
            owner = memoryview(view.obj)  # a read-only view of a bytearray is still writable
            writable = not owner.readonly
            owner.release()
        else:
            writable = not view.readonly
        if writable:
            # the checks below hold only while the bytes do not change: keep a copy of a
            # writable buffer (a bytearray, a writable map, a read-only view of either)
            buffer = view.tobytes()
            view = memoryview(buffer)
        self._view = view
        self._offsets = NULL
        self._limit = value_limit
        cdef Py_ssize_t size = len(view)
        cdef const uint8_t* p = &self._view[0] if size else NULL
        cdef int64_t pos = 0, nranges, first, last, prev = 0, nchars = 0, i, ncells
        cdef int64_t ntails, length, j, start
        cdef uint32_t c
        self._page_mem = NULL
        memset(self._chars, 0, sizeof(self._chars))
        # alpha map
        if size < 8 or <uint32_t>_be32(p) != _ALPHA_SIG:
            raise FormatError("datrie data: bad alphabet signature")
        nranges = _be32(p + 4)
        if nranges < 0 or nranges > 255 or 8 + 8 * nranges > size:
            raise FormatError(f"datrie data: {nranges} alphabet ranges do not fit the data")
        pos = 8
        for i in range(nranges):
            first = _be32(p + pos)
            last = _be32(p + pos + 4)
            pos += 8
            if first < 1 or last < first or last > 0x10FFFF or first <= prev:
                raise FormatError(f"datrie data: alphabet range {first}..{last} is reversed, "
                                  f"out of order, overlapping or outside Unicode")
            if nchars + (last - first + 1) > 255:
                raise FormatError("datrie data: the alphabet has more than 255 characters")
            self._rfirst[i] = <uint32_t>first
            self._rlast[i] = <uint32_t>last
            self._rtc[i] = <uint32_t>(nchars + 1)
            for j in range(last - first + 1):
                c = <uint32_t>(first + j)
                nchars += 1
                self._chars[nchars] = c
            prev = last
        self._nchars = <int>nchars
        self._nranges = <int>nranges
        self._index_pages()
        # double array
        if pos + 8 > size or <uint32_t>_be32(p + pos) != _DA_SIG:
            raise FormatError("datrie data: bad double-array signature")
        ncells = _be32(p + pos + 4)
        if ncells < _ROOT + 1 or pos + 8 * ncells > size:
            raise FormatError(f"datrie data: {ncells} double-array cells do not fit the data")
        self._cells = p + pos
        self._ncells = ncells
        pos += 8 * ncells
        # tail
        if pos + 12 > size or <uint32_t>_be32(p + pos) != _TAIL_SIG:
            raise FormatError("datrie data: bad tail signature")
        ntails = _be32(p + pos + 8)
        pos += 12
        if ntails < 0 or 10 * ntails > size - pos:
            raise FormatError(f"datrie data: {ntails} tail blocks do not fit the data")
        if size - pos >= 0x100000000:
            raise FormatError("datrie data: a tail of 4 GiB or more is not supported")
        self._tail = p + pos
        self._ntails = ntails
        self._offsets = <uint32_t*>PyMem_Malloc(max(ntails, 1) * sizeof(uint32_t))
        if self._offsets == NULL:
            raise MemoryError()
        start = pos
        for i in range(ntails):
            if pos + 10 > size:
                raise FormatError(f"datrie data: tail block {i + 1} is truncated")
            length = _be16(p + pos + 8)
            if length < 0 or pos + 10 + length > size:
                raise FormatError(f"datrie data: tail block {i + 1} has a bad length {length}")
            self._offsets[i] = <uint32_t>(pos - start)
            for j in range(length):
                if p[pos + 10 + j] == 0 or p[pos + 10 + j] > nchars:
                    raise FormatError(f"datrie data: tail block {i + 1} holds a character "
                                      f"outside the alphabet")
            pos += 10 + length
        if pos != size:
            raise FormatError(f"datrie data: {size - pos} bytes follow the tail")
        self.buffer = buffer

    def __dealloc__(self):
        PyMem_Free(self._offsets)
        PyMem_Free(self._page_mem)

    cdef int _index_pages(self) except -1:
        # the 256-code-point blocks below 0x10000 that hold alphabet characters get a table
        cdef int tc, page, npages = 1
        cdef uint8_t seen[256]
        memset(seen, 0, sizeof(seen))
        for tc in range(1, self._nchars + 1):
            if self._chars[tc] < 0x10000 and not seen[self._chars[tc] >> 8]:
                seen[self._chars[tc] >> 8] = <uint8_t>npages
                npages += 1
        self._page_mem = <uint8_t*>PyMem_Malloc(256 * npages)
        if self._page_mem == NULL:
            raise MemoryError()
        memset(self._page_mem, 0, 256 * npages)
        self._npages = npages
        for page in range(256):
            self._pages[page] = self._page_mem + 256 * seen[page]
        for tc in range(1, self._nchars + 1):
            if self._chars[tc] < 0x10000:
                self._page_mem[256 * seen[self._chars[tc] >> 8] + (self._chars[tc] & 0xFF)] = \
                    <uint8_t>tc
        return 0

    # -- reading the arrays (every index bounds-checked by the callers' invariants)
    cdef inline int32_t _base(self, int64_t s) noexcept nogil:
        return _be32(self._cells + 8 * s)

    cdef inline int32_t _check(self, int64_t s) noexcept nogil:
        return _be32(self._cells + 8 * s + 4)

    cdef inline int64_t _child(self, int64_t s, int32_t base, uint32_t c) noexcept nogil:
        # the child of state ``s`` (whose base is ``base`` >= 0) by trie character c, or -1
        cdef int64_t t = <int64_t>base + c
        if <uint64_t>t >= <uint64_t>self._ncells or self._check(t) != s:
            return -1
        return t

    cdef inline const uint8_t* _block(self, int32_t base) noexcept nogil:
        # the tail block of a separate state (base < 0), or NULL
        cdef int64_t t = -(<int64_t>base)
        if t < 1 or t > self._ntails:
            return NULL
        return self._tail + self._offsets[t - 1]

    cdef inline bint _value_ok(self, const uint8_t* block) noexcept nogil:
        cdef int32_t v
        if self._limit < 0:
            return True
        v = _be32(block + 4)
        return 0 <= v < self._limit

    cdef inline uint32_t _tc(self, uint32_t cp) noexcept nogil:
        # the trie character of code point cp, 0 when it is not in the alphabet
        cdef int lo = 0, hi = self._nranges - 1, mid
        if cp < 0x10000:
            return self._pages[cp >> 8][cp & 0xFF]
        while lo <= hi:
            mid = (lo + hi) >> 1
            if cp < self._rfirst[mid]:
                hi = mid - 1
            elif cp > self._rlast[mid]:
                lo = mid + 1
            else:
                return self._rtc[mid] + (cp - self._rfirst[mid])
        return 0

    cdef inline int64_t _step(self, int64_t s, int32_t base, int kind, void* data,
                              Py_ssize_t i) noexcept nogil:
        # the child of state ``s`` (base ``base`` >= 0) by code point i of a str, or -1
        cdef uint32_t c = self._tc(PyUnicode_READ(kind, data, i))
        if c == 0:
            return -1
        return self._child(s, base, c)

    cdef inline bint _match(self, const uint8_t* block, int kind, void* data, Py_ssize_t i,
                            Py_ssize_t m) noexcept nogil:
        # whether code points i..i+m-1 of a str are the first m characters of the suffix
        cdef Py_ssize_t k
        for k in range(m):
            if self._tc(PyUnicode_READ(kind, data, i + k)) != block[10 + k]:
                return False
        return True

    cdef inline bint _tail_match(self, const uint8_t* block, int kind, void* data,
                                 Py_ssize_t i, Py_ssize_t n) noexcept nogil:
        # whether code points i..n-1 of the query are exactly the block's suffix
        return _be16(block + 8) == n - i and self._match(block, kind, data, i, n - i)

    cdef inline const uint8_t* _key_end(self, int64_t s, int32_t base) noexcept nogil:
        # the tail block of the key ending at state ``s`` (its end-marker child), or NULL
        cdef int64_t t = self._child(s, base, 0)
        cdef const uint8_t* block
        if t < 0:
            return NULL
        block = self._block(self._base(t))
        if block == NULL or _be16(block + 8) != 0:
            return NULL
        return block

    cdef const uint8_t* _find(self, int kind, void* data, Py_ssize_t n) noexcept nogil:
        # the tail block holding the key (code points ``data[:n]``), or NULL; one loop per
        # str storage width, so no step re-reads the width
        if kind == 1:
            return _find_in(self, <const uint8_t*>data, n)
        if kind == 2:
            return _find_in(self, <const uint16_t*>data, n)
        return _find_in(self, <const uint32_t*>data, n)

    cdef inline const uint8_t* _lookup(self, key) noexcept:
        cdef const uint8_t* block
        if not PyUnicode_Check(key) or lowram_str_ready(key) < 0:
            return NULL  # (a str that cannot be readied: out of memory, error left set)
        block = self._find(PyUnicode_KIND(key), PyUnicode_DATA(key), PyUnicode_GET_LENGTH(key))
        if block != NULL and self._value_ok(block):
            return block
        return NULL

    def __contains__(self, key):
        return self._lookup(key) != NULL

    def value_of(self, key):
        """The int32 data stored with ``key``, or -1 when it is not stored. O(len(key))."""
        cdef const uint8_t* block = self._lookup(key)
        if block == NULL:
            return -1
        return _be32(block + 4)

    def contains_many(self, list strings, int lanes=-1):
        """Numpy bool array: ``s in self`` for each of ``strings``, looped in C.

        A trie larger than the processor's cache is walked eight keys at once, one step of
        each in turn, prefetching what each lane reads next (its next cell, then its tail
        offset, then its tail block) a round before reading it: the reads of a round are
        independent, so the processor overlaps their cache misses instead of waiting for
        each (a lookup is a chain of dependent reads). A smaller trie stays in cache, where
        the plain loop is faster (it branches predictably). ``lanes``: 1 or 0 forces either
        walk (for tests), -1 picks by size. O(total length of the keys).
        """
        lowram_ready_all(strings)
        cdef Py_ssize_t n = len(strings), nxt = 0, active = 0, lane
        cdef int kinds[_LANES]
        cdef void* datas[_LANES]
        cdef Py_ssize_t lens[_LANES]
        cdef Py_ssize_t pos[_LANES]  # code points walked (lens + 1: the end marker too)
        cdef int64_t state[_LANES]
        cdef int64_t pending[_LANES]  # the child to verify next round (-1: none)
        cdef int stage[_LANES]  # 0: walking the double array, 1: tail offset, 2: tail block
        cdef int64_t tix[_LANES]
        cdef const uint8_t* blocks[_LANES]
        cdef Py_ssize_t slot[_LANES]
        cdef int64_t t
        cdef int32_t base
        cdef uint32_t c
        cdef const uint8_t* block
        cdef bint found
        # no Python code runs in this loop, so the list keeps every key a lane reads alive
        cdef const uint8_t* cells = self._cells
        cdef int64_t ncells = self._ncells
        out = np.zeros(n, dtype=np.bool_)
        cdef unsigned char[::1] res = out.view(np.uint8)
        if n == 0:
            return out
        if lanes == 0 or (lanes < 0 and len(self._view) < _LANES_FROM):
            for lane in range(n):
                res[lane] = self._lookup(strings[lane]) != NULL
            return out
        for lane in range(_LANES):
            slot[lane] = -1
        while True:
            for lane in range(_LANES):
                while slot[lane] < 0 and nxt < n:
                    key = strings[nxt]
                    nxt += 1
                    if not PyUnicode_Check(key):
                        continue
                    kinds[lane] = PyUnicode_KIND(key)
                    datas[lane] = PyUnicode_DATA(key)
                    lens[lane] = PyUnicode_GET_LENGTH(key)
                    pos[lane] = 0
                    state[lane] = _ROOT
                    pending[lane] = -1
                    stage[lane] = 0
                    slot[lane] = nxt - 1
                    active += 1
            if active == 0:
                return out
            for lane in range(_LANES):
                if slot[lane] < 0:
                    continue
                if stage[lane] == 2:
                    block = blocks[lane]
                    if pos[lane] > lens[lane]:
                        found = _be16(block + 8) == 0
                    else:
                        found = self._tail_match(block, kinds[lane], datas[lane], pos[lane],
                                                 lens[lane])
                    res[slot[lane]] = found and self._value_ok(block)
                    slot[lane] = -1
                    active -= 1
                    continue
                if stage[lane] == 1:
                    block = self._tail + self._offsets[tix[lane] - 1]
                    __builtin_prefetch(block)
                    blocks[lane] = block
                    stage[lane] = 2
                    continue
                t = pending[lane]
                if t >= 0:
                    pending[lane] = -1
                    if _be32(cells + 8 * t + 4) != state[lane]:
                        slot[lane] = -1
                        active -= 1
                        continue
                    state[lane] = t
                base = _be32(cells + 8 * state[lane])
                if base < 0:
                    t = -(<int64_t>base)
                    if t > self._ntails:
                        slot[lane] = -1
                        active -= 1
                        continue
                    __builtin_prefetch(self._offsets + t - 1)
                    tix[lane] = t
                    stage[lane] = 1
                    continue
                if pos[lane] >= lens[lane]:
                    if pos[lane] > lens[lane]:
                        # the end marker leads to the tail in a valid trie
                        slot[lane] = -1
                        active -= 1
                        continue
                    c = 0
                else:
                    c = self._tc(PyUnicode_READ(kinds[lane], datas[lane], pos[lane]))
                    if c == 0:
                        slot[lane] = -1
                        active -= 1
                        continue
                t = <int64_t>base + c
                if t >= ncells:
                    slot[lane] = -1
                    active -= 1
                    continue
                __builtin_prefetch(cells + 8 * t)
                pending[lane] = t
                pos[lane] += 1

    def has_prefix(self, str prefix not None):
        """Whether some key starts with ``prefix``: one walk, O(len(prefix))."""
        lowram_str_ready(prefix)
        cdef int kind = PyUnicode_KIND(prefix)
        cdef void* data = PyUnicode_DATA(prefix)
        cdef Py_ssize_t i, n = PyUnicode_GET_LENGTH(prefix)
        cdef int64_t s = _ROOT
        cdef int32_t base
        cdef const uint8_t* block
        for i in range(n + 1):
            base = self._base(s)
            if base < 0:
                block = self._block(base)
                return (block != NULL and _be16(block + 8) >= n - i
                        and self._match(block, kind, data, i, n - i) and self._value_ok(block))
            if i == n:
                return True
            s = self._step(s, base, kind, data, i)
            if s < 0:
                return False
        return True

    def prefix_lengths(self, str key not None, bint values=False):
        """Lengths of the stored keys that are prefixes of ``key``, ascending, or
        (length, value) pairs with ``values=True``. O(len(key))."""
        lowram_str_ready(key)
        cdef int kind = PyUnicode_KIND(key)
        cdef void* data = PyUnicode_DATA(key)
        cdef Py_ssize_t i = 0, n = PyUnicode_GET_LENGTH(key), length = 0
        cdef int64_t s = _ROOT
        cdef int32_t base
        cdef const uint8_t* block
        out = []
        while True:
            base = self._base(s)
            if base < 0:
                # the last candidate: the key goes on in the tail
                block = self._block(base)
                if block != NULL:
                    length = _be16(block + 8)
                    if length > n - i or i + length == 0 or \
                            not self._match(block, kind, data, i, length):
                        block = NULL
                i += length
            else:
                block = self._key_end(s, base) if i > 0 else NULL
            if block != NULL and self._value_ok(block):
                if values:
                    out.append((i, _be32(block + 4)))
                else:
                    out.append(i)
            if base < 0 or i == n:
                return out
            s = self._step(s, base, kind, data, i)
            if s < 0:
                return out
            i += 1

    def iter_keys(self, str prefix not None="", bint values=False):
        """Iterator over the keys starting with ``prefix`` in code-point order, or
        (key, value) pairs with ``values=True``. O(len(prefix)) to start, then O(1)
        amortised steps per key (each state of the trie is visited at most once)."""
        cdef _Walker w = _Walker.__new__(_Walker)
        w._start(self, prefix, values)
        return w

    def count(self):
        """Number of keys, by one walk over the trie without building them: O(size)."""
        cdef _Walker w = _Walker.__new__(_Walker)
        cdef Py_ssize_t n = 0
        w._start(self, "", False)
        while w._advance():
            n += 1
        return n

    @property
    def nbytes(self):
        """Bytes held besides the object: the buffer, the tail-block offsets and the
        alphabet's code-point tables."""
        return len(self._view) + 4 * self._ntails + 256 * self._npages


cdef const uint8_t* _find_in(DatrieDict d, const _ucs* data, Py_ssize_t n) noexcept nogil:
    # DatrieDict._find for a str stored with code units of type _ucs
    cdef int64_t s = _ROOT
    cdef int32_t base
    cdef Py_ssize_t i = 0, k
    cdef uint32_t c
    cdef const uint8_t* block
    while True:
        base = d._base(s)
        if base < 0:
            block = d._block(base)
            if block == NULL or _be16(block + 8) != n - i:
                return NULL
            for k in range(n - i):
                if d._tc(data[i + k]) != block[10 + k]:
                    return NULL
            return block
        if i == n:
            # the end-of-key marker: its child must be a separate state, empty suffix
            return d._key_end(s, base)
        c = d._tc(data[i])
        if c == 0:
            return NULL
        s = d._child(s, base, c)
        if s < 0:
            return NULL
        i += 1


cdef void* _resized(void* p, size_t size) except NULL:
    # PyMem_Realloc that raises MemoryError (``p`` stays valid then)
    cdef void* q = PyMem_Realloc(p, size)
    if q == NULL:
        raise MemoryError()
    return q


cdef class _Walker:
    """Depth-first walk over a DatrieDict's keys (an iterator; see DatrieDict.iter_keys)."""

    cdef DatrieDict d
    cdef int64_t* states  # the states on the path from the start
    cdef uint32_t* nextc  # per level, the next trie character to try
    cdef uint32_t* key  # code points of the key being built
    cdef Py_ssize_t depth, keylen, cap, keycap, found_len
    cdef const uint8_t* found  # the tail block of the current key
    cdef const uint8_t* single  # a key reached in the tail while walking the prefix
    cdef bint values

    def __dealloc__(self):
        PyMem_Free(self.states)
        PyMem_Free(self.nextc)
        PyMem_Free(self.key)

    cdef int _grow(self, Py_ssize_t depth, Py_ssize_t keylen) except -1:
        # room for ``depth`` + 1 levels and ``keylen`` + 1 code points
        cdef Py_ssize_t cap
        if depth >= self.cap:
            cap = max(16, 2 * depth)
            self.states = <int64_t*>_resized(self.states, cap * sizeof(int64_t))
            self.nextc = <uint32_t*>_resized(self.nextc, cap * sizeof(uint32_t))
            self.cap = cap
        if keylen >= self.keycap:
            cap = max(64, 2 * keylen)
            self.key = <uint32_t*>_resized(self.key, cap * sizeof(uint32_t))
            self.keycap = cap
        return 0

    cdef int _start(self, DatrieDict d, str prefix, bint values) except -1:
        lowram_str_ready(prefix)
        cdef int kind = PyUnicode_KIND(prefix)
        cdef void* data = PyUnicode_DATA(prefix)
        cdef Py_ssize_t i, n = PyUnicode_GET_LENGTH(prefix), k, length
        cdef int64_t s = _ROOT
        cdef int32_t base
        cdef const uint8_t* block
        self.d = d
        self.values = values
        self.depth = 0
        self.single = NULL
        self._grow(1, n + 1)
        for i in range(n + 1):
            base = d._base(s)
            if base < 0:
                # the key goes on in the tail: the one key under the prefix, if it matches
                block = d._block(base)
                if block == NULL:
                    return 0
                length = _be16(block + 8)
                if length < n - i or i + length == 0 or not d._value_ok(block) or \
                        not d._match(block, kind, data, i, n - i):
                    return 0
                self._grow(1, i + length + 1)
                for k in range(length):
                    self.key[i + k] = d._chars[block[10 + k]]
                for k in range(i):
                    self.key[k] = PyUnicode_READ(kind, data, k)
                self.single = block
                self.found_len = i + length
                return 0
            if i == n:
                break
            s = d._step(s, base, kind, data, i)
            if s < 0 or s == _ROOT:
                return 0
        for k in range(n):
            self.key[k] = PyUnicode_READ(kind, data, k)
        self.keylen = n
        self.states[0] = s
        self.nextc[0] = 0
        self.depth = 1
        return 0

    cdef int _advance(self) except -1:
        # move to the next key: 1 with ``found``/``found_len`` set, 0 at the end
        cdef DatrieDict d = self.d
        cdef int64_t s, t
        cdef int32_t base, tbase
        cdef uint32_t c, nchars = d._nchars
        cdef Py_ssize_t length, k
        cdef const uint8_t* block
        if self.single != NULL:
            self.found = self.single
            self.single = NULL
            return 1
        while self.depth > 0:
            s = self.states[self.depth - 1]
            base = d._base(s)
            c = self.nextc[self.depth - 1]
            t = -1
            while c <= nchars:
                t = d._child(s, base, c)
                if t >= 0 and t != _ROOT:
                    break
                c += 1
            if c > nchars:
                self.depth -= 1
                if self.depth > 0:
                    self.keylen -= 1
                continue
            self.nextc[self.depth - 1] = c + 1
            tbase = d._base(t)
            if tbase >= 0:
                if c == 0:
                    continue  # the end-of-key marker leads to the tail in a valid trie
                self._grow(self.depth + 1, self.keylen + 1)
                self.key[self.keylen] = d._chars[c]
                self.keylen += 1
                self.states[self.depth] = t
                self.nextc[self.depth] = 0
                self.depth += 1
                continue
            block = d._block(tbase)
            if block == NULL or not d._value_ok(block):
                continue
            length = _be16(block + 8)
            if c == 0:
                if length != 0 or self.keylen == 0:
                    continue
                self.found = block
                self.found_len = self.keylen
                return 1
            self._grow(self.depth, self.keylen + 1 + length)
            self.key[self.keylen] = d._chars[c]
            for k in range(length):
                self.key[self.keylen + 1 + k] = d._chars[block[10 + k]]
            self.found = block
            self.found_len = self.keylen + 1 + length
            return 1
        return 0

    def __iter__(self):
        return self

    def __next__(self):
        if not self._advance():
            raise StopIteration
        key = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, self.key, self.found_len)
        if self.values:
            return key, _be32(self.found + 4)
        return key
