# What the set and the map share: the sorted iterator and the _HatTrie base (the trie, its
# tuning, size, checks, prefix tests, copies and the file format). Included by hat_trie.pyx.


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
                return self.owner._load(hat_cursor_value(self.cur))
            return (_decode(p, n), self.owner._load(hat_cursor_value(self.cur)))
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


cdef inline bint _looked_up_as_frozenset(object trie, object key):
    """A ``set`` given to a set's ``in``, ``discard`` or ``remove`` is looked up as the
    frozenset of its items, as ``set`` does (so it is absent: no key is a frozenset); a map,
    as ``dict``, refuses it as unhashable."""
    return isinstance(key, set) and isinstance(trie, MutableStringSet)


cdef class _HatTrie:
    """What MutableStringSet and MutableStringMap share: the trie, its tuning, size, checks,
    prefix tests, copies and the file format.

    A subclass's ``__cinit__`` makes the trie (``_new_trie``) with its value width (0 for a
    set), so an instance made by ``__new__`` alone is already a valid empty container.
    """

    cdef hat_t *_t
    cdef unsigned long _version
    cdef object __weakref__   # weak references, as set and dict take

    _lowram_sizeof_is_total = True
    _kind = None  # the file envelope's kind, set by each subclass
    __class_getitem__ = classmethod(_types.GenericAlias)   # MutableStringSet[str], as set[str]

    def __dealloc__(self):
        hat_free(self._t)

    cdef object _load(self, const uint8_t *w):
        """The value a key's value bytes hold (a map overrides it)."""
        return _rd64(w)

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
        """True when ``key`` is a key; False for any other hashable (TypeError for an
        unhashable one, as for set). Cost: O(len(key)).

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
        if r == 1 and not _looked_up_as_frozenset(self, key):
            hash(key)   # an unhashable key is a TypeError, as for set and dict
        return False

    cdef int _remove(self, key) except -1:
        """Remove key: 1, or 0 when absent (any non-str is absent)."""
        cdef lowram_key k
        cdef int r
        if _looked_up_as_frozenset(self, key) or _query_key(key, &k):
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
                return [(_decode(k.p, lens[i]), self._load(hat_value(self._t, k.p, lens[i])))
                        for i in range(m)]
            finally:
                free(lens)
        finally:
            lowram_key_done(&k)

    def longest_prefix(self, s, default=MISSING):
        """The longest key (a map: its item) that is a prefix of ``s``; ``default`` or
        KeyError if none. Cost: as :meth:`prefixes`.

        >>> s = MutableStringSet(["a", "ab"]); s.longest_prefix("abc"), s.longest_prefix("x", None)
        ('ab', None)
        """
        return longest_prefix(self.prefixes(s), s, default)

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
        return pack(type(self)._kind, _FORMAT, self._payload(False))

    cdef bytes _payload(self, bint ordinal):
        """The format 1 payload; with ordinal, each key's value is its position in it."""
        cdef _Buffer out = _Buffer()
        cdef _Buffer utf = _Buffer()
        cdef hat_cursor *cur = hat_cursor_new(self._t, NULL, 0)
        cdef const uint8_t *p
        cdef const uint8_t *code
        cdef uint8_t *prev = NULL
        cdef size_t n, prevlen = 0, shared, cap = 0
        cdef uint32_t head[2]
        cdef uint64_t count = self._t.size
        cdef int64_t v = 0
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
                if values and not ordinal:
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
                    v += ordinal
                if n > cap:
                    free(prev)
                    cap = n
                    prev = <uint8_t *>malloc(cap)
                    if prev == NULL:
                        raise MemoryError()
                if n:   # (an empty first key: prev is still NULL, and memcpy may not see it)
                    memcpy(prev, p, n)
                prevlen = n
        finally:
            hat_cursor_free(cur)
            free(prev)
        return PyBytes_FromStringAndSize(<char *>out.p, out.n)

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
    def load(cls, path, *, mmap=False):
        """Read a file written by :meth:`save`; FormatError naming the file if it is damaged.

        ``mmap`` is taken as by every lowram ``load``; a HAT-trie is rebuilt from the file's
        sorted keys, so it is read into memory either way.

        >>> MutableStringSet.load(__file__)
        Traceback (most recent call last):
        ...
        lowram.errors.FormatError: ...: not a lowram file (bad magic number)
        """
        env = read_file(path, kind=cls._kind, versions=(_FORMAT,))
        return _parse(env.payload, cls)
