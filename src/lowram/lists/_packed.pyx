# cython: language_level=3
"""Compiled core of :class:`PackedIntArray`: frame-of-reference bit packing, O(1) access.

Item ``i`` is stored as ``value - reference`` in ``bits`` bits starting at bit ``i * bits`` of
an array of little-endian 64-bit words; ``reference`` is the smallest value and ``bits`` the
fewest bits that hold ``max - min``. An item spanning two words is never the last word's
only reader, so a read stays within the ``ceil(n * bits / 64)`` words the file holds; the one
spare word of an owned array is never read.

Reads go through ``memcpy`` of 8 bytes (one unaligned load on x86-64 and arm64), so the words
may sit at any address: a memory-mapped file's payload starts where the envelope ends, not on
an 8-byte boundary, and is read in place.
"""

import operator
import os
import struct
import sys
import types

import numpy as np

from lowram._arrow import is_columnar, number_chunks, require_pyarrow

cimport cython
from cpython.long cimport PyLong_Check
from cpython.mem cimport PyMem_Calloc, PyMem_Free
from cpython.number cimport PyIndex_Check, PyNumber_AsSsize_t
from cpython.slice cimport PySlice_GetIndicesEx
from lowram.lists._index cimport clamp_bound, item_position
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint64_t
from libc.string cimport memcpy

from .._fileformat import HEADER_SIZE, atomic_write, map_file, pack, read_file, unpack
from ..errors import FormatError
from ._typed import BufferInfo, IntList

__all__ = ["PackedIntArray"]

_KIND = "PackedIntArray"
_VERSION = 1
_HEAD = struct.Struct("<QqB7x")   # length, reference, bits, padding


cdef uint64_t _NO_WORDS[1]   # what an empty mapped array points at (never read)
_NO_WORDS[0] = 0


cdef inline uint64_t _word(const unsigned char* base, Py_ssize_t w) noexcept nogil:
    """Word ``w`` at ``base``, which need not be 8-byte aligned (memcpy: no unaligned UB)."""
    cdef uint64_t v
    memcpy(&v, base + 8 * w, 8)
    return v


cdef inline int64_t _read(const unsigned char* words, Py_ssize_t i, int bits, uint64_t mask,
                          int64_t ref) noexcept nogil:
    cdef uint64_t pos, v
    cdef Py_ssize_t w
    cdef int off
    if bits == 0:
        return ref
    pos = <uint64_t>i * bits
    w = <Py_ssize_t>(pos >> 6)
    off = <int>(pos & 63)
    v = _word(words, w) >> off
    if off + bits > 64:
        v |= _word(words, w + 1) << (64 - off)
    return <int64_t>(<uint64_t>ref + (v & mask))


ctypedef fused src_t:
    int8_t
    int16_t
    int32_t
    int64_t


cdef void _pack(const src_t* src, Py_ssize_t n, uint64_t* words, int bits,
                int64_t ref) noexcept nogil:
    cdef Py_ssize_t i, w
    cdef uint64_t pos, v
    cdef int off
    if bits == 0:
        return
    for i in range(n):
        v = <uint64_t>(<int64_t>src[i]) - <uint64_t>ref
        pos = <uint64_t>i * bits
        w = <Py_ssize_t>(pos >> 6)
        off = <int>(pos & 63)
        words[w] |= v << off
        if off + bits > 64:
            words[w + 1] |= v >> (64 - off)


cdef inline Py_ssize_t _nwords(Py_ssize_t n, int bits) noexcept nogil:
    """Words holding ``n`` items of ``bits`` bits, plus the spare word."""
    return <Py_ssize_t>((<uint64_t>n * bits + 63) >> 6) + 1


@cython.final
cdef class _PackedIterator:
    cdef PackedIntArray _arr
    cdef Py_ssize_t _i

    def __iter__(self):
        return self

    def __next__(self):
        cdef PackedIntArray a = self._arr
        if self._i >= a._len:
            raise StopIteration
        self._i += 1
        return _read(a._base, self._i - 1, a._bits, a._mask, a._ref)

    def __length_hint__(self):
        return self._arr._len - self._i


@cython.final
@cython.no_gc   # its one object reference (a memoryview of a map) cannot form a cycle
cdef class PackedIntArray:
    """A frozen array of ints bit-packed with a frame of reference: ``bits`` bits per item.

    Built once with :meth:`from_iterable`; ``bits`` is the fewest bits that hold
    ``max - min`` (20 for values in ``[0, 10**6)``: 2.5 bytes per item, against 8 for
    ``array('q')`` and ~36 for a ``list``). Items are any ints that fit in int64.

    Cost: ``a[i]`` O(1) in C (two word loads, a shift and a mask); slicing O(k) for k items;
    ``np.asarray(a)`` unpacks to a new int64 array, O(n). Save/load use lowram's checked file
    envelope; a corrupt or truncated file raises :class:`lowram.FormatError`.
    ``load(path, mmap=True)`` reads the words from the file in place, shared by every process
    that maps it.

    >>> a = PackedIntArray.from_iterable([1000, 1003, 1001, 1007])
    >>> a.bits, a.reference, a[3], a[-1], list(a[1:3])
    (3, 1000, 1007, 1007, [1003, 1001])
    """

    cdef uint64_t* _words          # owned words (NULL when the words are a memory map)
    cdef const unsigned char* _base  # where reads go: _words, or into the map
    cdef object _map  # a memoryview of the mmap the words live in (keeps it open), or None
    cdef Py_ssize_t _len
    cdef Py_ssize_t _nw
    cdef int64_t _ref
    cdef int _bits
    cdef uint64_t _mask

    __hash__ = None
    _lowram_sizeof_is_total = True

    def __cinit__(self):
        self._words = NULL
        self._base = <const unsigned char*>_NO_WORDS
        self._map = None
        self._len = 0
        self._nw = 0
        self._ref = 0
        self._bits = 0
        self._mask = 0

    def __dealloc__(self):
        PyMem_Free(self._words)

    def __init__(self, *args, **kwargs):
        raise TypeError("build a PackedIntArray with PackedIntArray.from_iterable(ints)")

    cdef int _alloc(self, Py_ssize_t n, int bits) except -1:
        self._len = n
        self._bits = bits
        self._mask = (<uint64_t>0xFFFFFFFFFFFFFFFF) if bits == 64 else \
            ((<uint64_t>1 << bits) - 1)
        self._nw = _nwords(n, bits)
        self._words = <uint64_t*>PyMem_Calloc(self._nw, 8)
        if self._words == NULL:
            raise MemoryError(f"cannot allocate {self._nw * 8} bytes")
        self._base = <const unsigned char*>self._words
        return 0

    @staticmethod
    cdef PackedIntArray _from_int64(object values):
        """Pack a 1-d signed integer ndarray (int8 to int64 packed as they are, no copy)."""
        cdef PackedIntArray out = PackedIntArray.__new__(PackedIntArray)
        cdef const int8_t[::1] s8
        cdef const int16_t[::1] s16
        cdef const int32_t[::1] s32
        cdef const int64_t[::1] s64
        cdef Py_ssize_t n
        cdef int64_t lo = 0, hi = 0
        cdef uint64_t span
        cdef int bits = 0
        arr = np.ascontiguousarray(values)
        if arr.dtype.kind != "i":
            arr = arr.astype(np.int64)
        n = arr.shape[0]
        if n:
            lo = arr.min()
            hi = arr.max()
        span = <uint64_t>hi - <uint64_t>lo
        while bits < 64 and (span >> bits) != 0:
            bits += 1
        out._ref = lo
        out._alloc(n, bits)
        if n == 0:
            return out
        size = arr.dtype.itemsize
        if size == 1:
            s8 = arr
            with nogil:
                _pack(&s8[0], n, out._words, bits, lo)
        elif size == 2:
            s16 = arr
            with nogil:
                _pack(&s16[0], n, out._words, bits, lo)
        elif size == 4:
            s32 = arr
            with nogil:
                _pack(&s32[0], n, out._words, bits, lo)
        else:
            s64 = arr
            with nogil:
                _pack(&s64[0], n, out._words, bits, lo)
        return out

    @classmethod
    def from_iterable(cls, ints):
        """Pack the ints of ``ints`` (any iterable, or an integer ndarray). O(n).

        A non-int item raises :class:`TypeError`, a value beyond int64 :class:`OverflowError`.
        An ndarray or :class:`IntList` is packed without a Python object per item; other
        iterables go through an adaptive IntList first (peak memory: that IntList, 1 to 8
        bytes per item, beside the packed words).

        >>> PackedIntArray.from_iterable(range(-3, 3)).tolist()
        [-3, -2, -1, 0, 1, 2]
        """
        if is_columnar(ints):   # Arrow or pandas: each chunk's buffer, no object per item
            chunks = list(number_chunks(ints, "PackedIntArray", "iu"))
            if not chunks:
                ints = np.zeros(0, np.int64)
            else:
                ints = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
        if isinstance(ints, np.ndarray) and ints.ndim == 1 and ints.dtype.kind in "biu":
            arr = ints
            if arr.dtype.kind == "u" and arr.size and int(arr.max()) > 9223372036854775807:
                raise OverflowError(f"{int(arr.max())} does not fit in int64")
        elif isinstance(ints, IntList):
            arr = np.asarray(ints)
        else:
            try:
                arr = np.asarray(IntList(ints))
            except (TypeError, OverflowError, ValueError) as e:   # name the class called
                raise type(e)(str(e).replace("IntList", "PackedIntArray")) from None
        return PackedIntArray._from_int64(arr)

    # ------------------------------------------------------------ sequence

    def __len__(self):
        return self._len

    def __getitem__(self, index):
        cdef Py_ssize_t i, start, stop, step, n, k
        if PyLong_Check(index) or (PyIndex_Check(index) and not isinstance(index, slice)):
            i = item_position(PyNumber_AsSsize_t(index, IndexError), self._len, "PackedIntArray")
            return _read(self._base, i, self._bits, self._mask, self._ref)
        if isinstance(index, slice):
            PySlice_GetIndicesEx(index, self._len, &start, &stop, &step, &n)
            out = np.empty(n, dtype=np.int64)
            self._gather(out, start, step, n)
            return PackedIntArray._from_int64(out)
        raise TypeError(f"PackedIntArray indices must be integers or slices, not "
                        f"{type(index).__name__}")

    cdef int _gather(self, object out, Py_ssize_t start, Py_ssize_t step,
                     Py_ssize_t n) except -1:
        cdef int64_t[::1] dst = out
        cdef Py_ssize_t k
        with nogil:
            for k in range(n):
                dst[k] = _read(self._base, start + k * step, self._bits, self._mask,
                               self._ref)
        return 0

    def __iter__(self):
        cdef _PackedIterator it = _PackedIterator.__new__(_PackedIterator)
        it._arr = self
        it._i = 0
        return it

    cdef int _target(self, object value, uint64_t *field) except -1:
        """How to look ``value`` up: 1, ``field`` holding the packed field of an equal item;
        0, no item can equal it (a number out of range, a float with a fraction, NaN); 2,
        compare item by item in Python (any other kind of object)."""
        cdef int64_t v
        if PyLong_Check(value) or (PyIndex_Check(value) and not isinstance(value, float)):
            value = operator.index(value)
        elif isinstance(value, float):
            if not value.is_integer():
                return 0
            value = int(value)
        else:
            return 2
        if not (-0x8000000000000000 <= value <= 0x7FFFFFFFFFFFFFFF):
            return 0
        v = value
        field[0] = <uint64_t>v - <uint64_t>self._ref
        if v < self._ref or field[0] > self._mask:
            return 0
        return 1

    cdef Py_ssize_t _scan(self, uint64_t field, Py_ssize_t start, Py_ssize_t stop,
                          bint count) noexcept nogil:
        """First position in [start, stop) whose packed field is ``field`` (-1), or with
        ``count`` how many: reads the words in place, no item unpacked to an int."""
        cdef Py_ssize_t i, found = 0
        cdef uint64_t pos, v
        cdef Py_ssize_t w
        cdef int off
        for i in range(start, stop):
            if self._bits == 0:
                v = 0
            else:
                pos = <uint64_t>i * self._bits
                w = <Py_ssize_t>(pos >> 6)
                off = <int>(pos & 63)
                v = _word(self._base, w) >> off
                if off + self._bits > 64:
                    v |= _word(self._base, w + 1) << (64 - off)
                v &= self._mask
            if v == field:
                if not count:
                    return i
                found += 1
        return found if count else -1

    cdef Py_ssize_t _find(self, object value, Py_ssize_t start, Py_ssize_t stop,
                          bint count) except -2:
        cdef uint64_t field = 0
        cdef int how = self._target(value, &field)
        cdef Py_ssize_t i, found = 0
        if how == 1:
            with nogil:   # the words never change: the array is frozen
                i = self._scan(field, start, stop, count)
            return i
        if how == 2:
            for i in range(start, stop):
                if _read(self._base, i, self._bits, self._mask, self._ref) == value:
                    if not count:
                        return i
                    found += 1
        return found if count else -1

    def __contains__(self, value):
        """``value in a``: compares with the packed fields in place, no item unpacked. O(n)."""
        return self._find(value, 0, self._len, False) >= 0

    def count(self, value):
        """Number of items equal to ``value``, as ``tuple.count``. O(n), on the packed words.

        >>> PackedIntArray.from_iterable([7, 5, 7]).count(7), PackedIntArray.from_iterable([7]).count(7.5)
        (2, 0)
        """
        return self._find(value, 0, self._len, True)

    def index(self, value, start=0, stop=sys.maxsize):
        """Position of the first item equal to ``value`` in ``[start, stop)``, as
        ``tuple.index`` (ValueError when there is none). O(n), on the packed words.

        >>> PackedIntArray.from_iterable([5, 6, 5]).index(5, 1)
        2
        """
        cdef Py_ssize_t a = clamp_bound(PyNumber_AsSsize_t(operator.index(start), None),
                                        self._len)
        cdef Py_ssize_t b = clamp_bound(PyNumber_AsSsize_t(operator.index(stop), None),
                                        self._len)
        cdef Py_ssize_t i = self._find(value, a, b, False) if a < b else -1
        if i < 0:
            raise ValueError(f"PackedIntArray.index(x): x not in array")
        return i

    __class_getitem__ = classmethod(types.GenericAlias)

    def to_numpy(self):
        """Unpack every item into a new int64 ndarray. O(n).

        >>> PackedIntArray.from_iterable([5, 7]).to_numpy()
        array([5, 7])
        """
        out = np.empty(self._len, dtype=np.int64)
        self._gather(out, 0, 1, self._len)
        return out

    def to_arrow(self):
        """The items as a ``pyarrow`` integer array of the narrowest signed type that holds
        them (int8 … int64). O(n): Arrow has no bit-packed layout, so the items are
        unpacked (into the narrow type, then shared with Arrow without a further copy).

        >>> PackedIntArray.from_iterable([5, 300]).to_arrow().type
        DataType(int16)
        """
        pa = require_pyarrow("PackedIntArray.to_arrow()")
        values = self.to_numpy()
        if self._len:
            lo, hi = int(values.min()), int(values.max())
            for dtype in (np.int8, np.int16, np.int32):
                info = np.iinfo(dtype)
                if info.min <= lo and hi <= info.max:
                    values = values.astype(dtype)
                    break
        else:
            values = values.astype(np.int8)
        return pa.array(values)

    def __array__(self, dtype=None, copy=None):
        out = self.to_numpy()
        return out if dtype is None else out.astype(dtype, copy=False)

    def tolist(self):
        """The items as a ``list`` of ints. O(n).

        >>> PackedIntArray.from_iterable([2, 1]).tolist()
        [2, 1]
        """
        return self.to_numpy().tolist()

    def __eq__(self, other):
        if isinstance(other, PackedIntArray):
            return len(self) == len(other) and bool(np.array_equal(self.to_numpy(),
                                                                   other.to_numpy()))
        if isinstance(other, (list, tuple, IntList)):
            return self.tolist() == list(other)
        return NotImplemented

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __repr__(self):
        # the first ten items only: a constant array of billions of items holds no bytes
        # per item, and decoding them all to show ten would not fit in memory
        head = [self[i] for i in range(10)] if self._len > 10 else self.tolist()
        more = f", ... {self._len - 10} more" if self._len > 10 else ""
        return f"PackedIntArray({head!r}{more}, bits={self._bits})"

    # ------------------------------------------------------------ properties and memory

    @property
    def bits(self):
        """Bits per item: the fewest that hold ``max - min``."""
        return self._bits

    @property
    def reference(self):
        """The frame of reference: the smallest item (0 when empty)."""
        return self._ref

    @property
    def nbytes(self):
        """Bytes of packed words (including the one spare word)."""
        return self._nw * 8

    @property
    def mapped(self):
        """True for an array opened with ``load(path, mmap=True)``: its words are the file."""
        return self._map is not None

    def __sizeof__(self):
        """Bytes held in RAM: the object plus the packed words.

        The words of a memory-mapped array (``load(path, mmap=True)``) are not counted: they
        live in the page cache, shared by every process that maps the file, and are resident
        only as pages are touched.
        """
        return object.__sizeof__(self) + (0 if self._map is not None else self._nw * 8)

    def buffer_info(self):
        """A :class:`BufferInfo`; ``itemsize`` is ``bits / 8`` bytes.

        >>> PackedIntArray.from_iterable(range(16)).buffer_info()
        BufferInfo(dtype='uint4', itemsize=0.5, length=16, capacity=16, allocated=16)
        """
        return BufferInfo(f"uint{self._bits}", self._bits / 8.0, self._len, self._len,
                          self._nw * 8)

    def shrink_to_fit(self):
        """Nothing to release: a packed array is always sized exactly. O(1)."""

    def _check(self):
        """Assert the internal invariants."""
        assert self._nw == _nwords(self._len, self._bits)
        assert 0 <= self._bits <= 64
        if self._len:
            values = self.to_numpy()
            assert int(values.min()) == self._ref
            span = int(values.max()) - int(values.min())
            assert span.bit_length() == self._bits, (span, self._bits)

    # ------------------------------------------------------------ serialisation

    def to_bytes(self):
        """Serialise into lowram's checked envelope. O(n).

        >>> a = PackedIntArray.from_iterable([3, 4]); PackedIntArray.from_bytes(a.to_bytes()) == a
        True
        """
        body = bytes((<const char*>self._base)[:(self._nw - 1) * 8]) if self._nw > 1 else b""
        return pack(_KIND, _VERSION, _HEAD.pack(self._len, self._ref, self._bits) + body)

    @classmethod
    def from_bytes(cls, data, *, source="data"):
        """Load what :meth:`to_bytes` wrote; :class:`lowram.FormatError` if it is damaged."""
        env = unpack(data, kind=_KIND, versions=(_VERSION,), source=source)
        return _from_payload(env.payload, source)

    def save(self, path):
        """Write to ``path`` atomically in lowram's checked envelope. O(n)."""
        atomic_write(path, self.to_bytes())

    @classmethod
    def load(cls, path, *, mmap=False):
        """Read a file written by :meth:`save`; :class:`lowram.FormatError` if damaged. O(n).

        With ``mmap=True`` the packed words are the file itself, memory-mapped read-only:
        nothing is copied, and N processes that open the same file share one physical copy
        in the page cache (a structure copied into 8 worker processes costs 8 times its size;
        mapped, it costs once). ``__sizeof__`` then counts the object only, not the mapped
        words. The checksum and header are verified on open (reading the file once, without a
        copy) before any word is read. ``save`` replaces files atomically, so a mapped file
        is never rewritten under a reader.

        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "a.lowram")
        >>> PackedIntArray.from_iterable(range(-5, 100_000)).save(path)
        >>> shared = PackedIntArray.load(path, mmap=True)
        >>> shared[0], shared[-1], shared.mapped, shared.nbytes, shared.__sizeof__() < 1000
        (-5, 99999, True, 212520, True)
        """
        if not mmap:
            env = read_file(path, kind=_KIND, versions=(_VERSION,))
            return _from_payload(env.payload, os.fsdecode(path))
        return _load_mapped(os.fsdecode(path))

    def __reduce__(self):
        return (_from_bytes, (self.to_bytes(),))


def _from_bytes(data):
    """Unpickle helper."""
    return PackedIntArray.from_bytes(data)


cdef tuple _check_payload(payload, str source):
    """Check a payload's header against its size; return ``(n, ref, bits)``."""
    cdef Py_ssize_t nw
    if len(payload) < _HEAD.size:
        raise FormatError(f"{source}: PackedIntArray header truncated")
    n, ref, bits = _HEAD.unpack_from(payload)
    if bits > 64 or n > (1 << 62) // max(bits, 1):
        raise FormatError(f"{source}: PackedIntArray header is invalid "
                          f"({n} items of {bits} bits)")
    nw = _nwords(n, bits)
    if len(payload) - _HEAD.size != (nw - 1) * 8:
        raise FormatError(f"{source}: PackedIntArray body is {len(payload) - _HEAD.size} "
                          f"bytes, expected {(nw - 1) * 8}")
    return n, ref, bits


cdef PackedIntArray _from_payload(object payload, str source):
    """Check a payload's header and size against each other, then copy the words."""
    cdef PackedIntArray out
    cdef const unsigned char[:] raw
    n, ref, bits = _check_payload(payload, source)
    body = payload[_HEAD.size:]
    out = PackedIntArray.__new__(PackedIntArray)
    out._ref = ref
    out._alloc(n, bits)
    raw = body
    if len(body):
        memcpy(out._words, &raw[0], len(body))
    return out


cdef PackedIntArray _load_mapped(str path):
    """Map ``path`` read-only, verify envelope and header, point the words into the map."""
    cdef PackedIntArray out
    cdef Py_ssize_t start
    cdef const unsigned char[::1] view
    mapped, env = map_file(path, kind=_KIND, versions=(_VERSION,))
    try:
        n, ref, bits = _check_payload(env.payload, path)
        start = env.payload_offset + _HEAD.size
        env = None  # release the memoryview export before the map may be closed
    except BaseException:
        env = None  # the map closes when the traceback (which still views it) is dropped
        raise
    out = PackedIntArray.__new__(PackedIntArray)
    out._len = n
    out._ref = ref
    out._bits = bits
    out._mask = (<uint64_t>0xFFFFFFFFFFFFFFFF) if bits == 64 else ((<uint64_t>1 << bits) - 1)
    out._nw = _nwords(n, bits)
    view = mapped
    out._map = memoryview(mapped)
    if out._nw > 1:   # the body holds _nw - 1 words from ``start`` (checked above)
        out._base = &view[start]
    return out
