# Typed lists sharing memory with Arrow: a list over a numpy array (shared_intlist), and the
# block a list hands over on to_arrow (_Block). Included by _typed.pyx.

def shared_intlist(arr):
    """An adaptive IntList over a 1-d contiguous int32/int64 numpy array, sharing it (the
    list copies on its first write; the array must not change while the list reads it)."""
    cdef IntList out = IntList()
    cdef const unsigned char[::1] raw
    if arr.ndim != 1 or arr.dtype.name not in ("int32", "int64") or \
            not arr.flags.c_contiguous:
        raise TypeError(f"can share a 1-d contiguous int32 or int64 array, not {arr.dtype}")
    if arr.shape[0] == 0:
        return out
    raw = arr.view(np.uint8)
    out._set_code(_NAMES.index(arr.dtype.name))
    out._borrow(arr, <const char*>&raw[0], arr.shape[0])
    return out


@cython.final
cdef class _Block:
    """A PyMem block a typed list handed over when it became shared (``to_arrow``): it frees
    the block when the last reader (the list, an Arrow buffer) lets go, and exposes it
    read-only."""
    cdef char* p
    cdef Py_ssize_t n

    def __dealloc__(self):
        PyMem_Free(self.p)
        self.p = NULL

    def __getbuffer__(self, Py_buffer *buffer, int flags):
        PyBuffer_FillInfo(buffer, self, self.p, self.n, 1, flags)

    def __releasebuffer__(self, Py_buffer *buffer):
        pass

    def __sizeof__(self):
        return object.__sizeof__(self) + self.n
