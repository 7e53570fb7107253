# cython: language_level=3, always_allow_keywords=False
"""SortedIntSet: a frozen, sorted set of ints in Elias-Fano code (``csrc/elias_fano.h``),
with rank and select: ``s[i]``, ``s.index(x)``, ``bisect``, ranges, set algebra, and files
that many processes map and share.

Values are ints of one of two ranges: int64 (-2**63 to 2**63 - 1) or uint64 (0 to 2**64 - 1);
a set holding a negative int and one from 2**63 up is refused (OverflowError), as numpy has no
int type for both. The set stores each value's offset from the smallest one.

Threads: the set never changes after it is made; every read is C over memory nothing writes.
"""

include "_table.pxi"

import math

from lowram._fileformat import map_file

__all__ = ["SortedIntSet"]

FORMAT = 1
_KIND = "SortedIntSet"
_WHAT = "SortedIntSet items"
_HEAD = 40          # payload header bytes; the words after it are 8-byte aligned in a file

cdef extern from "csrc/elias_fano.h":
    ctypedef struct lef_t:
        const uint64_t *lows
        const uint64_t *upper
        uint64_t *samp1
        uint64_t *samp0
        uint64_t n
        uint64_t u
        uint64_t upper_bits
        uint64_t zeros
        int l
        uint64_t lmask
    uint64_t lef_lows_words(uint64_t n, int l)
    uint64_t lef_upper_words(uint64_t upper_bits)
    void lef_shape(lef_t *e, uint64_t n, uint64_t u)
    int lef_fill(lef_t *e, const uint64_t *x, uint64_t *lows, uint64_t *upper)
    int lef_index(lef_t *e)
    int lef_check(const lef_t *e)
    int lef_check_values(const lef_t *e)
    uint64_t lef_get(const lef_t *e, uint64_t i)
    uint64_t lef_rank(const lef_t *e, uint64_t x, int right)
    int lef_contains(const lef_t *e, uint64_t x)
    void lef_decode(const lef_t *e, uint64_t start, uint64_t count, uint64_t *out)
    uint64_t lef_intersect(const lef_t *a, uint64_t abase, const lef_t *b, uint64_t bbase,
                           uint64_t flip, uint64_t *out)


cdef object _sorted_values(object iterable):
    """The distinct ints of ``iterable`` sorted, as an int64 or uint64 array (IntSet's rules
    for what is an int; numpy int, uint and bool arrays read without a Python object each)."""
    if isinstance(iterable, SortedIntSet):
        return (<SortedIntSet>iterable).to_numpy()
    if isinstance(iterable, np.ndarray) and iterable.dtype.kind in "iub":
        if iterable.ndim != 1:
            raise TypeError(f"SortedIntSet takes a 1-d array, not a {iterable.ndim}-d one")
        arr = iterable
        if arr.dtype.kind != "u" or arr.dtype.itemsize != 8:
            arr = arr.astype(np.int64, copy=False)
        if len(arr) and not (arr[1:] > arr[:len(arr) - 1]).all():
            arr = _unique(arr)
        return arr
    cdef uint64_t p
    lo, hi = [], []
    for x in iterable:          # IntSet's rules for what is an int (_table.pxi's _key)
        if _key(x, &p, True) == LO:
            lo.append(<int64_t>p)
        else:
            hi.append(p)
    if not hi:
        return _unique(np.array(lo, dtype=np.int64))
    if lo and min(lo) < 0:
        raise OverflowError("a SortedIntSet holds ints of one range, int64 or uint64: this one "
                            "would hold a negative int and one from 2**63 up")
    return _unique(np.concatenate([np.array(lo, dtype=np.uint64),
                                   np.array(hi, dtype=np.uint64) + np.uint64(HI_BASE)]))


cdef class SortedIntSet:
    """A frozen set of ints, sorted, in Elias-Fano code: about 2 + log2(span / n) bits per
    item (1.2 bytes for 10M ints below 2**31; 5.2 below 2**62), with ``s[i]`` and rank.

    Behaves as ``frozenset`` of ints (``in``, ``len``, iteration (in ascending order), set
    algebra returning SortedIntSets, comparisons with any set, hashing equal to the frozenset
    of the same ints), plus the sorted-sequence reads: ``s[i]`` (select), ``s.index(x)``
    (rank), ``bisect_left``/``bisect_right``, ``irange(lo, hi)``. ``save`` writes a file that
    ``load(path, mmap=True)`` maps, shared by every process that maps it.

    Costs: ``in``, ``s[i]``, ``index``, ``bisect`` O(1) expected (a sample, a few words of
    popcount, a short scan of one bucket); iteration O(1) per item; building O(n) after a
    sort (skipped when the input array is sorted); intersection at most O(n + m), read a
    block at a time with jumps (ranks) over stretches the other set lacks, or O(m) ranks when
    one set is 16 times the other's size, in no memory beyond its result.

    >>> s = SortedIntSet([30, 10, 20, 10])
    >>> s, len(s), 20 in s, s[0], s[-1], s.index(20)
    (SortedIntSet([10, 20, 30]), 3, True, 10, 30, 1)
    >>> s.bisect_left(15), list(s.irange(15, 30))
    (1, [20, 30])
    """

    cdef lef_t ef
    cdef uint64_t base          # the smallest value's 64 bits
    cdef bint unsigned          # values are uint64 (else int64)
    cdef object _buffers        # what holds lows and upper: arrays, or a mapped file
    cdef object _hash
    cdef object __weakref__

    def __cinit__(self, *args, **kwargs):
        self.ef.samp1 = NULL
        self.ef.samp0 = NULL
        self.ef.n = 0

    def __dealloc__(self):
        free(self.ef.samp1)
        free(self.ef.samp0)

    def __init__(self, iterable=()):
        if self._buffers is not None:   # made already: a frozen set ignores it, as frozenset
            return
        self._make(_sorted_values(iterable))

    cdef int _make(self, object values) except -1:
        """Code ascending distinct values (an int64 or uint64 array)."""
        cdef const uint64_t[::1] offs
        cdef uint64_t[::1] lw
        cdef uint64_t[::1] uw
        cdef uint64_t n = len(values)
        self.unsigned = values.dtype == np.uint64
        bits = np.ascontiguousarray(values).view(np.uint64)
        self.base = bits[0] if n else 0
        offsets = np.ascontiguousarray(bits - np.uint64(self.base))
        offs = offsets
        free(self.ef.samp1)
        free(self.ef.samp0)
        lef_shape(&self.ef, n, offsets[n - 1] if n else 0)
        lows = np.zeros(lef_lows_words(n, self.ef.l), dtype=np.uint64)
        upper = np.zeros(lef_upper_words(self.ef.upper_bits), dtype=np.uint64)
        lw = lows
        uw = upper
        if lef_fill(&self.ef, &offs[0] if n else NULL, &lw[0], &uw[0]) < 0:
            raise MemoryError()
        self._buffers = (lows, upper)
        self._hash = None
        return 0

    # ------------------------------------------------------------ values and offsets ------

    cdef inline object _value(self, uint64_t off):
        if self.unsigned:
            return PyLong_FromUnsignedLongLong(off + self.base)
        return PyLong_FromLongLong(<int64_t>(off + self.base))

    cdef int _offset(self, object x, uint64_t *off) except -1:
        """1 with x's offset when x is an int the set's range could hold, else 0 (TypeError
        for an unhashable x, as frozenset)."""
        cdef uint64_t p, u
        cdef int where = _key(x, &p, False)
        if where == ABSENT or self.ef.n == 0:
            return 0
        if self.unsigned:
            if where == LO:
                if <int64_t>p < 0:
                    return 0
                u = p
            else:
                u = p + HI_BASE
            if u < self.base:
                return 0
            off[0] = u - self.base
        else:
            if where == HI or <int64_t>p < <int64_t>self.base:
                return 0
            off[0] = p - self.base
        return off[0] <= self.ef.u

    @property
    def nbytes(self):
        """Bytes held: the code, its samples, the object (a mapped file's words counted)."""
        return self.__sizeof__()

    def __sizeof__(self):
        cdef uint64_t words = (lef_lows_words(self.ef.n, self.ef.l)
                               + lef_upper_words(self.ef.upper_bits)
                               + (self.ef.n >> 9) + 1 + (self.ef.zeros >> 9) + 1)
        return object.__sizeof__(self) + 8 * words

    # ------------------------------------------------------------ frozenset --------------

    def __len__(self):
        return self.ef.n

    def __bool__(self):
        return self.ef.n > 0

    def __contains__(self, x):
        cdef uint64_t off
        return self._offset(x, &off) == 1 and lef_contains(&self.ef, off) == 1

    def contains_many(self, values):
        """``x in self`` for each x of ``values`` as a numpy bool array (one C loop for an
        int64 or uint64 array)."""
        cdef const uint64_t[::1] v
        cdef uint8_t[::1] o
        cdef Py_ssize_t i, n
        cdef uint64_t off, lo_v, hi_v
        if not (isinstance(values, np.ndarray) and values.dtype.kind in "iu"):
            return np.fromiter((x in self for x in values), dtype=bool)
        if values.ndim != 1:
            raise TypeError(f"contains_many takes a 1-d array, not a {values.ndim}-d one")
        n = len(values)
        out = np.zeros(n, dtype=bool)
        if n == 0 or self.ef.n == 0:
            return out
        signed_in = values.dtype.kind == "i"
        arr = values.astype(np.int64 if signed_in else np.uint64, copy=False)
        if signed_in and self.unsigned:
            ok = arr >= 0
        elif not signed_in and not self.unsigned:
            ok = arr < np.uint64(HI_BASE)
        else:
            ok = None
        v = np.ascontiguousarray(arr).view(np.uint64)
        o = out.view(np.uint8)
        for i in range(n):
            if self.unsigned:
                if v[i] < self.base:
                    continue
            elif <int64_t>v[i] < <int64_t>self.base:
                continue
            off = v[i] - self.base
            if off <= self.ef.u:
                o[i] = lef_contains(&self.ef, off)
        if ok is not None:
            out &= ok
        return out

    def __iter__(self):
        return _SortedIterator(self, 0, self.ef.n, False)

    def __reversed__(self):
        return _SortedIterator(self, 0, self.ef.n, True)

    def __repr__(self):
        return f"SortedIntSet({list(self)!r})"

    def __hash__(self):
        if self._hash is None:
            self._hash = hash(frozenset(self))
        return self._hash

    def __reduce__(self):
        return (_rebuild, (self.to_bytes(),))

    __class_getitem__ = classmethod(types.GenericAlias)

    def copy(self):
        """The set itself: it never changes (as ``frozenset.copy``)."""
        return self

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    # ------------------------------------------------------------ sequence reads ---------

    def __getitem__(self, index):
        """``s[i]``: the i-th smallest (select; negative from the end); a slice gives a
        list."""
        cdef Py_ssize_t i, n = self.ef.n
        if isinstance(index, slice):
            start, stop, step = index.indices(n)
            if step == 1:
                return self._range(start, max(start, stop)).tolist()
            return [self[i] for i in range(start, stop, step)]
        i = PyNumber_Index(index)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("SortedIntSet index out of range")
        return self._value(lef_get(&self.ef, i))

    cdef object _range(self, uint64_t start, uint64_t stop):
        """Values start..stop-1 as an int64 or uint64 array."""
        cdef uint64_t[::1] o
        out = np.empty(stop - start, dtype=np.uint64)
        o = out
        if stop > start:
            lef_decode(&self.ef, start, stop - start, &o[0])
        out += np.uint64(self.base)
        return out if self.unsigned else out.view(np.int64)

    def to_numpy(self):
        """The values in ascending order as a new int64 (uint64 when the set's range is
        uint64) array."""
        return self._range(0, self.ef.n)

    cdef uint64_t _rank(self, object x, bint right) except? 0xFFFFFFFFFFFFFFFF:
        """How many values are below x (at most x when right)."""
        cdef uint64_t off
        if self.ef.n == 0:
            return 0
        if not isinstance(x, int):
            if isinstance(x, float) or isinstance(x, numbers.Real):
                if x != x:
                    raise ValueError("cannot place NaN among ints")
                if math.isinf(x):
                    return self.ef.n if x > 0 else 0
                x = math.floor(x) if right else math.ceil(x)
            else:
                x = PyNumber_Index(x)
        lo, hi = self._bounds()
        if x < lo:
            return 0
        if x > hi:
            return self.ef.n
        off = <uint64_t>(x - lo)
        return lef_rank(&self.ef, off, right)

    cdef tuple _bounds(self):
        return self._value(0), self._value(self.ef.u)

    def bisect_left(self, x):
        """How many values are below x (where x would go, before any equal value)."""
        return self._rank(x, False)

    def bisect_right(self, x):
        """How many values are at most x."""
        return self._rank(x, True)

    bisect = bisect_right

    def index(self, x, start=0, stop=None):
        """The position of x among the values (rank); ValueError when absent."""
        cdef uint64_t off
        if self._offset(x, &off) == 1 and lef_contains(&self.ef, off):
            i = lef_rank(&self.ef, off, 0)
            n = self.ef.n
            lo, hi, _ = slice(start, stop).indices(n)
            if lo <= i < hi:
                return i
        raise ValueError(f"{x!r} is not in SortedIntSet")

    def count(self, x):
        """1 when x is in the set, else 0."""
        return 1 if x in self else 0

    def irange(self, minimum=None, maximum=None, inclusive=(True, True), reverse=False):
        """The values from ``minimum`` to ``maximum`` (None: unbounded), each end included as
        ``inclusive`` says, ascending (descending with ``reverse``)."""
        start = 0 if minimum is None else self._rank(minimum, not inclusive[0])
        stop = self.ef.n if maximum is None else self._rank(maximum, inclusive[1])
        return _SortedIterator(self, start, max(start, stop), reverse)

    # ------------------------------------------------------------ set algebra ------------

    def __eq__(self, other):
        if not isinstance(other, collections.abc.Set):
            return NotImplemented
        return len(self) == len(other) and self._le(other)

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __le__(self, other):
        if not isinstance(other, collections.abc.Set):
            return NotImplemented
        return len(self) <= len(other) and self._le(other)

    def __lt__(self, other):
        if not isinstance(other, collections.abc.Set):
            return NotImplemented
        return len(self) < len(other) and self._le(other)

    def __ge__(self, other):
        if not isinstance(other, collections.abc.Set):
            return NotImplemented
        return len(self) >= len(other) and all(x in self for x in other)

    def __gt__(self, other):
        if not isinstance(other, collections.abc.Set):
            return NotImplemented
        return len(self) > len(other) and all(x in self for x in other)

    cdef bint _le(self, object other):
        if isinstance(other, SortedIntSet):
            return len(self._common(other)) == len(self)
        return all(x in other for x in self)

    cdef object _common(self, SortedIntSet other):
        """The values of both, as an array."""
        cdef uint64_t[::1] o
        cdef uint64_t c
        if self.unsigned != other.unsigned:
            a, b = self.to_numpy(), other.to_numpy()
            if self.unsigned:
                b = b[b >= 0].astype(np.uint64)
            else:
                b = b[b < np.uint64(HI_BASE)].astype(np.int64)
            return a[_in_sorted(a, b)]
        out = np.empty(min(self.ef.n, other.ef.n), dtype=np.uint64)
        o = out
        if len(out) == 0:
            return out if self.unsigned else out.view(np.int64)
        c = lef_intersect(&self.ef, self.base, &other.ef, other.base,
                          0 if self.unsigned else HI_BASE, &o[0])
        out = out[:c]
        return out if self.unsigned else out.view(np.int64)

    def issubset(self, other):
        """Whether every value is in ``other`` (any iterable)."""
        if not isinstance(other, collections.abc.Set):
            other = SortedIntSet(_ints_only(other))
        return self <= other

    def issuperset(self, other):
        """Whether every item of ``other`` (any iterable) is in the set."""
        return all(x in self for x in other)

    def isdisjoint(self, other):
        """Whether the set and ``other`` (any iterable) share no item."""
        if isinstance(other, SortedIntSet):
            return len(self._common(other)) == 0
        return not any(x in self for x in other)

    def intersection(self, *others):
        """A SortedIntSet of the values in the set and in every one of ``others``."""
        cdef SortedIntSet out = self
        for other in others:
            o = other if isinstance(other, SortedIntSet) else SortedIntSet(_ints_only(other))
            out = _from_sorted(out._common(o))
        return out

    def union(self, *others):
        """A SortedIntSet of the values in the set or in any of ``others``."""
        arrays = [self.to_numpy()] + [_sorted_values(o) for o in others]
        return _from_sorted(_merge(arrays, lambda x, y: _unique(np.concatenate([x, y]))))

    def difference(self, *others):
        """A SortedIntSet of the values in the set and in none of ``others``."""
        out = self.to_numpy()
        for other in others:
            b = _sorted_values(_ints_only(other))
            out = _merge([out, b], lambda x, y: x[~_in_sorted(x, y)], keep_first=True)
        return _from_sorted(out)

    def symmetric_difference(self, other):
        """A SortedIntSet of the values in exactly one of the set and ``other``."""
        return _from_sorted(_merge(
            [self.to_numpy(), _sorted_values(other)],
            lambda x, y: np.sort(np.concatenate([x[~_in_sorted(x, y)], y[~_in_sorted(y, x)]]))))

    def __and__(self, other):
        return self.intersection(other) if isinstance(other, collections.abc.Set) \
            else NotImplemented

    def __rand__(self, other):
        return self.__and__(other)

    def __or__(self, other):
        return self.union(other) if isinstance(other, collections.abc.Set) else NotImplemented

    def __ror__(self, other):
        return self.__or__(other)

    def __sub__(self, other):
        return self.difference(other) if isinstance(other, collections.abc.Set) \
            else NotImplemented

    def __rsub__(self, other):
        if not isinstance(other, collections.abc.Set):
            return NotImplemented
        return SortedIntSet(other).difference(self)

    def __xor__(self, other):
        return self.symmetric_difference(other) if isinstance(other, collections.abc.Set) \
            else NotImplemented

    def __rxor__(self, other):
        return self.__xor__(other)

    # ------------------------------------------------------------ files ------------------

    def to_bytes(self):
        """The set in lowram's checksummed envelope: a 40-byte header, then the low bits and
        the upper bitvector as little-endian 64-bit words (8-byte aligned in a file)."""
        lows, upper = self._buffers[0], self._buffers[1]
        head = (int(self.ef.n).to_bytes(8, "little") + int(self.ef.u).to_bytes(8, "little")
                + int(self.base).to_bytes(8, "little")
                + int(self.ef.upper_bits).to_bytes(8, "little")
                + bytes([self.ef.l, 1 if self.unsigned else 0]) + bytes(6))
        return pack(_KIND, FORMAT, head + np.asarray(lows, dtype="<u8").tobytes()
                    + np.asarray(upper, dtype="<u8").tobytes())

    @classmethod
    def from_bytes(cls, data):
        """The set that :meth:`to_bytes` wrote; ``lowram.FormatError`` for anything else."""
        env = unpack(data, kind=_KIND, versions=(FORMAT,))
        return _from_payload(env.payload, "data", None)

    def save(self, path):
        """Write the set to ``path`` atomically."""
        atomic_write(path, self.to_bytes())

    @classmethod
    def load(cls, path, mmap=False):
        """The set saved at ``path``: read, or with ``mmap=True`` mapped (its words stay in the
        file, shared by every process that maps it; only the samples, 0.25 bits per value,
        are built in memory). Either way the whole code is checked first (O(n))."""
        source = os.fsdecode(path)
        if mmap:
            mapped, env = map_file(path, kind=_KIND, versions=(FORMAT,))
            return _from_payload(env.payload, source, mapped)
        env = read_file(path, kind=_KIND, versions=(FORMAT,))
        return _from_payload(env.payload, source, None)

    def _check(self):
        """Assert the code's invariants (for tests)."""
        code = lef_check(&self.ef) or lef_check_values(&self.ef)
        if code:
            raise AssertionError(f"SortedIntSet broken: invariant {code}")


collections.abc.Set.register(SortedIntSet)


cdef object _ints_only(object items):
    """The ints among items (others cannot be in a SortedIntSet), as a list or the array."""
    if isinstance(items, (np.ndarray, SortedIntSet)):
        return items
    out = []
    cdef uint64_t p
    cdef int where
    for x in items:
        where = _key(x, &p, False)
        if where == LO:
            out.append(<int64_t>p)
        elif where == HI:
            out.append(p + HI_BASE)
    return out


cdef object _unique(object arr):
    """The distinct values of arr, sorted (a sort and a compare: numpy's unique takes a hash
    table path for ints that is many times slower)."""
    a = np.sort(arr)
    if len(a) < 2:
        return a
    keep = np.empty(len(a), dtype=bool)
    keep[0] = True
    np.not_equal(a[1:], a[:len(a) - 1], out=keep[1:])
    return a[keep]


cdef object _in_sorted(object a, object b):
    """For sorted distinct a and b of one dtype: which values of a are in b."""
    if len(b) == 0:
        return np.zeros(len(a), dtype=bool)
    idx = np.searchsorted(b, a)
    np.minimum(idx, len(b) - 1, out=idx)
    return b[idx] == a


cdef object _merge(list arrays, object op, bint keep_first=False):
    """op over arrays of int64 or uint64 values, brought to one dtype first (OverflowError
    when a negative int and one from 2**63 up would have to share it; with keep_first, values
    of the others outside the first's range are dropped instead, as they cannot matter)."""
    unsigned = [a for a in arrays if a.dtype == np.uint64 and len(a) and a[len(a) - 1] >= HI_BASE]
    signed_neg = [a for a in arrays if a.dtype == np.int64 and len(a) and a[0] < 0]
    if keep_first:
        first = arrays[0]
        if first.dtype == np.uint64:
            rest = [a[a >= 0].astype(np.uint64) if a.dtype == np.int64 else a for a in arrays[1:]]
        else:
            rest = [a[a < np.uint64(HI_BASE)].astype(np.int64) if a.dtype == np.uint64 else a
                    for a in arrays[1:]]
        arrays = [first] + rest
    elif unsigned and signed_neg:
        raise OverflowError("a SortedIntSet holds ints of one range, int64 or uint64: this one "
                            "would hold a negative int and one from 2**63 up")
    else:
        dtype = np.uint64 if unsigned else np.int64
        arrays = [a.astype(dtype) for a in arrays]
    out = arrays[0]
    for a in arrays[1:]:
        out = op(out, a)
    return out


cdef SortedIntSet _from_sorted(object values):
    cdef SortedIntSet out = SortedIntSet.__new__(SortedIntSet)
    out._make(values)
    return out


def _rebuild(data):
    """Unpickle a SortedIntSet."""
    return SortedIntSet.from_bytes(data)


cdef object _from_payload(object payload, str source, object mapped):
    cdef SortedIntSet out = SortedIntSet.__new__(SortedIntSet)
    cdef const uint64_t[::1] lw
    cdef const uint64_t[::1] uw
    cdef int code
    view = memoryview(payload).cast("B")
    if len(view) < _HEAD:
        raise FormatError(f"{source}: SortedIntSet payload of {len(view)} bytes is shorter "
                          f"than its {_HEAD}-byte header")
    n, u, base, upper_bits = struct.unpack_from("<QQQQ", view, 0)
    l, unsigned = view[32], view[33]
    if l > 62 or unsigned > 1 or any(view[34:40]) or upper_bits > 8 * len(view) or \
            n > 8 * len(view):
        raise FormatError(f"{source}: SortedIntSet header is damaged")
    lwords = lef_lows_words(n, l)
    uwords = lef_upper_words(upper_bits)
    if _HEAD + 8 * (lwords + uwords) != len(view):
        raise FormatError(f"{source}: SortedIntSet header claims {n} values in {upper_bits} "
                          f"upper bits, which do not fill its {len(view) - _HEAD} bytes")
    lows = np.frombuffer(view, dtype="<u8", count=lwords, offset=_HEAD)
    upper = np.frombuffer(view, dtype="<u8", count=uwords, offset=_HEAD + 8 * lwords)
    if lows.dtype != np.uint64:   # a big-endian machine reads a copy
        lows, upper = lows.astype(np.uint64), upper.astype(np.uint64)
    lw, uw = lows, upper
    out.ef.n, out.ef.u, out.ef.l, out.ef.upper_bits = n, u, l, upper_bits
    out.ef.lmask = (1 << l) - 1 if l else 0
    out.ef.zeros = upper_bits - n if upper_bits >= n else 0
    out.ef.lows = &lw[0]
    out.ef.upper = &uw[0]
    out.base = base
    out.unsigned = unsigned
    out._buffers = (lows, upper, mapped)
    out._hash = None
    code = lef_check(&out.ef)
    if code:
        raise FormatError(f"{source}: SortedIntSet code is damaged (check {code})")
    if lef_index(&out.ef) < 0:
        raise MemoryError()
    code = lef_check_values(&out.ef)
    if code:
        raise FormatError(f"{source}: SortedIntSet values do not ascend (check {code})")
    if n and not unsigned and <int64_t>(<uint64_t>base + <uint64_t>u) < <int64_t><uint64_t>base:
        raise FormatError(f"{source}: SortedIntSet values pass the int64 range")
    if n and unsigned and <uint64_t>base + <uint64_t>u < <uint64_t>base:
        raise FormatError(f"{source}: SortedIntSet values pass the uint64 range")
    return out


cdef class _SortedIterator:
    """Values start..stop-1 of a SortedIntSet, decoded 256 at a time."""
    cdef SortedIntSet s
    cdef uint64_t next_i, stop, start
    cdef bint backwards
    cdef object block
    cdef Py_ssize_t at

    def __cinit__(self, SortedIntSet s, uint64_t start, uint64_t stop, bint backwards):
        self.s = s
        self.start = start
        self.stop = stop
        self.backwards = backwards
        self.next_i = stop if backwards else start
        self.block = []
        self.at = 0

    def __iter__(self):
        return self

    def __next__(self):
        cdef uint64_t a, b
        if self.at >= len(self.block):
            if self.backwards:
                if self.next_i <= self.start:
                    raise StopIteration
                a = self.next_i - 256 if self.next_i - self.start > 256 else self.start
                self.block = list(reversed(self.s._range(a, self.next_i).tolist()))
                self.next_i = a
            else:
                if self.next_i >= self.stop:
                    raise StopIteration
                b = self.next_i + 256 if self.stop - self.next_i > 256 else self.stop
                self.block = self.s._range(self.next_i, b).tolist()
                self.next_i = b
            self.at = 0
        v = self.block[self.at]
        self.at += 1
        return v

    def __length_hint__(self):
        return len(self.block) - self.at + (
            self.next_i - self.start if self.backwards else self.stop - self.next_i)
