# MutableStringMap: the mapping from str to int64 on the same trie, with 8 value bytes per
# key. Included by hat_trie.pyx.

_MAP_KIND = "MutableStringMap"
_INT64_MAX = 0x7FFFFFFFFFFFFFFF
#: rows per block when a column is counted (see _BlockCounts)
_COUNT_BLOCK = 65536
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
    set's bytes per key plus 8 and glibc's rounding; no Python object is kept per key or
    value. Lookup, assignment and deletion cost O(len(key)) expected; iteration is in sorted
    (code point) order. A ``dict`` answers faster when queried with its own key objects,
    which it matches by identity. Values must be ``int`` in int64 range (``bool`` is
    refused, as :class:`lowram.StringMap` refuses it: TypeError), and a batch that fails
    (bad key, bad value, overflow) leaves the map as it was. Memory and speed figures: the
    README, from ``benchmarks/bench_hat_map.py``. Threads: as :class:`MutableStringSet`
    (iteration raises RuntimeError when a key is added or removed meanwhile, as for ``dict``).

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

    cdef int _increment_block(self, const uint8_t[::1] data, const int64_t[::1] offs,
                              _Coder coder, _BlockCounts seen, int64_t step, _Undo log,
                              Py_ssize_t *added) except -1:
        """Add step to each key of one checked column block, counting new ones: each
        distinct key of the block once, by step times its occurrences."""
        cdef const uint8_t *base = &data[0]
        cdef Py_ssize_t d, m = seen.distinct(base, offs)
        cdef uint64_t c, times
        cdef uint64_t mag = <uint64_t>step if step >= 0 else <uint64_t>(-(step + 1)) + 1
        cdef uint64_t limit = 0xFFFFFFFFFFFFFFFFULL if mag == 0 else \
            (<uint64_t>0x7FFFFFFFFFFFFFFFULL) // mag   # c <= limit: step * c fits in int64
        cdef uint32_t i
        cdef lowram_key k
        for d in range(m):
            i = seen.first[d]
            c = seen.counts[d]
            coder.code(base + offs[i], <size_t>(offs[i + 1] - offs[i]), &k)
            if c <= limit:
                added[0] += self._add(&k, step * <int64_t>c, log)
            else:   # step * c is beyond int64: add one step at a time (overflow names it)
                for times in range(c):
                    added[0] += self._add(&k, step, log)
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

    def get_many(self, keys, default=None):
        """``[m.get(k, default) for k in keys]`` in one C loop (no Python call per key).

        ``keys`` may be a list, tuple, generator or numpy array, or a pyarrow or pandas
        string column, read from its buffers (a null raises ValueError, as ``update``
        refuses one). Cost: O(total key length).

        >>> import pyarrow as pa
        >>> MutableStringMap({"a": 1, "b": 2}).get_many(pa.array(["b", "x", "a"]), 0)
        [2, 0, 1]
        """
        cdef lowram_key k
        cdef uint8_t *w
        cdef Py_ssize_t i, n
        cdef const uint8_t *base
        cdef const int64_t[::1] offs
        cdef const uint8_t[::1] dview
        if isinstance(keys, str):
            raise TypeError("get_many() takes an iterable of str keys, not one str")
        out = []
        rows = object_strings(keys, _MAP_KIND)
        if rows is not None:
            keys = rows
        elif is_columnar(keys):
            coder = _Coder()
            for data, block, row0 in text_blocks(keys, _MAP_KIND):
                offs = block
                dview = data
                base = &dview[0]
                for i in range(offs.shape[0] - 1):
                    coder.code(base + offs[i], <size_t>(offs[i + 1] - offs[i]), &k)
                    w = hat_value(self._t, k.p, <size_t>k.n)
                    out.append(default if w == NULL else _rd64(w))
            return out
        seq = keys if type(keys) is list or type(keys) is tuple else list(keys)
        n = len(seq)
        for i in range(n):
            if _query_key(seq[i], &k):
                out.append(default)
                continue
            w = hat_value(self._t, k.p, <size_t>k.n)
            lowram_key_done(&k)
            out.append(default if w == NULL else _rd64(w))
        return out

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

    def pop(self, key, default=MISSING):
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
        if default is MISSING:
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
        A pyarrow or pandas string column is read from its buffers (no Python object per
        key); a null or non-UTF-8 row raises ValueError and undoes the call.

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
        if is_columnar(keys):
            coder = _Coder()
            seen = _BlockCounts()
            try:
                for data, offs, row0 in text_blocks(keys, _MAP_KIND, _COUNT_BLOCK):
                    self._increment_block(data, offs, coder, seen, step, log, &added)
            except BaseException:
                self._rollback(was_empty, log)
                raise
            return added
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

        Cost: O(total token length), one C loop (:meth:`increment`). ``tokens`` may be a
        pyarrow or pandas string column, counted from its buffers.

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
