# cython: language_level=3
"""Write libdatrie's file format straight from sorted keys: the ``datrie`` backend's build.

libdatrie (through the datrie package) inserts keys one at a time, relocating states in its
double array as it goes, and slows as the array fills (tens of thousands of keys a second,
fewer as the trie grows). Sorted keys let the trie be laid out in one pass instead: each state
is placed once, when all its children are known, at the first base where they all fit.

The layout is libdatrie's own (``trie_fwrite``; the reader is ``_datriedic.pyx``, whose
docstring describes it), so ``datrie.BaseTrie.load`` reads the file too:

* the alphabet: the keys' code points in runs of consecutive ones, trie characters 1, 2, ...
  given in code-point order, so byte order of the trie-character strings is code-point order;
* a key is its trie characters and 0 (the end-of-key marker); a state with one key below it
  is separate: its base is minus a tail block holding the rest of the key's characters (the
  marker not written), as libdatrie's ``trie_branch_in_branch`` leaves it. The root (state 2)
  always branches;
* a state's base is at least 3 (libdatrie's ``DA_POOL_BEGIN``); the cells left unused are
  linked into libdatrie's free list (cell 1 its head, ascending, ``base = -prev``,
  ``check = -next``), so libdatrie can insert into the loaded trie; every tail block is in use
  (``next_free = -1``, no free block).

Cost: O(total characters) to code the keys plus the base searches, which scan from the first
free cell; memory: the keys' trie characters, 8 bytes per key, and the arrays written.
"""

import numpy as np

from cpython.mem cimport PyMem_Free, PyMem_Realloc
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t
from libc.string cimport memset

from lowram._native._bytes cimport Bytes

cdef enum:
    _ROOT = 2
    _POOL_BEGIN = 3
    _WINDOW = 4096

_ALPHA_SIG = 0xD9FCD9FC
_DA_SIG = 0xDAFCDAFC
_TAIL_SIG = 0xDFFCDFFC


cdef struct _Frame:
    int64_t state
    int64_t depth
    int64_t lo
    int64_t hi


cdef void* _grown(void* p, int64_t old, int64_t cap, size_t item) except NULL:
    """p (old items; NULL: none) reallocated to cap items, the new ones zero."""
    cdef void* q = PyMem_Realloc(p, cap * item)
    if q == NULL:
        raise MemoryError()
    memset(<char*>q + old * item, 0, (cap - old) * item)
    return q


cdef class _Array:
    """The double array being laid out: base and check of each cell, which are used, and
    for the base search, each cell's next free cell (path-compressed jumps past used runs)
    and how often a free cell was tried as a state's first child and did not fit."""
    cdef int32_t* base
    cdef int32_t* check
    cdef uint8_t* used
    cdef uint8_t* tries
    cdef int32_t* nxt      # nxt[i] == i: i is free; else a cell at or before the next free
    cdef int64_t cap, size, start

    def __cinit__(self):
        cdef int64_t i
        self.cap = 1024
        self.base = <int32_t*>_grown(NULL, 0, self.cap, sizeof(int32_t))
        self.check = <int32_t*>_grown(NULL, 0, self.cap, sizeof(int32_t))
        self.used = <uint8_t*>_grown(NULL, 0, self.cap, 1)
        self.tries = <uint8_t*>_grown(NULL, 0, self.cap, 1)
        self.nxt = <int32_t*>_grown(NULL, 0, self.cap, sizeof(int32_t))
        for i in range(self.cap):
            self.nxt[i] = <int32_t>i
        for i in range(_POOL_BEGIN):
            self._take(i)
        self.size = _POOL_BEGIN
        self.start = _POOL_BEGIN

    def __dealloc__(self):
        PyMem_Free(self.base)
        PyMem_Free(self.check)
        PyMem_Free(self.used)
        PyMem_Free(self.tries)
        PyMem_Free(self.nxt)

    cdef int grow(self, int64_t need) except -1:
        cdef int64_t cap = self.cap, i
        if need <= cap:
            return 0
        while cap < need:
            cap *= 2
        if cap > 0x7FFFFFFF:
            raise OverflowError("the trie needs more than 2**31 double-array cells")
        self.base = <int32_t*>_grown(self.base, self.cap, cap, sizeof(int32_t))
        self.check = <int32_t*>_grown(self.check, self.cap, cap, sizeof(int32_t))
        self.used = <uint8_t*>_grown(self.used, self.cap, cap, 1)
        self.tries = <uint8_t*>_grown(self.tries, self.cap, cap, 1)
        self.nxt = <int32_t*>_grown(self.nxt, self.cap, cap, sizeof(int32_t))
        for i in range(self.cap, cap):
            self.nxt[i] = <int32_t>i
        self.cap = cap
        return 0

    cdef inline void _take(self, int64_t i) noexcept:
        self.used[i] = 1
        self.nxt[i] = <int32_t>(i + 1)   # (cells stay below 2**31 - 1: grow checks)

    cdef void release_search(self) noexcept:
        """Free what only the base search needs (used, tries, next-free links)."""
        PyMem_Free(self.used)
        PyMem_Free(self.tries)
        PyMem_Free(self.nxt)
        self.used = NULL
        self.tries = NULL
        self.nxt = NULL

    cdef int64_t _free_from(self, int64_t i) noexcept:
        """The first free cell at or after i (cells past the array are free)."""
        cdef int64_t r = i, t
        while r < self.cap and self.nxt[r] != r:
            r = self.nxt[r]
        while i < self.cap and self.nxt[i] != i:   # every cell passed now jumps to r
            t = self.nxt[i]
            self.nxt[i] = <int32_t>r
            i = t
        return r

    cdef int64_t place(self, const uint8_t* chars, int n) except -1:
        """A base (>= 3) at which cells base + c are free for each of the n trie characters
        (ascending): the first, searching free cells for the first child from ``start``;
        those cells are then used. A free cell tried 16 times without a fit is not tried
        again while it is the first free one, and none more than _WINDOW cells before the
        end of the used part is tried at all, so dense regions are passed once."""
        cdef int64_t b, s
        cdef int k
        # the search looks back at most _WINDOW cells from the end of the used part: older
        # holes are left (a few per cent of cells) so that the build stays linear
        s = self._free_from(max(self.start, self.size - _WINDOW,
                                <int64_t>chars[0] + _POOL_BEGIN))
        while True:
            self.grow(s + 256 + 1)
            b = s - chars[0]
            k = 1
            while k < n and not self.used[b + chars[k]]:
                k += 1
            if k == n:
                break
            if self.tries[s] < 255:
                self.tries[s] += 1
            s = self._free_from(s + 1)
        for k in range(n):
            self._take(b + chars[k])
            if b + chars[k] + 1 > self.size:
                self.size = b + chars[k] + 1
        while True:
            s = self._free_from(self.start)
            if s < self.cap and self.tries[s] >= 16:
                self.start = s + 1
            else:
                self.start = s
                break
        return b


def build_datrie(keys, values=None):
    """libdatrie's file (a read-only buffer) for ``keys`` (distinct, non-empty, sorted by code point; a
    sized iterable of str read twice, such as a KeyStream or a list; at most 255 distinct
    characters, none of them "\\x00" or a lone surrogate, each key at most 32,768 characters: the backend checks) and
    ``values`` (an iterable of int32 data, one per key; 0 for every key when None).

    >>> import datrie, tempfile
    >>> data = build_datrie(["ab", "abc", "b"], [1, 2, 3])
    >>> with tempfile.NamedTemporaryFile() as fh:
    ...     _ = fh.write(data); fh.flush(); t = datrie.BaseTrie.load(fh.name)
    >>> sorted(t.items())
    [('ab', 1), ('abc', 2), ('b', 3)]
    """
    cdef Bytes text = Bytes(1 << 16)
    cdef Py_ssize_t n = len(keys), i = 0
    # 1. the alphabet: every code point of the keys (a first pass over them)
    alphabet = set()
    for key in keys:
        alphabet.update(key)
    points = sorted(ord(ch) for ch in alphabet)
    if len(points) > 255:
        raise ValueError(f"{len(points)} distinct characters: libdatrie holds at most 255")
    if points and points[0] == 0:
        raise ValueError("libdatrie cannot hold '\\x00'")
    ranges = []
    for p in points:
        if ranges and ranges[len(ranges) - 1][1] == p - 1:
            ranges[len(ranges) - 1][1] = p
        else:
            ranges.append([p, p])
    if not ranges:
        ranges = [[ord("a"), ord("a")]]   # an empty set: datrie's own alphabet for one
    # 2. each key as trie characters (one byte each), back to back (a second pass)
    table = {p: k + 1 for k, p in enumerate(points)}
    offsets = np.zeros(n + 1, dtype=np.int64)
    cdef int64_t[::1] off = offsets
    cdef bytes coded
    for key in keys:
        if i >= n:
            raise ValueError("the keys changed while the trie was built")
        coded = (<str>key).translate(table).encode("latin-1")
        text.write(<const uint8_t*><const char*>coded, len(coded))
        i += 1
        off[i] = text.n
    if i != n:
        raise ValueError("the keys changed while the trie was built")
    data = np.zeros(n, dtype=np.int64) if values is None else \
        np.fromiter(values, dtype=np.int64, count=n)
    return _layout(text, offsets, data, ranges)


cdef Bytes _layout(Bytes text, const int64_t[::1] off, const int64_t[::1] data, list ranges):
    """The file: alphabet, double array (states placed from the root down, a state's
    children all known when it is placed) and tails. ``text`` is emptied."""
    cdef Py_ssize_t n = off.shape[0] - 1
    cdef _Array da = _Array()
    cdef Bytes tails = Bytes(1 << 16), stack = Bytes(1 << 12)
    cdef _Frame f
    cdef _Frame* frames
    cdef int64_t top = 0, lo, hi, k, start, b, ntails = 0, klen, suffix
    cdef uint8_t chars[257]
    cdef int64_t firsts[257]
    cdef int nchild, c, prev
    cdef const uint8_t* t = text.p
    da.base[_ROOT] = _POOL_BEGIN
    da.check[_ROOT] = 0
    if n:
        stack.reserve(sizeof(_Frame))
        frames = <_Frame*>stack.p
        frames[0].state = _ROOT
        frames[0].depth = 0
        frames[0].lo = 0
        frames[0].hi = n
        top = 1
    while top:
        frames = <_Frame*>stack.p
        top -= 1
        f = frames[top]
        if f.state != _ROOT and f.hi - f.lo == 1:
            # one key below: a separate state; its tail holds the key's characters after
            # depth (the end-of-key marker is implied)
            klen = off[f.lo + 1] - off[f.lo]
            suffix = klen - f.depth if f.depth <= klen else 0
            if suffix > 32767:
                raise ValueError("a key's tail is longer than libdatrie's 32,767 characters")
            ntails += 1
            if ntails > 0x7FFFFFFF:
                raise OverflowError("more than 2**31 tail blocks")
            da.base[f.state] = <int32_t>(-ntails)
            tails.reserve(tails.n + 10 + suffix)
            _be32(tails.p + tails.n, -1)
            _be32(tails.p + tails.n + 4, <int32_t>data[f.lo])
            tails.p[tails.n + 8] = <uint8_t>(suffix >> 8)
            tails.p[tails.n + 9] = <uint8_t>(suffix & 0xFF)
            tails.n += 10
            if suffix:
                tails.write(t + off[f.lo] + f.depth, suffix)
            continue
        # the children: each distinct character at depth (0 for a key that ends here: the
        # smallest, so first), with the first key of its run
        nchild = 0
        prev = -1
        for k in range(f.lo, f.hi):
            klen = off[k + 1] - off[k]
            c = t[off[k] + f.depth] if f.depth < klen else 0
            if c != prev:
                chars[nchild] = <uint8_t>c
                firsts[nchild] = k
                nchild += 1
                prev = c
        firsts[nchild] = f.hi
        if nchild == 0:   # (a root with no keys: not reached, n > 0)
            continue
        b = da.place(chars, nchild)
        da.base[f.state] = <int32_t>b
        stack.reserve((top + nchild) * sizeof(_Frame))
        frames = <_Frame*>stack.p
        for c in range(nchild - 1, -1, -1):   # pushed last first: placed in order
            da.check[b + chars[c]] = <int32_t>f.state
            frames[top].state = b + chars[c]
            frames[top].depth = f.depth + 1
            frames[top].lo = firsts[c]
            frames[top].hi = firsts[c + 1]
            top += 1
    _link_free(da)
    da.release_search()
    text.release()
    # the file, written once into its own buffer (read in place by the reader: no copy)
    cdef int64_t i, at, total = 8 + 8 * len(ranges) + 8 * da.size + 12 + tails.n
    cdef Bytes out = Bytes(total)
    _be32(out.p, <int32_t><uint32_t>_ALPHA_SIG)
    _be32(out.p + 4, <int32_t>len(ranges))
    at = 8
    for first, last in ranges:
        _be32(out.p + at, <int32_t>first)
        _be32(out.p + at + 4, <int32_t>last)
        at += 8
    da.base[0] = <int32_t><uint32_t>_DA_SIG
    da.check[0] = <int32_t>da.size
    for i in range(da.size):
        _be32(out.p + at, da.base[i])
        _be32(out.p + at + 4, da.check[i])
        at += 8
    _be32(out.p + at, <int32_t><uint32_t>_TAIL_SIG)
    _be32(out.p + at + 4, 0)
    _be32(out.p + at + 8, <int32_t>ntails)
    at += 12
    out.n = at
    out.write(tails.p, tails.n)
    return out


cdef inline void _be32(uint8_t* p, int32_t v) noexcept nogil:
    cdef uint32_t u = <uint32_t>v
    p[0] = <uint8_t>(u >> 24)
    p[1] = <uint8_t>(u >> 16)
    p[2] = <uint8_t>(u >> 8)
    p[3] = <uint8_t>u


cdef int _link_free(_Array da) except -1:
    """Cells from 3 to the end that no state uses, in libdatrie's free list: cell 1 its
    head, in ascending order, each free cell's base minus the one before and check minus the
    one after (the list is circular through cell 1)."""
    cdef int64_t i, prev = 1
    for i in range(_POOL_BEGIN, da.size):
        if not da.used[i]:
            da.base[i] = <int32_t>(-prev)
            da.check[prev] = <int32_t>(-i)
            prev = i
    da.check[prev] = -1   # the last free cell's next is the head
    da.base[1] = <int32_t>(-prev)
    if prev == 1:
        da.check[1] = -1
    return 0
