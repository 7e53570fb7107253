# StringCounter's table: its entries (arena offsets, counts, the removal flag), the tag-byte
# index (probe, rebuild, compaction, room to grow), the undo log of batches and the batch
# loops (a list, a column block, mapping pairs). Included by _counter.pyx.

# ---------------------------------------------------------------------------- entries

cdef inline uint64_t _off(StringCounter c, size_t e) noexcept nogil:
    if c._owide:
        return (<uint64_t *>c._offs)[e] & ~LR_C_DEAD64
    return (<uint32_t *>c._offs)[e] & ~LR_C_DEAD32


cdef inline bint _dead(StringCounter c, size_t e) noexcept nogil:
    if c._owide:
        return ((<uint64_t *>c._offs)[e] & LR_C_DEAD64) != 0
    return ((<uint32_t *>c._offs)[e] & LR_C_DEAD32) != 0


cdef inline void _set_off(StringCounter c, size_t e, uint64_t v) noexcept nogil:
    if c._owide:
        (<uint64_t *>c._offs)[e] = v
    else:
        (<uint32_t *>c._offs)[e] = <uint32_t>v


cdef inline void _mark_dead(StringCounter c, size_t e) noexcept nogil:
    if c._owide:
        (<uint64_t *>c._offs)[e] |= LR_C_DEAD64
    else:
        (<uint32_t *>c._offs)[e] |= LR_C_DEAD32


cdef inline int64_t _cnt(StringCounter c, size_t e) noexcept nogil:
    if c._cwide:
        return (<int64_t *>c._cnts)[e]
    return (<int32_t *>c._cnts)[e]


cdef int _widen_counts(StringCounter c) except -1:
    cdef int64_t *w = <int64_t *>PyMem_Malloc((c._ecap if c._ecap else 1) * 8)
    cdef size_t e
    if w == NULL:
        raise MemoryError("StringCounter: no memory to widen the counts to 64 bits")
    for e in range(c._n):
        w[e] = (<int32_t *>c._cnts)[e]
    PyMem_Free(c._cnts)
    c._cnts = w
    c._cwide = True
    return 0


cdef inline int _set_cnt(StringCounter c, size_t e, int64_t v) except -1:
    """Store count v of entry e (widening the counts first if v needs 64 bits)."""
    if c._cwide:
        (<int64_t *>c._cnts)[e] = v
        return 0
    if v < LR_C_I32_MIN or v > LR_C_I32_MAX:
        _widen_counts(c)
        (<int64_t *>c._cnts)[e] = v
        return 0
    (<int32_t *>c._cnts)[e] = <int32_t>v
    return 0


cdef inline uint8_t _tag(uint64_t h) noexcept nogil:
    return <uint8_t>(2 + (((h >> 56) * 254) >> 8))


cdef inline uint64_t _hash_entry(StringCounter c, size_t e) noexcept nogil:
    cdef uint64_t a = _off(c, e)
    return lr_xxh3(c._arena + a, <size_t>(_off(c, e + 1) - a), _SEED)


cdef inline size_t _sget(StringCounter c, size_t j) noexcept nogil:
    """The entry number in index slot j."""
    return (<uint32_t *>c._slots)[j] if c._swide else (<uint16_t *>c._slots)[j]


cdef inline void _sset(StringCounter c, size_t j, size_t e) noexcept nogil:
    if c._swide:
        (<uint32_t *>c._slots)[j] = <uint32_t>e
    else:
        (<uint16_t *>c._slots)[j] = <uint16_t>e


cdef int _widen_slots(StringCounter c) except -1:
    """The index's entry numbers to 32 bits (an entry number past 16 bits is coming)."""
    cdef size_t j, size = c._mask + 1
    cdef uint32_t *w = <uint32_t *>PyMem_Malloc(size * 4)
    if w == NULL:
        raise MemoryError(f"StringCounter: no memory to widen an index of {size} slots")
    for j in range(size):
        w[j] = (<uint16_t *>c._slots)[j]
    PyMem_Free(c._slots)
    c._slots = w
    c._swide = True
    return 0


cdef Py_ssize_t _find(StringCounter c, const uint8_t *p, size_t n, uint64_t h,
                      size_t *where) noexcept nogil:
    """The entry of key (p, n) with hash h, or -1; ``where``: its slot, or the slot a new
    key goes to (the first removed slot on its probe, else the empty slot that ended it)."""
    cdef size_t j = h & c._mask, tomb = <size_t>-1, step = 1
    cdef uint8_t t, tag = _tag(h)
    cdef uint32_t e
    cdef uint64_t a
    while True:
        t = c._tags[j]
        if t == tag:
            e = <uint32_t>_sget(c, j)
            a = _off(c, e)
            if _off(c, e + 1) - a == n and memcmp(c._arena + a, p, n) == 0:
                where[0] = j
                return e
        elif t == LR_C_EMPTY:
            where[0] = tomb if tomb != <size_t>-1 else j
            return -1
        elif t == LR_C_GONE and tomb == <size_t>-1:
            tomb = j
        j = (j + step) & c._mask   # triangular probing: visits every slot of a 2**k table
        step += 1


cdef size_t _slot_of(StringCounter c, size_t e) noexcept nogil:
    """The index slot holding entry e (a live entry, or a new one not yet undone)."""
    cdef uint64_t h = _hash_entry(c, e)
    cdef size_t j = h & c._mask, step = 1
    cdef uint8_t tag = _tag(h)
    while not (c._tags[j] == tag and _sget(c, j) == e):
        j = (j + step) & c._mask
        step += 1
    return j


cdef void _compact(StringCounter c) noexcept nogil:
    """Drop removed entries, moving the live keys' bytes and counts down, in order."""
    cdef size_t e, w = 0
    cdef uint64_t a, b, at = 0
    for e in range(c._n):
        if _dead(c, e):
            continue
        a = _off(c, e)
        b = _off(c, e + 1)
        if at != a:
            memmove(c._arena + at, c._arena + a, <size_t>(b - a))
        _set_off(c, w, at)
        if c._cwide:
            (<int64_t *>c._cnts)[w] = (<int64_t *>c._cnts)[e]
        else:
            (<int32_t *>c._cnts)[w] = (<int32_t *>c._cnts)[e]
        at += b - a
        w += 1
    c._n = w
    c._alen = at
    _set_off(c, w, at)


cdef size_t _index_size(size_t keys, bint growing) noexcept nogil:
    """Slots for ``keys`` keys: the fewest that hold them at most 7/8 full, or, when the
    index grows, at most half full (so it doubles, and inserts stay amortised O(1))."""
    cdef size_t size = 8
    if growing:
        while size < keys * 2:
            size *= 2
    else:
        while size * 7 < keys * 8:
            size *= 2
    return size


cdef int _reindex(StringCounter c, size_t size) except -1:
    """Rebuild the index with ``size`` slots (a power of two), from the live entries."""
    cdef uint8_t *tags = <uint8_t *>PyMem_Malloc(size)
    cdef bint wide
    cdef void *slots
    cdef size_t e, j, step, mask = size - 1
    cdef uint64_t h
    if tags == NULL:
        raise MemoryError(f"StringCounter: no memory for an index of {size} slots")
    if c._batch == 0 and c._n > c._live:
        _compact(c)   # (before the width is chosen: it may lower the entry numbers)
    wide = c._n > 0xFFFF   # entry numbers 0..n-1 in 16 bits while they fit
    slots = PyMem_Malloc(size * (4 if wide else 2))
    if slots == NULL:
        PyMem_Free(tags)
        raise MemoryError(f"StringCounter: no memory for an index of {size} slots")
    memset(tags, LR_C_EMPTY, size)
    for e in range(c._n):
        if _dead(c, e):
            continue
        h = _hash_entry(c, e)
        j = h & mask
        step = 1
        while tags[j] != LR_C_EMPTY:
            j = (j + step) & mask
            step += 1
        tags[j] = _tag(h)
        if wide:
            (<uint32_t *>slots)[j] = <uint32_t>e
        else:
            (<uint16_t *>slots)[j] = <uint16_t>e
    PyMem_Free(c._tags)
    PyMem_Free(c._slots)
    c._tags = tags
    c._slots = slots
    c._swide = wide
    c._mask = mask
    c._filled = c._live
    return 0


cdef int _room(StringCounter c, size_t n) except -1:
    """Room for one more entry of n key bytes: arena, entries, offsets' width, index."""
    cdef size_t need = c._alen + n, cap, size
    cdef void *q
    cdef uint64_t *w
    cdef size_t e
    if c._n >= LR_C_MAX_ENTRIES:
        raise OverflowError("StringCounter holds at most 4,294,967,280 entries")
    if need > c._acap:
        cap = c._acap + (c._acap >> 2) + 64
        if cap < need:
            cap = need
        q = PyMem_Realloc(c._arena, cap if cap else 1)
        if q == NULL:
            raise MemoryError(f"StringCounter: no memory for {cap} bytes of keys")
        c._arena = <uint8_t *>q
        c._acap = cap
    if not c._owide and need > LR_C_NARROW_ARENA:
        w = <uint64_t *>PyMem_Malloc((c._ecap + 1) * 8)
        if w == NULL:
            raise MemoryError("StringCounter: no memory to widen the key offsets")
        for e in range(c._n + 1):
            w[e] = (<uint32_t *>c._offs)[e] & ~LR_C_DEAD32
            if (<uint32_t *>c._offs)[e] & LR_C_DEAD32 and e < c._n:
                w[e] |= LR_C_DEAD64
        PyMem_Free(c._offs)
        c._offs = w
        c._owide = True
    if c._n + 1 > c._ecap:
        cap = c._ecap + (c._ecap >> 2) + 8
        q = PyMem_Realloc(c._offs, (cap + 1) * (8 if c._owide else 4))
        if q == NULL:
            raise MemoryError(f"StringCounter: no memory for {cap} entries")
        c._offs = q
        q = PyMem_Realloc(c._cnts, cap * (8 if c._cwide else 4))
        if q == NULL:
            raise MemoryError(f"StringCounter: no memory for {cap} entries")
        c._cnts = q
        c._ecap = cap
    if (c._filled + 1) * 8 > (c._mask + 1) * 7:
        _reindex(c, _index_size(c._live + 1, True))
    return 0


cdef int _append(StringCounter c, const uint8_t *p, size_t n, uint64_t h, int64_t v) except -1:
    """Add a new key (absent: the caller looked) with count v at the end of the order."""
    cdef size_t where
    cdef size_t e
    _room(c, n)
    if not c._swide and c._n > 0xFFFF:   # entry number c._n needs 32 bits
        _widen_slots(c)
    if not c._cwide and (v < LR_C_I32_MIN or v > LR_C_I32_MAX):
        _widen_counts(c)
    _find(c, p, n, h, &where)   # the index may have been rebuilt by _room
    e = c._n
    if n:
        memcpy(c._arena + c._alen, p, n)
    c._alen += n
    _set_off(c, e + 1, c._alen)
    _set_cnt(c, e, v)
    if c._tags[where] == LR_C_EMPTY:
        c._filled += 1
    c._tags[where] = _tag(h)
    _sset(c, where, e)
    c._n += 1
    c._live += 1
    c._version += 1
    c._changes += 1
    return 0


cdef void _remove(StringCounter c, size_t e, size_t where) noexcept nogil:
    """Remove entry e found at slot ``where``; a removed tail is dropped at once."""
    c._tags[where] = LR_C_GONE
    _mark_dead(c, e)
    c._live -= 1
    while c._n and _dead(c, c._n - 1):
        c._n -= 1
    c._alen = _off(c, c._n)
    _set_off(c, c._n, c._alen)   # the end mark carries no removal flag
    c._version += 1
    c._changes += 1


cdef str _key_str(StringCounter c, size_t e):
    cdef uint64_t a = _off(c, e)
    return lowram_key_str(c._arena + a, <size_t>(_off(c, e + 1) - a))


cdef int _key(object key, lowram_key *k) except -1:
    """The code of a str key to store; TypeError for anything else."""
    cdef int r = lowram_key_of(key, k)
    if r == 1:
        raise TypeError(f"StringCounter keys must be str, not {type(key).__name__}")
    if <size_t>k.n > 0xFFFFFFFF:
        lowram_key_done(k)
        raise ValueError(f"key of {k.n} coded bytes is longer than the 4 GiB limit")
    return 0


cdef int _lookup(object key, lowram_key *k) except -1:
    """0: k holds the code of a str key; 1: key is not a str (never present; TypeError when
    it is not even hashable, as for dict)."""
    cdef int r = lowram_key_of(key, k)
    if r == 1:
        hash(key)
    return 1 if r == 1 else 0


cdef int64_t _count_of(object v) except? -1:
    """A count as int64: int or anything with ``__index__``; TypeError, OverflowError."""
    if type(v) is not int:
        if isinstance(v, float) or not hasattr(type(v), "__index__"):
            raise TypeError(f"StringCounter counts must be int, not {type(v).__name__}")
        v = operator.index(v)
    if not (-0x8000000000000000 <= v <= 0x7FFFFFFFFFFFFFFF):
        raise OverflowError(f"StringCounter counts are int64: {v} does not fit")
    return v


cdef inline int64_t _sum(StringCounter c, int64_t old, int64_t by, size_t e) except? -1:
    if (by > 0 and old > LR_C_I64_MAX - by) or (by < 0 and old < LR_C_I64_MIN - by):
        raise OverflowError(f"StringCounter count {old} + {by} does not fit in int64 "
                            f"(key {_key_str(c, e)!r:.80})")
    return old + by


# ---------------------------------------------------------------------------- undo log

@cython.final
cdef class _Log:
    """What a batch changed, to undo it: the entries it added are those past ``n0``; the old
    count of each older entry it changed is kept once (a bitmap says which are kept)."""
    cdef StringCounter c
    cdef size_t n0
    cdef uint8_t *kept
    cdef uint32_t *entry
    cdef int64_t *old
    cdef size_t len, cap
    cdef unsigned long expect
    cdef bint valid, in_step

    def __dealloc__(self):
        PyMem_Free(self.kept)
        PyMem_Free(self.entry)
        PyMem_Free(self.old)

    cdef int start(self, StringCounter c) except -1:
        self.n0 = c._n
        if c._n:
            self.kept = <uint8_t *>PyMem_Malloc((c._n >> 3) + 1)
            if self.kept == NULL:
                raise MemoryError()
            memset(self.kept, 0, (c._n >> 3) + 1)
        self.c = c
        c._batch += 1   # no compaction meanwhile: the entry numbers logged stay valid
        self.expect = c._changes
        self.valid = True
        return 0

    cdef void finish(self) noexcept:
        if self.c is not None:
            self.c._batch -= 1
            self.c = None

    cdef int check(self) noexcept:
        """Before each step (one C loop, no Python code inside): if another call changed
        the counter since the last step, stop logging (the batch can no longer be undone)."""
        if self.valid and self.c._changes != self.expect:
            self.valid = False
        self.in_step = True
        return 0

    cdef int record(self, size_t e, int64_t old) except -1:
        cdef size_t cap
        cdef void *q
        if not self.valid or e >= self.n0 or self.kept[e >> 3] & (1 << (e & 7)):
            return 0
        if self.len == self.cap:
            cap = self.cap * 2 + 64
            q = PyMem_Realloc(self.entry, cap * 4)
            if q == NULL:
                raise MemoryError()
            self.entry = <uint32_t *>q
            q = PyMem_Realloc(self.old, cap * 8)
            if q == NULL:
                raise MemoryError()
            self.old = <int64_t *>q
            self.cap = cap
        self.kept[e >> 3] |= 1 << (e & 7)
        self.entry[self.len] = <uint32_t>e
        self.old[self.len] = old
        self.len += 1
        return 0

    cdef void done(self) noexcept:
        self.expect = self.c._changes
        self.in_step = False

    cdef void undo(self) noexcept:
        """Put the counter back as it was at start() (nothing when another call changed it
        meanwhile). Allocates nothing, so it cannot fail."""
        cdef StringCounter c = self.c
        cdef size_t i, e
        if c is None:
            return
        if not self.in_step:   # failed outside a step: Python code ran since the last one
            self.check()
        if not self.valid:
            return
        for i in range(self.len):
            e = self.entry[i]
            if c._cwide:
                (<int64_t *>c._cnts)[e] = self.old[i]
            else:
                (<int32_t *>c._cnts)[e] = <int32_t>self.old[i]
        for e in range(self.n0, c._n):   # no removal ran: every one is live
            c._tags[_slot_of(c, e)] = LR_C_GONE
        c._live -= c._n - self.n0
        c._n = self.n0
        c._alen = _off(c, c._n)
        _set_off(c, c._n, c._alen)
        c._version += 1
        c._changes += 1


cdef int _add(StringCounter c, const uint8_t *p, size_t n, int64_t by, _Log log) except -1:
    """Add ``by`` to key (p, n), inserting it at ``by``; 1 when the key was new."""
    cdef uint64_t h = lr_xxh3(p, n, _SEED)
    cdef size_t where
    cdef Py_ssize_t e = _find(c, p, n, h, &where)
    cdef int64_t old
    if e >= 0:
        old = _cnt(c, e)
        if log is not None:
            log.record(e, old)
        _set_cnt(c, e, _sum(c, old, by, e))
        c._changes += 1
        return 0
    _append(c, p, n, h, by)
    return 1


cdef int _add_seq(StringCounter c, object seq, int64_t by, _Log log) except -1:
    """Add ``by`` for each str of a list or tuple: one C loop, no Python call per item."""
    cdef lowram_key k
    cdef Py_ssize_t i, n = PySequence_Fast_GET_SIZE(seq)
    for i in range(n):
        _key(<object>PySequence_Fast_GET_ITEM(seq, i), &k)
        try:
            _add(c, k.p, <size_t>k.n, by, log)
        finally:
            lowram_key_done(&k)
    return 0


cdef int _add_block(StringCounter c, const uint8_t[::1] data, const int64_t[::1] offs,
                    int64_t by, _Log log) except -1:
    """Add ``by`` for each row of a checked UTF-8 column block, coding each into scratch."""
    cdef Py_ssize_t i, rows = offs.shape[0] - 1
    cdef const uint8_t *base = &data[0]
    cdef uint8_t *scratch = NULL
    cdef size_t n, cap = 0, m
    try:
        for i in range(rows):
            n = <size_t>(offs[i + 1] - offs[i])
            if n > cap:
                PyMem_Free(scratch)
                cap = n if n > 256 else 256
                scratch = <uint8_t *>PyMem_Malloc(cap)
                if scratch == NULL:
                    raise MemoryError()
            if cap == 0:
                cap = 256
                scratch = <uint8_t *>PyMem_Malloc(cap)
                if scratch == NULL:
                    raise MemoryError()
            m = kc_from_utf8(base + offs[i], n, scratch)
            _add(c, scratch, m, by, log)
    finally:
        PyMem_Free(scratch)
    return 0


cdef int _count_all(StringCounter c, object items, int64_t by, _Log log) except -1:
    """Add ``by`` for each str of any iterable of keys: lists and tuples in one C loop, a
    column from its buffers, anything else in slices of ``_ITEMS`` items."""
    if type(items) is list or type(items) is tuple:
        log.check()
        _add_seq(c, items, by, log)
        log.done()
        return 0
    if isinstance(items, str):
        items = list(items)   # a str counts its characters, as Counter's does
        log.check()
        _add_seq(c, items, by, log)
        log.done()
        return 0
    if is_columnar(items):
        for data, offs, row0 in text_blocks(items, _KIND, _ROWS):
            log.check()
            _add_block(c, data, offs, by, log)
            log.done()
        return 0
    if hasattr(items, "dtype") and hasattr(items, "tolist") and getattr(items, "ndim", 1) == 1:
        items = items.tolist()   # a numpy array: its items as Python objects, in C
        log.check()
        _add_seq(c, items, by, log)
        log.done()
        return 0
    it = iter(items)
    while True:
        part = list(itertools.islice(it, _ITEMS))
        if not part:
            return 0
        log.check()
        _add_seq(c, part, by, log)
        log.done()


cdef int _add_pairs(StringCounter c, list pairs, int sign, _Log log) except -1:
    """Add (or subtract, sign -1) each (key, count) of pairs; counts already int64."""
    cdef lowram_key k
    cdef int64_t v
    log.check()
    for key, value in pairs:
        v = value
        _key(key, &k)
        try:
            if sign > 0:
                _add(c, k.p, <size_t>k.n, v, log)
            elif v == LR_C_I64_MIN:   # -v does not fit: subtract in two steps
                _add(c, k.p, <size_t>k.n, LR_C_I64_MAX, log)
                _add(c, k.p, <size_t>k.n, 1, log)
            else:
                _add(c, k.p, <size_t>k.n, -v, log)
        finally:
            lowram_key_done(&k)
    log.done()
    return 0


def _pairs_of(mapping):
    """The (key, int64 count) pairs of a mapping, every count checked before any is used."""
    return [(key, _count_of(value)) for key, value in mapping.items()]


def _rebuild_counter(data):
    """Unpickle a StringCounter (module-level so pickles name a stable path)."""
    return StringCounter.from_bytes(data)
