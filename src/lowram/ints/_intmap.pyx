# cython: language_level=3, always_allow_keywords=False
"""IntMap: a ``dict`` from int to int or float in IntSet's compact table, the values dense
beside it (the C core is ``csrc/int_table.h``).

Keys are IntSet's: from -2**63 to 2**64 - 1, those from 2**63 up in a second table. Values are
of one kind, chosen at construction (``value_kind="int"`` or ``"float"``) or by the first value
stored: ints (int64, stored in the narrowest of 1, 2, 4 or 8 bytes that holds every one, as
IntList narrows) or floats (float64).

Threads: as IntSet's (every change runs in C with the GIL held; conversions run before it).
"""

include "_table.pxi"

from lowram._arrow import is_columnar, number_chunks

from cpython.float cimport PyFloat_FromDouble

__all__ = ["IntMap"]

FORMAT = 1
_KIND = "IntMap"
_WHAT = "IntMap keys"   # how errors name what they refuse

# value kinds
cdef enum:
    UNSET = 0
    INT = 1
    FLOAT = 2

_KIND_NAMES = {UNSET: None, INT: "int", FLOAT: "float"}
_MISSING = object()


cdef inline uint64_t _dbits(double d):
    cdef uint64_t u
    memcpy(&u, &d, 8)
    return u


cdef inline double _bitsd(uint64_t u):
    cdef double d
    memcpy(&d, &u, 8)
    return d


# ------------------------------------------------------------------------- undo log --------

cdef struct MapUndo:
    uint64_t *keys        # patterns written, to restore if the batch fails
    uint64_t *old         # the value each had before (when it had one)
    uint8_t *flags        # bit 0: HI table; bit 1: the key was held before
    Py_ssize_t n, cap


cdef int _mundo_push(MapUndo *u, uint64_t p, int where, bint had, uint64_t old) except -1:
    cdef Py_ssize_t cap
    cdef void *a
    if u.n == u.cap:
        cap = u.cap * 2 if u.cap else 1024
        a = realloc(u.keys, cap * sizeof(uint64_t))
        if a == NULL:
            raise MemoryError()
        u.keys = <uint64_t *>a
        a = realloc(u.old, cap * sizeof(uint64_t))
        if a == NULL:
            raise MemoryError()
        u.old = <uint64_t *>a
        a = realloc(u.flags, cap)
        if a == NULL:
            raise MemoryError()
        u.flags = <uint8_t *>a
        u.cap = cap
    u.keys[u.n] = p
    u.old[u.n] = old
    u.flags[u.n] = <uint8_t>(where | (2 if had else 0))
    u.n += 1
    return 0


cdef void _mundo_free(MapUndo *u):
    free(u.keys)
    free(u.old)
    free(u.flags)
    u.keys = u.old = NULL
    u.flags = NULL
    u.n = u.cap = 0


cdef class IntMap:
    """A dict from int to int or float in 10-20 bytes per item, where ``dict`` spends ~100.

    Behaves as ``dict`` with int keys from -2**63 to 2**64 - 1 and values of one kind: every
    method (``get``, ``setdefault``, ``pop``, ``popitem``, ``update``, ``fromkeys``, ``copy``,
    ``|``, ``|=``, views, whose ``keys()`` has the set operations), equality with any mapping,
    pickling, weak references. Keys equal to an int are that int, as in IntSet; values are
    ints (int64, stored in the narrowest width that holds them) or floats (float64), the kind
    fixed by ``value_kind`` or by the first value. A refused operation leaves the map
    unchanged. Counting: :meth:`counted`, :meth:`increment`, :meth:`most_common`.

    Costs: ``m[k]``, ``m[k] = v``, ``del m[k]`` O(1) expected (IntSet's probe, then the
    value's rank among ~256 slots by popcount); batches from numpy, Arrow or pandas run in C,
    and one at least a quarter of the map's size rebuilds it in one pass. Iteration is in hash
    order (seeded); ``repr`` sorts by key.

    >>> m = IntMap({3: 30, 1: 10})
    >>> m[2] = 20
    >>> m
    IntMap({1: 10, 2: 20, 3: 30})
    >>> m[2], m.get(5, -1), 3 in m, m.value_kind
    (20, -1, True, 'int')
    >>> IntMap.counted([5, 1, 5, 5, 1]).most_common(1)
    [(5, 3)]
    """

    cdef lri_table lo
    cdef lri_table hi
    cdef int kind
    cdef readonly bint counting
    cdef object __weakref__

    def __cinit__(self, *args, **kwargs):
        if lri_init(&self.lo, 0, 1, 0) < 0 or lri_init(&self.hi, 0, 1, 0) < 0:
            raise MemoryError()
        self.kind = UNSET

    def __dealloc__(self):
        lri_free(&self.lo)
        lri_free(&self.hi)

    def __init__(self, data=None, /, *, value_kind=None, seed=None, counting=False):
        seed = _seed(seed)
        self.counting = bool(counting)
        if value_kind not in (None, "int", "float"):
            raise ValueError(f"value_kind must be 'int', 'float' or None, not {value_kind!r}")
        self.clear()
        self.lo.seed = self.hi.seed = seed
        self._set_kind(INT if value_kind == "int" else FLOAT if value_kind == "float" else UNSET)
        if data is not None:
            self.update(data)

    cdef void _set_kind(self, int kind):
        self.kind = kind
        self.lo.vfloat = self.hi.vfloat = kind == FLOAT
        if kind == FLOAT:
            self.lo.vw = self.hi.vw = 8
        else:   # ints narrow from 1 byte: an empty table starts there again
            if self.lo.n == 0:
                self.lo.vw = 1
            if self.hi.n == 0:
                self.hi.vw = 1

    @property
    def seed(self):
        """The seed of the keys' mixing hash (kept by copies and pickles)."""
        return self.lo.seed

    @property
    def value_kind(self):
        """``'int'``, ``'float'``, or None while empty with no kind given."""
        return _KIND_NAMES[self.kind]

    @property
    def value_width(self):
        """Bytes per value: 1, 2, 4 or 8 (ints narrow to the widest value held); 8 for
        floats."""
        return max(self.lo.vw, self.hi.vw)

    # ------------------------------------------------------------ values -----------------

    cdef uint64_t _val(self, object v) except? 0xFFFFFFFFFFFFFFFF:
        """v as the map stores it (int64 or float64 bits), fixing the kind on the first."""
        cdef int overflow = 0
        cdef long long x
        cdef double d
        cdef int kind = self.kind
        if kind == UNSET:
            kind = FLOAT if (PyFloat_Check(v) or isinstance(v, np.floating)) else INT
        if kind == FLOAT:
            if PyFloat_Check(v):
                d = PyFloat_AS_DOUBLE(v)
            elif isinstance(v, (str, bytes, bytearray, complex)) or v is None or not (
                    PyIndex_Check(v) or hasattr(type(v), "__float__")):
                raise TypeError(f"IntMap values must be float or int, not {type(v).__name__}")
            else:
                d = float(v)
            if self.kind == UNSET:
                self._set_kind(FLOAT)
            return _dbits(d)
        if not PyLong_Check(v):
            if PyFloat_Check(v) or isinstance(v, np.floating) or not PyIndex_Check(v):
                raise TypeError(f"IntMap values must be int in a map of ints, not "
                                f"{type(v).__name__}" + (" (value_kind='float' holds floats)"
                                                         if isinstance(v, float) else ""))
            v = PyNumber_Index(v)
        x = PyLong_AsLongLongAndOverflow(v, &overflow)
        if overflow:
            raise OverflowError(f"{v} does not fit in int64, the widest IntMap value")
        if self.kind == UNSET:
            self._set_kind(INT)
        return <uint64_t>x

    cdef inline object _pyval(self, uint64_t v):
        if self.kind == FLOAT:
            return PyFloat_FromDouble(_bitsd(v))
        return PyLong_FromLongLong(<int64_t>v)

    cdef inline lri_table *_table(self, int where):
        return &self.hi if where == HI else &self.lo

    cdef uint64_t _plus(self, uint64_t old, uint64_t v) except? 0xFFFFFFFFFFFFFFFE:
        """old + v as the map stores values; OverflowError past int64 in a map of ints."""
        cdef int64_t sum
        if self.kind == FLOAT:
            return _dbits(_bitsd(old) + _bitsd(v))
        if _add_overflows(<int64_t>old, <int64_t>v, &sum):
            raise OverflowError(f"{<int64_t>old} + {<int64_t>v} passes int64, the widest "
                                "IntMap value")
        return <uint64_t>sum

    cdef void _rollback(self, MapUndo *undo, int kind):
        """Undo a failed batch, and give an emptied map back the kind it had."""
        self._undo(undo)
        if not self:
            self._set_kind(kind)

    cdef int _fit(self, lri_table *t, uint64_t p, uint64_t v) except -1:
        """Widen t's keys or values so p and v fit; MemoryError with t unchanged."""
        if t.w == 32 and not lri_fits32(p):
            if lri_widen(t) < 0:
                raise MemoryError()
        if self.kind == INT and lri_vwidth(<int64_t>v) > t.vw:
            if lri_widen_values(t, lri_vwidth(<int64_t>v)) < 0:
                raise MemoryError()
        return 0

    cdef int _put(self, uint64_t p, int where, uint64_t v, MapUndo *undo) except -1:
        cdef lri_table *t = self._table(where)
        cdef uint64_t old = 0
        cdef bint had
        self._fit(t, p, v)
        if undo != NULL:
            had = lri_get(t, p, &old) == 1
            _mundo_push(undo, p, where, had, old)
        if lri_put(t, p, v) < 0:
            raise MemoryError()
        return 0

    cdef void _undo(self, MapUndo *undo):
        cdef Py_ssize_t i
        cdef lri_table *t
        for i in range(undo.n - 1, -1, -1):
            t = self._table(undo.flags[i] & 1)
            if undo.flags[i] & 2:
                lri_put(t, undo.keys[i], undo.old[i])   # the value fits: it was there
            else:
                lri_discard(t, undo.keys[i])

    # ------------------------------------------------------------ the mapping ------------

    def __len__(self):
        return self.lo.n + self.hi.n

    def __bool__(self):
        return self.lo.n + self.hi.n > 0

    def __contains__(self, key):
        cdef uint64_t p
        cdef int where = _key(key, &p, False)
        return where != ABSENT and lri_contains(self._table(where), p) == 1

    def __getitem__(self, key):
        cdef uint64_t p, v
        cdef int where = _key(key, &p, False)
        if where == ABSENT or not lri_get(self._table(where), p, &v):
            raise KeyError(key)
        return self._pyval(v)

    def get(self, key, default=None):
        """``m[key]`` if present, else ``default``."""
        cdef uint64_t p, v
        cdef int where = _key(key, &p, False)
        if where == ABSENT or not lri_get(self._table(where), p, &v):
            return default
        return self._pyval(v)

    def __setitem__(self, key, value):
        cdef uint64_t p
        cdef int where = _key(key, &p, True)
        cdef uint64_t v = self._val(value)
        self._put(p, where, v, NULL)

    def __delitem__(self, key):
        cdef uint64_t p
        cdef int where = _key(key, &p, False)
        if where == ABSENT or not lri_remove(self._table(where), p, NULL):
            raise KeyError(key)

    def pop(self, key, *default):
        """Remove ``key`` and return its value; ``default`` (or KeyError) when absent."""
        cdef uint64_t p, v
        cdef int where
        if len(default) > 1:
            raise TypeError(f"pop expected at most 2 arguments, got {1 + len(default)}")
        where = _key(key, &p, False)
        if where == ABSENT or not lri_remove(self._table(where), p, &v):
            if default:
                return default[0]
            raise KeyError(key)
        return self._pyval(v)

    def popitem(self):
        """Remove and return some ``(key, value)`` (not the last added: the table keeps no
        order of insertion); KeyError when empty."""
        cdef uint64_t p, v
        if lri_pop(&self.lo, &p, &v):
            return (_value(p, LO), self._pyval(v))
        if lri_pop(&self.hi, &p, &v):
            return (_value(p, HI), self._pyval(v))
        raise KeyError("popitem(): dictionary is empty")

    def setdefault(self, key, default=None):
        """``m[key]`` if present, else set it to ``default`` (which must be a value the map
        holds) and return that."""
        cdef uint64_t p, v
        cdef int where = _key(key, &p, True)
        if lri_get(self._table(where), p, &v):
            return self._pyval(v)
        v = self._val(default)
        self._put(p, where, v, NULL)
        return self._pyval(v)

    def clear(self):
        """Remove every item and give back the memory (the value kind stays)."""
        if lri_clear(&self.lo, &self.hi, 8 if self.kind == FLOAT else 1) < 0:
            raise MemoryError()

    def copy(self):
        """A shallow copy (O(n): the table's bytes copied)."""
        cdef IntMap out = IntMap.__new__(IntMap)
        if lri_copy(&out.lo, &self.lo) < 0 or lri_copy(&out.hi, &self.hi) < 0:
            raise MemoryError()
        out.kind = self.kind
        out.counting = self.counting
        return out

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    @classmethod
    def fromkeys(cls, keys, value=0):
        """A map of ``keys``, each to ``value`` (0 by default: a map holds no None)."""
        cdef IntMap out = cls()
        out.update(keys, _Repeat(value))
        return out

    # ------------------------------------------------------------ iteration, views --------

    def __iter__(self):
        return _IntMapIterator(self, 0, False)

    def __reversed__(self):
        return _IntMapIterator(self, 0, True)

    def keys(self):
        """A view of the keys (with the set operations)."""
        return _KeysView(self)

    def values(self):
        """A view of the values."""
        return _ValuesView(self)

    def items(self):
        """A view of the ``(key, value)`` pairs."""
        return _ItemsView(self)

    def __repr__(self):
        if not self:
            return "IntMap()" if self.kind == UNSET else f"IntMap(value_kind={self.value_kind!r})"
        return "IntMap({" + ", ".join(f"{k!r}: {v!r}" for k, v in sorted(self.items())) + "})"

    # ------------------------------------------------------------ comparisons, | ---------

    def __eq__(self, other):
        if not isinstance(other, collections.abc.Mapping):
            return NotImplemented
        if len(self) != len(other):
            return False
        missing = object()
        for k, v in self.items():
            if other.get(k, missing) != v:
                return False
        return True

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None

    def __or__(self, other):
        if not isinstance(other, collections.abc.Mapping):
            return NotImplemented
        cdef IntMap out = self.copy()
        out._assign(other, None)
        return out

    def __ror__(self, other):
        if not isinstance(other, collections.abc.Mapping):
            return NotImplemented
        out = IntMap(value_kind=self.value_kind, seed=self.seed)
        out.update(other)
        out.update(self)
        return out

    def __ior__(self, other):
        self._assign(other, None)
        return self

    # ------------------------------------------------------------ batches -----------------

    def update(self, other=(), values=None, /):
        """Set items from a mapping, an iterable of pairs, or (two arguments) keys and values
        side by side: numpy arrays and Arrow or pandas columns are read in C with no Python
        object per item. A key met twice keeps its last value. All or nothing: on an error
        the map is as it was.

        A counting map (``counting=True``, or made by :meth:`counted`) updates as
        ``Counter.update``: ints (an iterable or array) are counted, and a mapping's values,
        or ``values`` beside keys, are added.

        >>> c = IntMap.counted([1, 1, 2])
        >>> c.update([2, 3]); c.update({1: 10}); c
        IntMap({1: 12, 2: 2, 3: 1})
        """
        if self.counting:
            if values is not None:
                return self.increment(other, values)
            if isinstance(other, collections.abc.Mapping):
                if isinstance(other, IntMap):
                    return self.merge(other)
                keys = list(other.keys())
                return self.increment(keys, [other[k] for k in keys])
            return self.increment(other)
        self._assign(other, values)

    cdef int _assign(self, object other, object values) except -1:
        """``update`` as dict's, whatever the map counts: the items of other set."""
        cdef MapUndo undo
        undo.keys = undo.old = NULL
        undo.flags = NULL
        undo.n = undo.cap = 0
        kind = self.kind
        try:
            if values is not None:
                self._update_pairs(other, values, &undo)
            elif isinstance(other, IntMap):
                self._update_intmap(<IntMap>other, &undo)
            elif isinstance(other, collections.abc.Mapping):
                for k in other.keys():
                    self._put_py(k, other[k], &undo)
            else:
                for pair in other:
                    k, v = _pair(pair)
                    self._put_py(k, v, &undo)
        except BaseException:
            self._rollback(&undo, kind)
            raise
        finally:
            _mundo_free(&undo)
        return 0

    def merge(self, *others):
        """Fold other IntMaps into this one, in place, all or nothing: a counting map adds
        their values (counts made per partition, by ``build_parallel`` or ``lowram.dask``, add
        up to the serial count); another map takes their items as ``update`` does."""
        cdef MapUndo undo
        cdef IntMap o
        cdef int where
        for other in others:
            if not isinstance(other, IntMap):
                raise TypeError(f"IntMap.merge takes IntMaps, not {type(other).__name__}")
        undo.keys = undo.old = NULL
        undo.flags = NULL
        undo.n = undo.cap = 0
        kind = self.kind
        try:
            for other in others:
                o = <IntMap>other
                if not self.counting:
                    self._update_intmap(o, &undo)
                    continue
                for where in (LO, HI):
                    keys, vals = _snapshot(o._table(where), True)
                    if len(keys):
                        bits = self._value_bits(
                            vals.view(np.float64 if o.kind == FLOAT else np.int64))
                        self._apply(keys, bits, 0, where, LRI_SUM_FLOAT if self.kind == FLOAT
                                    else LRI_SUM_INT, &undo)
        except BaseException:
            self._rollback(&undo, kind)
            raise
        finally:
            _mundo_free(&undo)

    cdef int _put_py(self, object k, object v, MapUndo *undo) except -1:
        cdef uint64_t p
        cdef int where = _key(k, &p, True)
        self._put(p, where, self._val(v), undo)
        return 0

    cdef int _update_intmap(self, IntMap other, MapUndo *undo) except -1:
        cdef int where
        if other is self:
            return 0
        for where in (LO, HI):
            keys, vals = _snapshot(other._table(where), True)
            if len(keys):
                vals = vals.view(np.float64 if other.kind == FLOAT else np.int64)
                self._apply(keys, self._value_bits(vals), 0, where, LRI_LAST, undo)
        return 0

    cdef int _update_pairs(self, object keys, object values, MapUndo *undo) except -1:
        if isinstance(values, _Repeat):
            value = (<_Repeat>values).value
            if _is_array(keys):
                arr = _as_key_array(keys)
                vals = None
            else:
                for k in keys:
                    self._put_py(k, value, undo)
                return 0
        elif _is_array(keys) and _is_array(values):
            arr = _as_key_array(keys)
            vals = _as_value_array(values)
            if len(vals) != len(arr):
                raise ValueError(f"update takes as many values as keys: {len(arr)} keys, "
                                 f"{len(vals)} values")
        else:
            keys, values = list(keys), list(values)
            if len(keys) != len(values):
                raise ValueError(f"update takes as many values as keys: {len(keys)} keys, "
                                 f"{len(values)} values")
            for k, v in zip(keys, values):
                self._put_py(k, v, undo)
            return 0
        if vals is None:
            self._batch(arr, None, self._val(value), LRI_LAST, undo)
        else:
            self._batch(arr, self._value_bits(vals), 0, LRI_LAST, undo)
        return 0

    cdef object _value_bits(self, object vals):
        """A value array as the map stores values (int64 or float64 bits), fixing the kind."""
        if self.kind == UNSET:
            self._set_kind(FLOAT if vals.dtype.kind == "f" else INT)
        if self.kind == FLOAT:
            return np.ascontiguousarray(vals, dtype=np.float64).view(np.uint64)
        if vals.dtype.kind == "f":
            raise TypeError("IntMap values must be int in a map of ints, not float "
                            "(value_kind='float' holds floats)")
        if vals.dtype.kind == "u" and vals.dtype.itemsize == 8 and vals.size and \
                vals.max() > np.iinfo(np.int64).max:
            raise OverflowError("a value does not fit in int64, the widest IntMap value")
        return np.ascontiguousarray(vals, dtype=np.int64).view(np.uint64)

    cdef int _batch(self, object arr, object vals, uint64_t vconst, int policy,
                    MapUndo *undo) except -1:
        """Apply keys arr (int64 or uint64 ndarray) with values (uint64-viewed ndarray, or
        vconst) to both tables under policy."""
        if arr.dtype == np.uint64:
            big = arr >= np.uint64(HI_BASE)
            if big.any():
                self._apply(np.ascontiguousarray(arr[big] - np.uint64(HI_BASE)),
                            None if vals is None else np.ascontiguousarray(vals[big]),
                            vconst, HI, policy, undo)
                arr = arr[~big]
                if vals is not None:
                    vals = vals[~big]
        self._apply(np.ascontiguousarray(arr).view(np.uint64),
                    None if vals is None else np.ascontiguousarray(vals), vconst, LO, policy,
                    undo)
        return 0

    cdef int _apply(self, const uint64_t[::1] ps, object vals, uint64_t vconst, int where,
                    int policy, MapUndo *undo) except -1:
        cdef lri_table *t = self._table(where)
        cdef Py_ssize_t i, m = ps.shape[0]
        cdef const uint64_t[::1] vs
        cdef const uint64_t *vptr = NULL
        cdef int w_needed = 32, vw_needed = 8 if self.kind == FLOAT else 1, rc
        cdef uint64_t v, old = 0
        cdef bint had
        if m == 0:
            return 0
        if vals is not None:
            vs = vals
            vptr = &vs[0]
        for i in range(m):
            if not lri_fits32(ps[i]):
                w_needed = 64
                break
        if self.kind == INT:
            if vals is None:
                vw_needed = lri_vwidth(<int64_t>vconst)
            else:
                for i in range(m):
                    if lri_vwidth(<int64_t>vptr[i]) > vw_needed:
                        vw_needed = lri_vwidth(<int64_t>vptr[i])
        if m >= 1024 and <uint64_t>m * 4 >= t.n:
            if undo != NULL:
                for i in range(m):
                    if lri_get(t, ps[i], &old):
                        _mundo_push(undo, ps[i], where, True, old)
                    else:
                        _mundo_push(undo, ps[i], where, False, 0)
            rc = lri_add_bulk(t, &ps[0], vptr, vconst, m, w_needed, vw_needed, policy)
            if rc == -2:
                raise OverflowError("a count passed int64, the widest IntMap value")
            if rc < 0:
                raise MemoryError()
            return 0
        if w_needed > t.w and lri_widen(t) < 0:
            raise MemoryError()
        if self.kind == INT and vw_needed > t.vw and lri_widen_values(t, vw_needed) < 0:
            raise MemoryError()
        for i in range(m):
            v = vptr[i] if vptr != NULL else vconst
            if policy != LRI_LAST and lri_get(t, ps[i], &old):
                v = self._plus(old, v)
            if self.kind == INT and lri_vwidth(<int64_t>v) > t.vw and \
                    lri_widen_values(t, lri_vwidth(<int64_t>v)) < 0:
                raise MemoryError()
            if undo != NULL:
                had = lri_get(t, ps[i], &old) == 1
                _mundo_push(undo, ps[i], where, had, old)
            if lri_put(t, ps[i], v) < 0:
                raise MemoryError()
        return 0

    def get_many(self, keys, default=None):
        """The values of ``keys`` as a numpy array (int64 or float64), ``default`` where a key
        is absent (KeyError naming the first absent key when ``default`` is None). One C loop
        for numpy arrays and Arrow or pandas columns.

        >>> IntMap({1: 10, 2: 20}).get_many(np.array([2, 3, 1]), -1)
        array([20, -1, 10])
        """
        dtype = np.float64 if self.kind == FLOAT else np.int64
        if not _is_array(keys):
            keys = list(keys)
            got = [self.get(k, _MISSING) for k in keys]
            found = np.array([v is not _MISSING for v in got], dtype=bool)
            out = np.array([0 if v is _MISSING else v for v in got], dtype=dtype)
        else:
            keys = _one_array(keys, "IntMap", "iufb")
            if keys.ndim != 1:
                raise TypeError(f"get_many takes a 1-d array, not a {keys.ndim}-d one")
            found, out = self._lookup_array(keys)
            out = out.view(dtype)
        if not found.all():
            if default is None:
                raise KeyError(keys[int(np.flatnonzero(~found)[0])])
            if isinstance(default, float) and self.kind != FLOAT:
                out = out.astype(np.float64)
            out[~found] = default
        return out

    cdef tuple _lookup_array(self, object arr):
        """(found, value bits) for an array of keys of any numeric dtype: a float that is
        not an int the map can hold is absent."""
        n = len(arr)
        found = np.zeros(n, dtype=bool)
        out = np.zeros(n, dtype=np.uint64)
        kind = arr.dtype.kind
        if kind == "f":
            ok = np.isfinite(arr)
            ok[ok] = np.floor(arr[ok]) == arr[ok]
            ok &= (arr >= -2.0 ** 63) & (arr < 2.0 ** 64)
            big = ok & (arr >= 2.0 ** 63)
            small = ok & ~big
            lo = arr[small].astype(np.int64).view(np.uint64)
            hi = (arr[big] - 2.0 ** 63).astype(np.uint64)
        elif kind == "u" and arr.dtype.itemsize == 8:
            big = arr >= np.uint64(HI_BASE)
            small = ~big
            lo = arr[small]
            hi = arr[big] - np.uint64(HI_BASE)
        elif kind in "iub":
            return self._lookup(np.ascontiguousarray(arr, dtype=np.int64).view(np.uint64), LO)
        else:
            raise TypeError(f"IntMap takes an array of ints, not of dtype {arr.dtype}")
        f, o = self._lookup(np.ascontiguousarray(lo), LO)
        found[small] = f
        out[small] = o
        if big is not None and big.any():
            f, o = self._lookup(np.ascontiguousarray(hi), HI)
            found[big] = f
            out[big] = o
        return found, out

    cdef tuple _lookup(self, const uint64_t[::1] ps, int where):
        cdef Py_ssize_t n = ps.shape[0]
        found = np.zeros(n, dtype=bool)
        vals = np.zeros(n, dtype=np.uint64)
        cdef uint8_t[::1] f = found.view(np.uint8)
        cdef uint64_t[::1] v = vals
        if n:
            lri_lookup_many(self._table(where), &ps[0], n, &f[0], &v[0])
        return found, vals

    def to_numpy(self):
        """``(keys, values)`` as two new numpy arrays in iteration order: keys int64 (uint64
        when some key is 2**63 or more; OverflowError when negative keys are held too), values
        int64 or float64."""
        klo, vlo = _snapshot(&self.lo, True)
        khi, vhi = _snapshot(&self.hi, True)
        if len(khi):
            if len(klo) and (klo.view(np.int64) < 0).any():
                raise OverflowError("the map holds negative keys and keys from 2**63 up: "
                                    "no numpy int type holds both")
            keys = np.concatenate([klo, khi + np.uint64(HI_BASE)])
        else:
            keys = klo.view(np.int64)
        vals = np.concatenate([vlo, vhi]).view(np.float64 if self.kind == FLOAT else np.int64)
        return keys, vals

    # ------------------------------------------------------------ counting ----------------

    @classmethod
    def counted(cls, ints=(), *, seed=None):
        """A counting map from each int of ``ints`` to how many times it occurs
        (``Counter(ints)``; its ``update`` counts too): one C pass for numpy arrays and Arrow
        or pandas columns.

        >>> IntMap.counted([3, 1, 3])
        IntMap({1: 1, 3: 2})
        """
        cdef IntMap out = cls(value_kind="int", seed=seed, counting=True)
        out.increment(ints)
        return out

    def increment(self, keys, by=1):
        """Add ``by`` to the value of each key (a key absent counts from 0): ``keys`` one int,
        an iterable, or a numpy array / Arrow or pandas column (one C pass); ``by`` a number or,
        for many keys, as many numbers. Int maps raise OverflowError past int64 (the map as it
        was). A key given twice is incremented twice."""
        cdef uint64_t p, v, old = 0
        cdef int where
        cdef MapUndo undo
        if isinstance(keys, (int, np.integer)) or not (
                _is_array(keys) or isinstance(keys, collections.abc.Iterable)):
            where = _key(keys, &p, True)
            v = self._val(by)
            if lri_get(self._table(where), p, &old):
                v = self._plus(old, v)
            self._put(p, where, v, NULL)
            return
        undo.keys = undo.old = NULL
        undo.flags = NULL
        undo.n = undo.cap = 0
        kind = self.kind
        try:
            if _is_array(keys):
                arr = _as_key_array(keys)
                if _is_array(by):
                    bys = _as_value_array(by)
                    if len(bys) != len(arr):
                        raise ValueError(f"increment takes one by per key: {len(arr)} keys, "
                                         f"{len(bys)} bys")
                    bits, vconst = self._value_bits(bys), 0
                else:
                    bits, vconst = None, self._val(by)
                self._batch(arr, bits, vconst, LRI_SUM_FLOAT if self.kind == FLOAT
                            else LRI_SUM_INT, &undo)
            else:
                bys = list(by) if _is_array(by) or isinstance(by, (list, tuple)) else None
                keys = list(keys)
                if bys is not None and len(bys) != len(keys):
                    raise ValueError(f"increment takes one by per key: {len(keys)} keys, "
                                     f"{len(bys)} bys")
                for i, k in enumerate(keys):
                    where = _key(k, &p, True)
                    v = self._val(bys[i] if bys is not None else by)
                    if lri_get(self._table(where), p, &old):
                        v = self._plus(old, v)
                    self._put(p, where, v, &undo)
        except BaseException:
            self._rollback(&undo, kind)
            raise
        finally:
            _mundo_free(&undo)

    def most_common(self, n=None):
        """The ``n`` items with the largest values (all when None), largest first; ties in
        ascending key order. O(len) plus O(n log n) with numpy."""
        if not self:
            return []
        if n is not None:
            n = int(n)
            if n <= 0:
                return []
        try:
            keys, vals = self.to_numpy()
        except OverflowError:   # negative keys beside keys from 2**63 up: Python's sort
            items = sorted(self.items(), key=lambda kv: (-kv[1], kv[0]))
            return items if n is None else items[:n]
        if n is not None and n < len(vals):
            # a value at least the n-th largest: keep every item at or above it, then sort
            cut = np.partition(vals, len(vals) - n)[len(vals) - n]
            keep = vals >= cut
            keys, vals = keys[keep], vals[keep]
        # descending values (~v for ints: no overflow at -2**63), then ascending keys
        order = np.lexsort((keys, -vals if self.kind == FLOAT else ~vals))
        if n is not None:
            order = order[:n]
        return list(zip(keys[order].tolist(), vals[order].tolist()))

    # ------------------------------------------------------------ memory, files, pickle ----

    def __sizeof__(self):
        """Bytes held: the object and both tables' native memory (keys and values)."""
        return object.__sizeof__(self) + lri_nbytes(&self.lo) + lri_nbytes(&self.hi)

    @property
    def nbytes(self):
        """Bytes held in RAM (as ``sys.getsizeof`` without the GC header)."""
        return self.__sizeof__()

    cdef tuple _columns(self, int where):
        """(key width, value width, key bytes, value bytes) of one table, as written."""
        keys, vals = _snapshot(self._table(where), True)
        kw = 4 if _fit32(keys) else 8
        if self.kind == FLOAT:
            vw, vd = 8, "<f8"
            vals = vals.view(np.float64)
        else:
            vals = vals.view(np.int64)
            vw = 1 if not len(vals) else max(
                lri_vwidth(vals.min()), lri_vwidth(vals.max()))
            vd = {1: "<i1", 2: "<i2", 4: "<i4", 8: "<i8"}[vw]
        kd = "<i4" if kw == 4 else "<i8"
        return kw, vw, len(keys), keys.view(np.int64).astype(kd).tobytes(), \
            vals.astype(vd).tobytes()

    def to_bytes(self):
        """The map as bytes in lowram's checksummed envelope: keys (4 or 8 bytes each), then
        values (1-8 bytes each), per table."""
        kwl, vwl, nl, kl, vl = self._columns(LO)
        kwh, vwh, nh, kh, vh = self._columns(HI)
        head = (int(self.lo.seed).to_bytes(8, "little") + nl.to_bytes(8, "little")
                + nh.to_bytes(8, "little")
                + bytes([kwl, vwl, kwh, vwh, self.kind, 1 if self.counting else 0])
                + bytes(2))
        return pack(_KIND, FORMAT, head + kl + vl + kh + vh)

    @classmethod
    def from_bytes(cls, data):
        """The map that :meth:`to_bytes` wrote; ``lowram.FormatError`` for anything else."""
        return _from_payload(unpack(data, kind=_KIND, versions=(FORMAT,)).payload, "data")

    def save(self, path):
        """Write the map to ``path`` atomically."""
        atomic_write(path, self.to_bytes())

    @classmethod
    def load(cls, path, mmap=False):
        """The map saved at ``path``, read and rebuilt (O(n)); ``mmap`` is accepted, as by
        every lowram ``load``, and reads too: a hash table is rebuilt in memory."""
        env = read_file(path, kind=_KIND, versions=(FORMAT,))
        return _from_payload(env.payload, os.fsdecode(path))

    def __reduce__(self):
        return (_rebuild, (self.to_bytes(),))

    __class_getitem__ = classmethod(types.GenericAlias)

    def _check(self):
        """Assert the tables' invariants (for tests)."""
        _check_tables("IntMap", &self.lo, &self.hi)


collections.abc.MutableMapping.register(IntMap)


cdef inline bint _add_overflows(int64_t a, int64_t b, int64_t *out):
    if (b > 0 and a > 0x7FFFFFFFFFFFFFFF - b) or (b < 0 and a < -0x7FFFFFFFFFFFFFFF - 1 - b):
        return True
    out[0] = a + b
    return False


cdef class _Repeat:
    """One value for every key (fromkeys)."""
    cdef object value

    def __cinit__(self, value):
        self.value = value


cdef object _pair(object pair):
    try:
        k, v = pair
    except (TypeError, ValueError):
        raise TypeError(f"IntMap.update takes (key, value) pairs, not {pair!r}") from None
    return k, v


cdef bint _is_array(object x):
    return (isinstance(x, np.ndarray) and x.dtype.kind != "O") or (
        is_columnar(x) and getattr(getattr(x, "dtype", None), "kind", "") != "O")


cdef object _one_array(object x, str what, str kinds):
    if isinstance(x, np.ndarray):
        return x
    parts = list(number_chunks(x, what, kinds))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


cdef object _as_key_array(object keys):
    """Keys as an int64 or uint64 array (TypeError for other dtypes, non-integral floats)."""
    arr = _one_array(keys, "IntMap", "iufb")
    if arr.ndim != 1:
        raise TypeError(f"IntMap takes 1-d arrays, not a {arr.ndim}-d one")
    kind = arr.dtype.kind
    if kind == "u" and arr.dtype.itemsize == 8:
        return arr
    if kind in "iub":
        return arr.astype(np.int64, copy=False)
    if kind == "f":
        ok = np.isfinite(arr)
        ok[ok] = np.floor(arr[ok]) == arr[ok]
        if not ok.all():
            raise TypeError("IntMap keys must be int: the array holds non-integral floats")
        if arr.size and (arr.min() < -2.0 ** 63 or arr.max() >= 2.0 ** 63):
            raise OverflowError("the array holds floats outside int64")
        return arr.astype(np.int64)
    raise TypeError(f"IntMap takes an array of ints, not of dtype {arr.dtype}")


cdef object _as_value_array(object values):
    arr = _one_array(values, "IntMap values", "iufb")
    if arr.ndim != 1:
        raise TypeError(f"IntMap takes 1-d arrays, not a {arr.ndim}-d one")
    if arr.dtype.kind not in "iufb":
        raise TypeError(f"IntMap values must be numbers, not of dtype {arr.dtype}")
    return arr


def _rebuild(data):
    """Unpickle an IntMap."""
    return IntMap.from_bytes(data)


cdef object _from_payload(object payload, str source):
    cdef IntMap out = IntMap.__new__(IntMap)
    cdef const uint64_t[::1] keys
    cdef const uint64_t[::1] vals
    cdef int rc
    view = memoryview(payload).cast("B")
    if len(view) < 32:
        raise FormatError(f"{source}: IntMap payload of {len(view)} bytes is shorter than "
                          "its 32-byte header")
    seed, n_lo, n_hi = struct.unpack_from("<QQQ", view, 0)
    kwl, vwl, kwh, vwh, kind = view[24], view[25], view[26], view[27], view[28]
    if kind not in (UNSET, INT, FLOAT) or view[29] > 1 or any(view[30:32]) or kwl not in (4, 8) or \
            kwh not in (4, 8) or vwl not in (1, 2, 4, 8) or vwh not in (1, 2, 4, 8) or \
            (kind == FLOAT and (vwl != 8 or vwh != 8)) or (kind == UNSET and n_lo + n_hi):
        raise FormatError(f"{source}: IntMap header is damaged (widths {kwl}, {vwl}, {kwh}, "
                          f"{vwh}; value kind {kind})")
    if 32 + n_lo * (kwl + vwl) + n_hi * (kwh + vwh) != len(view):
        raise FormatError(f"{source}: IntMap header claims {n_lo} + {n_hi} items, which do "
                          f"not fill its {len(view) - 32} bytes")
    out.lo.seed = out.hi.seed = seed
    out._set_kind(kind)
    out.counting = view[29] == 1
    start = 32
    for where, n, kw, vw in ((LO, n_lo, kwl, vwl), (HI, n_hi, kwh, vwh)):
        kpart = np.frombuffer(view, dtype="<i4" if kw == 4 else "<i8", count=n, offset=start)
        start += n * kw
        vdt = "<f8" if kind == FLOAT else {1: "<i1", 2: "<i2", 4: "<i4", 8: "<i8"}[vw]
        vpart = np.frombuffer(view, dtype=vdt, count=n, offset=start)
        start += n * vw
        if where == HI and n and kpart.min() < 0:
            raise FormatError(f"{source}: IntMap key from 2**63 up is out of range")
        if not n:
            continue
        keys = np.ascontiguousarray(kpart.astype(np.int64)).view(np.uint64)
        vals = np.ascontiguousarray(vpart.astype(np.float64 if kind == FLOAT else np.int64)
                                    ).view(np.uint64)
        rc = lri_add_bulk(out._table(where), &keys[0], &vals[0], 0, n, 32 if kw == 4 else 64,
                          vw, LRI_LAST)
        if rc < 0:
            raise MemoryError()
        if out._table(where).n != n:
            raise FormatError(f"{source}: IntMap payload repeats keys ({n} stored, "
                              f"{out._table(where).n} distinct)")
    return out


cdef class _IntMapIterator:
    cdef IntMap m
    cdef uint64_t version_lo, version_hi, j, pos
    cdef int where, mode
    cdef bint backwards

    def __cinit__(self, IntMap m, int mode, bint backwards):
        self.m = m
        self.mode = mode          # 0 keys, 1 values, 2 items
        self.backwards = backwards
        self.version_lo = m.lo.version
        self.version_hi = m.hi.version
        self.where = HI if backwards else LO
        self.j = (1ULL << m._table(self.where).k) if backwards else 0
        self.pos = 0

    def __iter__(self):
        return self

    def __next__(self):
        cdef uint64_t p, v
        cdef int got
        if self.m is None:
            raise StopIteration
        if self.m.lo.version != self.version_lo or self.m.hi.version != self.version_hi:
            self.m = None
            raise RuntimeError("IntMap changed during iteration")
        while True:
            if self.backwards:
                got = lri_prev_v(self.m._table(self.where), &self.j, &self.pos, &p, &v)
            else:
                got = lri_next_v(self.m._table(self.where), &self.j, &self.pos, &p, &v)
            if got:
                if self.mode == 0:
                    return _value(p, self.where)
                if self.mode == 1:
                    return self.m._pyval(v)
                return (_value(p, self.where), self.m._pyval(v))
            if self.where == (LO if self.backwards else HI):
                self.m = None
                raise StopIteration
            self.where = LO if self.backwards else HI
            self.j = (1ULL << self.m._table(self.where).k) if self.backwards else 0
            self.pos = 0

    def __length_hint__(self):
        return 0 if self.m is None else len(self.m)


class _View:
    """What IntMap's three views add to collections.abc's: their iterators are the map's own
    (no lookup per item)."""
    __slots__ = ()
    _MODE = 0
    _NAME = ""

    def __iter__(self):
        return _IntMapIterator(self._mapping, self._MODE, False)

    def __reversed__(self):
        return _IntMapIterator(self._mapping, self._MODE, True)

    def __repr__(self):
        return f"IntMap.{self._NAME}({list(self)!r})"


class _KeysView(_View, collections.abc.KeysView):
    __slots__ = ()
    _MODE, _NAME = 0, "keys"


class _ValuesView(_View, collections.abc.ValuesView):
    __slots__ = ()
    _MODE, _NAME = 1, "values"


class _ItemsView(_View, collections.abc.ItemsView):
    __slots__ = ()
    _MODE, _NAME = 2, "items"
