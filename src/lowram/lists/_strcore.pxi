# StrList's compiled core: its state and every change of it (StrListCore), and its iterator.
# Included by _typed.pyx, whose _TypedList it reads and writes directly (the offsets).
#
# A StrList is UTF-8 text (a bytearray of its own, or a read-only memoryview of text it
# shares with an Arrow array) plus an IntList of len + 1 end offsets (offsets[0] == 0).
#
# Threads: each method below reads the state and leaves it changed in one stretch of C with
# the GIL held, under the three rules of this module's docstring (no GIL released on the
# buffers, no Python code, no allocation the garbage collector tracks), so another thread
# sees the list before or after a change, never between the text and the offsets. The
# Python front (lowram.lists._str) prepares what needs Python (encoding, Arrow, a sort key)
# and then calls one of them. Without a GIL, a per-object lock would be needed here.

from cpython.bytearray cimport (PyByteArray_AS_STRING, PyByteArray_FromStringAndSize,
                                PyByteArray_GET_SIZE, PyByteArray_Resize)
from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.list cimport PyList_Reverse, PyList_Sort
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.string cimport memchr

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object o)
    void* PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    Py_buffer* PyMemoryView_GET_BUFFER(object o)
    ctypedef struct PyByteArrayObject:
        Py_ssize_t ob_exports


cdef inline const char* _text(object data, Py_ssize_t* size) noexcept:
    """The bytes of a StrList's text: a bytearray of its own, or a read-only memoryview of
    text shared with an Arrow array (``from_arrow``/``to_arrow``; see ``StrListCore._data``)."""
    cdef Py_buffer* view
    if type(data) is bytearray:
        size[0] = PyByteArray_GET_SIZE(data)
        return PyByteArray_AS_STRING(data)
    view = PyMemoryView_GET_BUFFER(data)
    size[0] = view.len
    return <const char*>view.buf


cdef extern from "Python.h":
    bytes PyUnicode_AsEncodedString(object s, const char* encoding, const char* errors)


cdef inline bytes _utf8(object s):
    """``s`` (a str) as UTF-8 with lone surrogates kept (``surrogatepass``); C codecs only."""
    if not isinstance(s, str):
        raise TypeError(f"StrList items must be str, not {type(s).__name__}")
    return PyUnicode_AsEncodedString(s, "utf-8", "surrogatepass")


cdef class _StrIterator


cdef class StrListCore:
    """C core of :class:`lowram.StrList`: its two buffers and every change of them (private).

    The subclass in :mod:`lowram.lists` is the public front: it encodes, reads Arrow columns
    and runs sort keys in Python, and calls one method here for each change.
    """

    cdef object _buf   # bytearray, or a read-only 1-d memoryview of bytes (shared text)
    cdef _TypedList _offs
    cdef unsigned long long _mods   # changes so far (a failed extend's rollback)

    def __cinit__(self, *args, **kwargs):
        self._buf = bytearray()
        self._offs = IntList([0])

    @property
    def _data(self):
        """The UTF-8 text of every item, back to back."""
        return self._buf

    @_data.setter
    def _data(self, value):
        if type(value) is memoryview:
            if not (value.readonly and value.c_contiguous and value.ndim == 1
                    and value.itemsize == 1):
                raise TypeError("a StrList's shared text must be a read-only 1-d memoryview "
                                "of bytes")
        elif type(value) is not bytearray:
            raise TypeError(f"StrList text buffer must be a bytearray, not "
                            f"{type(value).__name__}")
        self._buf = value

    @property
    def _offsets(self):
        """IntList of ``len + 1`` offsets into the text: item i is ``[off[i], off[i+1])``."""
        return self._offs

    @_offsets.setter
    def _offsets(self, value):
        if not isinstance(value, IntList):
            raise TypeError(f"StrList offsets must be an IntList, not {type(value).__name__}")
        self._offs = value

    # ------------------------------------------------------------ internals (C, GIL held)

    cdef inline Py_ssize_t _n(self) noexcept:
        return self._offs._len - 1

    cdef inline long long _off(self, Py_ssize_t i) noexcept:
        return _get_i(self._offs._data, self._offs._code, i)

    cdef int _own_text(self) except -1:
        """Make the text a bytearray of our own that no view reads, before writing it: text
        shared with Arrow, or a bytearray a view holds, is copied (copy on write)."""
        cdef Py_ssize_t size
        cdef const char* p
        if type(self._buf) is bytearray and (<PyByteArrayObject*>self._buf).ob_exports == 0:
            return 0
        p = _text(self._buf, &size)
        self._buf = PyByteArray_FromStringAndSize(p, size)   # (not tracked by the GC)
        return 0

    cdef str _decode(self, Py_ssize_t i):
        cdef long long a = self._off(i), b = self._off(i + 1)
        cdef Py_ssize_t size
        cdef const char* p = _text(self._buf, &size)
        if not 0 <= a <= b <= size:
            raise RuntimeError(f"corrupt StrList: item {i} spans bytes {a}..{b} of {size}")
        return PyUnicode_DecodeUTF8(p + a, b - a, "surrogatepass")

    cdef int _append_raw(self, const char* p, Py_ssize_t k) except -1:
        """Append one item whose UTF-8 (surrogatepass) bytes are ``p[:k]``."""
        cdef Py_ssize_t pos
        cdef _TypedList offs = self._offs
        self._own_text()
        pos = PyByteArray_GET_SIZE(self._buf)
        if pos + k > offs._hi:
            offs._fit(0, pos + k)
        offs._reserve(offs._len + 1)
        PyByteArray_Resize(self._buf, pos + k)
        if k:
            memcpy(PyByteArray_AS_STRING(self._buf) + pos, p, k)
        _put_i(offs._data, offs._code, offs._len, pos + k)
        offs._len += 1
        offs._mods += 1
        self._mods += 1
        return 0

    cdef int _push_str(self, object s) except -1:
        """Append one str: an ASCII str is copied straight from its own buffer."""
        cdef bytes encoded
        if not isinstance(s, str):
            raise TypeError(f"StrList items must be str, not {type(s).__name__}")
        if PyUnicode_IS_ASCII(s):
            return self._append_raw(<const char*>PyUnicode_DATA(s), PyUnicode_GET_LENGTH(s))
        encoded = _utf8(s)
        return self._append_raw(PyBytes_AS_STRING(encoded), PyBytes_GET_SIZE(encoded))

    cdef int _splice(self, Py_ssize_t start, Py_ssize_t stop, list parts) except -1:
        """Replace items ``[start, stop)`` (``0 <= start <= stop <= len``) with the encoded
        ``parts`` (bytes). Every step that can fail (room, width) comes before the first
        change of an item."""
        cdef _TypedList offs = self._offs
        cdef Py_ssize_t n = self._n(), m = len(parts), k, size, grow, total = 0, new_n
        cdef long long a, b, end
        cdef char* text
        cdef bytes part
        for part in parts:
            total += PyBytes_GET_SIZE(part)
        self._own_text()
        size = PyByteArray_GET_SIZE(self._buf)
        a = self._off(start)
        b = self._off(stop)
        grow = total - <Py_ssize_t>(b - a)
        new_n = n - (stop - start) + m
        if size + grow > offs._hi:
            offs._fit(0, size + grow)
        offs._reserve(new_n + 1)
        if grow > 0:
            PyByteArray_Resize(self._buf, size + grow)
        text = PyByteArray_AS_STRING(self._buf)
        memmove(text + b + grow, text + b, size - b)
        end = a
        for part in parts:
            memcpy(text + end, PyBytes_AS_STRING(part), PyBytes_GET_SIZE(part))
            end += PyBytes_GET_SIZE(part)
        # the offsets of the items after: moved by the change in count, shifted by the bytes
        memmove(offs._data + (start + m + 1) * offs._isize,
                offs._data + (stop + 1) * offs._isize, (n - stop) * offs._isize)
        for k in range(start + m + 1, new_n + 1):
            _put_i(offs._data, offs._code, k, _get_i(offs._data, offs._code, k) + grow)
        end = a
        for k in range(m):
            end += PyBytes_GET_SIZE(<bytes>parts[k])
            _put_i(offs._data, offs._code, start + 1 + k, end)
        offs._len = new_n + 1
        offs._mods += 1
        if grow < 0:   # (a smaller bytearray: a realloc that does not fail)
            PyByteArray_Resize(self._buf, size + grow)
        self._mods += 1
        return 0

    cdef int _reset(self) except -1:
        """Empty the list, giving its memory back (the objects stay: no allocation)."""
        cdef _TypedList offs = self._offs
        offs._check_exports()
        offs._own()
        if type(self._buf) is bytearray and (<PyByteArrayObject*>self._buf).ob_exports == 0:
            PyByteArray_Resize(self._buf, 0)
        else:
            self._buf = PyByteArray_FromStringAndSize(NULL, 0)
        offs._len = 1
        _put_i(offs._data, offs._code, 0, 0)
        offs._realloc(1)   # (smaller, no view: does not fail)
        offs._mods += 1
        self._mods += 1
        return 0

    cdef int _truncate(self, Py_ssize_t n, int code) except -1:
        """Keep the first ``n`` items only, the offsets narrowed back to ``code`` when they
        fit (a failed extend's rollback)."""
        cdef long long end
        if n >= self._n():
            return 0
        self._own_text()
        end = self._off(n)
        self._offs._rollback(n + 1, code)
        PyByteArray_Resize(self._buf, end)   # (smaller: does not fail)
        self._mods += 1
        return 0

    cdef Py_ssize_t _find(self, bytes needle, Py_ssize_t start, Py_ssize_t stop,
                          bint count) except -2:
        """First index in ``[start, stop)`` (clamped to the length) of an item whose bytes
        are ``needle`` (-1 if none), or how many there are when ``count``. One C pass."""
        cdef Py_ssize_t k, size, found = 0, want = PyBytes_GET_SIZE(needle)
        cdef const char* p = _text(self._buf, &size)
        cdef const char* q = PyBytes_AS_STRING(needle)
        cdef long long a, b
        if stop > self._n():
            stop = self._n()
        if start < stop:
            b = self._off(start)
            for k in range(start, stop):
                a = b
                b = self._off(k + 1)
                if b - a == want and b <= size and (want == 0 or memcmp(p + a, q, want) == 0):
                    if not count:
                        return k
                    found += 1
        return found if count else -1

    cdef Py_ssize_t _item_index(self, Py_ssize_t i) except -1:
        return item_position(i, self._n(), "StrList")

    # ------------------------------------------------------------ read

    def __len__(self):
        return self._offs._len - 1

    def __getitem__(self, index):
        cdef Py_ssize_t i
        if PyLong_Check(index):
            i = item_position(PyNumber_AsSsize_t(index, IndexError), self._n(), "StrList")
            return self._decode(i)
        if isinstance(index, slice):
            return self._slice(index)
        if not PyIndex_Check(index):
            raise TypeError(f"StrList indices must be integers or slices, not "
                            f"{type(index).__name__}")
        i = PyNumber_AsSsize_t(index, IndexError)   # (may run __index__: before the length)
        return self._decode(item_position(i, self._n(), "StrList"))

    def __iter__(self):
        cdef _StrIterator it = _StrIterator.__new__(_StrIterator)
        it._owner = self
        it._i = 0
        it._rev = False
        return it

    def __reversed__(self):
        cdef _StrIterator it = _StrIterator.__new__(_StrIterator)
        it._owner = self
        it._i = self._n() - 1
        it._rev = True
        return it

    def __contains__(self, value):
        if not isinstance(value, str):
            return False
        return self._find(_utf8(value), 0, self._n(), False) >= 0

    def _index_of(self, value, Py_ssize_t start, Py_ssize_t stop):
        """``index``: the first position of ``value`` in ``[start, stop)``, or -1."""
        if not isinstance(value, str):
            return -1
        return self._find(_utf8(value), start, stop, False)

    def _count_of(self, value):
        """``count``: how many items equal ``value``."""
        if not isinstance(value, str):
            return 0
        return self._find(_utf8(value), 0, self._n(), True)

    def tolist(self):
        """The items as a ``list`` of ``str``. O(total length).

        >>> from lowram import StrList
        >>> StrList(["a", "b"]).tolist()
        ['a', 'b']
        """
        return self._items()

    cdef list _items(self):
        cdef Py_ssize_t k, n = -1
        cdef list out = None
        while n != self._n():   # making the list may collect garbage (module docstring)
            n = self._n()
            out = [None] * n
        for k in range(n):
            out[k] = self._decode(k)
        return out

    cdef object _blank_like(self):
        """A new empty object of this class, its buffers unset (made before reading)."""
        cdef StrListCore out = type(self).__new__(type(self))
        return out

    def _slice(self, index):
        """``x[slice]``: a new list of the items the slice names."""
        cdef Py_ssize_t start, stop, step, n, k, size, total
        cdef StrListCore out
        cdef _TypedList offs
        cdef long long a, b
        cdef const char* p
        cdef char* q
        PySlice_Unpack(index, &start, &stop, &step)
        out = self._blank_like()
        offs = IntList.__new__(IntList)
        # from here: C only (module docstring)
        n = PySlice_AdjustIndices(self._n(), &start, &stop, step)
        p = _text(self._buf, &size)
        offs._set_code(self._offs._code)
        offs._realloc(n + 1)
        offs._len = n + 1
        _put_i(offs._data, offs._code, 0, 0)
        total = 0
        for k in range(n):
            a = self._off(start + k * step)
            b = self._off(start + k * step + 1)
            total += b - a
            _put_i(offs._data, offs._code, k + 1, total)
        out._buf = PyByteArray_FromStringAndSize(NULL, total)
        q = PyByteArray_AS_STRING(out._buf)
        if step == 1 and n:
            memcpy(q, p + self._off(start), total)
        else:
            total = 0
            for k in range(n):
                a = self._off(start + k * step)
                b = self._off(start + k * step + 1)
                memcpy(q + total, p + a, b - a)
                total += b - a
        out._offs = offs
        return out

    def copy(self):
        """A copy sized exactly. O(total length).

        >>> from lowram import StrList
        >>> StrList(["a"]).copy()
        StrList(['a'])
        """
        return self._slice(slice(None))

    def _snapshot(self):
        """``(text bytes, offsets IntList)`` of one moment: what pickle stores."""
        cdef _TypedList offs = IntList.__new__(IntList)
        cdef Py_ssize_t size
        cdef const char* p
        # from here: C only
        p = _text(self._buf, &size)
        offs._set_code(self._offs._code)
        offs._realloc(self._offs._len)
        memcpy(offs._data, self._offs._data, self._offs._len * self._offs._isize)
        offs._len = self._offs._len
        return PyBytes_FromStringAndSize(p, size), offs

    def _same(self, StrListCore other):
        """Whether two StrLists hold the same items (text and offsets compared in C)."""
        cdef Py_ssize_t k, n = self._n(), s1, s2
        cdef const char* p1 = _text(self._buf, &s1)
        cdef const char* p2 = _text(other._buf, &s2)
        if n != other._n() or s1 != s2:
            return False
        for k in range(1, n + 1):
            if self._off(k) != other._off(k):
                return False
        return s1 == 0 or memcmp(p1, p2, s1) == 0

    def _sizes(self):
        """``(text bytes, spare text bytes, offsets bytes in use)`` of one moment."""
        cdef Py_ssize_t size
        _text(self._buf, &size)
        return size, self._offs._len * self._offs._isize

    # ------------------------------------------------------------ write

    def append(self, value):
        """Append ``value`` (a ``str``). Amortised O(len(value)).

        >>> from lowram import StrList
        >>> s = StrList(); s.append("a"); s
        StrList(['a'])
        """
        self._push_str(value)

    def _extend_iter(self, iterable):
        """Append every str of ``iterable``, one at a time; all or nothing unless the list
        changed meanwhile by another hand (then, as ``list.extend``, what was appended
        stays: undoing it could undo that other change)."""
        cdef unsigned long long mods = self._mods, pushed = 0
        cdef Py_ssize_t n = self._n()
        cdef int code = self._offs._code
        try:
            for s in iterable:
                self._push_str(s)
                pushed += 1
        except BaseException:
            if self._mods - mods == pushed:
                self._truncate(n, code)
            raise

    def _extend_list(self, StrListCore other):
        """Append the items of another StrList (or of this one) in one step."""
        cdef Py_ssize_t n1 = self._n(), n2 = other._n(), size, osize, k
        cdef _TypedList offs = self._offs, ooffs = other._offs
        cdef const char* src
        cdef char* text
        if n2 == 0:
            return
        self._own_text()
        size = PyByteArray_GET_SIZE(self._buf)
        _text(other._buf, &osize)
        if size + osize > offs._hi:
            offs._fit(0, size + osize)
        offs._reserve(n1 + n2 + 1)
        PyByteArray_Resize(self._buf, size + osize)
        text = PyByteArray_AS_STRING(self._buf)
        src = _text(other._buf, &k)   # the address again (other may be this list), not the size
        memcpy(text + size, src, osize)
        ooffs = other._offs
        for k in range(1, n2 + 1):   # (other is self: reads 1..n1, writes above n1)
            _put_i(offs._data, offs._code, n1 + k, _get_i(ooffs._data, ooffs._code, k) + size)
        offs._len = n1 + n2 + 1
        offs._mods += 1
        self._mods += 1

    def _extend_pieces(self, list pieces, const int64_t[::1] ends):
        """Append the items of checked Arrow chunks in one step: ``pieces`` (contiguous
        byte buffers: the items' bytes back to back, chunk by chunk) and ``ends`` (each
        item's end in the pieces joined, ascending, the last their total size)."""
        cdef Py_ssize_t n = ends.shape[0], size, k, n1, total = 0, npieces = len(pieces)
        cdef Py_ssize_t held = 0
        cdef _TypedList offs = self._offs
        cdef Py_buffer* views
        cdef char* text
        if n == 0:
            return
        views = <Py_buffer*>PyMem_Malloc(npieces * sizeof(Py_buffer) + 1)
        if views == NULL:
            raise MemoryError()
        try:
            while held < npieces:   # (C buffers of numpy arrays: no Python code runs)
                PyObject_GetBuffer(pieces[held], &views[held], PyBUF_SIMPLE)
                total += views[held].len
                held += 1
            if total != ends[n - 1]:
                raise ValueError(f"the pieces hold {total} bytes, the ends say {ends[n - 1]}")
            self._own_text()
            size = PyByteArray_GET_SIZE(self._buf)
            n1 = self._n()
            if size + total > offs._hi:
                offs._fit(0, size + total)
            offs._reserve(n1 + n + 1)
            PyByteArray_Resize(self._buf, size + total)
            text = PyByteArray_AS_STRING(self._buf) + size
            for k in range(npieces):
                memcpy(text, views[k].buf, views[k].len)
                text += views[k].len
            for k in range(n):
                _put_i(offs._data, offs._code, n1 + 1 + k, ends[k] + size)
            offs._len = n1 + n + 1
            offs._mods += 1
            self._mods += 1
        finally:
            while held > 0:
                held -= 1
                PyBuffer_Release(&views[held])
            PyMem_Free(views)

    def _assign_slice(self, index, list parts):
        """``x[slice] = parts`` (encoded) in one step; ValueError when an extended slice's
        size differs, as ``list`` raises."""
        cdef Py_ssize_t start, stop, step
        PySlice_Unpack(index, &start, &stop, &step)
        if step != 1:
            return self._assign_extended(index, parts)
        PySlice_AdjustIndices(self._n(), &start, &stop, step)
        self._splice(start, max(start, stop), parts)

    def _assign(self, index, bytes part):
        """``x[i] = part`` (encoded) in one step."""
        cdef Py_ssize_t i
        if not PyIndex_Check(index):
            raise TypeError(f"StrList indices must be integers or slices, not "
                            f"{type(index).__name__}")
        i = PyNumber_AsSsize_t(index, IndexError)
        i = item_position(i, self._n(), "StrList", "assignment index")
        self._splice(i, i + 1, [part])

    def _assign_extended(self, index, list parts):
        """``x[a:b:k] = parts`` (encoded, ``k != 1``) in one step; ValueError when the
        sizes differ, as ``list`` raises."""
        cdef Py_ssize_t start, stop, step, n, k, j, size, total, m = len(parts)
        cdef long long prev, cur, length, pos
        cdef bint backwards = False
        cdef _TypedList offs = self._offs
        cdef const char* src
        cdef char* dst
        cdef bytes part
        PySlice_Unpack(index, &start, &stop, &step)
        # from here: C only. The new text, then the offsets rewritten in place
        n = PySlice_AdjustIndices(self._n(), &start, &stop, step)
        if n != m:
            raise ValueError(f"attempt to assign sequence of size {m} to extended slice "
                             f"of size {n}")
        if n == 0:
            return
        if step < 0:   # walk the targets upwards: the parts then go in reverse
            start = start + (n - 1) * step
            step = -step
            backwards = True
        total = self._off(self._n())
        for k in range(n):
            j = start + k * step
            part = <bytes>parts[n - 1 - k if backwards else k]
            total += PyBytes_GET_SIZE(part) - (self._off(j + 1) - self._off(j))
        if total > offs._hi:
            offs._fit(0, total)
        offs._own()
        new = PyByteArray_FromStringAndSize(NULL, total)
        dst = PyByteArray_AS_STRING(new)
        src = _text(self._buf, &size)
        pos = 0
        prev = 0
        k = 0
        for j in range(self._n()):
            cur = self._off(j + 1)
            if k < n and j == start + k * step:
                part = <bytes>parts[n - 1 - k if backwards else k]
                length = PyBytes_GET_SIZE(part)
                memcpy(dst + pos, PyBytes_AS_STRING(part), length)
                k += 1
            else:
                length = cur - prev
                memcpy(dst + pos, src + prev, length)
            pos += length
            prev = cur
            _put_i(offs._data, offs._code, j + 1, pos)
        self._buf = new
        offs._mods += 1
        self._mods += 1

    def _delete(self, index):
        """``del x[i]`` or ``del x[slice]`` in one step."""
        cdef Py_ssize_t start, stop, step, n, k, j, w, kept
        cdef long long prev, cur, length, pos
        cdef _TypedList offs = self._offs
        cdef char* text
        if not isinstance(index, slice):
            if not PyIndex_Check(index):
                raise TypeError(f"StrList indices must be integers or slices, not "
                                f"{type(index).__name__}")
            j = PyNumber_AsSsize_t(index, IndexError)   # (may run __index__: before the length)
            j = item_position(j, self._n(), "StrList", "assignment index")
            self._splice(j, j + 1, [])
            return
        PySlice_Unpack(index, &start, &stop, &step)
        n = PySlice_AdjustIndices(self._n(), &start, &stop, step)
        if n == 0:
            return
        if step < 0:
            start = start + (n - 1) * step
            step = -step
        if step == 1:
            self._splice(start, start + n, [])
            return
        # from here: C only. Keep the other items, compacting text and offsets in place
        self._own_text()
        offs._own()
        text = PyByteArray_AS_STRING(self._buf)
        pos = 0
        prev = 0
        k = 0
        w = 0
        for j in range(self._n()):
            cur = self._off(j + 1)
            length = cur - prev
            if k < n and j == start + k * step:
                k += 1
            else:
                memmove(text + pos, text + prev, length)
                pos += length
                w += 1
                _put_i(offs._data, offs._code, w, pos)
            prev = cur
        offs._len = w + 1
        offs._mods += 1
        PyByteArray_Resize(self._buf, pos)   # (smaller: does not fail)
        self._mods += 1

    def _insert(self, Py_ssize_t index, bytes part):
        """``insert(index, part)`` (encoded; the index clamped as ``list.insert``)."""
        self._splice(clamp_bound(index, self._n()), clamp_bound(index, self._n()), [part])

    def _pop(self, Py_ssize_t index):
        """``pop(index)``: remove the item and return it, in one step."""
        cdef Py_ssize_t i
        if self._n() == 0:
            raise IndexError("pop from empty StrList")
        i = item_position(index, self._n(), "pop", "index")
        value = self._decode(i)
        self._splice(i, i + 1, [])
        return value

    def _remove(self, value):
        """``remove(value)``: find and delete the first equal item in one step."""
        cdef Py_ssize_t i = -1
        if isinstance(value, str):
            i = self._find(_utf8(value), 0, self._n(), False)
        if i < 0:
            raise ValueError("StrList.remove(x): x not in list")
        self._splice(i, i + 1, [])

    def reverse(self):
        """Reverse the items in place. O(total length), in C.

        >>> from lowram import StrList
        >>> s = StrList(["ab", "c"]); s.reverse(); s
        StrList(['c', 'ab'])
        """
        cdef Py_ssize_t n, size, i, j
        cdef long long a, b, t
        cdef char* text
        cdef char c
        cdef _TypedList offs = self._offs
        self._own_text()
        offs._own()
        n = self._n()
        size = PyByteArray_GET_SIZE(self._buf)
        text = PyByteArray_AS_STRING(self._buf)
        # the whole text reversed, then each item's bytes put back in order
        i, j = 0, size - 1
        while i < j:
            c = text[i]
            text[i] = text[j]
            text[j] = c
            i += 1
            j -= 1
        # item k of the result is old item n-1-k: its end is size - old_off[n-1-k]
        i, j = 0, n
        while i < j:
            a = size - self._off(j)
            b = size - self._off(i)
            _put_i(offs._data, offs._code, i, a)
            _put_i(offs._data, offs._code, j, b)
            i += 1
            j -= 1
        if i == j:
            _put_i(offs._data, offs._code, i, size - self._off(i))
        for i in range(n):
            a = self._off(i)
            b = self._off(i + 1) - 1
            while a < b:
                c = text[a]
                text[a] = text[b]
                text[b] = c
                a += 1
                b -= 1
        offs._mods += 1
        self._mods += 1

    def clear(self):
        """Remove every item, giving the memory back. O(1).

        >>> from lowram import StrList
        >>> s = StrList(["a"]); s.clear(); len(s)
        0
        """
        self._reset()

    def _take_all(self):
        """The items as a list, the StrList left empty, in one step (sort's first half)."""
        items = self._items()
        self._reset()
        return items

    def _put_all(self, list items):
        """Replace the items with ``items`` (str) in one step; return whether the list held
        any item before (sort's second half: a key that added to the empty list)."""
        changed = self._n() != 0
        self._reset()
        for s in items:
            self._push_str(s)
        return changed

    def _sort_items(self, bint reverse):
        """``sort()`` with no key in one step: the items sorted by ``list.sort`` (str
        comparisons are C: no Python code runs) and written back, stably."""
        cdef list items = self._items()
        if reverse:   # stable descending, as list.sort(reverse=True)
            PyList_Reverse(items)
        PyList_Sort(items)
        if reverse:
            PyList_Reverse(items)
        self._reset()
        for s in items:
            self._push_str(s)

    def _repeat(self, Py_ssize_t times):
        """``x *= times`` in one step."""
        cdef Py_ssize_t n = self._n(), size, k, r
        cdef _TypedList offs = self._offs
        cdef char* text
        if times <= 0 or n == 0:
            self._reset()
            return
        if times == 1:
            return
        self._own_text()
        size = PyByteArray_GET_SIZE(self._buf)
        if size > (<Py_ssize_t>sys.maxsize) // 4 // times or n > \
                (<Py_ssize_t>sys.maxsize) // 16 // times:
            raise MemoryError(f"StrList repeated {times} times is too large")
        if size * times > offs._hi:
            offs._fit(0, size * times)
        offs._reserve(n * times + 1)
        PyByteArray_Resize(self._buf, size * times)
        text = PyByteArray_AS_STRING(self._buf)
        for r in range(1, times):
            memcpy(text + r * size, text, size)
            for k in range(1, n + 1):
                _put_i(offs._data, offs._code, r * n + k,
                       _get_i(offs._data, offs._code, k) + r * size)
        offs._len = n * times + 1
        offs._mods += 1
        self._mods += 1

    def _shrink(self):
        """``shrink_to_fit`` in one step: an exact copy of the text, offsets sized exactly."""
        cdef Py_ssize_t size
        cdef const char* p
        if type(self._buf) is bytearray and \
                sys.getsizeof(self._buf) > PyByteArray_GET_SIZE(self._buf) + _EMPTY_BYTEARRAY + 1:
            p = _text(self._buf, &size)
            self._buf = PyByteArray_FromStringAndSize(p, size)
        self._offs._check_exports()
        self._offs._realloc(self._offs._len)

    def _share_text(self, view):
        """Make ``view`` (a read-only memoryview of the text bytearray, made by the caller)
        the text, if the text is still that bytearray; return the offsets shared as
        ``(owner, address, count, dtype)`` of the same moment, or None to try again."""
        cdef size_t address
        cdef Py_ssize_t n
        cdef int code
        if type(self._buf) is bytearray:
            if view is None or view.obj is not self._buf:
                return None
            self._buf = view
        owner = self._offs._share(&address, &n, &code)
        return self._buf, owner, address, n, _NAMES[code]


cdef Py_ssize_t _EMPTY_BYTEARRAY = sys.getsizeof(bytearray())


def text_has_byte(object text, int byte):
    """Whether a StrList's text (a bytearray or a memoryview) holds ``byte``. memchr."""
    cdef Py_ssize_t size
    cdef const char* p = _text(text, &size)
    return size > 0 and memchr(p, byte, size) != NULL


@cython.final
cdef class _StrIterator:
    """Iterator over a StrList's items; reads the current buffers at every step (as the
    iterator of ``list`` does), each item in one step."""
    cdef StrListCore _owner
    cdef Py_ssize_t _i
    cdef bint _rev

    def __iter__(self):
        return self

    def __next__(self):
        cdef StrListCore owner = self._owner
        if owner is None:
            raise StopIteration
        if self._rev:
            if 0 <= self._i < owner._n():
                self._i -= 1
                return owner._decode(self._i + 1)
        elif self._i < owner._n():
            self._i += 1
            return owner._decode(self._i - 1)
        self._owner = None
        raise StopIteration

    def __length_hint__(self):
        if self._owner is None:
            return 0
        if self._rev:
            return max(0, min(self._i + 1, self._owner._n()))
        return max(0, self._owner._n() - self._i)
