# cython: language_level=3, always_allow_keywords=False
"""IntSet: a ``set`` of ints in a compact hash table (the C core is ``csrc/int_table.h``).

The table stores each key's mixed value in fewer bits than the key has (it says how and why at
its top). Keys from -2**63 to 2**64 - 1 are held: those below 2**63 (int64) in one table, those
from 2**63 up (uint64 only) in a second one, empty unless such a key arrives.

Threads: every change runs in C with the GIL held, from reading the table to leaving it in its
new state; a value's conversion (``__index__``, ``__int__``, an iterable's ``__next__``) runs
before the change starts, never inside it, and nothing in a change allocates a Python object.
So another thread sees the set before or after a change, never inside one; an iterator whose
set changed raises RuntimeError on its next step.
"""

include "_table.pxi"

from lowram._arrow import is_columnar, number_chunks

__all__ = ["IntSet"]

FORMAT = 1
_KIND = "IntSet"
_WHAT = "IntSet items"   # how errors name what they refuse


# ------------------------------------------------------------------------- the set ---------

cdef inline bint _is_set(object other):
    return isinstance(other, collections.abc.Set)


cdef class IntSet:
    """A set of ints in 2-9 bytes per item, where ``set`` spends 59-71.

    Behaves as ``set`` restricted to ints from -2**63 to 2**64 - 1: every method and operator,
    comparisons with ``set`` and ``frozenset`` both ways, pickling, weak references. Values
    equal to an int are that int (``True``, numpy ints, ``3.0``); another value is a
    ``TypeError`` when added and absent when looked up (as ``set`` answers); an int beyond the
    range is an ``OverflowError``. A refused operation leaves the set unchanged.

    Costs: ``in``, ``add``, ``discard`` O(1) expected (one short probe in a small table; a
    growth rebuilds one table of ~128-256 keys); batches from numpy, Arrow or pandas run in C
    with no Python object per item, and a batch at least a quarter of the set's size rebuilds
    the table in one pass (sorting each small table), holding 8 bytes per key meanwhile.
    Iteration is in hash order (seeded, fixed by the contents); ``repr`` sorts.

    >>> s = IntSet([3, 1, 2, 3])
    >>> s
    IntSet({1, 2, 3})
    >>> 2 in s, 2.0 in s, 2.5 in s, "2" in s
    (True, True, False, False)
    >>> s | {10}, s == {1, 2, 3}
    (IntSet({1, 2, 3, 10}), True)
    """

    cdef lri_table lo
    cdef lri_table hi
    cdef object __weakref__

    def __cinit__(self, *args, **kwargs):
        if lri_init(&self.lo, 0, 0, 0) < 0 or lri_init(&self.hi, 0, 0, 0) < 0:
            raise MemoryError()

    def __dealloc__(self):
        lri_free(&self.lo)
        lri_free(&self.hi)

    def __init__(self, iterable=(), *, seed=None):
        seed = _seed(seed)
        if self.lo.n or self.hi.n:
            self.clear()
        self.lo.seed = seed
        self.hi.seed = seed
        if iterable is not None:
            self.update(iterable)

    @property
    def seed(self):
        """The seed of the mixing hash (kept by copies and pickles)."""
        return self.lo.seed

    @property
    def key_width(self):
        """32 while every key fits an int32, else 64: the width the table mixes keys over."""
        return 64 if self.lo.w == 64 or self.hi.w == 64 else 32

    # ------------------------------------------------------------ size and membership -----

    def __len__(self):
        return self.lo.n + self.hi.n

    def __bool__(self):
        return self.lo.n + self.hi.n > 0

    def __contains__(self, x):
        cdef uint64_t p
        cdef int where = _key(x, &p, False)
        if where == LO:
            return lri_contains(&self.lo, p) == 1
        if where == HI:
            return lri_contains(&self.hi, p) == 1
        return False

    cdef inline lri_table *_table(self, int where):
        return &self.hi if where == HI else &self.lo

    cdef int _add_one(self, uint64_t p, int where) except -1:
        """1 added, 0 held already; MemoryError with the set unchanged."""
        cdef lri_table *t = self._table(where)
        cdef int rc
        if t.w == 32 and not lri_fits32(p):
            if lri_widen(t) < 0:
                raise MemoryError()
        rc = lri_add(t, p)
        if rc < 0:
            raise MemoryError()
        return rc

    def add(self, x):
        """Add the int ``x`` (O(1) expected)."""
        cdef uint64_t p
        cdef int where = _key(x, &p, True)
        self._add_one(p, where)

    def discard(self, x):
        """Remove ``x`` if present (O(1) expected)."""
        cdef uint64_t p
        cdef int where = _key(x, &p, False)
        if where != ABSENT:
            lri_discard(self._table(where), p)

    def remove(self, x):
        """Remove ``x``; KeyError if absent."""
        cdef uint64_t p
        cdef int where = _key(x, &p, False)
        if where == ABSENT or not lri_discard(self._table(where), p):
            raise KeyError(x)

    def pop(self):
        """Remove and return an arbitrary item; KeyError if empty."""
        cdef uint64_t p
        if lri_pop(&self.lo, &p, NULL):
            return _value(p, LO)
        if lri_pop(&self.hi, &p, NULL):
            return _value(p, HI)
        raise KeyError("pop from an empty set")

    def clear(self):
        """Remove every item and give back the table's memory."""
        if lri_clear(&self.lo, &self.hi, 0) < 0:
            raise MemoryError()

    def copy(self):
        """A shallow copy (O(n): the table's bytes copied)."""
        cdef IntSet out = IntSet.__new__(IntSet)
        if lri_copy(&out.lo, &self.lo) < 0 or lri_copy(&out.hi, &self.hi) < 0:
            raise MemoryError()
        return out

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    # ------------------------------------------------------------ batches -----------------

    cdef int _apply(self, uint64_t *ps, Py_ssize_t m, int where, Undo *undo) except -1:
        """Add m patterns to one table; with an undo log, record the ones that were new."""
        cdef lri_table *t = self._table(where)
        cdef Py_ssize_t i
        cdef int w_needed = 32
        cdef int rc
        if m == 0:
            return 0
        for i in range(m):
            if not lri_fits32(ps[i]):
                w_needed = 64
                break
        if undo != NULL and undo.was_empty[where]:
            undo = NULL
        if m >= 1024 and <uint64_t>m * 4 >= t.n:
            if undo != NULL:
                for i in range(m):
                    if not lri_contains(t, ps[i]):
                        _undo_push(undo, ps[i], where)
            if lri_add_bulk(t, ps, NULL, 0, m, w_needed, 0, LRI_LAST) < 0:
                raise MemoryError()
            return 0
        if w_needed > t.w and lri_widen(t) < 0:
            raise MemoryError()
        for i in range(m):
            if undo != NULL:
                _undo_reserve(undo)   # before the add: a key added must be a key logged
            rc = lri_add(t, ps[i])
            if rc < 0:
                raise MemoryError()
            if rc and undo != NULL:
                _undo_push(undo, ps[i], where)
        return 0

    cdef void _undo(self, Undo *undo):
        cdef Py_ssize_t i
        for i in range(undo.n - 1, -1, -1):
            lri_discard(self._table(undo.where[i]), undo.keys[i])
        for i in range(2):
            if undo.was_empty[i]:
                lri_clear(self._table(i), NULL, 0)   # (only the shape: it holds nothing)

    cdef int _add_array(self, object arr, Undo *undo) except -1:
        """Add a 1-d numpy array of ints, bools or integral floats (checked first)."""
        arr = np.asarray(arr)
        if arr.ndim != 1:
            raise TypeError(f"IntSet takes a 1-d array, not a {arr.ndim}-d one")
        kind = arr.dtype.kind
        if kind == "f":
            if arr.size and not np.isfinite(arr).all():
                raise TypeError("IntSet items must be int: the array holds NaN or infinity")
            if arr.size and not (np.floor(arr) == arr).all():
                raise TypeError("IntSet items must be int: the array holds non-integral floats")
            if arr.size and (arr.min() < -2.0 ** 63 or arr.max() >= 2.0 ** 64):
                raise OverflowError("the array holds floats outside the ints IntSet holds "
                                    "(-2**63 to 2**64 - 1)")
            big = arr >= 2.0 ** 63
            if big.any():
                hi = (arr[big] - 2.0 ** 63).astype(np.uint64)
                self._apply_view(hi, HI, undo)
                arr = arr[~big]
            lo = arr.astype(np.int64)
        elif kind == "u" and arr.dtype.itemsize == 8:
            big = arr >= HI_BASE
            if big.any():
                hi = np.ascontiguousarray(arr[big] - np.uint64(HI_BASE))
                self._apply_view(hi, HI, undo)
                arr = arr[~big]
            lo = arr
        elif kind in "iub":
            lo = arr.astype(np.int64, copy=False)
        else:
            raise TypeError(f"IntSet takes an array of ints, not of dtype {arr.dtype}")
        self._apply_view(np.ascontiguousarray(lo).view(np.uint64), LO, undo)
        return 0

    cdef int _apply_view(self, const uint64_t[::1] v, int where, Undo *undo) except -1:
        if v.shape[0]:
            self._apply(<uint64_t *>&v[0], v.shape[0], where, undo)
        return 0

    cdef int _add_iterable(self, object it, Undo *undo) except -1:
        cdef uint64_t *buf[2]
        cdef Py_ssize_t fill[2]
        cdef uint64_t p
        cdef int where
        buf[0] = <uint64_t *>malloc(CHUNK * sizeof(uint64_t))
        buf[1] = <uint64_t *>malloc(CHUNK * sizeof(uint64_t))
        fill[0] = fill[1] = 0
        try:
            if buf[0] == NULL or buf[1] == NULL:
                raise MemoryError()
            for x in it:
                where = _key(x, &p, True)
                buf[where][fill[where]] = p
                fill[where] += 1
                if fill[where] == CHUNK:
                    self._apply(buf[where], CHUNK, where, undo)
                    fill[where] = 0
            self._apply(buf[0], fill[0], LO, undo)
            self._apply(buf[1], fill[1], HI, undo)
        finally:
            free(buf[0])
            free(buf[1])
        return 0

    cdef object _patterns(self, int where):
        """One table's keys as a uint64 array of patterns, in iteration order."""
        return _snapshot(self._table(where), False)[0]

    cdef int _add_other(self, object other, Undo *undo) except -1:
        cdef IntSet o
        cdef int where
        if isinstance(other, IntSet):
            o = <IntSet>other
            if o is self:
                return 0
            for where in (LO, HI):
                self._apply_view(o._patterns(where), where, undo)
            return 0
        if isinstance(other, np.ndarray) and other.dtype.kind != "O":
            return self._add_array(other, undo)
        if is_columnar(other) and getattr(getattr(other, "dtype", None), "kind", "") != "O":
            for chunk in number_chunks(other, "IntSet", "iuf"):
                self._add_array(chunk, undo)
            return 0
        return self._add_iterable(other, undo)

    def update(self, *others):
        """Add the items of every iterable given: any iterable of ints, or numpy arrays
        (int, uint, bool, integral float) and Arrow or pandas integer columns read in C with no
        Python object per item. All or nothing: on an error, the set is as it was."""
        cdef Undo undo
        undo.keys = NULL
        undo.where = NULL
        undo.n = undo.cap = 0
        undo.was_empty[0] = self.lo.n == 0
        undo.was_empty[1] = self.hi.n == 0
        try:
            for other in others:
                self._add_other(other, &undo)
        except BaseException:
            self._undo(&undo)
            raise
        finally:
            _undo_free(&undo)

    def merge(self, *others):
        """Fold other IntSets into this one, in place (their union; all or nothing): sets
        built per partition by ``build_parallel`` or ``lowram.dask`` merge into the serial
        build."""
        for other in others:
            if not isinstance(other, IntSet):
                raise TypeError(f"IntSet.merge takes IntSets, not {type(other).__name__}")
        self.update(*others)

    def contains_many(self, values):
        """``x in self`` for each x of ``values`` as a numpy bool array (one C loop for numpy
        arrays and Arrow or pandas columns; an item at a time for other iterables)."""
        cdef Py_ssize_t n
        if is_columnar(values) and getattr(getattr(values, "dtype", None), "kind", "") != "O":
            parts = [self.contains_many(c) for c in number_chunks(values, "IntSet", "iuf")]
            return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)
        if not isinstance(values, np.ndarray) or values.dtype.kind == "O":
            return np.fromiter((x in self for x in values), dtype=bool)
        arr = values
        if arr.ndim != 1:
            raise TypeError(f"contains_many takes a 1-d array, not a {arr.ndim}-d one")
        kind = arr.dtype.kind
        n = arr.shape[0]
        if kind == "f":
            ok = np.isfinite(arr)
            ok[ok] = np.floor(arr[ok]) == arr[ok]
            ok &= (arr >= -2.0 ** 63) & (arr < 2.0 ** 64)
            big = ok & (arr >= 2.0 ** 63)
            result = np.zeros(n, dtype=bool)
            if big.any():
                result[big] = self._contains_view(
                    np.ascontiguousarray((arr[big] - 2.0 ** 63).astype(np.uint64)), HI)
            small = ok & ~big
            result[small] = self._contains_view(
                np.ascontiguousarray(arr[small].astype(np.int64)).view(np.uint64), LO)
            return result
        if kind == "u" and arr.dtype.itemsize == 8:
            big = arr >= HI_BASE
            if big.any():
                result = np.zeros(n, dtype=bool)
                result[big] = self._contains_view(
                    np.ascontiguousarray(arr[big] - np.uint64(HI_BASE)), HI)
                result[~big] = self._contains_view(np.ascontiguousarray(arr[~big]), LO)
                return result
            return self._contains_view(np.ascontiguousarray(arr), LO)
        if kind not in "iub":
            raise TypeError(f"contains_many takes an array of numbers, not of dtype {arr.dtype}")
        return self._contains_view(np.ascontiguousarray(arr, dtype=np.int64).view(np.uint64), LO)

    cdef object _contains_view(self, const uint64_t[::1] v, int where):
        cdef Py_ssize_t i, n = v.shape[0]
        result = np.empty(n, dtype=bool)
        cdef uint8_t[::1] out = result.view(np.uint8)
        if n:
            lri_contains_many(self._table(where), &v[0], n, &out[0])
        return result

    def freeze(self):
        """A :class:`SortedIntSet` of the items: frozen, sorted, in Elias-Fano code (about
        2 + log2(span / n) bits per item), mappable from a file. O(n log n): a sort.

        >>> IntSet([5, 1, 3]).freeze()
        SortedIntSet([1, 3, 5])
        """
        from lowram.ints._sortedintset import SortedIntSet
        return SortedIntSet(self.to_numpy(sorted=True))

    def to_numpy(self, sorted=False):
        """The items as a new numpy array: int64, or uint64 when some item is 2**63 or more
        (OverflowError when the set also holds a negative int: no numpy int type holds both).
        ``sorted=True`` sorts them (O(n log n)); else they come in iteration order."""
        lo = self._patterns(LO)
        hi = self._patterns(HI)
        if len(hi):
            if len(lo) and (lo.view(np.int64) < 0).any():
                raise OverflowError("the set holds negative ints and ints from 2**63 up: "
                                    "no numpy int type holds both")
            result = np.concatenate([lo, hi + np.uint64(HI_BASE)])
        else:
            result = lo.view(np.int64)
        if sorted:
            result.sort()
        return result

    # ------------------------------------------------------------ iteration ---------------

    def __iter__(self):
        return _IntSetIterator(self)

    def __repr__(self):
        if not self:
            return "IntSet()"
        items = sorted(self)
        return "IntSet({" + ", ".join(map(repr, items)) + "})"

    # ------------------------------------------------------------ set algebra -------------

    cdef bint _intset_le(self, IntSet other):
        """every item of self is in other"""
        cdef uint64_t j, pos, p
        for where in (LO, HI):
            j = pos = 0
            while lri_next(self._table(where), &j, &pos, &p):
                if not lri_contains(other._table(where), p):
                    return False
        return True

    def issubset(self, other):
        """Whether every item is in ``other`` (any iterable)."""
        if isinstance(other, IntSet):
            return len(self) <= len(other) and self._intset_le(other)
        if not _is_set(other):
            other = _loose(other, self.seed)
            return self._intset_le(other)
        if len(self) > len(other):
            return False
        return all(x in other for x in self)

    def issuperset(self, other):
        """Whether every item of ``other`` (any iterable) is in the set."""
        if isinstance(other, IntSet):
            return len(self) >= len(other) and (<IntSet>other)._intset_le(self)
        return all(x in self for x in other)

    def isdisjoint(self, other):
        """Whether the set and ``other`` (any iterable) have no item in common."""
        if isinstance(other, IntSet):
            return len(self._common(other)) == 0
        return not any(x in self for x in other)

    def __richcmp__(self, other, int op):
        if not _is_set(other):
            return NotImplemented
        n, m = len(self), len(other)
        if op == 2:      # ==
            return n == m and self.issubset(other)
        if op == 3:      # !=
            return not (n == m and self.issubset(other))
        if op == 1:      # <=
            return n <= m and self.issubset(other)
        if op == 0:      # <
            return n < m and self.issubset(other)
        if op == 5:      # >=
            return n >= m and self.issuperset(other)
        if op == 4:      # >
            return n > m and self.issuperset(other)
        return NotImplemented

    __hash__ = None

    def union(self, *others):
        """A new IntSet of the items in the set or in any of ``others``."""
        out = self.copy()
        out.update(*others)
        return out

    def intersection(self, *others):
        """A new IntSet of the items in the set and in every one of ``others``."""
        out = self.copy()
        out.intersection_update(*others)
        return out

    def difference(self, *others):
        """A new IntSet of the items in the set and in none of ``others``."""
        out = self.copy()
        out.difference_update(*others)
        return out

    def symmetric_difference(self, other):
        """A new IntSet of the items in exactly one of the set and ``other``."""
        out = self.copy()
        out.symmetric_difference_update(other)
        return out

    cdef IntSet _common(self, object other):
        """A new IntSet (this set's seed) of the items of self also in other."""
        cdef IntSet out = IntSet.__new__(IntSet)
        cdef IntSet o
        cdef IntSet small, big
        cdef uint64_t j, pos, p
        cdef int where
        out.lo.seed = out.hi.seed = self.lo.seed
        if not isinstance(other, IntSet):
            other = _loose(other, self.lo.seed)
        o = <IntSet>other
        small, big = (self, o) if len(self) <= len(o) else (o, self)
        for where in (LO, HI):
            j = pos = 0
            while lri_next(small._table(where), &j, &pos, &p):
                if lri_contains(big._table(where), p):
                    out._add_one(p, where)
        return out

    cdef void _take(self, IntSet other):
        """Take other's tables (other is left empty)."""
        cdef lri_table t
        t = self.lo; self.lo = other.lo; other.lo = t
        t = self.hi; self.hi = other.hi; other.hi = t
        self.lo.version = other.lo.version + 1
        self.hi.version = other.hi.version + 1

    def intersection_update(self, *others):
        """Keep only the items also in every one of ``others`` (all or nothing)."""
        cdef IntSet result = self
        for other in others:
            result = result._common(other)
        if result is not self:
            self._take(result)

    def difference_update(self, *others):
        """Remove the items of every one of ``others`` (all or nothing)."""
        cdef IntSet gone
        cdef uint64_t j, pos, p
        for other in others:
            if other is self:
                self.clear()
                continue
            gone = other if isinstance(other, IntSet) else _loose(other, self.lo.seed)
            for where in (LO, HI):
                j = pos = 0
                while lri_next(gone._table(where), &j, &pos, &p):
                    lri_discard(self._table(where), p)

    def symmetric_difference_update(self, other):
        """Keep the items in exactly one of the set and ``other`` (all or nothing)."""
        cdef IntSet o
        cdef IntSet out
        cdef uint64_t j, pos, p
        if other is self:
            self.clear()
            return
        o = other if isinstance(other, IntSet) else IntSet(other, seed=self.lo.seed)
        out = self.copy()
        for where in (LO, HI):
            j = pos = 0
            while lri_next(o._table(where), &j, &pos, &p):
                if lri_contains(self._table(where), p):
                    lri_discard(out._table(where), p)
                else:
                    out._add_one(p, where)
        self._take(out)

    def __or__(self, other):
        if not (isinstance(self, IntSet) and _is_set(other)):
            return NotImplemented
        return self.union(other)

    def __ror__(self, other):
        if not _is_set(other):
            return NotImplemented
        return self.union(other)

    def __and__(self, other):
        if not (isinstance(self, IntSet) and _is_set(other)):
            return NotImplemented
        return self.intersection(other)

    def __rand__(self, other):
        if not _is_set(other):
            return NotImplemented
        return self.intersection(other)

    def __sub__(self, other):
        if not (isinstance(self, IntSet) and _is_set(other)):
            return NotImplemented
        return self.difference(other)

    def __rsub__(self, other):
        if not _is_set(other):
            return NotImplemented
        return IntSet(other, seed=self.seed).difference(self)

    def __xor__(self, other):
        if not (isinstance(self, IntSet) and _is_set(other)):
            return NotImplemented
        return self.symmetric_difference(other)

    def __rxor__(self, other):
        if not _is_set(other):
            return NotImplemented
        return self.symmetric_difference(other)

    def __ior__(self, other):
        if not _is_set(other):
            return NotImplemented
        self.update(other)
        return self

    def __iand__(self, other):
        if not _is_set(other):
            return NotImplemented
        self.intersection_update(other)
        return self

    def __isub__(self, other):
        if not _is_set(other):
            return NotImplemented
        self.difference_update(other)
        return self

    def __ixor__(self, other):
        if not _is_set(other):
            return NotImplemented
        self.symmetric_difference_update(other)
        return self

    # ------------------------------------------------------------ memory, files, pickle ----

    def __sizeof__(self):
        """Bytes held: the object and both tables' native memory."""
        return object.__sizeof__(self) + lri_nbytes(&self.lo) + lri_nbytes(&self.hi)

    @property
    def nbytes(self):
        """Bytes held in RAM (as ``sys.getsizeof`` without the GC header)."""
        return self.__sizeof__()

    cdef bytes _keys(self, object patterns, int width):
        return patterns.view(np.int64).astype("<i4" if width == 4 else "<i8").tobytes()

    def to_bytes(self):
        """The set as bytes in lowram's checksummed envelope (4 or 8 bytes per item)."""
        lo, hi = self._patterns(LO), self._patterns(HI)
        wl = 4 if _fit32(lo) else 8
        wh = 4 if _fit32(hi) else 8
        head = (int(self.lo.seed).to_bytes(8, "little") + len(lo).to_bytes(8, "little")
                + len(hi).to_bytes(8, "little") + bytes([wl, wh]) + bytes(6))
        return pack(_KIND, FORMAT, head + self._keys(lo, wl) + self._keys(hi, wh))

    @classmethod
    def from_bytes(cls, data):
        """The set that :meth:`to_bytes` wrote; ``lowram.FormatError`` for anything else."""
        return _from_payload(unpack(data, kind=_KIND, versions=(FORMAT,)).payload, "data")

    def save(self, path):
        """Write the set to ``path`` atomically."""
        atomic_write(path, self.to_bytes())

    @classmethod
    def load(cls, path, mmap=False):
        """The set saved at ``path``, read and rebuilt (O(n)). A hash table is rebuilt in
        memory whatever ``mmap`` says (it is accepted so every lowram ``load`` takes it)."""
        env = read_file(path, kind=_KIND, versions=(FORMAT,))
        return _from_payload(env.payload, os.fsdecode(path))

    def __reduce__(self):
        return (_rebuild, (self.to_bytes(),))

    __class_getitem__ = classmethod(types.GenericAlias)

    def _check(self):
        """Assert the table's invariants (for tests)."""
        _check_tables("IntSet", &self.lo, &self.hi)


collections.abc.MutableSet.register(IntSet)


cdef IntSet _loose(object items, uint64_t seed):
    """The ints among ``items`` as an IntSet (other values dropped: they cannot be in one)."""
    cdef IntSet out = IntSet.__new__(IntSet)
    cdef uint64_t p
    cdef int where
    out.lo.seed = out.hi.seed = seed
    if isinstance(items, np.ndarray) and items.dtype.kind in "iub":
        out.update(items)
        return out
    for x in items:
        where = _key(x, &p, False)
        if where != ABSENT:
            out._add_one(p, where)
    return out


def _rebuild(data):
    """Unpickle an IntSet."""
    return IntSet.from_bytes(data)


cdef object _from_payload(object payload, str source):
    cdef IntSet out = IntSet.__new__(IntSet)
    cdef const uint64_t[::1] keys
    view = memoryview(payload).cast("B")
    if len(view) < 32:
        raise FormatError(f"{source}: IntSet payload of {len(view)} bytes is shorter than "
                          "its 32-byte header")
    seed, n_lo, n_hi = struct.unpack_from("<QQQ", view, 0)
    wl, wh = view[24], view[25]
    if wl not in (4, 8) or wh not in (4, 8) or any(view[26:32]):
        raise FormatError(f"{source}: IntSet header names key widths {wl} and {wh} "
                          "(4 or 8) or has nonzero padding")
    if 32 + n_lo * wl + n_hi * wh != len(view):
        raise FormatError(f"{source}: IntSet header claims {n_lo} + {n_hi} keys, which do not "
                          f"fill its {len(view) - 32} bytes of keys")
    out.lo.seed = out.hi.seed = seed
    start = 32
    for where, n, w in ((LO, n_lo, wl), (HI, n_hi, wh)):
        part = np.frombuffer(view, dtype="<i4" if w == 4 else "<i8", count=n, offset=start)
        start += n * w
        if where == HI and n and part.min() < 0:
            raise FormatError(f"{source}: IntSet key from 2**63 up is out of range")
        keys = np.ascontiguousarray(part.astype(np.int64)).view(np.uint64)
        if n and lri_add_bulk(out._table(where), &keys[0], NULL, 0, n, 32 if w == 4 else 64, 0,
                                LRI_LAST) < 0:
            raise MemoryError()
        if out._table(where).n != n:
            raise FormatError(f"{source}: IntSet payload repeats keys ({n} stored, "
                              f"{out._table(where).n} distinct)")
    return out


cdef class _IntSetIterator:
    cdef IntSet s
    cdef uint64_t version_lo, version_hi, j, pos
    cdef int where

    def __cinit__(self, IntSet s):
        self.s = s
        self.version_lo = s.lo.version
        self.version_hi = s.hi.version
        self.j = self.pos = 0
        self.where = LO

    def __iter__(self):
        return self

    def __next__(self):
        cdef uint64_t p
        if self.s is None:
            raise StopIteration
        if self.s.lo.version != self.version_lo or self.s.hi.version != self.version_hi:
            self.s = None
            raise RuntimeError("IntSet changed during iteration")
        while True:
            if lri_next(self.s._table(self.where), &self.j, &self.pos, &p):
                return _value(p, self.where)
            if self.where == HI:
                self.s = None
                raise StopIteration
            self.where = HI
            self.j = self.pos = 0

    def __length_hint__(self):
        return 0 if self.s is None else len(self.s)
