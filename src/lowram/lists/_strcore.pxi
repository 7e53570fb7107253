# StrList's compiled core (StrListCore, its kernels and iterator). Included by _typed.pyx,
# whose _TypedList it reads directly (the offsets).

# ---------------------------------------------------------------- StrList kernels
#
# A StrList is a bytearray of UTF-8 text plus an IntList of end offsets (offsets[0] == 0).
# These loops append and decode without a temporary Python object per item where they can:
# an ASCII str is copied straight from its internal buffer.

from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE, PyByteArray_Resize
from cpython.unicode cimport PyUnicode_DecodeUTF8

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object o)
    void* PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    Py_buffer* PyMemoryView_GET_BUFFER(object o)


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


cdef inline int _str_push(bytearray data, _TypedList offsets, object s) except -1:
    cdef const char* p
    cdef Py_ssize_t size, pos
    cdef long long end
    if not isinstance(s, str):
        raise TypeError(f"StrList items must be str, not {type(s).__name__}")
    if PyUnicode_IS_ASCII(s):
        p = <const char*>PyUnicode_DATA(s)
        size = PyUnicode_GET_LENGTH(s)
        encoded = None
    else:
        encoded = (<str>s).encode("utf-8", "surrogatepass")
        p = <const char*>encoded
        size = len(<bytes>encoded)
    pos = PyByteArray_GET_SIZE(data)
    PyByteArray_Resize(data, pos + size)
    if size:
        memcpy(PyByteArray_AS_STRING(data) + pos, p, size)
    end = pos + size
    if end > offsets._hi:
        offsets._fit(0, end)
    if offsets._len >= offsets._cap:
        offsets._reserve(offsets._len + 1)
    _put_i(offsets._data, offsets._code, offsets._len, end)
    offsets._len += 1
    return 0


def str_extend(bytearray data, _TypedList offsets, iterable):
    """Append every ``str`` of ``iterable`` to a StrList's buffers; all or nothing. O(bytes)."""
    cdef Py_ssize_t old_bytes = PyByteArray_GET_SIZE(data)
    cdef Py_ssize_t old_items = offsets._len
    cdef int old_code = offsets._code
    offsets._check_exports()
    try:
        for s in iterable:
            _str_push(data, offsets, s)
    except BaseException:
        offsets._rollback(old_items, old_code)
        if PyByteArray_GET_SIZE(data) > old_bytes:
            try:
                PyByteArray_Resize(data, old_bytes)
            except BufferError:   # shared meanwhile (to_arrow): the caller copies instead
                pass
        raise


def str_append(bytearray data, _TypedList offsets, s):
    """Append one ``str`` to a StrList's buffers. Amortised O(len(s))."""
    offsets._check_exports()
    _str_push(data, offsets, s)


cdef inline str _str_decode(object data, _TypedList offsets, Py_ssize_t i):
    cdef long long a = _get_i(offsets._data, offsets._code, i)
    cdef long long b = _get_i(offsets._data, offsets._code, i + 1)
    cdef Py_ssize_t size
    cdef const char* p = _text(data, &size)
    if not 0 <= a <= b <= size:
        raise RuntimeError(f"corrupt StrList: item {i} spans bytes {a}..{b} of {size}")
    return PyUnicode_DecodeUTF8(p + a, b - a, "surrogatepass")


def str_item(object data, _TypedList offsets, Py_ssize_t i):
    """Item ``i`` (negative counts from the end) of a StrList's buffers. O(len(item))."""
    return _str_decode(data, offsets, item_position(i, offsets._len - 1, "StrList"))




cdef class _StrIterator


cdef class StrListCore:
    """C core of :class:`lowram.StrList`: its two buffers, ``len`` and ``x[i]`` (private).

    The subclass in :mod:`lowram.lists` adds the rest of the list API; it provides
    ``_getslice(index)`` for the slice and index-object cases of ``x[...]``.
    """

    cdef object _buf   # bytearray, or a read-only 1-d memoryview of bytes (shared text)
    cdef _TypedList _offs

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

    def __len__(self):
        return self._offs._len - 1

    def __getitem__(self, index):
        cdef Py_ssize_t i
        if PyLong_Check(index):
            i = item_position(PyNumber_AsSsize_t(index, IndexError), self._offs._len - 1,
                              "StrList")
            return _str_decode(self._buf, self._offs, i)
        return self._getslice(index)

    def __iter__(self):
        cdef _StrIterator it = _StrIterator.__new__(_StrIterator)
        it._owner = self
        it._i = 0
        return it


@cython.final
cdef class _StrIterator:
    """Iterator over a StrList's items; reads the current buffers at every step."""
    cdef StrListCore _owner
    cdef Py_ssize_t _i

    def __iter__(self):
        return self

    def __next__(self):
        cdef StrListCore owner = self._owner
        if owner is None:
            raise StopIteration
        if self._i >= owner._offs._len - 1:
            self._owner = None
            raise StopIteration
        self._i += 1
        return _str_decode(owner._buf, owner._offs, self._i - 1)
