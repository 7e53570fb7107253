# cython: language_level=3
"""A compiled reader of the dawgdic format (what dawg2 writes and DAWG-Python reads).

dawg2 builds the DAWG; lowram reads it here rather than through dawg2's objects, because a
flat array read in C is what the wrapper improves on: lookups need no Python ``bytes`` per
ASCII key, a batch of lookups runs without a Python call per key, the structure opens in
place from a memory map (processes share one copy), and its memory is exactly its buffer.

Format (little-endian): ``uint32 n`` then ``n`` uint32 dictionary units; for a completion
DAWG, ``uint32 m`` then ``m`` pairs of uint8 (first child label, next sibling label): the
guide that enumerates keys in label (UTF-8 byte) order. Unit bits, as dawgdic defines them:
bit 8 "has a leaf" (the node ends a key), bit 9 extends the offset, bits 10-31 the offset to
the children, bits 0-7 (with bit 31 marking a leaf) the label of the unit. Every index is
bounds-checked, so even a crafted buffer cannot make a lookup read outside it.
"""

import numpy as np

from lowram.errors import FormatError

from cpython.unicode cimport PyUnicode_Check
from libc.stdint cimport uint8_t, uint32_t

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object)
    const char* PyUnicode_AsUTF8AndSize(object, Py_ssize_t*) except NULL
    Py_ssize_t PyUnicode_GET_LENGTH(object)

DEF _BUF = 128  # UTF-8 bytes a lookup encodes on the stack; longer keys get a bytes object

cdef uint32_t HAS_LEAF = 1 << 8
cdef uint32_t EXTENSION = 1 << 9
cdef uint32_t IS_LEAF = 1u << 31


cdef extern from "Python.h":
    object _encode_utf8 "PyUnicode_AsUTF8String"(object)


cdef object _utf8_or_none(object key):
    # UTF-8 bytes of ``key``, or None when it holds a lone surrogate
    try:
        return _encode_utf8(key)
    except UnicodeEncodeError:
        return None


cdef extern from "csrc/dawgdic_batch.h":
    # UTF-8 of a ready str into a buffer of 4 bytes per character: its length; -2 for a lone
    # surrogate (never stored). No object is made, unlike PyUnicode_AsUTF8String.
    Py_ssize_t _utf8_into "lowram_utf8_into"(object key, uint8_t* out, int surrogates) noexcept
    int lowram_str_ready(object s) except -1
    int lowram_dawg_contains_many(const uint32_t* u, size_t n, list seq,
                                  unsigned char* out) except -1


cdef inline uint32_t _offset(uint32_t base) noexcept nogil:
    return (base >> 10) << ((base & EXTENSION) >> 6)


cdef class DawgDict:
    """A dawgdic dictionary (and guide) over a bytes-like buffer, used in place.

    >>> import dawg
    >>> d = DawgDict(dawg.CompletionDAWG(["ab", "abc", "b"]).tobytes())
    >>> "abc" in d, "a" in d, list(d.iter_keys(b"a")), d.prefix_lengths(b"abcd")
    (True, False, ['ab', 'abc'], [2, 3])
    """

    cdef readonly object buffer
    cdef const uint8_t[::1] _view
    cdef const uint32_t* _units
    cdef const uint8_t* _guide
    cdef Py_ssize_t _n, _m
    cdef bint _has_guide

    def __cinit__(self, buffer):
        view = memoryview(buffer).cast("B")
        cdef Py_ssize_t size = len(view), n, m
        if size < 4:
            raise ValueError("dawgdic data shorter than its size field")
        self._view = view
        if (<size_t>&self._view[0]) % 4:
            raise ValueError("dawgdic data must start on a 4-byte boundary")
        n = (<const uint32_t*>&self._view[0])[0]
        if 4 + 4 * n > size or n < 1:
            raise ValueError("dawgdic dictionary size does not fit the data")
        self._units = <const uint32_t*>&self._view[4]
        self._n = n
        self._m = 0
        self._guide = NULL
        self._has_guide = size > 4 + 4 * n
        if self._has_guide:
            if size < 8 + 4 * n:
                raise ValueError("dawgdic guide size field is truncated")
            m = (<const uint32_t*>&self._view[4 + 4 * n])[0]
            if 8 + 4 * n + 2 * m != size:
                raise ValueError("dawgdic guide size does not match the data")
            self._m = m
            self._guide = &self._view[8 + 4 * n] if m else NULL
        self.buffer = buffer

    cdef inline Py_ssize_t _follow(self, uint8_t label, Py_ssize_t index) noexcept nogil:
        cdef uint32_t base = self._units[index]
        cdef Py_ssize_t nxt = <uint32_t>(<uint32_t>index ^ _offset(base) ^ label)
        if nxt >= self._n or (self._units[nxt] & (IS_LEAF | 0xFF)) != label:
            return -1
        return nxt

    cdef inline Py_ssize_t _walk(self, const uint8_t* p, Py_ssize_t n) noexcept nogil:
        cdef Py_ssize_t i, index = 0
        if self._has_guide and self._m == 0:
            return -1  # no keys: an empty dawgdic's filler units can mimic transitions
        for i in range(n):
            index = self._follow(p[i], index)
            if index < 0:
                return -1
        return index

    cdef inline bint _has_value(self, Py_ssize_t index) noexcept nogil:
        return (self._units[index] & HAS_LEAF) != 0

    cdef inline long _value(self, Py_ssize_t index) noexcept nogil:
        cdef Py_ssize_t v = <uint32_t>(<uint32_t>index ^ _offset(self._units[index]))
        if v >= self._n:
            return -1
        return self._units[v] & ~IS_LEAF

    cdef inline int _lookup(self, key, bint want_value, long* value) except -2:
        cdef const char* p
        cdef Py_ssize_t size, index
        cdef uint8_t buf[_BUF]
        if not PyUnicode_Check(key):
            return 0
        lowram_str_ready(key)  # before its length sizes the buffer (Python < 3.12)
        if PyUnicode_IS_ASCII(key):
            p = PyUnicode_AsUTF8AndSize(key, &size)
            index = self._walk(<const uint8_t*>p, size)
        elif 4 * PyUnicode_GET_LENGTH(key) <= _BUF:
            size = _utf8_into(key, buf, 0)
            if size < 0:
                return 0  # a lone surrogate: never stored
            index = self._walk(buf, size)
        else:
            b = _utf8_or_none(key)
            if b is None:
                return 0  # a lone surrogate: never stored
            index = self._walk(<const uint8_t*><const char*>b, len(b))
        if index < 0 or not self._has_value(index):
            return 0
        if want_value:
            value[0] = self._value(index)
        return 1

    def __contains__(self, key):
        return self._lookup(key, False, NULL) == 1

    def contains_many(self, strings):
        """Numpy bool array: ``s in self`` for each of ``strings``, looped in C.

        Keys go in chunks of 256: each chunk is encoded to UTF-8 first (ASCII keys are read
        in place; ``csrc/utf8_batch.h``), then walked eight keys at a time
        (``csrc/dawgdic_batch.h``), so eight chains of dependent reads through the unit array
        overlap.
        """
        cdef list seq = list(strings)  # a private snapshot: the chunks read its keys in place
        out = np.zeros(len(seq), dtype=np.bool_)
        cdef unsigned char[::1] res = out.view(np.uint8)
        if len(seq) and not (self._has_guide and self._m == 0):
            lowram_dawg_contains_many(self._units, self._n, seq, &res[0])
        return out

    def value_of(self, key):
        """The int stored with ``key`` (an IntCompletionDAWG's value), or -1."""
        cdef long value = -1
        if self._lookup(key, True, &value) == 1:
            return value
        return -1

    def has_prefix(self, bytes prefix):
        """Whether some key starts with ``prefix`` (UTF-8). In a DAWG every node leads on to
        a key, so this is one walk."""
        return self._walk(<const uint8_t*><const char*>prefix, len(prefix)) >= 0

    def prefix_lengths(self, bytes key):
        """Byte lengths of the stored keys that are prefixes of ``key`` (UTF-8), ascending."""
        cdef const uint8_t* p = <const uint8_t*><const char*>key
        cdef Py_ssize_t i, index = 0
        out = []
        if self._has_guide and self._m == 0:
            return out
        for i in range(len(key)):
            index = self._follow(p[i], index)
            if index < 0:
                break
            if self._has_value(index):
                out.append(i + 1)
        return out

    def iter_keys(self, bytes prefix=b"", bint values=False, Py_ssize_t limit=-1):
        """Yield the keys starting with ``prefix`` in UTF-8 byte (= code-point) order, or
        (key, value) pairs with ``values=True``. Needs the guide (a completion DAWG).

        The guide is data, so a crafted one could list keys for ever: each key must sort
        after the one before (a guide that loops repeats one), and ``limit`` (the number of
        keys the file says it holds; -1: no limit) caps how many are listed. Either broken
        raises :class:`~lowram.FormatError`."""
        cdef Py_ssize_t index = self._walk(<const uint8_t*><const char*>prefix, len(prefix))
        cdef Py_ssize_t last = 0, listed = 0
        cdef bytes prev = None, cur
        cdef uint8_t label
        if index < 0:
            return
        if not self._has_guide:
            raise ValueError("this DAWG has no completion guide: its keys cannot be listed")
        if self._guide == NULL:
            return  # an empty guide: no keys
        key = bytearray(prefix)
        stack = [index]
        # no path in a DAWG is longer than its unit count: a crafted file whose guide loops
        # (the checksum only catches accidents) must fail, not grow `key` without limit
        while True:
            # advance to the next candidate node (dawgdic's Completer::Next)
            if last != 0:
                index = stack[len(stack) - 1]
                label = self._guide_child(index)
                if label:
                    index = self._follow(label, index)
                    if index < 0:
                        return
                    key.append(label)
                    stack.append(index)
                else:
                    while True:
                        label = self._guide_sibling(index)
                        if len(key) > 0:
                            key.pop()
                        stack.pop()
                        if not stack:
                            return
                        index = stack[len(stack) - 1]
                        if label:
                            index = self._follow(label, index)
                            if index < 0:
                                return
                            key.append(label)
                            stack.append(index)
                            break
            # descend to the first terminal (Completer::FindTerminal)
            while not self._has_value(index):
                label = self._guide_child(index)
                index = self._follow(label, index)
                if index < 0:
                    return
                key.append(label)
                stack.append(index)
                if len(stack) > self._n:
                    raise FormatError("corrupt DAWG: its completion guide has a cycle")
            last = index if index else 1
            cur = bytes(key)
            if prev is not None and cur <= prev:
                raise FormatError("corrupt DAWG: its completion guide lists "
                                  f"{cur[:40]!r} after {prev[:40]!r} (keys must come in "
                                  "order, each once)")
            listed += 1
            if 0 <= limit < listed:
                raise FormatError(f"corrupt DAWG: its completion guide lists more keys than "
                                  f"the {limit} the file holds")
            prev = cur
            try:
                text = cur.decode("utf-8")
            except UnicodeDecodeError:
                raise FormatError(f"corrupt DAWG: its key {cur[:40]!r} is not UTF-8") from None
            if values:
                yield text, self._value(index)
            else:
                yield text

    cdef inline uint8_t _guide_child(self, Py_ssize_t index) noexcept nogil:
        return self._guide[2 * index] if index < self._m else 0

    cdef inline uint8_t _guide_sibling(self, Py_ssize_t index) noexcept nogil:
        return self._guide[2 * index + 1] if index < self._m else 0

    @property
    def nbytes(self):
        """Bytes of the dictionary and guide (the whole buffer)."""
        return len(self._view)
