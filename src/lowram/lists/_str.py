"""StrList: a ``list`` of ``str`` as one UTF-8 buffer plus an IntList of offsets."""

from __future__ import annotations

import codecs
import struct
import sys

import numpy as np

from .._arrow import is_columnar, require_pyarrow, text_chunks
from .._native._text import check_spans
from ._files import FileMethods
from ._sequence import MAX_INDEX, ListBehaviour, norm_range
from ._typed import BufferInfo, IntList, StrListCore, shared_intlist, text_has_byte

__all__ = ["StrList"]


def _check_utf8(text: bytes, source: str) -> None:
    """FormatError unless ``text`` is UTF-8 (lone surrogates allowed, as StrList stores them),
    decoded a megabyte at a time: validating a file's text must not hold all of it as a str
    as well (up to four times its bytes)."""
    from ..errors import FormatError

    dec = codecs.getincrementaldecoder("utf-8")("surrogatepass")
    view, step = memoryview(text), 1 << 20
    for at in range(0, max(len(text), 1), step):
        pending = len(dec.getstate()[0])
        try:
            dec.decode(view[at:at + step], final=at + step >= len(text))
        except UnicodeDecodeError as e:
            raise FormatError(f"{source}: StrList text is not UTF-8 ({e.reason} at byte "
                              f"{at - pending + e.start})") from None


class StrList(StrListCore, ListBehaviour, FileMethods):
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

    Threads: every change (an append, a slice assignment, a sort's final write) and every
    read of several parts (a slice, a copy, a pickle, ``to_arrow``) happens in one step of
    the compiled core, so another thread never sees the text and the offsets disagree, and
    no item it reads was never stored. Iteration reads the list as it is at each step, as
    ``list``'s iterator does: items another thread adds meanwhile are seen, items it
    removes are not, and no item is read half-made.

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
        if not isinstance(value, str):
            raise TypeError(f"StrList items must be str, not {type(value).__name__}")
        return str.encode(value, "utf-8", "surrogatepass")

    # ------------------------------------------------------------ sequence protocol

    # __len__, __iter__, __reversed__, __contains__, x[i], x[a:b] are in C (StrListCore)

    def __setitem__(self, index, value) -> None:
        if isinstance(index, slice):
            try:
                items = list(value) if not isinstance(value, StrList) else value.tolist()
            except TypeError:
                raise TypeError(f"can only assign an iterable, not {type(value).__name__}") \
                    from None
            self._assign_slice(index, [self._encode(v) for v in items])
            return
        self._assign(index, self._encode(value))

    def __delitem__(self, index) -> None:
        self._delete(index)

    # ------------------------------------------------------------ list methods

    def extend(self, iterable) -> None:
        """Append every string of ``iterable``; all or nothing. O(total length).

        A pyarrow or pandas string column is appended buffer to buffer, with no Python
        object per item (its nulls or non-UTF-8 bytes raise ValueError, and nothing is added).
        If the list changes meanwhile by another hand (the iterable's own code, another
        thread), a failed extend keeps what it appended, as ``list.extend`` does.

        >>> s = StrList(["a"]); s.extend(["b", "c"]); s
        StrList(['a', 'b', 'c'])
        """
        if is_columnar(iterable):
            self._extend_chunks(list(text_chunks(iterable, "StrList")))
        elif isinstance(iterable, StrListCore):
            self._extend_list(iterable)
        else:
            self._extend_iter(iterable)

    def insert(self, index, value) -> None:
        """Insert ``value`` before ``index`` (clamped like ``list.insert``). O(n).

        >>> s = StrList(["a", "c"]); s.insert(1, "b"); s
        StrList(['a', 'b', 'c'])
        """
        encoded = self._encode(value)
        self._insert(index.__index__(), encoded)

    def pop(self, index=-1) -> str:
        """Remove and return the item at ``index`` (default last). O(n - index).

        >>> s = StrList(["a", "b"]); s.pop(), s
        ('b', StrList(['a']))
        """
        return self._pop(index.__index__())

    def remove(self, value) -> None:
        """Remove the first item equal to ``value``; ValueError if absent. O(n).

        >>> s = StrList(["a", "b", "a"]); s.remove("a"); s
        StrList(['b', 'a'])
        """
        self._remove(value)

    def index(self, value, start=0, stop=MAX_INDEX) -> int:
        """Index of the first item equal to ``value`` in ``[start, stop)``. O(n) byte scan.

        >>> StrList(["a", "b", "a"]).index("a", 1)
        2
        """
        start, stop = norm_range(start, stop, len(self))
        i = self._index_of(value, start, stop) if start < stop else -1
        if i < 0:
            raise ValueError(f"{value!r} is not in list")
        return i

    def count(self, value) -> int:
        """Number of items equal to ``value``. O(n), one C pass.

        >>> StrList(["a", "b", "a"]).count("a")
        2
        """
        return self._count_of(value)

    def sort(self, *, key=None, reverse=False) -> None:
        """Sort in place, stably, like ``list.sort``. O(n log n).

        With no key, the items are sorted by ``list.sort`` and written back in one step of
        the compiled core (another thread waits for it). With a key, the items are taken
        out (the list looks empty while the key runs), sorted and put back, each half in
        one step; a key (or another thread) that adds to the list meanwhile makes sort
        raise ValueError, the list holding the sorted items, as ``list.sort`` does.

        >>> s = StrList(["b", "a", "C"]); s.sort(key=str.lower); s
        StrList(['a', 'b', 'C'])
        """
        if key is None:   # one step of the core: another thread waits, as for list.sort
            self._sort_items(bool(reverse))
            return
        items = self._take_all()
        try:
            items.sort(key=key, reverse=reverse)
        finally:
            changed = self._put_all(items)
        if changed:
            raise ValueError("StrList modified during sort")

    # ------------------------------------------------------------ operators

    def __mul__(self, times):
        try:
            times = times.__index__()
        except AttributeError:
            return NotImplemented
        out = self.copy()
        out._repeat(times)
        return out

    __rmul__ = __mul__

    def __imul__(self, times):
        try:
            times = times.__index__()
        except AttributeError:
            return NotImplemented
        self._repeat(times)
        return self

    def _same_eq(self, other) -> bool:
        return self._same(other)

    def __reduce__(self):
        return (_rebuild_strlist, self._snapshot())

    # ------------------------------------------------------------ files (lists/_files.py)

    _FILE_KIND = "StrList"

    def _payload(self) -> bytes:
        text, offsets = self._snapshot()
        offs = np.asarray(offsets).astype("<i8")
        return struct.pack("<Q", len(offs) - 1) + offs.tobytes() + text

    @classmethod
    def _from_payload(cls, payload, source, mapped) -> "StrList":
        from ..errors import FormatError

        view = memoryview(payload).cast("B")
        if len(view) < 16:
            raise FormatError(f"{source}: StrList header truncated")
        (n,) = struct.unpack_from("<Q", view)
        if n > (len(view) - 16) // 8:
            raise FormatError(f"{source}: StrList of {n} items does not fit in "
                              f"{len(view)} bytes")
        offs = np.frombuffer(view, "<i8", n + 1, 8).astype(np.int64)
        text = view[8 * (n + 2):].tobytes()
        # (compared, not subtracted: np.diff wraps around for offsets near +-2**63, and a
        # descent hidden that way would index outside the text)
        if offs[0] != 0 or offs[-1] != len(text) or (n and (offs[1:] < offs[:-1]).any()):
            raise FormatError(f"{source}: StrList offsets are not 0 .. {len(text)}, "
                              f"non-decreasing")
        _check_utf8(text, source)
        starts = offs[:-1][offs[:-1] < len(text)]
        if ((np.frombuffer(text, np.uint8)[starts] & 0xC0) == 0x80).any():
            raise FormatError(f"{source}: a StrList item starts inside a character")
        return _rebuild_strlist(text, IntList(offs))

    # ------------------------------------------------------------ memory

    def _text_sizeof(self) -> int:
        """Bytes the text takes: the bytearray with its spare room, or the shared text."""
        text = self._data   # (read once: another thread may replace it)
        if type(text) is bytearray:
            return sys.getsizeof(text)
        return sys.getsizeof(text) + text.nbytes

    def __sizeof__(self) -> int:
        """Bytes held in RAM: this object, the UTF-8 buffer and the offsets (text shared
        with an Arrow array is counted: this list keeps it alive)."""
        return object.__sizeof__(self) + self._text_sizeof() + sys.getsizeof(self._offsets)

    def _lowram_owned(self):
        return (self._data, self._offsets)

    @property
    def nbytes(self) -> int:
        """Bytes of UTF-8 text plus bytes of offsets in use."""
        text, offsets = self._sizes()
        return text + offsets

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
        self._shrink()

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
        """Append checked :class:`~lowram._arrow.TextChunk` s in one step: one copy of
        their bytes."""
        pieces, ends, base = [], [], 0
        for chunk in chunks:
            a, b = int(chunk.offsets[0]), int(chunk.offsets[-1])
            pieces.append(np.ascontiguousarray(chunk.data[a:b]))
            ends.append(chunk.offsets[1:].astype(np.int64) + (base - a))
            base += b - a
        if ends:
            self._extend_pieces(pieces, np.concatenate(ends))

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
        shared = None
        while shared is None:   # the text and offsets of one moment (another thread may
            text = self._data   # write between these lines: then the core says try again)
            view = memoryview(text).toreadonly() if type(text) is bytearray else None
            shared = self._share_text(view)
        text, owner, address, count, dtype = shared
        # the text is read-only now: checking it needs no step of the core
        offsets = np.empty(0, np.int64) if owner is None else \
            np.frombuffer(pa.foreign_buffer(address, count * np.dtype(dtype).itemsize,
                                            base=owner), dtype=dtype)
        if count and text_has_byte(text, 0xED):   # a lone surrogate's form starts with 0xED
            check_spans(np.frombuffer(text, np.uint8), offsets.astype(np.int64), 0, "Arrow")
        if count == 0:
            return pa.array([], pa.string())
        if dtype == "int64":
            arrow_type, offs = pa.large_string(), pa.py_buffer(offsets)
        elif dtype == "int32":
            arrow_type, offs = pa.string(), pa.py_buffer(offsets)
        else:
            arrow_type, offs = pa.string(), pa.py_buffer(offsets.astype(np.int32))
        return pa.Array.from_buffers(arrow_type, count - 1, [None, offs, pa.py_buffer(text)])


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
