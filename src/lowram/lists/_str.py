"""StrList: a ``list`` of ``str`` as one UTF-8 buffer plus an IntList of offsets."""

from __future__ import annotations

import sys

import numpy as np

from .._arrow import is_columnar, require_pyarrow, text_chunks
from .._native._text import check_spans
from ._sequence import MAX_INDEX, ListBehaviour, norm_range
from ._typed import (BufferInfo, IntList, StrListCore, shared_intlist, str_append,
                     str_extend, str_item)

__all__ = ["StrList"]


class StrList(StrListCore, ListBehaviour):
    """A ``list`` of ``str`` held as one UTF-8 buffer plus an auto-width offsets IntList.

    Item ``i`` is ``buffer[offsets[i]:offsets[i+1]]`` decoded. Memory: the UTF-8 bytes plus 1
    to 8 bytes of offset per item (about 13.5 bytes per English word, against ~77 for a
    ``list`` of ``str``). ``x[i]`` and ``append`` are O(1) (amortised); ``insert``, ``del``
    and assignment of a different-length string are O(n) (the tail of the buffer moves).

    Every ``str`` round-trips exactly, including ``''``, ``'\\x00'``, emoji, combining marks
    and lone surrogates: the buffer is encoded with ``surrogatepass``, so it is UTF-8 except
    that lone surrogates are kept as their 3-byte forms. A non-``str`` item raises
    :class:`TypeError` and the list is unchanged.

    Arrow: :meth:`from_arrow` and :meth:`to_arrow` share the text and offsets with a
    ``pyarrow`` string array instead of copying them (``from_arrow`` reads the text once to
    check it); the shared memory is read-only, and the list's first write copies it (copy on
    write), so the Arrow array never changes.
    ``StrList(column)`` and ``extend(column)`` take an Arrow or pandas string column in one
    vectorised pass, with no Python object per item.

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

    def _own(self) -> None:
        """Copy shared (read-only) text into a bytearray of our own before a write."""
        if type(self._data) is not bytearray:
            self._data = bytearray(self._data)

    @staticmethod
    def _encode(value) -> bytes:
        if type(value) is not str and not isinstance(value, str):
            raise TypeError(f"StrList items must be str, not {type(value).__name__}")
        return value.encode("utf-8", "surrogatepass")

    def _span(self, i: int):
        offsets = self._offsets
        return offsets[i], offsets[i + 1]

    def _item(self, i: int) -> str:
        return str_item(self._data, self._offsets, i)

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
        self._own()
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

    # __len__, __iter__ and x[int] are in C (StrListCore)

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
        self._own()
        str_append(self._data, self._offsets, value)

    def extend(self, iterable) -> None:
        """Append every string of ``iterable``; all or nothing. O(total length).

        A pyarrow or pandas string column is appended buffer to buffer, with no Python
        object per item (its nulls or non-UTF-8 bytes raise ValueError, and nothing is added).

        >>> s = StrList(["a"]); s.extend(["b", "c"]); s
        StrList(['a', 'b', 'c'])
        """
        self._own()
        if is_columnar(iterable):
            self._extend_chunks(list(text_chunks(iterable, "StrList")))
            return
        if isinstance(iterable, StrList):
            other_data = bytes(iterable._data)
            other_offsets = np.asarray(iterable._offsets).astype(np.int64)
            base = len(self._data)
            self._offsets.extend(other_offsets[1:] + base)
            self._data += other_data
            return
        try:
            str_extend(self._data, self._offsets, iterable)
        except BaseException:
            # the iterable may have called to_arrow(), sharing the text, which then cannot
            # shrink back: keep a private copy of the text the offsets still cover
            end = self._offsets[-1]
            if len(self._data) != end:
                self._data = bytearray(memoryview(self._data)[:end])
            raise

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
        self._own()
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

    def index(self, value, start=0, stop=MAX_INDEX) -> int:
        """Index of the first item equal to ``value`` in ``[start, stop)``. O(n) byte scan.

        >>> StrList(["a", "b", "a"]).index("a", 1)
        2
        """
        start, stop = norm_range(start, stop, len(self))
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
        self.clear()   # as list.sort: empty while the key runs; a key that adds: ValueError
        try:
            items.sort(key=key, reverse=reverse)
        finally:
            changed = len(self) != 0
            self.clear()
            self.extend(items)
        if changed:
            raise ValueError("StrList modified during sort")

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
        out._data = bytearray(self._data) * times
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

    def _text_sizeof(self) -> int:
        """Bytes the text takes: the bytearray with its spare room, or the shared text."""
        if type(self._data) is bytearray:
            return sys.getsizeof(self._data)
        return sys.getsizeof(self._data) + self._data.nbytes

    def __sizeof__(self) -> int:
        """Bytes held in RAM: this object, the UTF-8 buffer and the offsets (text shared
        with an Arrow array is counted: this list keeps it alive)."""
        return object.__sizeof__(self) + self._text_sizeof() + sys.getsizeof(self._offsets)

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
        allocated = self._text_sizeof() - sys.getsizeof(bytearray()) + \
            self._offsets.buffer_info().allocated
        return BufferInfo("utf-8", self.nbytes / n if n else 0.0, n,
                          self._offsets.buffer_info().capacity - 1, allocated)

    def shrink_to_fit(self) -> None:
        """Release spare capacity of the text buffer and the offsets. O(total length).

        >>> s = StrList(["a"]); s.extend(["b"]); s.shrink_to_fit(); s.buffer_info().capacity
        2
        """
        if type(self._data) is bytearray and \
                sys.getsizeof(self._data) > len(self._data) + sys.getsizeof(bytearray()) + 1:
            self._data = bytearray(self._data)
        self._offsets.shrink_to_fit()

    def _check(self) -> None:
        """Assert the internal invariants (used by the tests after every operation)."""
        self._offsets._check()
        offs = np.asarray(self._offsets)
        assert len(offs) >= 1 and offs[0] == 0, "offsets start at 0"
        assert int(offs[-1]) == len(self._data), "last offset is the buffer length"
        assert (np.diff(offs) >= 0).all(), "offsets never decrease"
        bytes(self._data).decode("utf-8", "surrogatepass")
        if type(self._data) is memoryview:
            assert self._data.readonly, "shared text is read-only"

    # ------------------------------------------------------------ Arrow

    def _extend_chunks(self, chunks) -> None:
        """Append checked :class:`~lowram._arrow.TextChunk` s: one copy of their bytes."""
        pieces, ends, base = [], [], len(self._data)
        for chunk in chunks:
            a, b = int(chunk.offsets[0]), int(chunk.offsets[-1])
            pieces.append(chunk.data[a:b])
            ends.append(chunk.offsets[1:].astype(np.int64) + (base - a))
            base += b - a
        if ends:
            self._offsets.extend(np.concatenate(ends))
            text = self._data
            for piece in pieces:
                text += memoryview(piece)

    @classmethod
    def from_arrow(cls, column) -> "StrList":
        """A StrList over an Arrow (or pandas) string column, sharing its memory.

        ``column``: a ``pyarrow`` string, large_string (or UTF-8 binary) Array or
        ChunkedArray, a one-column Table/RecordBatch, a RecordBatchReader, or a pandas
        Series. One chunk is shared, not copied: the text always, the offsets when they
        start at 0 (a sliced array's are rebased, a copy of the offsets). Several chunks are
        joined (one copy). Nulls or bytes that are not UTF-8 raise ValueError naming the row.
        Cost: O(1) memory; time is one C pass over the text checking its offsets and UTF-8.

        >>> import pyarrow as pa
        >>> StrList.from_arrow(pa.array(["a", "bc"]))
        StrList(['a', 'bc'])
        """
        chunks = list(text_chunks(column, "StrList"))
        out = cls.__new__(cls)
        if len(chunks) != 1:
            out._data = bytearray()
            out._offsets = IntList([0])
            out._extend_chunks(chunks)
            return out
        data, offsets = chunks[0].data, chunks[0].offsets
        a, b = int(offsets[0]), int(offsets[-1])
        out._data = memoryview(data).toreadonly()[a:b]
        out._offsets = shared_intlist(offsets) if a == 0 else IntList(offsets - a)
        return out

    def to_arrow(self):
        """The items as a ``pyarrow`` string array sharing this list's memory. O(1).

        The text is shared, and so are the offsets when they are 4 or 8 bytes wide (1- and
        2-byte offsets are widened to Arrow's 4, a copy of the offsets only); 8-byte offsets
        give a ``large_string`` array. The list's next write copies what it shares. Arrow
        strings are strict UTF-8: a list holding a lone surrogate raises ValueError naming
        the item (found by one ``memchr``-speed scan of the text for the byte 0xED).

        >>> StrList(["a", "bc"]).to_arrow().to_pylist()
        ['a', 'bc']
        """
        pa = require_pyarrow("StrList.to_arrow()")
        if type(self._data) is bytearray:
            if self._data.find(b"\xed") >= 0:   # a lone surrogate's form starts with 0xED
                check_spans(np.frombuffer(self._data, np.uint8),
                            np.asarray(self._offsets, dtype=np.int64), 0, "Arrow")
            self._data = memoryview(self._data).toreadonly()
        text = pa.py_buffer(self._data)
        offsets = self._offsets
        if offsets.dtype == "int64":
            arrow_type, offs = pa.large_string(), offsets.to_arrow()
        elif offsets.dtype == "int32":
            arrow_type, offs = pa.string(), offsets.to_arrow()
        else:
            arrow_type, offs = pa.string(), pa.array(np.asarray(offsets, dtype=np.int32))
        return pa.Array.from_buffers(arrow_type, len(self), [None, offs.buffers()[1], text])


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
