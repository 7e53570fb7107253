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


cdef class _BlockCounts:
    """The distinct keys of one column block and how often each occurs, found with a
    cache-sized hash table (linear probing over the block's rows), so that counting a block
    touches the trie once per distinct key instead of once per row."""
    cdef uint32_t *slots      # row + 1 of each distinct key's first row, by hash
    cdef uint64_t *hashes     # per row of the block
    cdef uint32_t *first      # rows of the distinct keys, in order of first occurrence
    cdef uint64_t *counts     # occurrences of each distinct key
    cdef size_t rows, mask

    def __dealloc__(self):
        free(self.slots)
        free(self.hashes)
        free(self.first)
        free(self.counts)

    cdef int reserve(self, size_t rows) except -1:
        cdef size_t size = 16
        if rows <= self.rows:
            return 0
        while size < 2 * rows:
            size *= 2
        free(self.slots)
        free(self.hashes)
        free(self.first)
        free(self.counts)
        self.slots = <uint32_t *>malloc(size * sizeof(uint32_t))
        self.hashes = <uint64_t *>malloc(rows * sizeof(uint64_t))
        self.first = <uint32_t *>malloc(rows * sizeof(uint32_t))
        self.counts = <uint64_t *>malloc(rows * sizeof(uint64_t))
        if not (self.slots and self.hashes and self.first and self.counts):
            self.rows = 0
            raise MemoryError()
        self.rows = rows
        self.mask = size - 1
        return 0

    cdef Py_ssize_t distinct(self, const uint8_t *base, const int64_t[::1] offs) except -1:
        """Fill first/counts for the block's rows; return how many distinct keys."""
        cdef Py_ssize_t i, n = offs.shape[0] - 1, m = 0
        cdef size_t j, size
        cdef uint32_t k
        cdef uint64_t h
        self.reserve(<size_t>n)
        memset(self.slots, 0, (self.mask + 1) * sizeof(uint32_t))
        for i in range(n):
            size = <size_t>(offs[i + 1] - offs[i])
            h = lr_xxh3(base + offs[i], size, 0)
            self.hashes[i] = h
            j = h & self.mask
            while True:
                k = self.slots[j]
                if k == 0:
                    self.slots[j] = <uint32_t>(m + 1)
                    self.first[m] = <uint32_t>i
                    self.counts[m] = 1
                    m += 1
                    break
                k -= 1
                if self.hashes[self.first[k]] == h and \
                        <size_t>(offs[self.first[k] + 1] - offs[self.first[k]]) == size and \
                        memcmp(base + offs[self.first[k]], base + offs[i], size) == 0:
                    self.counts[k] += 1
                    break
                j = (j + 1) & self.mask
        return m


def _column_items(column):
    """The keys of a string column as ``str``, one by one (when a column is chained with
    other iterables and cannot be read whole)."""
    for data, offs, row0 in text_blocks(column, _KIND):
        first = int(offs[0])
        raw = data[first:int(offs[len(offs) - 1])].tobytes()
        ends = (offs - first).tolist()
        for a, b in zip(ends, ends[1:]):
            yield raw[a:b].decode("utf-8")
