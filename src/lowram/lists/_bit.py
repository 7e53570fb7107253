"""BitList: a ``list`` of ``bool`` at one bit each, over ``bitarray``.

Threads: every change is one call of ``bitarray``'s C code (which holds the GIL), and a read
of several parts (a pickle) copies the bits first, in one call; without a GIL those calls
would need a per-object lock.
"""

from __future__ import annotations

import struct
import sys

import numpy as np
from bitarray import bitarray as _bitarray

from .._arrow import bool_chunks, is_columnar, require_pyarrow
from ._files import FileMethods
from ._sequence import MAX_INDEX, ListBehaviour, norm_range
from ._typed import BufferInfo

__all__ = ["BitList"]



def _bit(value) -> bool:
    """``value`` as a bit: ``bool``, or an int equal to 0 or 1; else TypeError/ValueError."""
    if value is True or value is False:
        return value
    if isinstance(value, (float, str, bytes, complex)) or not hasattr(type(value), "__index__"):
        raise TypeError(f"BitList items must be bool (or 0/1), not {type(value).__name__}")
    i = value.__index__()
    if i != 0 and i != 1:
        raise ValueError(f"BitList items must be 0 or 1, not {i}")
    return bool(i)


def _bits_of_arrow(column) -> _bitarray:
    """A column of Arrow booleans (LSB-first bitmaps) as one big-endian bitarray. O(n/8)."""
    out = _bitarray(endian="big")
    for buf, offset, n in bool_chunks(column, "BitList"):
        if not n:
            continue
        first, skip = offset // 8, offset % 8
        part = _bitarray(endian="little")
        part.frombytes(buf[first:first + (skip + n + 7) // 8])
        out.extend(part[skip:skip + n])   # extend converts bit order, vectorised
    return out


def _bits_of(iterable) -> _bitarray:
    """A new bitarray of ``iterable``'s items, each checked by :func:`_bit`."""
    if is_columnar(iterable):
        return _bits_of_arrow(iterable)
    if isinstance(iterable, BitList):
        return _bitarray(iterable._bits)
    if isinstance(iterable, np.ndarray) and iterable.ndim == 1 and iterable.dtype.kind in "biu":
        if iterable.size and (iterable.min() < 0 or iterable.max() > 1):
            bad = iterable[(iterable < 0) | (iterable > 1)][0]
            raise ValueError(f"BitList items must be 0 or 1, not {bad}")
        out = _bitarray(endian="big")
        out.frombytes(np.packbits(iterable.astype(bool)).tobytes())   # vectorised, big-endian
        del out[len(iterable):]
        return out
    out = _bitarray(endian="big")
    out.extend(map(_bit, iterable))
    return out


class BitList(ListBehaviour, FileMethods):
    """A ``list`` of bools stored at one bit each (a ``bitarray`` inside).

    Items read back as ``bool``; ``True``/``False`` and the ints 0 and 1 are accepted, any
    other int raises :class:`ValueError`, any other type :class:`TypeError`, and the list is
    unchanged. Memory: 1 bit per item (about 1/64 of a ``list`` of bools' 8-byte pointers).
    Beyond the list API: ``count()`` (popcount), ``any()``, ``all()`` and the bitwise
    operators ``& | ^ ~`` between BitLists of equal length.

    Cost: ``x[i]``, ``append`` O(1) (amortised); ``insert``/``del x[i]`` O(n/8) bytes moved;
    ``count`` O(n/64) words.

    >>> b = BitList([True, False, True])
    >>> b.append(1); b, b.count(), (b & BitList([1, 1, 0, 0])).tolist()
    (BitList([True, False, True, True]), 3, [True, False, False, False])
    """

    __slots__ = ("_bits",)

    def __init__(self, iterable=()):
        self._bits = _bits_of(iterable)

    @classmethod
    def _wrap(cls, bits: _bitarray) -> "BitList":
        out = cls.__new__(cls)
        out._bits = bits
        return out

    def _index(self, index, what="index") -> int:
        try:
            i = index.__index__()
        except AttributeError:
            raise TypeError(f"BitList indices must be integers or slices, not "
                            f"{type(index).__name__}") from None
        n = len(self._bits)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"BitList {what} out of range")
        return i

    def __len__(self) -> int:
        return len(self._bits)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return BitList._wrap(self._bits[index])
        return bool(self._bits[self._index(index)])

    def __setitem__(self, index, value) -> None:
        if isinstance(index, slice):
            try:
                iter(value)
            except TypeError:
                raise TypeError(f"can only assign an iterable, not {type(value).__name__}") \
                    from None
            new = _bits_of(value)
            start, stop, step = index.indices(len(self._bits))
            if step != 1:
                size = len(range(start, stop, step))
                if len(new) != size:
                    raise ValueError(f"attempt to assign sequence of size {len(new)} to "
                                     f"extended slice of size {size}")
                self._bits[index] = new
            else:
                self._bits[start:max(start, stop)] = new
            return
        i = self._index(index, "assignment index")
        self._bits[i] = _bit(value)

    def __delitem__(self, index) -> None:
        if isinstance(index, slice):
            del self._bits[index]
            return
        del self._bits[self._index(index, "assignment index")]

    def __iter__(self):
        return map(bool, self._bits)

    def __reversed__(self):
        bits = self._bits
        i = len(bits) - 1
        while i >= 0:
            try:   # one read: a check of len() first could be stale by the read
                value = bits[i]
            except IndexError:   # another thread shrank the list: go on below it
                pass
            else:
                yield bool(value)
            i -= 1

    def __contains__(self, value) -> bool:
        try:
            return _bit(value) in self._bits
        except (TypeError, ValueError):
            return False

    # ------------------------------------------------------------ list methods

    def append(self, value) -> None:
        """Append a bit. Amortised O(1).

        >>> b = BitList(); b.append(True); b
        BitList([True])
        """
        self._bits.append(_bit(value))

    def extend(self, iterable) -> None:
        """Append every bit of ``iterable``; all or nothing. O(len(iterable)).

        >>> b = BitList([1]); b.extend([0, True]); b
        BitList([True, False, True])
        """
        self._bits.extend(_bits_of(iterable))

    def insert(self, index, value) -> None:
        """Insert a bit before ``index`` (clamped like ``list.insert``). O(n).

        >>> b = BitList([0, 0]); b.insert(1, 1); b.tolist()
        [False, True, False]
        """
        bit = _bit(value)
        n = len(self._bits)
        i = index.__index__()
        if i < 0:
            i = max(0, i + n)
        self._bits.insert(min(i, n), bit)

    def pop(self, index=-1) -> bool:
        """Remove and return the bit at ``index`` (default last). O(n - index).

        >>> b = BitList([1, 0]); b.pop(), b
        (False, BitList([True]))
        """
        if not len(self._bits):
            raise IndexError("pop from empty BitList")
        i = self._index(index, "pop index")
        return bool(self._bits.pop(i))

    def remove(self, value) -> None:
        """Remove the first bit equal to ``value``; ValueError if absent. O(n).

        >>> b = BitList([1, 0, 1]); b.remove(True); b.tolist()
        [False, True]
        """
        try:
            self._bits.remove(_bit(value))
        except (TypeError, ValueError):
            raise ValueError("BitList.remove(x): x not in list") from None

    def index(self, value, start=0, stop=MAX_INDEX) -> int:
        """Index of the first bit equal to ``value`` in ``[start, stop)``. O(n/64).

        >>> BitList([0, 1, 1]).index(1, 2)
        2
        """
        start, stop = norm_range(start, stop, len(self._bits))
        try:
            bit = _bit(value)
        except (TypeError, ValueError):
            bit = None
        i = self._bits.find(bit, start, stop) if bit is not None and start < stop else -1
        if i < 0:
            raise ValueError(f"{value!r} is not in list")
        return i

    def count(self, value=True) -> int:
        """Number of bits equal to ``value`` (default ``True``): popcount, O(n/64).

        >>> BitList([1, 0, 1]).count(), BitList([1, 0, 1]).count(False)
        (2, 1)
        """
        try:
            bit = _bit(value)
        except (TypeError, ValueError):
            return 0
        return self._bits.count(bit)

    def any(self) -> bool:
        """Whether any bit is set. O(n/64).

        >>> BitList([0, 1]).any()
        True
        """
        return self._bits.any()

    def all(self) -> bool:
        """Whether every bit is set (True when empty). O(n/64).

        >>> BitList([0, 1]).all()
        False
        """
        return self._bits.all()

    def reverse(self) -> None:
        """Reverse the bits in place. O(n).

        >>> b = BitList([1, 0]); b.reverse(); b.tolist()
        [False, True]
        """
        self._bits.reverse()

    def sort(self, *, key=None, reverse=False) -> None:
        """Sort in place like ``list.sort`` (False before True). O(n), O(n log n) with key.

        >>> b = BitList([1, 0, 1]); b.sort(); b.tolist()
        [False, True, True]
        """
        if key is None:
            self._bits.sort(reverse=bool(reverse))
            return
        items = self.tolist()
        self._bits = _bitarray(endian="big")   # as list.sort: empty while the key runs
        try:
            items.sort(key=key, reverse=reverse)
        finally:
            changed = len(self._bits) != 0
            self._bits = _bitarray(items, endian="big")
        if changed:   # a key that added to the list: ValueError, the sorted items kept
            raise ValueError("BitList modified during sort")

    def copy(self) -> "BitList":
        """A copy. O(n/8).

        >>> BitList([1]).copy()
        BitList([True])
        """
        return BitList._wrap(_bitarray(self._bits))

    def clear(self) -> None:
        """Remove every bit. O(1).

        >>> b = BitList([1]); b.clear(); len(b)
        0
        """
        self._bits.clear()

    def tolist(self) -> list:
        """The bits as a ``list`` of bools. O(n).

        >>> BitList([1, 0]).tolist()
        [True, False]
        """
        return [bool(v) for v in self._bits.tolist()]

    # ------------------------------------------------------------ Arrow

    @classmethod
    def from_arrow(cls, column) -> "BitList":
        """A BitList of an Arrow (or pandas) boolean column. O(n/8): the bitmap is copied
        (Arrow orders bits least-significant first, BitList most-significant first). A
        null raises ValueError, another type TypeError. ``BitList(column)`` is the same.

        >>> import pyarrow as pa
        >>> BitList.from_arrow(pa.array([True, False, True]))
        BitList([True, False, True])
        """
        return cls._wrap(_bits_of_arrow(column))

    def to_arrow(self):
        """The bits as a ``pyarrow`` boolean array. O(n/8) (one bit-order conversion).

        >>> BitList([1, 0, 1]).to_arrow().to_pylist()
        [True, False, True]
        """
        pa = require_pyarrow("BitList.to_arrow()")
        little = _bitarray(self._bits, endian="little")
        return pa.Array.from_buffers(pa.bool_(), len(little),
                                     [None, pa.py_buffer(little.tobytes())])

    # ------------------------------------------------------------ operators

    def __mul__(self, times):
        try:
            times = times.__index__()
        except AttributeError:
            return NotImplemented
        return BitList._wrap(self._bits * max(0, times))

    __rmul__ = __mul__

    def __imul__(self, times):
        try:
            times = times.__index__()
        except AttributeError:
            return NotImplemented
        self._bits *= max(0, times)
        return self

    def _other_bits(self, other) -> _bitarray:
        if not isinstance(other, BitList):
            raise TypeError(f"bitwise operation between BitList and {type(other).__name__}")
        if len(other) != len(self):
            raise ValueError(f"bitwise operation on BitLists of lengths {len(self)} and "
                             f"{len(other)}")
        return other._bits

    def __and__(self, other):
        return BitList._wrap(self._bits & self._other_bits(other))

    def __or__(self, other):
        return BitList._wrap(self._bits | self._other_bits(other))

    def __xor__(self, other):
        return BitList._wrap(self._bits ^ self._other_bits(other))

    def __iand__(self, other):
        self._bits &= self._other_bits(other)
        return self

    def __ior__(self, other):
        self._bits |= self._other_bits(other)
        return self

    def __ixor__(self, other):
        self._bits ^= self._other_bits(other)
        return self

    def __invert__(self):
        return BitList._wrap(~self._bits)

    def _same_eq(self, other) -> bool:
        return self._bits == other._bits

    def __reduce__(self):
        bits = self._bits.copy()   # one step: bytes and length of the same moment
        return (_rebuild_bitlist, (bits.tobytes(), len(bits)))

    # ------------------------------------------------------------ files (lists/_files.py)

    _FILE_KIND = "BitList"

    def _payload(self) -> bytes:
        bits = self._bits.copy()   # one step: bytes and length of the same moment
        return struct.pack("<Q", len(bits)) + bits.tobytes()   # unused bits: zero

    @classmethod
    def _from_payload(cls, payload, source, mapped) -> "BitList":
        from ..errors import FormatError

        view = memoryview(payload).cast("B")
        if len(view) < 8:
            raise FormatError(f"{source}: BitList header truncated")
        (n,) = struct.unpack_from("<Q", view)
        body = view[8:]
        if len(body) != (n + 7) // 8:
            raise FormatError(f"{source}: BitList of {n} bits needs {(n + 7) // 8} bytes, "
                              f"not {len(body)}")
        if n % 8 and body[-1] & ((1 << (8 - n % 8)) - 1):
            raise FormatError(f"{source}: BitList's unused bits are not zero")
        return _rebuild_bitlist(body.tobytes(), n)

    # ------------------------------------------------------------ memory

    def __sizeof__(self) -> int:
        """Bytes held in RAM: this object plus the bitarray and its buffer."""
        return object.__sizeof__(self) + sys.getsizeof(self._bits)

    def _lowram_owned(self):
        return (self._bits,)

    @property
    def nbytes(self) -> int:
        """Bytes of bits in use: ``ceil(len / 8)``."""
        return self._bits.nbytes

    def buffer_info(self) -> BufferInfo:
        """A :class:`BufferInfo` with ``itemsize`` 0.125 (one bit).

        >>> BitList([1] * 9).buffer_info()[:3]
        ('bool', 0.125, 9)
        """
        info = self._bits.buffer_info()
        alloc = info[4]
        return BufferInfo("bool", 0.125, len(self._bits), alloc * 8, alloc)

    def shrink_to_fit(self) -> None:
        """Release spare capacity (copies the bits into an exactly sized buffer). O(n/8)."""
        self._bits = _bitarray(self._bits)

    def _check(self) -> None:
        """Assert the internal invariants."""
        info = self._bits.buffer_info()
        assert info[4] * 8 >= len(self._bits), "capacity holds every bit"
        endian = self._bits.endian
        assert (endian() if callable(endian) else endian) == "big", "pickles store big-endian"


def _rebuild_bitlist(data: bytes, length: int) -> BitList:
    bits = _bitarray(endian="big")
    bits.frombytes(data)
    if length > len(bits) or len(bits) - length >= 8:
        raise ValueError(f"corrupt BitList pickle: {len(data)} bytes for {length} bits")
    del bits[length:]
    return BitList._wrap(bits)
