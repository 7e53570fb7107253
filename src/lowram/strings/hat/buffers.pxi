# Byte buffers, varints and the parser of the file and pickle payload (format 1, written by
# _HatTrie.to_bytes). Included by hat_trie.pyx.

_FORMAT = 1


cdef class _Buffer:
    """A growable byte buffer (C heap) for serialising and rollback logs."""
    cdef uint8_t *p
    cdef size_t n, cap

    def __dealloc__(self):
        free(self.p)

    cdef int reserve(self, size_t more) except -1:
        cdef size_t cap
        cdef uint8_t *q
        if self.n + more <= self.cap:
            return 0
        cap = self.cap * 2 if self.cap else 4096
        while cap < self.n + more:
            cap *= 2
        q = <uint8_t *>realloc(self.p, cap)
        if q == NULL:
            raise MemoryError()
        self.p = q
        self.cap = cap
        return 0

    cdef int varint(self, uint64_t v) except -1:
        self.reserve(10)
        while v >= 0x80:
            self.p[self.n] = <uint8_t>(v & 0x7F) | 0x80
            self.n += 1
            v >>= 7
        self.p[self.n] = <uint8_t>v
        self.n += 1
        return 0

    cdef int log_key(self, const uint8_t *s, size_t n) noexcept:
        """Append a varint length and the bytes; -1 when out of memory (no exception)."""
        try:
            self.varint(n)
            self.write(s, n)
        except MemoryError:
            return -1
        return 0

    cdef int write(self, const uint8_t *s, size_t n) except -1:
        self.reserve(n)
        if n:
            memcpy(self.p + self.n, s, n)
        self.n += n
        return 0


cdef uint64_t _read_varint(const uint8_t *p, size_t n, size_t *pos,
                           kind=_KIND) except? 0xFFFFFFFFFFFFFFFF:
    cdef uint64_t v = 0
    cdef int shift = 0
    cdef uint8_t b
    while True:
        if pos[0] >= n:
            raise _format_error("truncated record", kind)
        b = p[pos[0]]
        if shift > 63 or (shift == 63 and b > 1):
            raise _format_error("malformed varint", kind)
        pos[0] += 1
        v |= <uint64_t>(b & 0x7F) << shift
        if b < 0x80:
            return v
        shift += 7


def _format_error(what, kind=_KIND):
    from lowram.errors import FormatError

    return FormatError(f"{kind} payload: {what}")


cdef inline int64_t _rd64(const uint8_t *p) noexcept nogil:
    cdef int64_t v
    memcpy(&v, p, 8)
    return v


cdef _HatTrie _parse(object payload, cls):
    """A container of class cls from a payload of :meth:`_HatTrie.to_bytes` (bytes, or a
    view of them)."""
    cdef const uint8_t[::1] buf = payload
    cdef const uint8_t *p = NULL
    cdef size_t n = buf.shape[0], pos = 16, shared, rest, prevlen = 0, cap = 0
    cdef uint32_t burst, load
    cdef uint64_t count, i, u
    cdef int64_t v = 0
    cdef uint8_t *key = NULL
    cdef uint8_t *grown
    cdef uint8_t *code = NULL
    cdef size_t ncode
    cdef int r
    cdef bint values
    cdef _HatTrie s
    kind = cls._kind
    if n < 16:
        raise _format_error(f"{n} bytes, shorter than its 16-byte header", kind)
    p = &buf[0]
    memcpy(&burst, p, 4)
    memcpy(&load, p + 4, 4)
    memcpy(&count, p + 8, 8)
    if not (1 <= burst <= (1 << 24)) or not (1 <= load <= 1024):
        raise _format_error(f"bad tuning (burst {burst}, load {load})", kind)
    if count > n:
        raise _format_error(f"claims {count} keys in {n} bytes", kind)
    s = cls.__new__(cls)
    s._reset(burst, load)
    values = s._t.vwidth != 0
    try:
        for i in range(count):
            shared = _read_varint(p, n, &pos, kind)
            rest = _read_varint(p, n, &pos, kind)
            if shared > prevlen:
                raise _format_error(f"key {i} shares {shared} bytes with a {prevlen}-byte key",
                                    kind)
            if rest > n - pos:
                raise _format_error(f"key {i} runs past the end", kind)
            if shared + rest > 0xFFFFFFFF:
                raise _format_error(f"key {i} is too long", kind)
            if shared + rest > cap:
                cap = max(shared + rest, 2 * cap, 64)
                grown = <uint8_t *>realloc(key, cap)
                if grown == NULL:
                    raise MemoryError()
                key = grown
                grown = <uint8_t *>realloc(code, cap)
                if grown == NULL:
                    raise MemoryError()
                code = grown
            if i and (rest == 0 or (shared < prevlen and p[pos] <= key[shared])):
                raise _format_error(f"key {i} is not after the key before it", kind)
            if rest:
                memcpy(key + shared, p + pos, rest)
            pos += rest
            prevlen = shared + rest
            if not hat_valid_utf8(key, prevlen):
                raise _format_error(f"key {i} is not valid UTF-8", kind)
            if values:
                u = _read_varint(p, n, &pos, kind)
                v = <int64_t>(u >> 1) ^ -<int64_t>(u & 1)  # zigzag
            ncode = kc_from_utf8(key, prevlen, code)  # never longer than the UTF-8
            r = hat_upsert(s._t, code, ncode, <uint8_t *>&v, NULL)
            if r < 0:
                raise MemoryError()
        if pos != n:
            raise _format_error(f"{n - pos} bytes after the last key", kind)
    finally:
        free(key)
        free(code)
    return s
