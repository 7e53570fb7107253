# MutableStringSet: the set of str, on the trie and the set operators of _SetAlgebra.
# Included by hat_trie.pyx.


def _rebuild(data):
    """Unpickle a MutableStringSet from its serialised bytes."""
    return MutableStringSet.from_bytes(data)


cdef class MutableStringSet(_SetAlgebra):
    """A mutable set of ``str`` held in a HAT-trie, with no Python object per key.

    A complete ``collections.abc.MutableSet`` that behaves like ``set`` for str keys (its
    operators come from ``_SetAlgebra``), plus sorted iteration and prefix queries. Keys are
    bytes inside array hash containers. ``x in s``, ``add`` and ``discard`` cost O(len(x))
    expected; iteration is in sorted (code point) order. ``set`` answers faster when queried
    with its own stored ``str`` objects, which it matches by identity on a cached hash; a
    HAT-trie always reads the key's bytes. Memory and speed figures: the README, from
    ``benchmarks/bench_hat_trie.py``. Threads: each change is one call of the C core with the
    GIL held; iterating while another thread adds or removes a key raises RuntimeError, as
    for ``set`` (docs/threads.md).

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
            if is_columnar(iterable):
                coder = _Coder()
                for data, offs, row0 in text_blocks(iterable, self._kind):
                    self._add_block(data, offs, coder, log, &added)
                return self._count_added(added)
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

    cdef int _add_block(self, const uint8_t[::1] data, const int64_t[::1] offs, _Coder coder,
                        _Buffer log, Py_ssize_t *added) except -1:
        """Insert the keys of one checked column block, counting new ones into added[0]."""
        cdef Py_ssize_t i, n = offs.shape[0] - 1
        cdef lowram_key k
        cdef int r
        for i in range(n):
            coder.code(&data[0] + offs[i], <size_t>(offs[i + 1] - offs[i]), &k)
            r = hat_insert(self._t, k.p, <size_t>k.n)
            if r == 1:
                if log is not None and log.log_key(k.p, <size_t>k.n) < 0:
                    hat_remove(self._t, k.p, <size_t>k.n)  # unlogged: undo it now
                    r = -1
                else:
                    added[0] += 1
                    self._version += 1
            if r < 0:
                raise MemoryError()
        return 0

    cdef inline Py_ssize_t _count_added(self, Py_ssize_t added):
        if added:
            self._version += 1
        return added

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
        if len(iterables) == 1:   # (a column is read from its buffers)
            self._add_all(iterables[0])
            return
        # all iterables, or none; a column among several is read item by item
        self._add_all(itertools.chain.from_iterable(
            _column_items(it) if is_columnar(it) else it for it in iterables))

    def add_many(self, iterable):
        """Add the keys of ``iterable`` and return how many were new (all or none on error).

        Cost: O(total key length). A pyarrow or pandas string column is read from its
        buffers, with no Python object per key.

        >>> MutableStringSet(["a"]).add_many(["a", "b", "c"])
        2
        """
        return self._add_all(iterable)

    cdef object _contains_column(self, column):
        """contains_many over a string column's checked buffers, block by block: each key
        coded from its UTF-8 bytes, with no Python object per key."""
        cdef _Coder coder = _Coder()
        cdef lowram_key k
        cdef Py_ssize_t i, n
        cdef const uint8_t[::1] data
        cdef const int64_t[::1] offs
        cdef uint8_t[::1] res
        parts = []
        for block, block_offs, row0 in text_blocks(column, self._kind):
            data = block
            offs = block_offs
            n = offs.shape[0] - 1
            out = numpy.zeros(n, dtype=numpy.bool_)
            res = out.view(numpy.uint8)
            for i in range(n):
                coder.code(&data[0] + offs[i], <size_t>(offs[i + 1] - offs[i]), &k)
                res[i] = hat_contains(self._t, k.p, <size_t>k.n) == 1
            parts.append(out)
        if not parts:
            return numpy.zeros(0, dtype=numpy.bool_)
        return parts[0] if len(parts) == 1 else numpy.concatenate(parts)

    def contains_many(self, keys):
        """``numpy`` bool array: for each of ``keys``, whether it is in the set.

        Cost: O(total key length), in one C loop. A pyarrow or pandas string column is read
        from its buffers (no Python object per key); a null or a row that is not UTF-8
        raises ValueError naming the row, as ``update`` does.

        >>> MutableStringSet(["a", "c"]).contains_many(["a", "b", "c"]).tolist()
        [True, False, True]
        """
        cdef lowram_key ring[_RING]
        cdef PyObject *held[_RING]
        cdef int codes[_RING]
        cdef Py_ssize_t i, j, c, n, coded = 0, done = 0
        rows = object_strings(keys, _KIND)
        if rows is not None:
            keys = rows
        elif is_columnar(keys):
            return self._contains_column(keys)
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


_abc.MutableSet.register(MutableStringSet)
