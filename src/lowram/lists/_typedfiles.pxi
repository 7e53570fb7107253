# Files and pickles of IntList and FloatList: the format-1 payload's parser (the envelope,
# the writer and load's two ways live in lists/_files.py) and the unpickler. Included by
# _typed.pyx.

_LIST_HEAD = struct.Struct("<BB6xQ")   # item type code, fixed width, item count


class _MappedItems:
    """The base of a list whose items are a mapped file's: it holds the view into the map
    (which keeps the map open) while the list reads from it."""
    __slots__ = ("view",)

    def __init__(self, view):
        self.view = view


def _typed_from_payload(cls, payload, source, mapped):
    """A typed list from a format-1 payload (``lists/_files.py``), every field checked; with
    ``mapped``, the list reads its items from the payload in place."""
    from lowram.errors import FormatError

    cdef _TypedList out
    cdef const unsigned char[::1] raw
    kind = cls._FILE_KIND
    size = len(payload)
    if size < _LIST_HEAD.size:
        raise FormatError(f"{source}: {kind} header truncated")
    code, fixed, n = _LIST_HEAD.unpack_from(payload)
    codes = {4, 5} if issubclass(cls, FloatList) else {0, 1, 2, 3}
    if code not in codes or fixed > 1:
        raise FormatError(f"{source}: {kind} header is invalid (item type code {code}, "
                          f"fixed {fixed})")
    start = _files.items_start(kind, _LIST_HEAD.size)
    view = memoryview(payload).cast("B")
    if size < start or any(view[_LIST_HEAD.size:start]):
        raise FormatError(f"{source}: {kind} header padding is not zero bytes")
    if (size - start) % _SIZES[code] or (size - start) // _SIZES[code] != n:
        raise FormatError(f"{source}: {kind} body is {size - start} bytes, not {n} items "
                          f"of {_SIZES[code]} bytes")
    items = view[start:]
    if mapped is not None and n and sys.byteorder == "little":
        out = cls.__new__(cls)
        out._set_code(code)
        out._fixed = fixed
        raw = items
        out._borrow(_MappedItems(items), <const char*>&raw[0], n)
        return out
    data = items.tobytes()
    if sys.byteorder != "little":
        data = np.frombuffer(data, _NAMES[code]).byteswap().tobytes()
    return _rebuild(cls, _NAMES[code], bool(fixed), data)


def _rebuild(cls, dtype, fixed, data):
    """Unpickle a typed list from its item type and raw native bytes."""
    cdef _TypedList out = cls.__new__(cls)
    cdef int code = _NAMES.index(dtype)
    cdef const unsigned char[:] raw = data
    if len(data) % _SIZES[code]:
        raise ValueError(f"corrupt {cls.__name__} pickle: {len(data)} bytes is not a "
                         f"multiple of the {dtype} item size")
    out._set_code(code)
    out._fixed = fixed
    out._realloc(len(data) // _SIZES[code])
    if len(data):
        memcpy(out._data, &raw[0], len(data))
    out._len = len(data) // _SIZES[code]
    return out
