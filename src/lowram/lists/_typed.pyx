# cython: language_level=3, always_allow_keywords=False
"""Compiled core of lowram's typed lists: one contiguous native buffer of primitives.

:class:`IntList` and :class:`FloatList` share one implementation, ``_TypedList``, whose item
type is a *code*: int8, int16, int32, int64 (integers) or float32, float64 (floats). Items are
stored unboxed; a Python object is created only when an item is read. The public front is
:mod:`lowram.lists`.

While a buffer view (``memoryview(x)``, ``np.asarray(x)``) is alive, operations that would
move or resize the buffer raise :class:`BufferError`, exactly as :class:`array.array` does.

Threads: every method reads and writes the buffer in C with the GIL held, from the moment it
reads the list's length to the moment it leaves the list in its new state, so another thread
sees either the old list or the new one, never a half-made one, and never a buffer that moved
under it. Three rules keep it so (they are what the GIL alone protects: a runtime without a
GIL needs a per-object lock at the same places):

* nothing here hands the list's own memory to code that releases the GIL (numpy's sort,
  reductions and copies did: the buffer could be freed under them); numbers are sorted,
  scanned and converted by the loops of this module;
* no Python code runs inside such a section: a value's ``__index__``, an iterable's
  ``__next__``, a key function run before it or after it, never between reading a length and
  using it;
* no object the cyclic garbage collector tracks is allocated inside one (on Python 3.10 and
  3.11 such an allocation may run a collection, and a finalizer's Python code may hand the
  GIL to another thread): a new list object is made first, its buffer sized after.
"""

import collections
import struct
import sys
import types

import numpy as np

from lowram._arrow import immutable, is_columnar, number_chunks
from lowram.lists import _files

cimport cython
from cpython.long cimport PyLong_AsDouble, PyLong_AsLongLongAndOverflow, PyLong_Check
from cpython.float cimport PyFloat_Check, PyFloat_AsDouble
from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.number cimport PyIndex_Check, PyNumber_Index, PyNumber_AsSsize_t
from lowram.lists._index cimport clamp_bound, item_position
from cpython.buffer cimport (PyBUF_FORMAT, PyBUF_ND, PyBUF_STRIDES, PyBUF_WRITABLE,
                             PyBuffer_FillInfo)
from libc.float cimport FLT_MAX
from libc.math cimport NAN, isfinite, fabs
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t
from libc.string cimport memcmp, memcpy, memmove, memset

cdef extern from "Python.h":
    # a slice's bounds: Unpack runs the bounds' __index__ (Python code), AdjustIndices is C;
    # between the two, a caller reads the length, so no thread can change it before its use
    int PySlice_Unpack(object slice, Py_ssize_t *start, Py_ssize_t *stop,
                       Py_ssize_t *step) except -1
    Py_ssize_t PySlice_AdjustIndices(Py_ssize_t length, Py_ssize_t *start, Py_ssize_t *stop,
                                     Py_ssize_t step) noexcept

__all__ = ["BufferInfo", "IntList", "FloatList"]

BufferInfo = collections.namedtuple(
    "BufferInfo", ["dtype", "itemsize", "length", "capacity", "allocated"])
BufferInfo.__doc__ = """What a lowram list holds in RAM (like bitarray's ``buffer_info``).

``dtype`` (item type name), ``itemsize`` (bytes per item; 0.125 for bits), ``length``
(items), ``capacity`` (items the buffer has room for), ``allocated`` (bytes of the buffer).
"""

# item type codes
cdef enum:
    I8 = 0
    I16 = 1
    I32 = 2
    I64 = 3
    F32 = 4
    F64 = 5

_NAMES = ("int8", "int16", "int32", "int64", "float32", "float64")
cdef int[6] _SIZES = [1, 2, 4, 8, 4, 8]
cdef long long[4] _LO = [-128, -32768, -2147483648, -9223372036854775807 - 1]
cdef long long[4] _HI = [127, 32767, 2147483647, 9223372036854775807]
cdef char _EMPTY[8]   # what an empty list's buffer points at, so views never see NULL

include "_items.pxi"

include "_radix.pxi"


cdef _type_error(_TypedList self, object value):
    if self._isfloat:
        return TypeError(f"{type(self).__name__} items must be float or int, "
                         f"not {type(value).__name__}")
    return TypeError(f"{type(self).__name__} items must be int, not {type(value).__name__}")


cdef int _as_ll(_TypedList self, object value, long long* out) except -1:
    """Convert an int (or any object with ``__index__``, bool included) to a C long long."""
    cdef int overflow = 0
    cdef long long x
    if not PyLong_Check(value):
        if PyFloat_Check(value) or not PyIndex_Check(value):
            raise _type_error(self, value)
        value = PyNumber_Index(value)
    x = PyLong_AsLongLongAndOverflow(value, &overflow)
    if overflow:
        raise OverflowError(f"{value} does not fit in int64, the widest "
                            f"{type(self).__name__} item type")
    out[0] = x
    return 0


cdef int _as_double(_TypedList self, object value, double* out) except -1:
    """Convert a float or int (or anything with ``__float__``/``__index__``) to a C double."""
    cdef double d
    if PyFloat_Check(value):
        d = PyFloat_AsDouble(value)
    elif PyLong_Check(value):
        d = PyLong_AsDouble(value)    # no temporary float object
    elif isinstance(value, (str, bytes, bytearray, complex)) or not (
            PyIndex_Check(value) or hasattr(type(value), "__float__")):
        raise _type_error(self, value)
    else:
        d = PyFloat_AsDouble(value)
    if self._code == F32 and isfinite(d) and fabs(d) > FLT_MAX:
        raise OverflowError(f"{value!r} is beyond the range of float32 (max {FLT_MAX:g})")
    out[0] = d
    return 0


def _parse_dtype(dtype, allowed):
    """The type code of ``dtype`` (a name, numpy dtype or numpy type) among ``allowed``."""
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in allowed:
        raise ValueError(f"unsupported dtype {dtype!r}; expected one of "
                         f"{', '.join(repr(a) for a in allowed)}")
    return _NAMES.index(name)


@cython.final
cdef class _Iterator:
    """Iterator over a typed list; reads the list's current state at every step."""
    cdef _TypedList _lst
    cdef Py_ssize_t _i
    cdef bint _rev

    def __iter__(self):
        return self

    def __next__(self):
        cdef _TypedList lst = self._lst
        if lst is None:
            raise StopIteration
        if self._rev:
            if self._i >= 0 and self._i < lst._len:
                self._i -= 1
                return lst._box(self._i + 1)
        elif self._i < lst._len:
            self._i += 1
            return lst._box(self._i - 1)
        self._lst = None
        raise StopIteration

    def __length_hint__(self):
        if self._lst is None:
            return 0
        if self._rev:
            return max(0, min(self._i + 1, self._lst._len))
        return max(0, self._lst._len - self._i)


cdef class _TypedList:
    """Shared implementation of :class:`IntList` and :class:`FloatList` (private)."""

    __class_getitem__ = classmethod(types.GenericAlias)   # IntList[int], as list[int]

    cdef char* _data
    cdef Py_ssize_t _len
    cdef Py_ssize_t _cap
    cdef int _code
    cdef int _isize
    cdef bint _fixed
    cdef bint _isfloat
    cdef long long _lo
    cdef long long _hi
    cdef Py_ssize_t _exports
    cdef unsigned long long _mods   # changes of the items so far (a failed extend's rollback)
    cdef object _base   # None: _data is ours (PyMem); else the read-only owner _data is in
    cdef Py_ssize_t _shape[1]
    cdef Py_ssize_t _strides[1]

    __hash__ = None
    _lowram_sizeof_is_total = True

    def __cinit__(self, *args, **kwargs):
        self._data = NULL
        self._len = 0
        self._cap = 0
        self._exports = 0
        self._set_code(I8)

    def __dealloc__(self):
        if self._data != NULL and self._base is None:
            PyMem_Free(self._data)
        self._data = NULL

    # ------------------------------------------------------------ internals
    #
    # Borrowed mode: after ``to_arrow()``, or built by ``from_arrow()``, the items live in
    # memory another object owns and others may read (an Arrow buffer), which must never
    # change. ``_base`` holds that owner, ``_cap == _len``, and every path that writes calls
    # ``_own()`` first (growth reaches it through ``_realloc``): copy on write.

    cdef int _borrow(self, object base, const char* p, Py_ssize_t n) except -1:
        """Point at ``n`` items at ``p`` inside ``base`` (read-only, kept alive)."""
        self._check_exports()
        if self._data != NULL and self._base is None:
            PyMem_Free(self._data)
        self._data = NULL
        self._cap = 0
        self._len = 0
        self._base = None
        if n > 0:
            self._data = <char*>p
            self._len = n
            self._cap = n
            self._base = base
        return 0

    cdef int _own(self) except -1:
        """Copy borrowed items into memory of our own before a write (no-op when owned)."""
        if self._base is None:
            return 0
        return self._realloc(self._len + (self._len >> 3) + 6)

    cdef void _set_code(self, int code) noexcept:
        self._code = code
        self._isize = _SIZES[code]
        self._isfloat = code >= F32
        if code < F32:
            self._lo = _LO[code]
            self._hi = _HI[code]

    cdef int _check_exports(self) except -1:
        if self._exports > 0:
            raise BufferError(f"cannot resize or retype a {type(self).__name__} while a "
                              f"buffer view of it (memoryview, numpy array) is alive")
        return 0

    cdef int _realloc(self, Py_ssize_t cap) except -1:
        """Set the capacity to exactly ``cap`` items (``cap >= len``)."""
        cdef char* p
        if cap == self._cap:   # (a borrowed list's shrink_to_fit: nothing to release)
            return 0
        # checked here, where the buffer moves: Python code run during an append or extend
        # (a generator, an __index__) may have taken a view after the caller's own check
        self._check_exports()
        if self._base is not None:   # borrowed: copy what fits into a block of our own
            p = NULL
            if cap > 0:
                p = <char*>PyMem_Malloc(cap * self._isize)
                if p == NULL:
                    raise MemoryError(f"cannot allocate {cap * self._isize} bytes")
                memcpy(p, self._data, min(cap, self._len) * self._isize)
            self._data = p
            self._cap = cap
            self._len = min(cap, self._len)
            self._base = None
            return 0
        if cap == 0:
            PyMem_Free(self._data)
            self._data = NULL
            self._cap = 0
            return 0
        if cap > (<Py_ssize_t>sys.maxsize) // self._isize:
            raise MemoryError(f"{type(self).__name__} of {cap} items is too large")
        p = <char*>PyMem_Realloc(self._data, cap * self._isize)
        if p == NULL:
            raise MemoryError(f"cannot allocate {cap * self._isize} bytes")
        self._data = p
        self._cap = cap
        return 0

    cdef int _reserve(self, Py_ssize_t need) except -1:
        """Make room for ``need`` items, growing by 1/8 like ``list`` (amortised O(1)), in
        memory of our own (room is for writing: a shared list is copied first)."""
        if need <= self._cap and self._base is None:
            return 0
        if need < self._len:   # (a shared list being copied keeps every item)
            need = self._len
        if need > (<Py_ssize_t>sys.maxsize) // 16:
            raise MemoryError(f"{type(self).__name__} of {need} items is too large")
        return self._realloc(need + (need >> 3) + (3 if need < 9 else 6))

    cdef int _recode(self, int code) except -1:
        """Convert every item to type ``code`` (widening, or narrowing values known to fit)."""
        cdef char* p
        cdef Py_ssize_t cap = self._len + (self._len >> 3) + 6
        if code == self._code:
            return 0
        self._check_exports()
        p = <char*>PyMem_Malloc(cap * _SIZES[code])
        if p == NULL:
            raise MemoryError(f"cannot allocate {cap * _SIZES[code]} bytes")
        _convert(self._data, self._code, p, code, self._len)
        if self._base is None:
            PyMem_Free(self._data)
        self._base = None
        self._data = p
        self._cap = cap
        self._set_code(code)
        return 0

    cdef int _fit(self, long long lo, long long hi) except -1:
        """Widen so that ``lo`` and ``hi`` fit, or raise OverflowError for a fixed dtype."""
        cdef int code
        if lo >= self._lo and hi <= self._hi:
            return 0
        code = max(_int_code(lo), _int_code(hi))
        if self._fixed:
            bad = lo if lo < self._lo else hi
            raise OverflowError(f"{bad} does not fit in {type(self).__name__} dtype "
                                f"{_NAMES[self._code]!r} (range {self._lo}..{self._hi})")
        self._check_exports()
        return self._recode(code)

    cdef inline int _push(self, object value) except -1:
        """Convert ``value`` and append it (widening first if needed); no export check."""
        cdef long long x
        cdef double d
        if self._isfloat:
            _as_double(self, value, &d)
            if self._len >= self._cap:
                self._reserve(self._len + 1)
            _put_f(self._data, self._code, self._len, d)
        else:
            _as_ll(self, value, &x)
            if x < self._lo or x > self._hi:
                self._fit(x, x)
            if self._len >= self._cap:
                self._reserve(self._len + 1)
            _put_i(self._data, self._code, self._len, x)
        self._len += 1
        self._mods += 1
        return 0

    cdef inline object _box(self, Py_ssize_t i):
        if self._isfloat:
            return _get_f(self._data, self._code, i)
        return _get_i(self._data, self._code, i)

    cdef int _store(self, Py_ssize_t i, object value) except -1:
        """Convert ``value`` and write it at ``i`` (widening first if needed)."""
        cdef long long x
        cdef double d
        if self._isfloat:
            _as_double(self, value, &d)
        else:
            _as_ll(self, value, &x)
        if i >= self._len:   # converting ran user code (``__index__``) that shrank the list
            raise IndexError(f"{type(self).__name__} assignment index out of range")
        self._own()
        self._mods += 1
        if self._isfloat:
            _put_f(self._data, self._code, i, d)
        else:
            if x < self._lo or x > self._hi:
                self._fit(x, x)
            _put_i(self._data, self._code, i, x)
        return 0

    cdef _TypedList _new_like(self, Py_ssize_t cap, int code=-1):
        """A new empty list of this class, type and width with room for ``cap`` items.

        Making the object may run the garbage collector (see the module docstring): a
        caller that sizes it from this list's length makes it with ``_blank`` first."""
        cdef _TypedList out = self._blank()
        out._set_code(self._code if code < 0 else code)
        out._realloc(cap)
        return out

    cdef _TypedList _blank(self):
        """A new empty list of this class, item type and width rule, with no buffer."""
        cdef _TypedList out = type(self).__new__(type(self))
        out._set_code(self._code)
        out._fixed = self._fixed
        return out

    cdef int _bounds(self, long long* lo, long long* hi) except -1:
        """Least and greatest item of a non-empty int list. O(n), in C."""
        _int_bounds(self._data, self._code, self._len, lo, hi)
        return 0

    cdef int _extend_array(self, object arr) except -1:
        """Append a 1-d numeric ndarray with vectorised checks: no Python object per item.

        The checks run numpy on the array (which may release the GIL); the append itself
        reads this list's length only after them and copies in C (see the module docstring).
        """
        cdef Py_ssize_t n = arr.shape[0]
        cdef Py_ssize_t old
        cdef const unsigned char[::1] raw
        cdef int scode
        kind = arr.dtype.kind
        if kind == "b":
            arr = arr.view(np.uint8)
            kind = "u"
        if self._isfloat:
            if kind not in "iuf":
                raise _type_error(self, arr[0] if n else arr)
            if n and self._code == F32 and arr.dtype.itemsize > 4:
                top = float(np.nanmax(np.abs(np.where(np.isfinite(arr), arr, 0))))
                if top > FLT_MAX:
                    raise OverflowError(f"{top!r} is beyond the range of float32")
            lo = hi = 0
        else:
            if kind not in "iu":
                raise _type_error(self, arr[0] if n else arr)
            lo = hi = 0
            if n:
                lo = int(arr.min())
                hi = int(arr.max())
                if hi > 9223372036854775807:
                    raise OverflowError(f"{hi} does not fit in int64, the widest "
                                        f"{type(self).__name__} item type")
        if n == 0:
            return 0
        # the source as one of our item types, contiguous (numpy converts the others)
        name = arr.dtype.name
        if name not in _NAMES or not arr.dtype.isnative:
            name = "float64" if kind == "f" else "int64"
        arr = np.ascontiguousarray(arr, dtype=name)
        scode = _NAMES.index(name)
        raw = arr.view(np.uint8)
        # from here to the end: C only, GIL held
        if not self._isfloat:
            self._fit(lo, hi)
        self._own()   # (a shared list: its copy is ours before we size it)
        old = self._len
        self._reserve(old + n)
        _convert(<const char*>&raw[0], scode, self._data + old * self._isize,
                     self._code, n)
        self._len = old + n
        self._mods += 1
        return 0

    cdef int _extend_typed(self, _TypedList other) except -1:
        """Append the items of another typed list (not this one), in C with the GIL held."""
        cdef long long lo, hi
        cdef Py_ssize_t old, n = other._len
        if n == 0:
            return 0
        if self._isfloat != other._isfloat:
            if not self._isfloat:
                raise _type_error(self, other._box(0))
        elif not self._isfloat:
            other._bounds(&lo, &hi)
            self._fit(lo, hi)
        elif self._code == F32 and other._code == F64:
            self._check_float32(other)
        self._own()
        old = self._len
        self._reserve(old + n)
        _convert(other._data, other._code, self._data + old * self._isize, self._code, n)
        self._len = old + n
        self._mods += 1
        return 0

    cdef int _check_float32(self, _TypedList other) except -1:
        """OverflowError if a finite float64 item of ``other`` is beyond float32's range."""
        cdef Py_ssize_t k
        cdef double d
        for k in range(other._len):
            d = (<const double*>other._data)[k]
            if isfinite(d) and fabs(d) > FLT_MAX:
                raise OverflowError(f"{d!r} is beyond the range of float32 (max {FLT_MAX:g})")
        return 0

    cdef int _extend(self, object iterable) except -1:
        """Append every item of ``iterable``; on any error the list is left as it was.

        Unless the list changed meanwhile by another hand (the iterable's own code, or
        another thread): then the items appended before the error stay, as with
        ``list.extend``, for undoing them could undo that other change too."""
        cdef Py_ssize_t old_len = self._len
        cdef int old_code = self._code
        cdef unsigned long long mods = self._mods, pushed = 0
        self._check_exports()
        if iterable is self:
            iterable = self.copy()
        if is_columnar(iterable):   # Arrow or pandas: each chunk's buffer, vectorised
            try:
                for arr in number_chunks(iterable, type(self).__name__,
                                         "iuf" if self._isfloat else "iu"):
                    self._extend_array(arr)
                    pushed += 1
            except BaseException:
                if self._mods - mods == pushed:
                    self._rollback(old_len, old_code)
                raise
            return 0
        if isinstance(iterable, _TypedList):
            self._extend_typed(iterable)
            return 0
        if isinstance(iterable, np.ndarray) and iterable.ndim == 1 and \
                iterable.dtype.kind in "biuf":
            self._extend_array(iterable)
            return 0
        if isinstance(iterable, (list, tuple)):
            self._reserve(self._len + len(iterable))
        try:
            for value in iterable:
                self._push(value)
                pushed += 1
        except BaseException:
            if self._mods - mods == pushed:
                self._rollback(old_len, old_code)
            raise
        return 0

    cdef int _rollback(self, Py_ssize_t old_len, int old_code) except -1:
        """Undo a failed extend: drop what it appended and narrow back to ``old_code``.

        The iterable may have run code that changed this list meanwhile; the length only
        ever shrinks here, and narrowing happens only when every value still fits.
        """
        cdef long long lo = 0, hi = 0
        if self._len > old_len:
            self._own()   # shared meanwhile (the iterable called to_arrow()): copy first
            self._len = old_len
        if self._code != old_code and not self._isfloat:
            if self._len:
                self._bounds(&lo, &hi)
            if _LO[old_code] <= lo and hi <= _HI[old_code]:
                self._recode(old_code)
        return 0

    cdef _TypedList _coerce(self, object value, str what):
        """A new list of this class holding ``value``'s items (for slice assignment)."""
        cdef _TypedList tmp
        try:
            iter(value)
        except TypeError:
            raise TypeError(f"can only assign an iterable{what}, not "
                            f"{type(value).__name__}") from None
        tmp = self._new_like(0, I8 if not self._isfloat and not self._fixed else -1)
        tmp._extend(value)
        return tmp

    cdef int _del_range(self, Py_ssize_t start, Py_ssize_t stop) except -1:
        if stop > self._len:
            stop = self._len
        if stop <= start:
            return 0
        self._own()
        self._mods += 1
        memmove(self._data + start * self._isize, self._data + stop * self._isize,
                (self._len - stop) * self._isize)
        self._len -= stop - start
        self._maybe_shrink()
        return 0

    cdef int _maybe_shrink(self) except -1:
        """Give memory back when under a quarter of the capacity is used."""
        if self._cap > 64 and self._len < self._cap // 4:
            self._realloc(self._len + (self._len >> 3) + 6)
        return 0

    cdef Py_ssize_t _find(self, object value, Py_ssize_t start, Py_ssize_t stop,
                          bint count) except -2:
        """Index of the first item equal to ``value`` in [start, stop) (-1 when absent),
        or the number of equal items when ``count``; equality is Python's ``==``."""
        cdef long long x = 0
        cdef double d = 0.0
        cdef int overflow = 0
        cdef bint as_float
        if start >= stop:
            return 0 if count else -1
        if PyLong_Check(value) or (PyIndex_Check(value) and not PyFloat_Check(value)):
            value = PyNumber_Index(value)
            x = PyLong_AsLongLongAndOverflow(value, &overflow)
            if overflow:
                return 0 if count else -1
            if self._isfloat:
                if x > (<long long>1 << 53) or x < -(<long long>1 << 53):   # beyond exact doubles: compare exactly
                    return self._find_slow(value, start, stop, count)
                d = <double>x
            elif x < self._lo or x > self._hi:
                return 0 if count else -1
        elif PyFloat_Check(value):
            d = PyFloat_AsDouble(value)
            if not self._isfloat:
                if not isfinite(d) or fabs(d) >= 9.2e18 or d != <double>(<long long>d):
                    return 0 if count else -1
                x = <long long>d
                if x < self._lo or x > self._hi:
                    return 0 if count else -1
        elif value is None or isinstance(value, (str, bytes)):
            return 0 if count else -1
        else:
            return self._find_slow(value, start, stop, count)
        # the value's __index__/__float__ ran Python code that may have shrunk the list
        if stop > self._len:
            stop = self._len
        if start >= stop:
            return 0 if count else -1
        as_float = self._isfloat
        if self._code == I8:
            return _scan(<int8_t*>self._data, start, stop, x, d, as_float, count)
        if self._code == I16:
            return _scan(<int16_t*>self._data, start, stop, x, d, as_float, count)
        if self._code == I32:
            return _scan(<int32_t*>self._data, start, stop, x, d, as_float, count)
        if self._code == I64:
            return _scan(<int64_t*>self._data, start, stop, x, d, as_float, count)
        if self._code == F32:
            return _scan(<float*>self._data, start, stop, x, d, as_float, count)
        return _scan(<double*>self._data, start, stop, x, d, as_float, count)

    cdef Py_ssize_t _find_slow(self, object value, Py_ssize_t start, Py_ssize_t stop,
                               bint count) except -2:
        cdef Py_ssize_t k, n = 0
        k = start
        while k < stop and k < self._len:   # ``==`` may run code that shrinks the list
            if self._box(k) == value:
                if not count:
                    return k
                n += 1
            k += 1
        return n if count else -1

    cdef Py_ssize_t _position(self, object index, str what) except -1:
        """``index`` (an int, negative from the end) checked against the length."""
        cdef Py_ssize_t i
        if not (PyLong_Check(index) or PyIndex_Check(index)):
            raise TypeError(f"{type(self).__name__} indices must be integers or slices, "
                            f"not {type(index).__name__}")
        return item_position(PyNumber_AsSsize_t(index, IndexError), self._len,
                             type(self).__name__, what)

    cdef Py_ssize_t _norm(self, Py_ssize_t i) noexcept:
        return clamp_bound(i, self._len)

    cdef object _as_list(self, object other):
        """``other`` as a list for comparison, or None if it is not a list-like peer."""
        if isinstance(other, _TypedList):
            return (<_TypedList>other).tolist()
        if isinstance(other, list):
            return other
        return None

    # ------------------------------------------------------------ sequence protocol

    def __len__(self):
        return self._len

    def __getitem__(self, index):
        cdef Py_ssize_t i, start, stop, step, n, k
        cdef _TypedList out
        if PyLong_Check(index):
            i = PyNumber_AsSsize_t(index, IndexError)
        elif isinstance(index, slice):
            PySlice_Unpack(index, &start, &stop, &step)
            out = self._blank()
            n = PySlice_AdjustIndices(self._len, &start, &stop, step)
            out._realloc(n)
            if step == 1:
                if n:
                    memcpy(out._data, self._data + start * self._isize, n * self._isize)
            else:
                for k in range(n):
                    memcpy(out._data + k * self._isize,
                           self._data + (start + k * step) * self._isize, self._isize)
            out._len = n
            return out
        elif PyIndex_Check(index):
            i = PyNumber_AsSsize_t(index, IndexError)
        else:
            raise TypeError(f"{type(self).__name__} indices must be integers or slices, "
                            f"not {type(index).__name__}")
        i = item_position(i, self._len, type(self).__name__)
        if self._isfloat:
            return _get_f(self._data, self._code, i)
        return _get_i(self._data, self._code, i)

    def __setitem__(self, index, value):
        cdef Py_ssize_t i, start, stop, step, n, k, m
        cdef long long lo, hi
        cdef _TypedList tmp
        if isinstance(index, slice):
            PySlice_Unpack(index, &start, &stop, &step)
            tmp = self._coerce(value, "" if step == 1 else " to extended slice")
            # reading ``value`` ran arbitrary code that may have resized this list: the
            # bounds are read again, and from the length on, all is C (module docstring)
            PySlice_Unpack(index, &start, &stop, &step)
            n = PySlice_AdjustIndices(self._len, &start, &stop, step)
            self._own()
            self._mods += 1
            if step == 1:
                if stop < start:
                    stop = start
                m = tmp._len
                if m != stop - start:
                    self._check_exports()
                if m and not self._isfloat and tmp._code > self._code:
                    tmp._bounds(&lo, &hi)
                    self._fit(lo, hi)
                if m > stop - start:
                    self._reserve(self._len + m - (stop - start))
                memmove(self._data + (start + m) * self._isize,
                        self._data + stop * self._isize, (self._len - stop) * self._isize)
                self._len += m - (stop - start)
                _convert(tmp._data, tmp._code, self._data + start * self._isize,
                         self._code, m)
                if m < stop - start:
                    self._maybe_shrink()
                return
            if tmp._len != n:
                raise ValueError(f"attempt to assign sequence of size {tmp._len} to "
                                 f"extended slice of size {n}")
            if n and not self._isfloat and tmp._code > self._code:
                tmp._bounds(&lo, &hi)
                self._fit(lo, hi)
            for k in range(n):
                if self._isfloat:
                    _put_f(self._data, self._code, start + k * step,
                           _get_f(tmp._data, tmp._code, k))
                else:
                    _put_i(self._data, self._code, start + k * step,
                           _get_i(tmp._data, tmp._code, k))
            return
        i = self._position(index, "assignment index")
        self._store(i, value)

    def __delitem__(self, index):
        cdef Py_ssize_t i, start, stop, step, n, k, w, r
        if isinstance(index, slice):
            PySlice_Unpack(index, &start, &stop, &step)
            n = PySlice_AdjustIndices(self._len, &start, &stop, step)
            if n == 0:
                return
            self._check_exports()
            self._own()
            self._mods += 1
            if step < 0:   # the same items, walked upwards
                start = start + (n - 1) * step
                step = -step
            if step == 1:
                self._del_range(start, start + n)
                return
            w = start
            r = start
            for k in range(n):   # keep the items between deleted ones, in order
                r = start + k * step + 1
                stop = min(r + step - 1, self._len) if k < n - 1 else self._len
                memmove(self._data + w * self._isize, self._data + r * self._isize,
                        (stop - r) * self._isize)
                w += stop - r
            self._len = w
            self._maybe_shrink()
            return
        i = self._position(index, "assignment index")
        self._check_exports()
        self._del_range(i, i + 1)

    def __iter__(self):
        cdef _Iterator it = _Iterator.__new__(_Iterator)
        it._lst = self
        it._i = 0
        it._rev = False
        return it

    def __reversed__(self):
        cdef _Iterator it = _Iterator.__new__(_Iterator)
        it._lst = self
        it._i = self._len - 1
        it._rev = True
        return it

    def __contains__(self, value):
        return self._find(value, 0, self._len, False) >= 0

    # ------------------------------------------------------------ list methods

    def append(self, value):
        """Append ``value`` at the end. Amortised O(1); widens the item type when needed.

        >>> x = IntList([1]); x.append(300); x
        IntList([1, 300])
        """
        if self._exports:
            self._check_exports()
        self._push(value)

    def extend(self, iterable):
        """Append every item of ``iterable``; all or nothing. O(len(iterable)).

        A 1-d numpy array (or another typed list) is copied with vectorised checks, with no
        Python object per item. On a bad item the list is left unchanged.

        >>> x = IntList([1]); x.extend([2, 3]); x
        IntList([1, 2, 3])
        """
        self._extend(iterable)

    def insert(self, index, value):
        """Insert ``value`` before ``index`` (clamped like ``list.insert``). O(n).

        >>> x = IntList([1, 3]); x.insert(1, 2); x
        IntList([1, 2, 3])
        """
        cdef Py_ssize_t i = PyNumber_AsSsize_t(PyNumber_Index(index), OverflowError)
        cdef long long x = 0
        cdef double d = 0.0
        if self._isfloat:
            _as_double(self, value, &d)
        else:
            _as_ll(self, value, &x)
        self._check_exports()
        self._own()
        if not self._isfloat and (x < self._lo or x > self._hi):
            self._fit(x, x)
        i = self._norm(i)
        self._reserve(self._len + 1)
        self._mods += 1
        memmove(self._data + (i + 1) * self._isize, self._data + i * self._isize,
                (self._len - i) * self._isize)
        if self._isfloat:
            _put_f(self._data, self._code, i, d)
        else:
            _put_i(self._data, self._code, i, x)
        self._len += 1

    def pop(self, index=-1):
        """Remove and return the item at ``index`` (default last). O(n - index).

        >>> x = IntList([1, 2, 3]); x.pop(), x.pop(0), x
        (3, 1, IntList([2]))
        """
        cdef Py_ssize_t i = PyNumber_AsSsize_t(PyNumber_Index(index), IndexError)
        if self._len == 0:
            raise IndexError(f"pop from empty {type(self).__name__}")
        i = item_position(i, self._len, "pop", "index")
        self._check_exports()
        value = self._box(i)
        self._del_range(i, i + 1)
        return value

    def remove(self, value):
        """Remove the first item equal to ``value``; ValueError if absent. O(n).

        >>> x = IntList([1, 2, 1]); x.remove(1); x
        IntList([2, 1])
        """
        cdef Py_ssize_t i = self._find(value, 0, self._len, False)
        if i < 0:
            raise ValueError(f"{type(self).__name__}.remove(x): x not in list")
        self._check_exports()
        self._del_range(i, i + 1)

    def index(self, value, start=0, stop=sys.maxsize):
        """Index of the first item equal to ``value`` in ``[start, stop)``. O(n).

        >>> IntList([5, 6, 5]).index(5, 1)
        2
        """
        cdef Py_ssize_t a = self._norm(PyNumber_AsSsize_t(PyNumber_Index(start), None))
        cdef Py_ssize_t b = self._norm(PyNumber_AsSsize_t(PyNumber_Index(stop), None))
        cdef Py_ssize_t i = self._find(value, a, b, False)
        if i < 0:
            raise ValueError(f"{value!r} is not in list")
        return i

    def count(self, value):
        """Number of items equal to ``value``. O(n), in C for numbers.

        >>> IntList([1, 2, 1]).count(1)
        2
        """
        return self._find(value, 0, self._len, True)

    def reverse(self):
        """Reverse the items in place. O(n).

        >>> x = IntList([1, 2, 3]); x.reverse(); x
        IntList([3, 2, 1])
        """
        cdef int code = self._code
        self._own()
        self._mods += 1
        if code == I8:
            _reverse(<int8_t*>self._data, self._len)
        elif code == I16:
            _reverse(<int16_t*>self._data, self._len)
        elif code == I32:
            _reverse(<int32_t*>self._data, self._len)
        elif code == I64:
            _reverse(<int64_t*>self._data, self._len)
        elif code == F32:
            _reverse(<float*>self._data, self._len)
        else:
            _reverse(<double*>self._data, self._len)

    def sort(self, *, key=None, reverse=False):
        """Sort in place, stably, like ``list.sort``.

        With ``key=None``: a radix sort in C, O(n) per byte of the item type (the bytes
        that are the same in every item are skipped), with a scratch buffer of ``len(x)``
        items; the GIL is held throughout, so another thread waits for it as it waits for
        ``list.sort``. NaN floats go last, in their order (as numpy sorts them), where
        ``list.sort`` is undefined; ``-0.0`` and ``0.0`` keep their order, as equal items.
        With a ``key``: O(n log n) by ``list.sort``; while ``key`` runs the list looks empty,
        and a key (or another thread) that adds to it makes sort raise ValueError, the list
        holding its sorted items (as ``list.sort`` does).

        >>> x = IntList([3, 1, 2]); x.sort(reverse=True); x
        IntList([3, 2, 1])
        """
        if self._len < 2:
            if key is not None and self._len:
                key(self._box(0))
            return
        if key is None:
            self._own()
            self._mods += 1
            if reverse:   # stable descending: equal items keep their order
                self.reverse()
            _sort_buffer(self._data, self._code, self._len)
            if reverse:
                self.reverse()
            return
        # as list.sort: the list looks empty while the key runs, and a key that adds to it
        # gets ValueError, the list holding the sorted items (the buffer and width are kept)
        self._check_exports()
        self._own()
        items = self.tolist()
        self._len = 0
        self._mods += 1
        try:
            items.sort(key=key, reverse=reverse)
        finally:
            # the buffer holds the items' width; unless another thread shrank it meanwhile,
            # it has room for every item, so this writes in place even if the key took a
            # view. Another thread may also have shared it (to_arrow): copy before writing
            changed = self._len != 0
            self._own()
            self._len = 0
            for value in items:
                self._push(value)
        if changed:
            raise ValueError(f"{type(self).__name__} modified during sort")

    def copy(self):
        """A shallow copy with the same item type, sized exactly. O(n).

        >>> IntList([1, 2]).copy()
        IntList([1, 2])
        """
        cdef _TypedList out = self._blank()   # may collect garbage: before reading the length
        out._realloc(self._len)
        if self._len:
            memcpy(out._data, self._data, self._len * self._isize)
        out._len = self._len
        return out

    def clear(self):
        """Remove every item and free the buffer. O(1).

        >>> x = IntList([1]); x.clear(); x
        IntList([])
        """
        self._check_exports()
        self._len = 0
        self._mods += 1
        self._realloc(0)

    def tolist(self):
        """The items as a ``list`` of Python numbers. O(n).

        >>> IntList([1, 2]).tolist()
        [1, 2]
        """
        cdef Py_ssize_t k, n = -1
        cdef list out = None
        while n != self._len:   # making the list may collect garbage (module docstring)
            n = self._len
            out = [None] * n
        for k in range(n):
            out[k] = self._box(k)
        return out

    # ------------------------------------------------------------ operators

    def __add__(self, other):
        cdef _TypedList out
        if not isinstance(other, (list, _TypedList)):
            return NotImplemented
        out = self.copy()
        out._extend(other)
        return out

    def __radd__(self, other):
        cdef _TypedList out
        if not isinstance(other, list):
            return NotImplemented
        out = self._new_like(0)
        out._extend(other)
        out._extend(self)
        return out

    def __iadd__(self, other):
        self._extend(other)
        return self

    cdef int _repeat(self, Py_ssize_t times) except -1:
        cdef Py_ssize_t n = self._len, done, k
        self._own()
        self._mods += 1
        if times <= 0 or n == 0:
            self._len = 0
            self._maybe_shrink()
            return 0
        if n > (<Py_ssize_t>sys.maxsize) // 16 // times:
            raise MemoryError(f"{type(self).__name__} repeated {times} times is too large")
        self._reserve(n * times)
        done = n
        while done < n * times:
            k = min(done, n * times - done)
            memcpy(self._data + done * self._isize, self._data, k * self._isize)
            done += k
        self._len = n * times
        return 0

    def __mul__(self, times):
        cdef _TypedList out
        if not PyIndex_Check(times):
            return NotImplemented
        out = self.copy()
        out._repeat(PyNumber_AsSsize_t(times, OverflowError))
        return out

    def __rmul__(self, times):
        return self.__mul__(times)

    def __imul__(self, times):
        if not PyIndex_Check(times):
            return NotImplemented
        self._check_exports()
        self._repeat(PyNumber_AsSsize_t(times, OverflowError))
        return self

    def __richcmp__(self, other, int op):
        cdef _TypedList o
        if isinstance(other, _TypedList) and (op == 2 or op == 3):
            o = other
            if o._len != self._len:
                return op == 3
            if o._code == self._code:
                same = self._len == 0 or memcmp(self._data, o._data,
                                                self._len * self._isize) == 0
                if same or not self._isfloat:   # floats: 0.0 == -0.0 differ in bytes
                    return same if op == 2 else not same
        theirs = self._as_list(other)
        if theirs is None:
            return NotImplemented
        mine = self.tolist()
        if op == 0:
            return mine < theirs
        if op == 1:
            return mine <= theirs
        if op == 2:
            return mine == theirs
        if op == 3:
            return mine != theirs
        if op == 4:
            return mine > theirs
        return mine >= theirs

    def __repr__(self):
        name = type(self).__name__
        items = repr(self.tolist())
        if self._isfloat:
            return f"{name}({items})" if self._code == F64 else \
                f"{name}({items}, dtype={_NAMES[self._code]!r})"
        if self._fixed:
            return f"{name}({items}, dtype={_NAMES[self._code]!r})"
        return f"{name}({items})"

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def __reduce__(self):
        cdef int code = self._code
        data = PyBytes_FromStringAndSize(self._data, self._len * self._isize)
        return (_rebuild, (type(self), _NAMES[code], bool(self._fixed), data))

    # ------------------------------------------------------------ files (lists/_files.py)

    _MAPPABLE = True

    def to_bytes(self):
        """The list in lowram's checksummed envelope (``lists/_files.py`` gives the format).
        O(n).

        >>> IntList.from_bytes(IntList([1, -2, 300]).to_bytes())
        IntList([1, -2, 300])
        """
        return _files.to_bytes(self)

    @classmethod
    def from_bytes(cls, data):
        """Rebuild from :meth:`to_bytes` output; ``lowram.FormatError`` if it is damaged."""
        return _files.from_bytes(cls, data)

    def save(self, path):
        """Write to ``path`` atomically (temp file, fsync, replace). O(n)."""
        _files.save(self, path)

    @classmethod
    def load(cls, path, *, mmap=False):
        """Read a file written by :meth:`save`; ``lowram.FormatError`` naming it if damaged.

        With ``mmap=True`` the items are the file itself, mapped read-only: nothing is
        copied, every process that maps the file shares one copy in the page cache, and the
        list copies its items into memory of its own on its first change (the file is never
        written). ``__sizeof__`` then counts the object only.

        >>> import os, tempfile; p = os.path.join(tempfile.mkdtemp(), "x.lowram")
        >>> IntList(range(1000)).save(p); x = IntList.load(p, mmap=True)
        >>> x[999], x.mapped, x.__sizeof__() < 200
        (999, True, True)
        >>> x.append(5); x.mapped
        False
        """
        return _files.load(cls, path, mmap)

    @property
    def mapped(self):
        """True while the items are a mapped file's (``load(path, mmap=True)``)."""
        return isinstance(self._base, _MappedItems)

    def _payload(self):
        cdef int code = self._code
        cdef bint fixed = self._fixed
        cdef Py_ssize_t n = self._len
        # one step: the bytes are of the same moment as the code and length above
        data = PyBytes_FromStringAndSize(self._data, n * self._isize)
        if sys.byteorder != "little":
            data = np.frombuffer(data, _NAMES[code]).byteswap().tobytes()
        start = _files.items_start(type(self)._FILE_KIND, _LIST_HEAD.size)
        return _LIST_HEAD.pack(code, fixed, n) + bytes(start - _LIST_HEAD.size) + data

    @classmethod
    def _from_payload(cls, payload, source, mapped):
        return _typed_from_payload(cls, payload, source, mapped)

    # ------------------------------------------------------------ buffer and memory

    def __getbuffer__(self, Py_buffer *buffer, int flags):
        if self._base is not None and flags & PyBUF_WRITABLE:
            self._own()   # a writable view of borrowed items: copy them first
        self._shape[0] = self._len
        self._strides[0] = self._isize
        buffer.buf = self._data if self._data != NULL else _EMPTY
        buffer.format = <char*>_format(self._code) if flags & PyBUF_FORMAT else NULL
        buffer.internal = NULL
        buffer.itemsize = self._isize
        buffer.len = self._len * self._isize
        buffer.ndim = 1
        buffer.obj = self
        buffer.readonly = self._base is not None
        buffer.shape = self._shape if flags & PyBUF_ND else NULL
        buffer.strides = self._strides if flags & PyBUF_STRIDES else NULL
        buffer.suboffsets = NULL
        self._exports += 1

    def __releasebuffer__(self, Py_buffer *buffer):
        self._exports -= 1

    def __sizeof__(self):
        """Bytes held in RAM: the object plus the whole buffer (capacity, not length; for
        items shared with Arrow, the block this list keeps alive; for a mapped file's items,
        nothing: they are the page cache's, shared by every process mapping the file)."""
        if isinstance(self._base, _MappedItems):
            return object.__sizeof__(self)
        if isinstance(self._base, _Block):
            return object.__sizeof__(self) + (<_Block>self._base).n
        return object.__sizeof__(self) + self._cap * self._isize

    @property
    def dtype(self):
        """Name of the item type now in use (``'int8'`` … ``'int64'``, ``'float32'``, …)."""
        return _NAMES[self._code]

    @property
    def itemsize(self):
        """Bytes per item."""
        return self._isize

    @property
    def nbytes(self):
        """Bytes of the items themselves: ``len(x) * x.itemsize`` (like numpy's)."""
        return self._len * self._isize

    def buffer_info(self):
        """A :class:`BufferInfo` (dtype, itemsize, length, capacity, allocated bytes). O(1).

        >>> IntList([1, 2, 3]).buffer_info()
        BufferInfo(dtype='int8', itemsize=1, length=3, capacity=3, allocated=3)
        """
        return BufferInfo(_NAMES[self._code], self._isize, self._len, self._cap,
                          self._cap * self._isize)

    def shrink_to_fit(self):
        """Release unused capacity so the buffer holds exactly ``len(x)`` items. O(n) worst.

        >>> x = IntList(range(100)); x.extend([1]); x.shrink_to_fit(); x.buffer_info().capacity
        101
        """
        self._check_exports()
        self._realloc(self._len)

    def min_value(self):
        """Smallest item (ValueError when empty; NaN if an item is NaN); O(n), in C.

        >>> IntList([3, -1, 2]).min_value()
        -1
        """
        cdef long long lo, hi
        cdef double flo, fhi
        if not self._len:
            raise ValueError(f"min_value() of an empty {type(self).__name__}")
        if self._isfloat:
            _float_bounds(self._data, self._code, self._len, &flo, &fhi)
            return flo
        self._bounds(&lo, &hi)
        return lo

    def max_value(self):
        """Largest item (ValueError when empty; NaN if an item is NaN); O(n), in C.

        >>> IntList([3, -1, 2]).max_value()
        3
        """
        cdef long long lo, hi
        cdef double flo, fhi
        if not self._len:
            raise ValueError(f"max_value() of an empty {type(self).__name__}")
        if self._isfloat:
            _float_bounds(self._data, self._code, self._len, &flo, &fhi)
            return fhi
        self._bounds(&lo, &hi)
        return hi

    # ------------------------------------------------------------ Arrow

    cdef object _share(self, size_t* address, Py_ssize_t* n, int* code):
        """Make the items read-only shared memory (handing our block to a :class:`_Block`
        when we own it; the next write copies, see ``_own``) and return the object that
        owns them, with their address, count and type read at the same moment (None when
        empty). All in C: no other thread can change the list between those readings."""
        cdef _Block block = _Block.__new__(_Block)   # (no garbage collection: not tracked)
        n[0] = self._len
        code[0] = self._code
        address[0] = <size_t>self._data
        if self._len == 0:
            return None
        if self._base is None and self._exports > 0:
            # a live view may still write here: Arrow gets a copy, the list stays as it is
            block.p = <char*>PyMem_Malloc(self._len * self._isize)
            if block.p == NULL:
                raise MemoryError(f"cannot allocate {self._len * self._isize} bytes")
            memcpy(block.p, self._data, self._len * self._isize)
            block.n = self._len * self._isize
            address[0] = <size_t>block.p
            return block
        if self._base is None:
            block.p = self._data
            block.n = self._cap * self._isize
            self._base = block
            self._cap = self._len
        return self._base

    def to_arrow(self):
        """The items as a ``pyarrow`` array of the same type, sharing this list's memory.

        No copy: the buffer becomes read-only shared memory, and the list's next write
        copies it first (copy on write), so the Arrow array never changes. O(1); while a
        writable view of the list (a memoryview, a numpy array) is alive, Arrow gets a copy
        instead, O(n), since the view could still change the items.

        >>> import pyarrow as pa
        >>> IntList([1, 2, 300]).to_arrow().type
        DataType(int16)
        """
        from lowram._arrow import require_pyarrow
        cdef size_t address
        cdef Py_ssize_t n
        cdef int code
        pa = require_pyarrow(f"{type(self).__name__}.to_arrow()")
        owner = self._share(&address, &n, &code)
        arrow_type = pa.from_numpy_dtype(np.dtype(_NAMES[code]))
        if owner is None:
            return pa.array([], type=arrow_type)
        buf = pa.foreign_buffer(address, n * _SIZES[code], base=owner)
        return pa.Array.from_buffers(arrow_type, n, [None, buf])

    @classmethod
    def from_arrow(cls, column, *, dtype=None):
        """A list of the values of an Arrow (or pandas) numeric column.

        ``column``: a ``pyarrow`` Array or ChunkedArray, a one-column Table or
        RecordBatch, a RecordBatchReader, or a pandas Series. One chunk whose type this
        list stores (``int8`` … ``int64``; ``float32``/``float64`` for FloatList) is shared,
        not copied (O(1); the list copies on its first write); other columns, and pandas
        Series over numpy memory (which pandas may write in place), are converted with
        vectorised checks (O(n)). A null raises ValueError, a non-numeric column TypeError.
        ``IntList(column)`` and ``extend(column)`` copy, vectorised.

        >>> import pyarrow as pa
        >>> IntList.from_arrow(pa.array([1, 2, 3], pa.int32()))
        IntList([1, 2, 3])
        """
        cdef _TypedList out
        cdef const unsigned char[::1] raw
        is_float = issubclass(cls, FloatList)
        chunks = list(number_chunks(column, cls.__name__, "iuf" if is_float else "iu"))
        out = cls() if dtype is None else cls(dtype=dtype)
        if len(chunks) == 1 and chunks[0].dtype.name in _NAMES and immutable(column) and \
                (chunks[0].dtype.kind == "f") == is_float and chunks[0].shape[0] and \
                (dtype is None or chunks[0].dtype.name == out.dtype):
            arr = chunks[0]
            raw = arr.view(np.uint8)
            out._set_code(_NAMES.index(arr.dtype.name))
            out._borrow(arr, <const char*>&raw[0], arr.shape[0])
            return out
        if dtype is None and chunks and chunks[0].dtype.name in _NAMES and \
                (chunks[0].dtype.kind == "f") == is_float:
            out._set_code(_NAMES.index(chunks[0].dtype.name))   # as if shared: same dtype
        for arr in chunks:
            out._extend_array(arr)
        out._realloc(out._len)
        return out

    def _check(self):
        """Assert the internal invariants (used by the tests after every operation)."""
        assert 0 <= self._len <= self._cap, (self._len, self._cap)
        assert (self._cap == 0) == (self._data == NULL), (self._cap,)
        assert self._base is None or self._cap == self._len, "borrowed items have no spare"
        assert self._isize == _SIZES[self._code]
        assert self._exports >= 0
        assert self._isfloat == (self._code >= F32)
        cdef long long lo, hi
        if self._len and not self._isfloat:
            self._bounds(&lo, &hi)
            assert self._lo <= lo and hi <= self._hi, (lo, hi, _NAMES[self._code])


include "_shared.pxi"


include "_typedfiles.pxi"


cdef class IntList(_TypedList):
    """A ``list`` of Python ints held in one contiguous native buffer.

    ``dtype=None`` (default) adapts the width: items start as int8 and the whole buffer widens
    (int16, int32, int64) when a value needs it; it never narrows silently. A fixed ``dtype``
    (``'int8'`` … ``'int64'``) raises :class:`OverflowError` for a value that does not fit.
    Memory: ``itemsize`` bytes per item plus up to 1/8 spare capacity after appends (a list
    built by the constructor is sized exactly), against ~36 for a ``list`` of ints.

    Items must be ``int`` (``bool`` and numpy integers accepted); anything else raises
    :class:`TypeError`, a value beyond int64 :class:`OverflowError`, and the list is unchanged.
    ``memoryview(x)`` and ``np.asarray(x)`` share its memory (no copy); while such a view is
    alive, resizing raises :class:`BufferError`, as for :class:`array.array`.

    Cost: ``x[i]``, ``x[i] = v``, ``append`` O(1) (amortised); ``insert``/``del x[i]`` O(n);
    ``in``/``index``/``count`` O(n) in C; ``sort()`` O(n) per byte of the item type (a radix
    sort in C, scratch of ``len(x)`` items).

    Threads: each method is one step in C with the GIL held (another thread sees the list
    before or after it, never a half-made one, and waits for a ``sort()`` as it waits for
    ``list.sort``); iteration reads the list as it is at each step, as ``list``'s iterator
    does (docs/threads.md).

    >>> x = IntList([1, 2, 3])
    >>> x.append(1_000); x
    IntList([1, 2, 3, 1000])
    >>> x.dtype, x[-1], x[1:3]
    ('int16', 1000, IntList([2, 3]))
    """

    _FILE_KIND = "IntList"   # the envelope kind of its files

    def __init__(self, iterable=(), *, dtype=None):
        self._check_exports()
        self._len = 0
        self._realloc(0)
        if dtype is None:
            self._fixed = False
            self._set_code(I8)
        else:
            self._fixed = True
            self._set_code(_parse_dtype(dtype, _NAMES[:4]))
        self._extend(iterable)
        self._realloc(self._len)


cdef class FloatList(_TypedList):
    """A ``list`` of Python floats held in one contiguous native buffer of doubles.

    ``dtype='float64'`` (default) stores every float exactly; ``dtype='float32'`` halves the
    memory but is lossy: each value is rounded to the nearest float32 (about 7 significant
    digits), and a finite value beyond float32's range raises :class:`OverflowError`.
    Items must be float or int (converted with ``float()``); anything else raises
    :class:`TypeError` and the list is unchanged. Reads return new float objects, so a NaN
    item is never ``in`` the list (``list`` matches a NaN by identity).

    Cost and threads: as :class:`IntList`. Memory: 8 (or 4) bytes per item, against ~32 for a
    ``list``.

    >>> FloatList([1.5, 2]) + [3.25]
    FloatList([1.5, 2.0, 3.25])
    >>> FloatList([0.1], dtype='float32')[0] == 0.1
    False
    """

    _FILE_KIND = "FloatList"   # the envelope kind of its files

    def __init__(self, iterable=(), *, dtype="float64"):
        self._check_exports()
        self._len = 0
        self._realloc(0)
        self._fixed = True
        self._set_code(_parse_dtype("float64" if dtype is None else dtype, _NAMES[4:]))
        self._extend(iterable)
        self._realloc(self._len)


include "_strcore.pxi"
