# Keys from a column of strings (an Arrow string array's buffers, already checked to be
# UTF-8 by lowram._arrow): each key is coded into one scratch buffer and inserted, with no
# Python object per key. The set's and the map's batch paths use it.


cdef class _Coder:
    """Room for one key's code; grows to the longest key seen (the code of a UTF-8 key is
    never longer than the key)."""
    cdef uint8_t *p
    cdef size_t cap

    def __dealloc__(self):
        free(self.p)

    cdef int code(self, const uint8_t *s, size_t n, lowram_key *k) except -1:
        cdef uint8_t *q
        cdef size_t cap
        if n > 0xFFFFFFFF:
            raise ValueError(f"key of {n} bytes is longer than the 4 GiB limit")
        if self.p == NULL or n > self.cap:
            cap = n if n > 64 else 64
            q = <uint8_t *>realloc(self.p, cap)
            if q == NULL:
                raise MemoryError()
            self.p = q
            self.cap = cap
        k.n = <Py_ssize_t>kc_from_utf8(s, n, self.p)
        k.p = self.p
        return 0


def _column_items(column):
    """The keys of a string column as ``str``, one by one (when a column is chained with
    other iterables and cannot be read whole)."""
    for data, offs, row0 in text_blocks(column, _KIND):
        first = int(offs[0])
        raw = data[first:int(offs[-1])].tobytes()
        ends = (offs - first).tolist()
        for a, b in zip(ends, ends[1:]):
            yield raw[a:b].decode("utf-8")
