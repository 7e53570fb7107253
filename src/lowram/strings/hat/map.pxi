# MutableStringMap: the mapping from str to values of any kind on the same trie, with 8 value
# bytes per key (their meaning: values.pxi). Included by hat_trie.pyx.

_MAP_KIND = "MutableStringMap"
#: rows per block when a column is counted (see _BlockCounts)
_COUNT_BLOCK = 65536


cdef int64_t _value_of(object v) except? -1:
    """v as an int64 (a step of increment): TypeError naming it for a non-int (bool too),
    OverflowError beyond int64."""
    if type(v) is not int and (not isinstance(v, int) or isinstance(v, bool)):
        raise TypeError(f"{_MAP_KIND} increments by an int, not {type(v).__name__}: {v!r:.80}")
    if not (_INT64_MIN <= v <= _INT64_MAX):
        shown = f"{int(v)}" if abs(v) < 10 ** 40 else f"an int of {int(v).bit_length()} bits"
        raise OverflowError(f"{_MAP_KIND} values must fit in int64, not {shown}")
    return <int64_t>v


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
    """Unpickle a MutableStringMap from its serialised bytes (objects in it were pickled
    inside this pickle, which is trusted already)."""
    return MutableStringMap.from_bytes(data, allow_pickle=True)


#: format 2 holds values of any kind: a uint64 length, format 1's payload of that length with
#: each key's position as its value, zero padding to 8 bytes, then a ValueStore of the values
#: in key order (strings/_values.py). Maps of ints write format 1, as before.
_MAP_FORMAT = 2


cdef class MutableStringMap(_HatTrie):
    """A mutable mapping from ``str`` to values of any kind, held in a HAT-trie.

    A complete ``collections.abc.MutableMapping`` that behaves like a ``dict`` of str keys,
    plus sorted iteration, prefix queries (as :class:`lowram.StringMap`) and a counting
    path, :meth:`increment`. Each value is 8 bytes stored beside its key in the trie's
    bucket (a key ending at a trie node keeps it in the node), so a map of ints costs the
    set's bytes per key plus 8 and glibc's rounding, with no Python object per key or value.
    The 8 bytes mean what the map's :attr:`value_kind` says, decided by its first value: an
    int64, a float64, a bool, None, or where a str's UTF-8 (or a bytes) sits in one arena
    the map owns; a value of another kind, an int past int64, or a value with no compact
    form (a tuple) turns the map, once, into ``"object"``: the 8 bytes index a list of the
    values themselves (``m[k] is v``, as in ``dict``). Values come back as the kind they
    went in as; numpy scalars are taken as their Python values. Lookup, assignment and
    deletion cost O(len(key)) expected; iteration is in sorted (code point) order. A
    ``dict`` answers faster when queried with its own key objects, which it matches by
    identity. A batch that fails (bad key, overflow) leaves the map's items as they were
    (a map widened to ``"object"`` meanwhile stays so). Memory and speed figures: the
    README, from ``benchmarks/bench_hat_map.py``. Threads: as :class:`MutableStringSet`
    (iteration raises RuntimeError when a key is added or removed meanwhile, as for ``dict``).

    >>> m = MutableStringMap({"pear": 3, "apple": 1})
    >>> m["fig"] = 7; m["pear"] += 1; del m["apple"]
    >>> m.increment(["fig", "kiwi", "kiwi"])
    1
    >>> dict(m), m.prefixes("figs"), list(m.items("p"))
    ({'fig': 8, 'kiwi': 2, 'pear': 4}, [('fig', 8)], [('pear', 4)])
    >>> lemmas = MutableStringMap(ran="run", mice="mouse"); lemmas["mice"], lemmas.value_kind
    ('mouse', 'str')
    """

    cdef _MapValues _vals

    _kind = _MAP_KIND

    def __cinit__(self, *args, **kwargs):
        # a trie from the start, so an instance made by __new__ alone is a valid empty map
        self._new_trie(BURST, LOAD, 8)
        self._vals = _MapValues()

    def __init__(self, mapping_or_pairs=(), *, _burst=BURST, _load=LOAD, **kwargs):
        """Build from a mapping or (key, value) pairs, then keyword pairs, as ``dict`` does.

        Cost: O(total key length). ``_burst`` and ``_load`` set the tuning, as for
        :class:`MutableStringSet`.
        """
        self._reset(_burst, _load)
        self._vals.adopt(V_INT)   # __init__ again on a used map: its values go with its keys
        self.update(mapping_or_pairs, **kwargs)

    # ------------------------------------------------------------------ internals

    cdef object _load(self, const uint8_t *w):
        if self._vals.kind == V_INT:
            return _rd64(w)
        return self._vals.load(w)

    cdef int _fit(self, int kind, _Undo log) except -1:
        """Make the map able to hold a value of kind: an empty map takes it up, another
        kind widens the map to objects (``self._vals.kind`` then says how to store it)."""
        cdef _MapValues vals = self._vals
        if kind == vals.kind:
            return 0
        if self._t.size == 0:
            vals.adopt(kind)
        elif vals.kind != V_OBJ:
            # every slot is rewritten in this one step; a live iterator reads slot and
            # layout together at each step, so it goes on (the keys did not change)
            vals.widen(self._t, log)
        return 0

    cdef int _put(self, lowram_key *k, object value, _Undo log) except -1:
        """Set key k to value (logging the change when log is not None)."""
        cdef uint8_t *where
        cdef int64_t v, old_slot
        cdef int r
        value = _plain(value)
        self._fit(_kind_of(value), log)
        self._vals.encode(value, &v, log)
        try:
            if log is not None:
                log.record(k.p, <size_t>k.n, hat_value(self._t, k.p, <size_t>k.n))
            r = hat_upsert(self._t, k.p, <size_t>k.n, <uint8_t *>&v, &where)
            if r < 0:
                raise MemoryError()
        except BaseException:
            if log is None:
                self._vals.release(v, None)
            raise
        if r == 0:
            old_slot = _rd64(where)
            memcpy(where, &v, 8)   # the map is whole before release may allocate
            self._vals.release(old_slot, log)
        else:
            self._version += 1  # a new key may move buckets: live iterators must stop
        return r

    cdef int _done(self, _Undo log) except -1:
        """A change succeeded: free what a logged batch replaced, compact the values' waste."""
        self._vals.committed(log)
        self._vals.compact(self._t)
        return 0

    cdef int _add(self, lowram_key *k, int64_t by, _Undo log) except -1:
        """Add by to key k's value (inserting it as by); 1 when the key was new."""
        cdef uint8_t *where
        cdef int64_t old
        cdef int r
        if self._vals.kind != V_INT:   # checked at every step: another thread may change it
            if self._t.size:
                return self._add_value(k, by, log)
            self._vals.adopt(V_INT)
        r = hat_upsert(self._t, k.p, <size_t>k.n, <uint8_t *>&by, &where)
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

    cdef int _add_value(self, lowram_key *k, int64_t by, _Undo log) except -1:
        """_add on a map not of ints: the value becomes value + by, as Python adds."""
        cdef uint8_t *w = hat_value(self._t, k.p, <size_t>k.n)
        value = by if w == NULL else self._load(w) + by
        return self._put(k, value, log)

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
            self._vals.adopt(V_INT)
        elif log.epoch != self._vals.epoch:
            # another thread changed the values' layout meanwhile (cleared the map, widened
            # or compacted it): the log's old slots mean nothing now, so only the keys the
            # batch added go (their values wait for the next compaction); the values it
            # replaced stay replaced, as a dict's update interleaved with another thread's
            # changes keeps what it set
            log.undo(self._t, False)
            try:
                self._vals.rolled_back(None, self._t)   # recount the arena's waste
            except BaseException:
                pass
        else:
            log.undo(self._t)
            try:
                self._vals.rolled_back(log, self._t)
                if self._vals.kind != log.kind:   # widened by the batch: all of log.kind again
                    self._vals.narrow(self._t, log.kind)
            except BaseException:   # only a MemoryError: the waste stays high, or the map
                pass                # stays "object", its items as they were
        self._version += 1
        return 0

    cdef int _update_pairs(self, pairs) except -1:
        """Set each (key, value) of pairs; on any error undo them all, then raise."""
        cdef lowram_key k
        cdef bint was_empty = self._t.size == 0
        cdef _Undo log = None if was_empty else _Undo(self._vals.kind, self._vals.epoch)
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
                _store_key(key, &k, _MAP_KIND)  # on error it holds nothing
                try:
                    self._put(&k, value, log)
                finally:
                    lowram_key_done(&k)
                i += 1
        except BaseException:
            self._rollback(was_empty, log)
            raise
        self._done(log)
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
        return self._load(w)

    def __setitem__(self, key, value):
        """``m[key] = value``. Cost: O(len(key)) expected; O(n) once if the value's kind
        widens the map to ``"object"``.

        >>> m = MutableStringMap(); m["a"] = -5; m["a"] = 2**63 - 1; m
        MutableStringMap({'a': 9223372036854775807})
        >>> m["b"] = "two"; m.value_kind, m
        ('object', MutableStringMap({'a': 9223372036854775807, 'b': 'two'}))
        """
        cdef lowram_key k
        _store_key(key, &k, _MAP_KIND)
        try:
            self._put(&k, value, None)
        finally:
            lowram_key_done(&k)
        self._vals.compact(self._t)

    def __delitem__(self, key):
        """``del m[key]``; KeyError if absent. Cost: O(len(key)) expected.

        >>> m = MutableStringMap({"a": 1}); del m["a"]; len(m)
        0
        """
        if self._take(key, False) is MISSING:
            raise KeyError(key)

    cdef object _take(self, key, bint want):
        """Remove key and release its value: the value (when want; else None), or MISSING
        when absent (any non-str key is). The value is read before anything changes."""
        cdef lowram_key k
        cdef uint8_t *w
        cdef int64_t v
        value = None
        if _query_key(key, &k):
            return MISSING
        try:
            w = hat_value(self._t, k.p, <size_t>k.n)
            if w == NULL:
                return MISSING
            v = _rd64(w)
            if want:
                value = self._load(w)
            hat_remove(self._t, k.p, <size_t>k.n)
            self._version += 1
        finally:
            lowram_key_done(&k)
        self._vals.release(v, None)
        self._vals.compact(self._t)
        return value

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
        return default if w == NULL else self._load(w)

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
                    out.append(default if w == NULL else self._load(w))
            return out
        seq = keys if type(keys) is list or type(keys) is tuple else list(keys)
        n = len(seq)
        for i in range(n):
            if _query_key(seq[i], &k):
                out.append(default)
                continue
            w = hat_value(self._t, k.p, <size_t>k.n)
            lowram_key_done(&k)
            out.append(default if w == NULL else self._load(w))
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
        value = self._take(key, True)
        if value is not MISSING:
            return value
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
        cdef int64_t slot
        try:
            if r == 0:
                raise KeyError(f"popitem(): {_MAP_KIND} is empty")
            if r < 0:
                raise MemoryError()
            key = _decode(buf, n)
            slot = _rd64(hat_value(self._t, buf, n))
            value = self._vals.load(<uint8_t *>&slot)
            hat_remove(self._t, buf, n)
            self._version += 1
        finally:
            free(buf)
        self._vals.release(slot, None)
        self._vals.compact(self._t)
        return (key, value)

    def setdefault(self, key, default=None):
        """``m[key]`` if present, else set it to ``default`` and return that, as ``dict``.

        Cost: O(len(key)).

        >>> m = MutableStringMap({"a": 1}); m.setdefault("a", 5), m.setdefault("b", 0), m["b"]
        (1, 0, 0)
        """
        cdef lowram_key k
        cdef uint8_t *w
        _store_key(key, &k, _MAP_KIND)
        try:
            w = hat_value(self._t, k.p, <size_t>k.n)
            if w != NULL:
                return self._load(w)
            self._put(&k, default, None)
        finally:
            lowram_key_done(&k)
        return default

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
        A map of ints counts in int64 (OverflowError past it); in a map of another kind each
        key's value becomes ``value + by`` as Python adds (TypeError where it does not, a
        str value say; an int past int64 is kept).
        A pyarrow or pandas string column is read from its buffers (no Python object per
        key); a null or non-UTF-8 row raises ValueError and undoes the call.

        >>> m = MutableStringMap({"a": 5}); m.increment(["a", "b", "b"]), m
        (1, MutableStringMap({'a': 6, 'b': 2}))
        """
        cdef lowram_key k
        cdef int64_t step = _value_of(by)
        cdef bint was_empty = self._t.size == 0
        cdef _Undo log = None if was_empty else _Undo(self._vals.kind, self._vals.epoch)
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
            self._done(log)
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
        self._done(log)
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
    def fromkeys(cls, keys, value=None):
        """A new map with each of ``keys`` set to ``value`` (None by default, as ``dict``).

        >>> MutableStringMap.fromkeys(["b", "a"], 1), MutableStringMap.fromkeys("ab")
        (MutableStringMap({'a': 1, 'b': 1}), MutableStringMap({'a': None, 'b': None}))
        """
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

    # ------------------------------------------------------------------ values, memory

    @property
    def value_kind(self):
        """What the 8 bytes beside each key hold: ``"int"``, ``"float"``, ``"bool"``,
        ``"none"``, ``"str"`` or ``"bytes"`` (an arena of their UTF-8 or bytes), or
        ``"object"`` (references: values of several kinds, or of a kind with no column).
        The first value of an empty map decides it. Cost: O(1).

        >>> MutableStringMap(a=1.5).value_kind, MutableStringMap(a=(1, 2)).value_kind
        ('float', 'object')
        """
        return _VALUE_KINDS[self._vals.kind]

    @property
    def nbytes(self):
        """Bytes held: the trie's native heap (allocator overhead included) plus the values
        beside it: the str/bytes arena, or the list of objects with each distinct object's
        own size (shallow ``sys.getsizeof``, O(n) for ``"object"``; O(1) otherwise).

        >>> MutableStringMap(a="x").nbytes > MutableStringMap(a=1).nbytes
        True
        """
        return self._t.bytes + self._vals.nbytes()

    def __sizeof__(self):
        """Bytes held: the object plus :attr:`nbytes`.

        >>> import sys; sys.getsizeof(MutableStringMap(a=1)) > 2048
        True
        """
        return Py_TYPE(self).tp_basicsize + self.nbytes

    def clear(self):
        """Remove everything and free the memory it held. Cost: O(n).

        >>> m = MutableStringMap(a="x"); m.clear(); len(m), m.value_kind
        (0, 'int')
        """
        hat_clear(self._t)
        self._vals.adopt(V_INT)
        self._version += 1

    def copy(self):
        """A new, independent map with the same items (a shallow copy, as ``dict.copy``:
        objects held by reference are shared). Cost: O(memory held).

        >>> m = MutableStringMap(a="x"); c = m.copy(); c["b"] = "y"; len(m), len(c)
        (1, 2)
        """
        cdef MutableStringMap r = _HatTrie.copy(self)
        r._vals = self._vals.copy()
        return r

    def __copy__(self):
        """``copy.copy``: :meth:`copy`."""
        return self.copy()

    def __deepcopy__(self, memo):
        """``copy.deepcopy``: a copy whose objects (if any) are deep copies too."""
        r = self.copy()
        if self._vals.kind == V_OBJ:
            (<MutableStringMap>r)._vals.objs = _copy.deepcopy(self._vals.objs, memo)
        return r

    def _stats(self):
        """The trie's counts (as :meth:`MutableStringSet._stats`) and the values': their
        kind, the arena's bytes and waste, the object list's length and free entries.

        >>> MutableStringMap(a="xy")._stats()["arena_bytes"]
        3
        """
        cdef _MapValues vals = self._vals
        stats = _HatTrie._stats(self)
        stats.update(value_kind=_VALUE_KINDS[vals.kind],
                     arena_bytes=vals.arena.n if vals.arena is not None else 0,
                     arena_waste=vals.waste,
                     objects=len(vals.objs) if vals.objs is not None else 0,
                     free_objects=len(vals.free) if vals.free is not None else 0)
        return stats

    def _check(self):
        """Assert the trie's invariants and that every value slot points inside the arena
        or at a live entry of the object list. Cost: O(n).

        >>> MutableStringMap(a="x", b=(1,))._check()
        """
        cdef _MapValues vals = self._vals
        cdef hat_cursor *cur
        cdef const uint8_t *p
        cdef size_t n, length
        cdef int64_t slot
        cdef int r
        _HatTrie._check(self)
        free = set(vals.free or ())
        assert len(free) == len(vals.free or ()), "an object entry freed twice"
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
                slot = _rd64(hat_cursor_value(cur))
                if vals.arena is not None:
                    assert 0 <= slot < <int64_t>vals.arena.n, "a value outside the arena"
                    assert slot + <int64_t>_span(vals.arena.p + slot, &length) + \
                        <int64_t>length <= <int64_t>vals.arena.n, "a value past the arena"
                elif vals.kind == V_OBJ:
                    assert 0 <= slot < len(vals.objs) and slot not in free, \
                        "a value slot naming no live object"
                elif vals.kind == V_BOOL:
                    assert slot in (0, 1), "a bool slot that is neither 0 nor 1"
        finally:
            hat_cursor_free(cur)

    # ------------------------------------------------------------------ persistence

    def to_bytes(self):
        """Serialise to bytes in lowram's checksummed envelope. Cost: O(n log n).

        A map of ints writes format 1 (see :meth:`MutableStringSet.to_bytes`); any other
        writes format 2: the keys as in format 1, then the values in key order as
        :class:`lowram.StringMap` stores them (a column per kind). Objects are pickled:
        opening those bytes needs ``allow_pickle=True``; TypeError names a value pickle
        refuses.

        >>> MutableStringMap.from_bytes(MutableStringMap(a="x", b=None).to_bytes())
        MutableStringMap({'a': 'x', 'b': None})
        """
        from lowram.strings._values import ValueStore

        if self._vals.kind == V_INT:
            return _HatTrie.to_bytes(self)
        keys = self._payload(True)
        values = ValueStore.build(list(self._iterate_as(_VALUES))).to_bytes()
        head = len(keys).to_bytes(8, "little")
        pad = b"\0" * ((8 - len(keys) % 8) % 8)
        return pack(_MAP_KIND, _MAP_FORMAT, b"".join([head, keys, pad, values]))

    @classmethod
    def from_bytes(cls, data, *, allow_pickle=False):
        """Rebuild from :meth:`to_bytes` output; FormatError for damaged data.

        Values that were pickled (kind ``"object"``) open only with ``allow_pickle=True``
        (ValueError otherwise): unpickling can run any code, so pass it for data you trust.

        >>> MutableStringMap.from_bytes(MutableStringMap(a=1).to_bytes())
        MutableStringMap({'a': 1})
        """
        env = unpack(data, kind=cls._kind, versions=(_FORMAT, _MAP_FORMAT))
        return _open_map(env, cls, allow_pickle)

    @classmethod
    def load(cls, path, *, mmap=False, allow_pickle=False):
        """Read a file written by :meth:`save`; FormatError naming the file if it is damaged.

        ``mmap`` is taken as by every lowram ``load``; a HAT-trie is rebuilt from the file's
        sorted keys, so it is read into memory either way. ``allow_pickle``: as
        :meth:`from_bytes`.

        >>> import os, tempfile; p = os.path.join(tempfile.mkdtemp(), "m.lowram")
        >>> MutableStringMap(a=0.5).save(p); MutableStringMap.load(p)
        MutableStringMap({'a': 0.5})
        """
        env = read_file(path, kind=cls._kind, versions=(_FORMAT, _MAP_FORMAT))
        return _open_map(env, cls, allow_pickle, _os.fsdecode(_os.fspath(path)))

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


cdef MutableStringMap _open_map(env, cls, bint allow_pickle, source=None):
    """A map from an opened envelope of format 1 (ints) or 2 (keys, then a ValueStore)."""
    from lowram.errors import FormatError
    from lowram.strings._values import PickleNotAllowed, ValueStore

    cdef MutableStringMap m
    cdef hat_cursor *cur
    cdef const uint8_t *p
    cdef uint8_t *w
    cdef size_t n
    cdef int64_t slot, at = 0
    cdef int r, kind
    cdef _MapValues vals
    where = source or f"{_MAP_KIND} data"
    if env.version == _FORMAT:
        return _parse(env.payload, cls)
    payload = memoryview(env.payload)
    if len(payload) < 8:
        raise FormatError(f"{where}: {_MAP_KIND} payload shorter than its header")
    size = int.from_bytes(payload[:8], "little")
    if size > len(payload) - 8:
        raise FormatError(f"{where}: {_MAP_KIND} keys run past the end")
    m = _parse(bytes(payload[8:8 + size]), cls)
    try:
        store = ValueStore.from_bytes(payload[8 + size + (8 - size % 8) % 8:],
                                      allow_pickle=allow_pickle)
    except PickleNotAllowed:
        raise
    except Exception as exc:
        raise FormatError(f"{where}: {_MAP_KIND} values do not open: {exc}") from None
    if len(store) != len(m):
        raise FormatError(f"{where}: {len(m)} keys but {len(store)} values")
    kind = _STORE_KINDS[store.kind]
    if store.kind == "int" and store.array.dtype == numpy.uint64:
        kind = V_OBJ   # past int64: held as objects
    vals = m._vals
    vals.adopt(kind)
    cur = hat_cursor_new(m._t, NULL, 0)
    if cur == NULL:
        raise MemoryError()
    try:
        while True:
            r = hat_cursor_next(cur, &p, &n)
            if r < 0:
                raise MemoryError()
            if r == 0:
                break
            w = <uint8_t *>hat_cursor_value(cur)
            if _rd64(w) != at:
                raise FormatError(f"{where}: {_MAP_KIND} key {at} is not numbered in order")
            vals.encode(store[at], &slot, None)
            memcpy(w, &slot, 8)
            at += 1
    finally:
        hat_cursor_free(cur)
    return m
