"""Typed compact lists: real ``list``s that store primitives contiguously.

A Python ``list`` of ints costs about 36 bytes per item (an 8-byte pointer plus a 28-byte int
object); ``array('q')`` costs 8 but has a fixed width chosen up front, and a numpy array is
not a list. The classes here are complete ``collections.abc.MutableSequence`` implementations
(slicing, sorting, comparisons, pickling, ``repr``) over one native buffer:

* :class:`IntList` – ints, 1 to 8 bytes each, width adapting to the values;
* :class:`FloatList` – floats, 8 bytes each (4 with the lossy ``dtype='float32'``);
* :class:`BitList` – booleans at one bit each;
* :class:`StrList` – strings as one UTF-8 buffer plus an :class:`IntList` of offsets;
* :class:`PackedIntArray` – a frozen array of ints bit-packed to the minimum width.

Every class reports all the RAM it holds in ``__sizeof__``, gives ``nbytes``, a
``buffer_info()`` :class:`BufferInfo` and ``shrink_to_fit()``.

>>> x = IntList(range(100))
>>> x[1:6:2], x.dtype, sys.getsizeof(x) < sys.getsizeof(list(range(100)))
(IntList([1, 3, 5]), 'int8', True)
"""

from __future__ import annotations

import sys
from collections.abc import MutableSequence

import numpy as np

from ._kernels._lists import BufferInfo, FloatList, IntList
from ._kernels._lists import _str_append, _str_extend, _str_item, _StrListCore
from ._kernels._packed import PackedIntArray

__all__ = ["BitList", "BufferInfo", "FloatList", "IntList", "PackedIntArray", "StrList"]

MutableSequence.register(IntList)
MutableSequence.register(FloatList)

_MAX = sys.maxsize


def _norm_range(start, stop, n):
    """``list.index``'s normalisation of ``start``/``stop`` against length ``n``."""
    start, stop = start.__index__(), stop.__index__()
    if start < 0:
        start = max(0, start + n)
    if stop < 0:
        stop = max(0, stop + n)
    return start, min(stop, n)


class _ListBehaviour(MutableSequence):
    """List semantics shared by the pure-Python lists: ``+``, ``+=``, comparisons, copies.

    A subclass provides ``copy``, ``extend``, ``tolist`` and ``_same_eq(other)`` (equality
    against its own class, done on the buffers).
    """

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]
    _lowram_sizeof_is_total = True

    def __add__(self, other):
        if not isinstance(other, (list, type(self))):
            return NotImplemented
        out = self.copy()
        out.extend(other)
        return out

    def __radd__(self, other):
        if not isinstance(other, list):
            return NotImplemented
        out = type(self)(other)
        out.extend(self)
        return out

    def __iadd__(self, other):
        self.extend(other)
        return self

    def _cmp_items(self, other):
        if isinstance(other, type(self)):
            return other.tolist()
        if isinstance(other, list):
            return other
        return None

    def __eq__(self, other):
        if isinstance(other, type(self)):
            return self._same_eq(other)
        theirs = self._cmp_items(other)
        return NotImplemented if theirs is None else self.tolist() == theirs

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __lt__(self, other):
        theirs = self._cmp_items(other)
        return NotImplemented if theirs is None else self.tolist() < theirs

    def __le__(self, other):
        theirs = self._cmp_items(other)
        return NotImplemented if theirs is None else self.tolist() <= theirs

    def __gt__(self, other):
        theirs = self._cmp_items(other)
        return NotImplemented if theirs is None else self.tolist() > theirs

    def __ge__(self, other):
        theirs = self._cmp_items(other)
        return NotImplemented if theirs is None else self.tolist() >= theirs

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.tolist()!r})"

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()


class StrList(_StrListCore, _ListBehaviour):
    """A ``list`` of ``str`` held as one UTF-8 buffer plus an auto-width offsets IntList.

    Item ``i`` is ``buffer[offsets[i]:offsets[i+1]]`` decoded. Memory: the UTF-8 bytes plus 1
    to 8 bytes of offset per item (about 13.5 bytes per English word, against ~77 for a
    ``list`` of ``str``). ``x[i]`` and ``append`` are O(1) (amortised); ``insert``, ``del``
    and assignment of a different-length string are O(n) (the tail of the buffer moves).

    Every ``str`` round-trips exactly, including ``''``, ``'\\x00'``, emoji, combining marks
    and lone surrogates: the buffer is encoded with ``surrogatepass``, so it is UTF-8 except
    that lone surrogates are kept as their 3-byte forms. A non-``str`` item raises
    :class:`TypeError` and the list is unchanged.

    >>> s = StrList(["héllo", "", "wörld"])
    >>> s.append("\\U0001F600"); s[0], s[-1], len(s), s[1:3]
    ('héllo', '😀', 4, StrList(['', 'wörld']))
    """

    __slots__ = ()

    def __init__(self, iterable=()):
        self._data = bytearray()
        self._offsets = IntList([0])
        self.extend(iterable)
        self.shrink_to_fit()

    # ------------------------------------------------------------ internals

    @staticmethod
    def _encode(value) -> bytes:
        if type(value) is not str and not isinstance(value, str):
            raise TypeError(f"StrList items must be str, not {type(value).__name__}")
        return value.encode("utf-8", "surrogatepass")

    def _span(self, i: int):
        offsets = self._offsets
        return offsets[i], offsets[i + 1]

    def _item(self, i: int) -> str:
        return _str_item(self._data, self._offsets, i)

    def _index(self, index) -> int:
        n = len(self._offsets) - 1
        try:
            i = index.__index__()
        except AttributeError:
            raise TypeError(f"StrList indices must be integers or slices, not "
                            f"{type(index).__name__}") from None
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("StrList index out of range")
        return i

    def _replace(self, start: int, stop: int, encoded: list) -> None:
        """Replace items ``[start, stop)`` with the already-encoded ``encoded``."""
        offsets = self._offsets
        a, b = offsets[start], offsets[stop]
        blob = b"".join(encoded)
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        new = np.cumsum(lengths) + a if len(encoded) else lengths
        delta = len(blob) - (b - a)
        tail = np.asarray(offsets[stop + 1:], dtype=np.int64) + delta
        new_offsets = IntList(np.concatenate([new, tail]))
        self._data[a:b] = blob
        offsets[start + 1:] = new_offsets

    # ------------------------------------------------------------ sequence protocol

    # __len__, __iter__ and x[int] are in C (_StrListCore)

    def _getslice(self, index):
        if isinstance(index, slice):
            n = len(self)
            start, stop, step = index.indices(n)
            if step == 1:
                out = StrList.__new__(StrList)
                stop = max(start, stop)
                a, b = self._offsets[start], self._offsets[stop]
                out._data = self._data[a:b]
                window = np.asarray(self._offsets[start:stop + 1]).astype(np.int64)
                out._offsets = IntList(window - a)
                return out
            return StrList([self._item(i) for i in range(start, stop, step)])
        return self._item(self._index(index))

    def __setitem__(self, index, value) -> None:
        if isinstance(index, slice):
            n = len(self)
            start, stop, step = index.indices(n)
            try:
                items = list(value) if not isinstance(value, StrList) else value.tolist()
            except TypeError:
                raise TypeError(f"can only assign an iterable, not {type(value).__name__}") \
                    from None
            encoded = [self._encode(v) for v in items]
            if step == 1:
                self._replace(start, max(start, stop), encoded)
                return
            targets = range(start, stop, step)
            if len(targets) != len(encoded):
                raise ValueError(f"attempt to assign sequence of size {len(encoded)} to "
                                 f"extended slice of size {len(targets)}")
            current = self.tolist()
            for i, v in zip(targets, items):
                current[i] = v
            self._replace(0, n, [s.encode("utf-8", "surrogatepass") for s in current])
            return
        i = self._index(index)
        self._replace(i, i + 1, [self._encode(value)])

    def __delitem__(self, index) -> None:
        if isinstance(index, slice):
            n = len(self)
            start, stop, step = index.indices(n)
            if step == 1:
                self._replace(start, max(start, stop), [])
                return
            doomed = set(range(start, stop, step))
            if not doomed:
                return
            keep = [self._data[a:b] for i, (a, b) in enumerate(self._spans()) if i not in doomed]
            self._replace(0, n, keep)
            return
        i = self._index(index)
        self._replace(i, i + 1, [])

    def _spans(self):
        offsets = self._offsets.tolist()
        return zip(offsets, offsets[1:])

    def __reversed__(self):
        i = len(self) - 1
        while i >= 0:
            if i < len(self):
                yield self._item(i)
            i -= 1

    def __contains__(self, value) -> bool:
        if not isinstance(value, str):
            return False
        return self._find(value, 0, len(self)) >= 0

    def _find(self, value: str, start: int, stop: int) -> int:
        """Index of the first item equal to ``value`` in ``[start, stop)``, or -1.

        Candidates are picked with vectorised checks (same byte length, same first and last
        byte), then compared byte for byte.
        """
        if start >= stop:
            return -1
        needle = value.encode("utf-8", "surrogatepass")
        size = len(needle)
        offs = np.asarray(self._offsets)[start:stop + 1].astype(np.int64)
        match = np.diff(offs) == size
        if size:
            text = np.frombuffer(self._data, dtype=np.uint8) if self._data else \
                np.zeros(1, dtype=np.uint8)
            heads = np.minimum(offs[:-1], len(text) - 1)
            tails = np.minimum(offs[:-1] + size - 1, len(text) - 1)
            match &= (text[heads] == needle[0]) & (text[tails] == needle[-1])
            del text
        data = self._data
        for i in np.flatnonzero(match).tolist():
            a = int(offs[i])
            if data[a:a + size] == needle:
                return start + i
        return -1

    # ------------------------------------------------------------ list methods

    def append(self, value) -> None:
        """Append ``value`` (a ``str``). Amortised O(len(value)).

        >>> s = StrList(); s.append("a"); s
        StrList(['a'])
        """
        _str_append(self._data, self._offsets, value)

    def extend(self, iterable) -> None:
        """Append every string of ``iterable``; all or nothing. O(total length).

        >>> s = StrList(["a"]); s.extend(["b", "c"]); s
        StrList(['a', 'b', 'c'])
        """
        if isinstance(iterable, StrList):
            other_data = bytes(iterable._data)
            other_offsets = np.asarray(iterable._offsets).astype(np.int64)
            base = len(self._data)
            self._offsets.extend(other_offsets[1:] + base)
            self._data += other_data
            return
        _str_extend(self._data, self._offsets, iterable)

    def insert(self, index, value) -> None:
        """Insert ``value`` before ``index`` (clamped like ``list.insert``). O(n).

        >>> s = StrList(["a", "c"]); s.insert(1, "b"); s
        StrList(['a', 'b', 'c'])
        """
        encoded = self._encode(value)
        n = len(self)
        i = index.__index__()
        if i < 0:
            i = max(0, i + n)
        i = min(i, n)
        self._replace(i, i, [encoded])

    def pop(self, index=-1) -> str:
        """Remove and return the item at ``index`` (default last). O(n - index).

        >>> s = StrList(["a", "b"]); s.pop(), s
        ('b', StrList(['a']))
        """
        if not len(self):
            raise IndexError("pop from empty StrList")
        try:
            i = self._index(index)
        except IndexError:
            raise IndexError("pop index out of range") from None
        value = self._item(i)
        if i == len(self) - 1:
            del self._data[self._offsets[i]:]
            del self._offsets[-1]
        else:
            self._replace(i, i + 1, [])
        return value

    def remove(self, value) -> None:
        """Remove the first item equal to ``value``; ValueError if absent. O(n).

        >>> s = StrList(["a", "b", "a"]); s.remove("a"); s
        StrList(['b', 'a'])
        """
        i = self._find(value, 0, len(self)) if isinstance(value, str) else -1
        if i < 0:
            raise ValueError("StrList.remove(x): x not in list")
        self._replace(i, i + 1, [])

    def index(self, value, start=0, stop=_MAX) -> int:
        """Index of the first item equal to ``value`` in ``[start, stop)``. O(n) byte scan.

        >>> StrList(["a", "b", "a"]).index("a", 1)
        2
        """
        start, stop = _norm_range(start, stop, len(self))
        i = self._find(value, start, stop) if isinstance(value, str) and start < stop else -1
        if i < 0:
            raise ValueError(f"{value!r} is not in list")
        return i

    def count(self, value) -> int:
        """Number of items equal to ``value``. O(n).

        >>> StrList(["a", "b", "a"]).count("a")
        2
        """
        if not isinstance(value, str):
            return 0
        total, i, n = 0, 0, len(self)
        while i < n:
            i = self._find(value, i, n)
            if i < 0:
                break
            total += 1
            i += 1
        return total

    def reverse(self) -> None:
        """Reverse the items in place. O(total length).

        >>> s = StrList(["a", "b"]); s.reverse(); s
        StrList(['b', 'a'])
        """
        self._replace(0, len(self), [self._data[a:b] for a, b in self._spans()][::-1])

    def sort(self, *, key=None, reverse=False) -> None:
        """Sort in place, stably, like ``list.sort``. O(n log n).

        >>> s = StrList(["b", "a", "C"]); s.sort(key=str.lower); s
        StrList(['a', 'b', 'C'])
        """
        items = self.tolist()
        items.sort(key=key, reverse=reverse)
        self._replace(0, len(self), [s.encode("utf-8", "surrogatepass") for s in items])

    def copy(self) -> "StrList":
        """A copy sized exactly. O(total length).

        >>> StrList(["a"]).copy()
        StrList(['a'])
        """
        out = StrList.__new__(StrList)
        out._data = bytearray(self._data)
        out._offsets = self._offsets.copy()
        return out

    def clear(self) -> None:
        """Remove every item. O(1).

        >>> s = StrList(["a"]); s.clear(); len(s)
        0
        """
        self._data = bytearray()
        self._offsets = IntList([0])

    def tolist(self) -> list:
        """The items as a ``list`` of ``str``. O(total length).

        >>> StrList(["a", "b"]).tolist()
        ['a', 'b']
        """
        return list(self)

    # ------------------------------------------------------------ operators

    def __mul__(self, times):
        try:
            times = times.__index__()
        except AttributeError:
            return NotImplemented
        out = StrList.__new__(StrList)
        times = max(0, times)
        out._data = self._data * times
        step = len(self._data)
        body = np.asarray(self._offsets)[1:].astype(np.int64)
        reps = [body + k * step for k in range(times)]
        out._offsets = IntList(np.concatenate([np.zeros(1, dtype=np.int64), *reps])
                               if reps else [0])
        return out

    __rmul__ = __mul__

    def __imul__(self, times):
        result = self.__mul__(times)
        if result is NotImplemented:
            return NotImplemented
        self._data, self._offsets = result._data, result._offsets
        return self

    def _same_eq(self, other) -> bool:
        return self._offsets == other._offsets and self._data == other._data

    def __reduce__(self):
        return (_rebuild_strlist, (bytes(self._data), self._offsets))

    # ------------------------------------------------------------ memory

    def __sizeof__(self) -> int:
        """Bytes held in RAM: this object, the UTF-8 buffer and the offsets."""
        return object.__sizeof__(self) + sys.getsizeof(self._data) + \
            sys.getsizeof(self._offsets)

    def _lowram_owned(self):
        return (self._data, self._offsets)

    @property
    def nbytes(self) -> int:
        """Bytes of UTF-8 text plus bytes of offsets in use."""
        return len(self._data) + self._offsets.nbytes

    def buffer_info(self) -> BufferInfo:
        """A :class:`BufferInfo`: ``itemsize`` is the mean bytes per item (text + offset).

        >>> StrList(["ab", "c"]).buffer_info()
        BufferInfo(dtype='utf-8', itemsize=3.0, length=2, capacity=2, allocated=7)
        """
        n = len(self)
        allocated = sys.getsizeof(self._data) - sys.getsizeof(bytearray()) + \
            self._offsets.buffer_info().allocated
        return BufferInfo("utf-8", self.nbytes / n if n else 0.0, n,
                          self._offsets.buffer_info().capacity - 1, allocated)

    def shrink_to_fit(self) -> None:
        """Release spare capacity of the text buffer and the offsets. O(total length).

        >>> s = StrList(["a"]); s.extend(["b"]); s.shrink_to_fit(); s.buffer_info().capacity
        2
        """
        if sys.getsizeof(self._data) > len(self._data) + sys.getsizeof(bytearray()) + 1:
            self._data = bytearray(self._data)
        self._offsets.shrink_to_fit()

    def _check(self) -> None:
        """Assert the internal invariants (used by the tests after every operation)."""
        self._offsets._check()
        offs = np.asarray(self._offsets)
        assert len(offs) >= 1 and offs[0] == 0, "offsets start at 0"
        assert int(offs[-1]) == len(self._data), "last offset is the buffer length"
        assert (np.diff(offs) >= 0).all(), "offsets never decrease"
        self._data.decode("utf-8", "surrogatepass")


def _rebuild_strlist(data: bytes, offsets) -> StrList:
    out = StrList.__new__(StrList)
    out._data = bytearray(data)
    out._offsets = offsets
    return out


# ---------------------------------------------------------------- BitList
#
# The bits live in a ``bitarray``: a well-kept C extension (1 bit per item, popcount-based
# ``count``, bitwise operators, slicing with steps, pickling). BitList adds what makes it a
# drop-in ``list`` of bools: items read back as ``bool``, strict item checks with the list
# left unchanged on bad input, list-style errors, comparisons and operators against lists.

from bitarray import bitarray as _bitarray  # noqa: E402


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


def _bits_of(iterable) -> _bitarray:
    """A new bitarray of ``iterable``'s items, each checked by :func:`_bit`."""
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


class BitList(_ListBehaviour):
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
            if i < len(bits):
                yield bool(bits[i])
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

    def index(self, value, start=0, stop=_MAX) -> int:
        """Index of the first bit equal to ``value`` in ``[start, stop)``. O(n/64).

        >>> BitList([0, 1, 1]).index(1, 2)
        2
        """
        start, stop = _norm_range(start, stop, len(self._bits))
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
        items.sort(key=key, reverse=reverse)
        self._bits = _bitarray(items, endian="big")

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
        return (_rebuild_bitlist, (self._bits.tobytes(), len(self._bits)))

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
