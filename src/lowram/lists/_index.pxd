# cython: language_level=3
"""``list``'s index rules, written once for the compiled lists (IntList, FloatList, StrList's
core, PackedIntArray); the Python-fronted lists use :mod:`lowram.lists._sequence`.

Inline functions only: modules ``cimport`` them and no module of this name exists at run time.
"""


cdef inline Py_ssize_t item_position(Py_ssize_t i, Py_ssize_t n, str owner,
                                     str what="index") except -1:
    """Item index ``i`` (negative counts from the end) of a sequence of length ``n``, or
    ``IndexError("<owner> <what> out of range")``, as ``list[i]`` raises."""
    if i < 0:
        i += n
    if i < 0 or i >= n:
        raise IndexError(f"{owner} {what} out of range")
    return i


cdef inline Py_ssize_t clamp_bound(Py_ssize_t i, Py_ssize_t n) noexcept:
    """A ``start``/``stop`` bound as ``list.index`` and ``list.insert`` read it: negative
    counts from the end, then clamped into ``0 .. n``."""
    if i < 0:
        i += n
        if i < 0:
            i = 0
    elif i > n:
        i = n
    return i
