# cython: language_level=3
"""Keys gathered for a StringSet build in bounded memory: sorted runs, front-coded, spilled to a
temporary file past a budget, merged into one stream of distinct keys.

Every backend builds from a :class:`KeyStream`: the distinct non-empty keys sorted by UTF-8
bytes (code-point order; lone surrogates kept with ``surrogatepass``), front-coded in one
buffer (``_frontcode.pxd``), so the build holds a few bytes per key rather than a ``str``, or
even the keys' whole UTF-8, per key. :class:`Gather` makes it:

- keys are encoded one at a time into a run buffer (their UTF-8 and an 8-byte offset each);
  when it holds a run's worth (a quarter of the budget, at most 64 MiB), the run is sorted
  (a multikey quicksort of its offsets, ``csrc/strsort.h``; not at all when its keys came in
  increasing order), its
  repeats dropped, and it is front-coded into a run: keys that sort together share prefixes,
  so a run is a fraction of the buffer it came from;
- runs stay in memory while they fit the budget beside the run buffer; past it, every run held
  is written to an unlinked temporary file (``tempfile``, so ``TMPDIR`` decides where) and
  freed;
- at the end the runs are merged (a binary heap of cursors, each reading its run from memory or
  from the file through a 1 MiB window), repeats across runs dropped, into the stream. One run:
  it is the stream.

The budget (``build_budget``; default an eighth of the machine's RAM, at least 64 MiB) bounds
what the gathering holds besides the stream it ends with, which is the front-coded keys.
"""

import os
import tempfile

from lowram._arrow import is_columnar, text_blocks
from lowram._native._bytes cimport Bytes
from lowram.strings._frontcode cimport fc_cmp, fc_lcp, fc_pair, fc_put_key

from cpython.bytes cimport PyBytes_AS_STRING
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.stdint cimport int64_t, uint8_t, uint64_t
from libc.string cimport memcpy, memmove

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object)
    const char* PyUnicode_AsUTF8AndSize(object, Py_ssize_t*) except NULL
    object PyUnicode_DecodeUTF8(const char*, Py_ssize_t, const char*)

#: the smallest budget a build is given (a smaller one is raised to this)
MIN_BUDGET = 1 << 20
#: the largest run buffer, whatever the budget
MAX_RUN = 64 << 20
#: bytes a cursor reads from the temporary file at a time
WINDOW = 1 << 20


def default_budget() -> int:
    """An eighth of the machine's RAM, at least 64 MiB (``os.sysconf``; 512 MiB when it cannot
    tell)."""
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        ram = 4 << 30
    return max(64 << 20, ram // 8)


cdef class KeyStream:
    """Distinct non-empty keys sorted by UTF-8 bytes, front-coded in one buffer: what every
    StringSet backend builds from.

    ``len`` is the number of keys, iteration yields them as ``str`` (O(1) per key after the
    first), :attr:`buffer` is the front-coded bytes (read by the compiled builds), and
    :attr:`text_bytes` the keys' UTF-8 bytes in all. Memory: :attr:`nbytes`.

    >>> s = collect(["b", "a", "ab", "b", ""])[0]
    >>> len(s), list(s), s.text_bytes
    (3, ['a', 'ab', 'b'], 4)
    """

    cdef Bytes data
    cdef readonly Py_ssize_t n            #: keys
    cdef readonly Py_ssize_t text_bytes   #: UTF-8 bytes of all the keys
    cdef readonly Py_ssize_t longest      #: bytes of the longest key
    cdef readonly bint has_nul            #: some key holds "\x00"
    cdef readonly bint has_surrogate      #: some key holds a lone surrogate

    def __len__(self):
        return self.n

    @property
    def buffer(self):
        """The front-coded keys (a read-only memoryview)."""
        return memoryview(self.data)

    @property
    def nbytes(self):
        """Bytes of RAM the stream holds."""
        return self.data.cap

    def __iter__(self):
        cdef Bytes key = Bytes()
        cdef Py_ssize_t at = 0, end = self.data.n, i
        cdef uint64_t shared, length
        view = memoryview(self.data)   # holds the buffer still while iterating
        for i in range(self.n):
            at = fc_pair(self.data.p, at, end, &shared, &length)
            if at < 0 or shared > <uint64_t>key.n or length > <uint64_t>(end - at):
                raise RuntimeError("the gathered keys are damaged")   # our own bytes
            key.set(<Py_ssize_t>shared, self.data.p + at, <Py_ssize_t>length)
            at += <Py_ssize_t>length
            yield key.text()
        del view

    def __repr__(self):
        return f"<KeyStream of {self.n} keys, {self.data.n} bytes>"

    def sample(self, Py_ssize_t total, Py_ssize_t blocks):
        """A KeyStream of about ``total`` of these keys in ``blocks`` runs of consecutive
        keys spread evenly over them (consecutive, so that they share prefixes as the whole
        does): what a size estimate builds on. All of them when there are not more."""
        cdef KeyStream out = KeyStream()
        cdef Bytes key = Bytes(), prev = Bytes()
        cdef Py_ssize_t at = 0, end = self.data.n, i, b = 0, per, start
        cdef uint64_t shared, length
        if blocks < 1 or total < blocks:
            raise ValueError(f"a sample of {total} keys in {blocks} blocks")
        if self.n <= total:
            return self
        per = total // blocks
        out.data = Bytes(max(256, self.data.n // (self.n // total + 1)))
        start = 0
        for i in range(self.n):
            at = fc_pair(self.data.p, at, end, &shared, &length)
            if at < 0 or shared > <uint64_t>key.n or length > <uint64_t>(end - at):
                raise RuntimeError("the gathered keys are damaged")
            key.set(<Py_ssize_t>shared, self.data.p + at, <Py_ssize_t>length)
            at += <Py_ssize_t>length
            if i >= start + per:
                b += 1
                if b == blocks:
                    break
                start = b * self.n // blocks
            if i >= start:
                fc_put_key(out.data, prev, key.p, key.n)
                out.n += 1
        out.data.fit()
        _measure(out)
        return out


cdef extern from *:
    """
    #if !defined(__GNUC__) && !defined(__clang__)
    #define __builtin_prefetch(p) ((void)(p))
    #endif
    """
    void __builtin_prefetch(const void* p) noexcept nogil

cdef extern from "csrc/strsort.h":
    int lr_sort_keys(uint64_t* idx, size_t n, const uint8_t* text, const uint64_t* off) nogil


cdef class _Cursor:
    """Reads one run key by key: from memory, or from the temporary file through a window."""
    cdef Bytes key          # the current key
    cdef Bytes run          # an in-memory run (kept alive), or the window over the file
    cdef Py_ssize_t at, end # read position and end of the bytes in ``run``
    cdef Py_ssize_t left    # keys still to read
    cdef int fd             # the file (-1: in memory)
    cdef int64_t fpos, fend # the run's bytes in the file not yet in the window
    cdef bint done

    def __cinit__(self, Bytes run, Py_ssize_t keys, int fd=-1, int64_t fpos=0,
                  int64_t fsize=0):
        self.key = Bytes()
        self.left = keys
        self.fd = fd
        if fd < 0:
            self.run = run
            self.end = run.n
        else:
            self.run = Bytes(WINDOW)
            self.fpos = fpos
            self.fend = fpos + fsize

    cdef int _ensure(self, Py_ssize_t need) except -1:
        """At least ``need`` bytes from ``at`` in the window, or all the run has left."""
        cdef Py_ssize_t have = self.end - self.at, want
        if have >= need or self.fd < 0 or self.fpos >= self.fend:
            return 0
        memmove(self.run.p, self.run.p + self.at, have)
        self.at = 0
        self.end = have
        want = max(need - have, WINDOW)
        if want > self.fend - self.fpos:
            want = <Py_ssize_t>(self.fend - self.fpos)
        self.run.reserve(have + want)
        chunk = os.pread(self.fd, want, self.fpos)
        if len(chunk) != want:
            raise OSError("the build's temporary file was cut short")
        memcpy(self.run.p + have, PyBytes_AS_STRING(chunk), want)
        self.end += want
        self.fpos += want
        return 0

    cdef int next(self) except -1:
        """Read the next key into ``key``, or set ``done``."""
        cdef uint64_t shared, length
        cdef Py_ssize_t at
        if self.left == 0:
            self.done = True
            return 0
        self._ensure(21)   # a pair is at most 21 bytes
        at = fc_pair(self.run.p, self.at, self.end, &shared, &length)
        if at < 0 or shared > <uint64_t>self.key.n:
            raise RuntimeError("the build's gathered keys are damaged")
        self._ensure(at - self.at + <Py_ssize_t>length)
        at = fc_pair(self.run.p, self.at, self.end, &shared, &length)  # the window may move
        if length > <uint64_t>(self.end - at):
            raise RuntimeError("the build's gathered keys are damaged")
        self.key.set(<Py_ssize_t>shared, self.run.p + at, <Py_ssize_t>length)
        self.at = at + <Py_ssize_t>length
        self.left -= 1
        return 0


cdef int _not_one_str(iterable, what) except -1:
    if isinstance(iterable, str):
        raise TypeError(f"{what}() takes an iterable of str, not a single str "
                        f"(wrap it in a list to store one key)")
    return 0


cdef str _as_str(key, what):
    """A key that is not exactly str: a str subclass as str; anything else refused by name."""
    if not isinstance(key, str):
        raise TypeError(f"{what} holds only str keys, not {type(key).__name__}: {key!r}")
    return str(key)


def collect_objects(iterable, what="StringSet"):
    """The distinct non-empty keys of ``iterable`` as a ``frozenset`` of its own ``str``
    objects, and whether "" was among them: the ``builtin`` backend's build, which keeps the
    objects, so gathering them as bytes first would only add to its peak. Checked as
    :meth:`Gather.add_keys` checks."""
    _not_one_str(iterable, what)
    seen_empty = [False]

    def keys():
        for key in iterable:
            if type(key) is not str:
                key = _as_str(key, what)
            if not key:
                seen_empty[0] = True
                continue
            yield key

    out = frozenset(keys())
    return out, seen_empty[0]


cdef inline bint _below(_Cursor a, _Cursor b) noexcept:
    return fc_cmp(a.key.p, a.key.n, b.key.p, b.key.n) < 0


cdef class Gather:
    """Gathers keys in bounded memory (see the module docstring) and ends with a
    :class:`KeyStream`.

    >>> g = Gather(budget=1 << 20)
    >>> g.add_keys(["pear", "apple", "", "pear"], "StringSet")
    >>> stream = g.finish()
    >>> list(stream), g.has_empty
    (['apple', 'pear'], True)
    """

    cdef Bytes text             # the run buffer: its keys' UTF-8 back to back
    cdef Bytes offs             # and their offsets (uint64, keys + 1)
    cdef Py_ssize_t nrun        # keys in the run buffer
    cdef bint ordered           # they came in strictly increasing order
    cdef readonly Py_ssize_t budget    #: bytes the gathering may hold
    cdef readonly Py_ssize_t run_limit #: bytes of a run buffer (text + 32 per key)
    cdef list runs              # in-memory runs: [Bytes, keys]
    cdef Py_ssize_t held        # their bytes
    cdef object spill           # the temporary file, once one is needed
    cdef list spilled           # runs in it: (offset, size, keys)
    cdef readonly bint has_empty       #: "" was among the keys
    cdef readonly Py_ssize_t runs_made     #: runs made so far
    cdef readonly Py_ssize_t runs_sorted   #: of them, the runs whose keys needed a sort
    cdef readonly Py_ssize_t spilled_bytes #: bytes written to the temporary file
    cdef readonly Py_ssize_t peak_held     #: most bytes of runs held in memory at once
    cdef bint _done

    def __cinit__(self, budget=None, run_limit=None):
        if budget is None:
            budget = default_budget()
        if budget < MIN_BUDGET:
            budget = MIN_BUDGET
        self.budget = budget
        self.run_limit = run_limit if run_limit is not None else min(budget // 4, MAX_RUN)
        # at least a few keys; at most what the sort's 32-bit key numbers and lengths hold
        self.run_limit = max(64, min(self.run_limit, 1 << 31))
        self.text = Bytes(1 << 16)
        self.offs = Bytes(1 << 12)
        self.runs = []
        self.spilled = []
        self._reset_run()

    def __dealloc__(self):
        if self.spill is not None:
            self.spill.close()

    cdef void _reset_run(self) noexcept:
        self.text.n = 0
        self.offs.n = 8
        (<uint64_t*>self.offs.p)[0] = 0
        self.nrun = 0
        self.ordered = True

    cdef int add(self, const uint8_t* s, Py_ssize_t size) except -1:
        """Add one key's UTF-8 bytes (empty: the key "")."""
        cdef uint64_t* off
        cdef Py_ssize_t prev
        if self._done:
            raise RuntimeError("keys added after finish()")
        if size == 0:
            self.has_empty = True
            return 0
        # a run costs its text and 32 bytes per key while it is sorted (offset, index, item)
        if self.nrun and self.text.n + size + 32 * (self.nrun + 1) > self.run_limit:
            self._flush()
        if self.ordered and self.nrun:
            off = <uint64_t*>self.offs.p
            prev = <Py_ssize_t>off[self.nrun - 1]
            if fc_cmp(self.text.p + prev, self.text.n - prev, s, size) >= 0:
                self.ordered = False
        self.text.write(s, size)
        self.offs.reserve(self.offs.n + 8)
        (<uint64_t*>(self.offs.p + self.offs.n))[0] = <uint64_t>self.text.n
        self.offs.n += 8
        self.nrun += 1
        return 0

    def add_keys(self, iterable, what="StringSet"):
        """Add every item of ``iterable`` (each must be a ``str``; TypeError names one that
        is not), or of a pyarrow/pandas string column, read from its buffers."""
        cdef Py_ssize_t size
        cdef const char* p
        if is_columnar(iterable):
            for data, offs, row0 in text_blocks(iterable, what):
                self._add_block(data, offs)
            return
        _not_one_str(iterable, what)
        for key in iterable:
            if type(key) is not str:
                key = _as_str(key, what)
            if PyUnicode_IS_ASCII(key):
                p = PyUnicode_AsUTF8AndSize(key, &size)   # an ASCII str's own bytes
                self.add(<const uint8_t*>p, size)
            else:
                raw = (<str>key).encode("utf-8", "surrogatepass")
                self.add(<const uint8_t*>PyBytes_AS_STRING(raw), len(raw))

    cdef int _add_block(self, const uint8_t[::1] data, const int64_t[::1] offs) except -1:
        cdef Py_ssize_t i, m = offs.shape[0] - 1
        for i in range(m):
            self.add(&data[0] + offs[i], <Py_ssize_t>(offs[i + 1] - offs[i]))
        return 0

    cdef int _flush(self) except -1:
        """Sort the run buffer into a front-coded run (repeats dropped); spill what is held
        when the budget is reached."""
        cdef Py_ssize_t n = self.nrun, k, kept = 0
        cdef uint64_t* off = <uint64_t*>self.offs.p
        cdef uint64_t* idx = NULL
        cdef uint64_t i, s, e, ps = 0, pe = 0
        cdef Bytes run, prev = Bytes()
        if n == 0:
            return 0
        run = Bytes(max(256, self.text.n // 4))
        if not self.ordered:
            idx = <uint64_t*>PyMem_Malloc(n * sizeof(uint64_t))
            if idx == NULL:
                raise MemoryError()
            for k in range(n):
                idx[k] = k
            if lr_sort_keys(idx, n, self.text.p, off) < 0:
                PyMem_Free(idx)
                raise MemoryError()
            self.runs_sorted += 1
        try:
            for k in range(n):
                i = idx[k] if idx != NULL else <uint64_t>k
                if idx != NULL and k + 16 < n:
                    # in sorted order the keys are read from all over the buffer: ask for a
                    # key's bytes 16 keys before they are needed
                    __builtin_prefetch(self.text.p + off[idx[k + 16]])
                s = off[i]
                e = off[i + 1]
                if k and pe - ps == e - s and fc_lcp(self.text.p + ps, <Py_ssize_t>(pe - ps),
                                                     self.text.p + s,
                                                     <Py_ssize_t>(e - s)) == <Py_ssize_t>(e - s):
                    continue   # a repeat (sorted: next to the key it repeats)
                fc_put_key(run, prev, self.text.p + s, <Py_ssize_t>(e - s))
                kept += 1
                ps = s
                pe = e
        finally:
            PyMem_Free(idx)
        self._reset_run()
        run.fit()
        self.runs.append([run, kept])
        self.held += run.cap
        self.runs_made += 1
        self.peak_held = max(self.peak_held, self.held)
        if self.held + self.run_limit > self.budget:
            self._spill()
        return 0

    cdef int _spill(self) except -1:
        """Write every run held in memory to the temporary file and free it."""
        cdef Bytes run
        if self.spill is None:
            self.spill = tempfile.TemporaryFile(prefix="lowram-build-")
        for entry in self.runs:
            run = entry[0]
            at = self.spill.seek(0, os.SEEK_END)
            self.spill.write(memoryview(run))
            self.spilled.append((at, run.n, entry[1]))
            self.spilled_bytes += run.n
        self.spill.flush()
        self.runs = []
        self.held = 0
        return 0

    def finish(self):
        """The gathered keys as a :class:`KeyStream` (the gathering's buffers are freed)."""
        cdef KeyStream out = KeyStream()
        cdef list cursors = []
        cdef _Cursor c
        cdef Bytes prev = Bytes()
        if self._done:
            raise RuntimeError("finish() was called already")
        self._flush()
        self.text.release()
        self.offs.release()
        self._done = True
        if not self.spilled and len(self.runs) == 1:
            out.data = self.runs[0][0]
            out.n = self.runs[0][1]
            self.runs = []
        else:
            fd = self.spill.fileno() if self.spill is not None else -1
            for at, size, keys in self.spilled:
                cursors.append(_Cursor(None, keys, fd, at, size))
            for run, keys in self.runs:
                cursors.append(_Cursor(run, keys))
            self.runs = []
            out.data = Bytes()
            out.n = _merge(cursors, out.data, prev)
            out.data.fit()
            if self.spill is not None:
                self.spill.close()
                self.spill = None
        _measure(out)
        return out


cdef int _measure(KeyStream s) except -1:
    """Fill in the stream's text_bytes, longest, has_nul and has_surrogate."""
    cdef Py_ssize_t at = 0, end = s.data.n, i, j, klen = 0, total = 0, longest = 0
    cdef uint64_t shared, length
    cdef const uint8_t* new
    cdef Bytes key = Bytes()
    for i in range(s.n):
        at = fc_pair(s.data.p, at, end, &shared, &length)
        if at < 0 or length > <uint64_t>(end - at):
            raise RuntimeError("the gathered keys are damaged")
        klen = <Py_ssize_t>(shared + length)
        total += klen
        if klen > longest:
            longest = klen
        # a key's shared bytes were checked with the key before; a surrogate (ED A0-BF xx,
        # as surrogatepass writes it) whose lead is among them is in that key too
        new = s.data.p + at
        for j in range(<Py_ssize_t>length):
            if new[j] == 0:
                s.has_nul = True
            elif new[j] == 0xED and j + 1 < <Py_ssize_t>length and new[j + 1] >= 0xA0:
                s.has_surrogate = True
        if shared and length and new[0] >= 0xA0 and key.p[shared - 1] == 0xED:
            s.has_surrogate = True   # its lead is the last shared byte
        key.set(<Py_ssize_t>shared, new, <Py_ssize_t>length)
        at += <Py_ssize_t>length
    s.text_bytes = total
    s.longest = longest
    return 0


cdef Py_ssize_t _merge(list cursors, Bytes out, Bytes prev) except -1:
    """Merge the runs' keys into out, front-coded, repeats dropped: a binary heap of cursors
    by current key. The keys written."""
    cdef Py_ssize_t k = 0, i, j, child, n = 0
    cdef _Cursor c, top
    heap = []
    for c in cursors:
        c.next()
        if not c.done:
            heap.append(c)
    k = len(heap)
    for i in range(k // 2 - 1, -1, -1):
        _sift(heap, i, k)
    while k:
        top = <_Cursor>heap[0]
        if n == 0 or top.key.n != prev.n or fc_lcp(top.key.p, top.key.n, prev.p,
                                                   prev.n) != prev.n:
            fc_put_key(out, prev, top.key.p, top.key.n)
            n += 1
        top.next()
        if top.done:
            k -= 1
            heap[0] = heap[k]
            heap.pop()
        if k:
            _sift(heap, 0, k)
    return n


cdef int _sift(list heap, Py_ssize_t i, Py_ssize_t k) except -1:
    """Move heap[i] down to its place among the first k."""
    cdef Py_ssize_t child
    while True:
        child = 2 * i + 1
        if child >= k:
            return 0
        if child + 1 < k and _below(<_Cursor>heap[child + 1], <_Cursor>heap[child]):
            child += 1
        if not _below(<_Cursor>heap[child], <_Cursor>heap[i]):
            return 0
        heap[i], heap[child] = heap[child], heap[i]
        i = child


def collect(iterable, what="StringSet", budget=None):
    """Distinct non-empty keys of ``iterable`` as a :class:`KeyStream`, and whether "" was
    among them, gathered in bounded memory (``budget`` bytes; see the module docstring).

    A pyarrow or pandas string column is read from its buffers (no object per key).
    ``TypeError`` names a non-``str`` item.

    >>> keys, has_empty = collect(["b", "", "a", "b"])
    >>> list(keys), has_empty
    (['a', 'b'], True)
    """
    g = Gather(budget)
    g.add_keys(iterable, what)
    return g.finish(), g.has_empty
