# cython: language_level=3
"""Registers of the LogLog family: 6-bit dense registers, or a sparse sorted list when small.

One hash gives a register index ``j`` and a rank ``r`` (the *register rule*); a register keeps
the largest rank it has seen. Rule 0 (lowram's): ``j`` is the top ``p`` bits of the 64-bit
hash and ``r`` is one plus the number of leading zeros of the remaining ``64 - p`` bits
(``65 - p`` when they are all zero). Rules are numbered so that another (for example Redis')
can be added as one more case of :func:`_split` and one more value of ``rule``.

Sparse mode holds one entry per touched register, ``key = j << 6 | r``, sorted and stored as
LEB128 varints of the differences between keys (about 1.5-2 bytes per entry), plus an
unsorted buffer of pending keys that is merged in when full. Once more than ``m / 4``
registers are touched the registers turn dense: ``m * 6 / 8`` bytes, four registers in three
bytes. Which mode a sketch is in depends only on the set of registers touched, so a sketch
built in pieces and merged is bit-identical to one built at once.

Threads: every method reads and changes the registers in C with the GIL held and no Python
code or garbage-collected allocation in between (the pending keys are sorted and merged by
the loops below, not by numpy, which releases the GIL), so two threads updating, merging or
saving one sketch take turns. Without a GIL, a per-object lock would be needed here.
"""

from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libc.stdlib cimport qsort
from libc.string cimport memcpy, memset

import numpy as np

from lowram._native._hash cimport hash_item, lr_clz64

MIN_P = 4
MAX_P = 18
RULES = (0,)


cdef inline void _split(int rule, int p, uint64_t h, uint32_t *j, uint32_t *r) noexcept nogil:
    """Register index and rank of hash ``h`` under register rule ``rule``."""
    cdef uint64_t w
    cdef int z
    # rule 0: index = top p bits, rank = leading zeros of the rest + 1
    j[0] = <uint32_t>(h >> (64 - p))
    w = h << p
    z = lr_clz64(w)
    if z > 64 - p:
        z = 64 - p
    r[0] = <uint32_t>(z + 1)


cdef inline uint32_t _get(const uint8_t *d, uint32_t j) noexcept nogil:
    cdef uint32_t bit = j * 6
    cdef uint32_t w = d[bit >> 3] | (<uint32_t>d[(bit >> 3) + 1] << 8)
    return (w >> (bit & 7)) & 63


cdef inline void _put(uint8_t *d, uint32_t j, uint32_t v) noexcept nogil:
    cdef uint32_t bit = j * 6
    cdef uint32_t byte = bit >> 3, sh = bit & 7
    cdef uint32_t w = d[byte] | (<uint32_t>d[byte + 1] << 8)
    w = (w & ~(<uint32_t>63 << sh)) | (v << sh)
    d[byte] = <uint8_t>(w & 0xFF)
    d[byte + 1] = <uint8_t>(w >> 8)


cdef inline void _raise(uint8_t *d, uint32_t j, uint32_t r) noexcept nogil:
    if r > _get(d, j):
        _put(d, j, r)


cdef int _cmp_u32(const void *a, const void *b) noexcept nogil:
    cdef uint32_t x = (<const uint32_t *>a)[0], y = (<const uint32_t *>b)[0]
    return (x > y) - (x < y)


cdef void _merge_runs(uint32_t *keys, Py_ssize_t n1, Py_ssize_t n2) noexcept:
    """Merge the sorted ``keys[:n1]`` and ``keys[n1:n1 + n2]`` in place (``n2`` small:
    the larger of the two runs' tails is moved right, from the back)."""
    cdef Py_ssize_t i = n1 - 1, j, w = n1 + n2 - 1
    cdef uint32_t *tail = <uint32_t *>PyMem_Malloc((n2 + 1) * sizeof(uint32_t))
    cdef Py_ssize_t k
    if tail == NULL:   # fall back to an insertion merge (no allocation)
        for k in range(n1, n1 + n2):
            j = k
            while j > 0 and keys[j - 1] > keys[j]:
                keys[j - 1], keys[j] = keys[j], keys[j - 1]
                j -= 1
        return
    memcpy(tail, keys + n1, n2 * sizeof(uint32_t))
    j = n2 - 1
    while j >= 0:
        if i >= 0 and keys[i] > tail[j]:
            keys[w] = keys[i]
            i -= 1
        else:
            keys[w] = tail[j]
            j -= 1
        w -= 1
    PyMem_Free(tail)


cdef class Registers:
    """``m = 2**p`` registers of the LogLog family (sparse while small, then 6-bit dense).

    >>> import numpy as np
    >>> regs = Registers(10)
    >>> regs.add_hashes(np.array([0, 1 << 63, 3 << 62], dtype=np.uint64))
    >>> regs.is_sparse, regs.touched, int(regs.histogram()[0])
    (True, 3, 1021)
    """

    cdef readonly int p
    cdef readonly int rule
    cdef readonly uint32_t m
    cdef uint8_t *dense
    cdef Py_ssize_t dense_len
    cdef uint8_t *sp          # varint deltas of the sorted keys
    cdef Py_ssize_t sp_len, sp_cap
    cdef Py_ssize_t sp_count  # entries in sp
    cdef uint32_t *pend
    cdef Py_ssize_t pend_n, pend_cap

    def __cinit__(self, int p, int rule=0, bint sparse=True):
        if p < MIN_P or p > MAX_P:
            raise ValueError(f"p must be from {MIN_P} to {MAX_P}, not {p}")
        if rule not in RULES:
            raise ValueError(f"unknown register rule {rule}; known: {RULES}")
        self.p = p
        self.rule = rule
        self.m = 1u << p
        self.dense = NULL
        self.dense_len = 0
        self.sp = NULL
        self.sp_len = self.sp_cap = self.sp_count = 0
        self.pend = NULL
        self.pend_n = self.pend_cap = 0
        if not sparse:
            self._make_dense()

    def __dealloc__(self):
        PyMem_Free(self.dense)
        PyMem_Free(self.sp)
        PyMem_Free(self.pend)

    # ------------------------------------------------------------ internals
    cdef int _make_dense(self) except -1:
        cdef Py_ssize_t i
        cdef uint8_t *d
        cdef Py_ssize_t n = (<Py_ssize_t>self.m * 6 + 7) // 8 + 1  # +1: 16-bit window
        cdef uint32_t *keys
        cdef Py_ssize_t count
        d = <uint8_t *>PyMem_Malloc(n)
        if d == NULL:
            raise MemoryError()
        memset(d, 0, n)
        try:
            keys = self._sorted_keys(&count)
        except BaseException:
            PyMem_Free(d)
            raise
        for i in range(count):
            _raise(d, keys[i] >> 6, keys[i] & 63)
        PyMem_Free(keys)
        self.dense = d
        self.dense_len = n
        PyMem_Free(self.sp)
        PyMem_Free(self.pend)
        self.sp = NULL
        self.pend = NULL
        self.sp_len = self.sp_cap = self.sp_count = self.pend_n = self.pend_cap = 0
        return 0

    cdef void _decode(self, uint32_t *ov) noexcept:
        """Write the ``sp_count`` sorted keys held in ``sp`` to ``ov``."""
        cdef Py_ssize_t pos = 0, k = 0
        cdef uint32_t key = 0, delta
        cdef int shift
        while pos < self.sp_len:
            delta = 0
            shift = 0
            while True:
                delta |= (<uint32_t>(self.sp[pos] & 0x7F)) << shift
                shift += 7
                pos += 1
                if not (self.sp[pos - 1] & 0x80):
                    break
            key += delta
            ov[k] = key
            k += 1

    cdef int _encode(self, const uint32_t *keys, Py_ssize_t n) except -1:
        """Replace ``sp`` by the varint deltas of the ``n`` sorted ``keys``."""
        cdef Py_ssize_t cap = n * 5 + 1, pos = 0, i  # a uint32 varint takes up to 5 bytes
        cdef uint32_t prev = 0, delta
        cdef uint8_t *buf = <uint8_t *>PyMem_Malloc(cap)
        if buf == NULL:
            raise MemoryError()
        for i in range(n):
            delta = keys[i] - prev
            prev = keys[i]
            while delta >= 0x80:
                buf[pos] = <uint8_t>((delta & 0x7F) | 0x80)
                delta >>= 7
                pos += 1
            buf[pos] = <uint8_t>delta
            pos += 1
        shrunk = <uint8_t *>PyMem_Realloc(buf, pos if pos else 1)
        if shrunk != NULL:
            buf = shrunk
        PyMem_Free(self.sp)
        self.sp = buf
        self.sp_len = self.sp_cap = pos
        self.sp_count = n
        return 0

    cdef uint32_t *_sorted_keys(self, Py_ssize_t *count) except NULL:
        """All sparse keys, pending ones merged in: sorted, one (the largest) per register,
        in a new PyMem block (the caller frees it) of ``count[0]`` keys."""
        cdef Py_ssize_t n_old = self.sp_count, n_pend = self.pend_n, a = 0, b, w = 0
        cdef uint32_t *out = <uint32_t *>PyMem_Malloc((n_old + n_pend + 1) * sizeof(uint32_t))
        cdef uint32_t *pend
        cdef uint32_t key
        if out == NULL:
            raise MemoryError()
        self._decode(out)
        if n_pend:
            # the pending keys, sorted, after the old ones: merge the two sorted runs in
            # place from the back, then keep the largest key of each register
            pend = out + n_old
            memcpy(pend, self.pend, n_pend * sizeof(uint32_t))
            qsort(pend, n_pend, sizeof(uint32_t), _cmp_u32)
            _merge_runs(out, n_old, n_pend)
            for a in range(n_old + n_pend):
                key = out[a]
                if w and (out[w - 1] >> 6) == (key >> 6):
                    out[w - 1] = key   # sorted: a later key of the register ranks higher
                else:
                    out[w] = key
                    w += 1
            count[0] = w
        else:
            count[0] = n_old
        return out

    cdef int _flush(self) except -1:
        """Merge the pending keys into ``sp``; turn dense when too many registers are set."""
        cdef Py_ssize_t cap, count
        cdef uint32_t *keys
        if self.dense != NULL or self.pend_n == 0:
            return 0
        keys = self._sorted_keys(&count)
        if count > self.m // 4:
            PyMem_Free(keys)
            return self._make_dense()
        try:
            self._encode(keys, count)
        finally:
            PyMem_Free(keys)
        self.pend_n = 0
        cap = max(16, self.sp_count // 8)
        if cap != self.pend_cap:
            newp = <uint32_t *>PyMem_Realloc(self.pend, cap * sizeof(uint32_t))
            if newp == NULL:
                raise MemoryError()
            self.pend = newp
            self.pend_cap = cap
        return 0

    cdef int _add_key(self, uint32_t key) except -1:
        cdef Py_ssize_t i
        if self.dense != NULL:
            _raise(self.dense, key >> 6, key & 63)
            return 0
        for i in range(self.pend_n):  # a repeat of a pending key changes nothing
            if self.pend[i] == key:
                return 0
        if self.pend_n == self.pend_cap:
            if self.pend_cap == 0:
                self.pend = <uint32_t *>PyMem_Malloc(16 * sizeof(uint32_t))
                if self.pend == NULL:
                    raise MemoryError()
                self.pend_cap = 16
            else:
                self._flush()
                if self.dense != NULL:
                    _raise(self.dense, key >> 6, key & 63)
                    return 0
        self.pend[self.pend_n] = key
        self.pend_n += 1
        return 0

    # ------------------------------------------------------------ updates
    def add_hashes(self, const uint64_t[::1] hashes):
        """Apply each hash to its register. Cost: O(len(hashes)); no Python call per hash."""
        self._apply(hashes)

    def reset_to(self, const uint64_t[::1] hashes):
        """Clear the registers, then apply ``hashes``: one step for other threads."""
        self.clear()
        self._apply(hashes)

    cdef int _apply(self, const uint64_t[::1] hashes) except -1:
        cdef Py_ssize_t i, n = hashes.shape[0]
        cdef uint32_t j, r
        cdef int rule = self.rule, p = self.p
        i = 0
        while i < n and self.dense == NULL:
            _split(rule, p, hashes[i], &j, &r)
            self._add_key((j << 6) | r)
            i += 1
        # the GIL stays held: two threads updating one sketch must not interleave writes
        d = self.dense
        while i < n:
            _split(rule, p, hashes[i], &j, &r)
            _raise(d, j, r)
            i += 1
        return 0

    def add_item(self, item, uint64_t seed):
        """Hash ``item`` with lowram's XXH3-64 and ``seed`` and apply it. O(len(item))."""
        cdef uint64_t h
        hash_item(item, seed, &h)
        self.add_hash(h)

    def add_hash(self, uint64_t h):
        """Apply one hash. Cost: O(1) amortised."""
        cdef uint32_t j, r
        _split(self.rule, self.p, h, &j, &r)
        if self.dense != NULL:
            _raise(self.dense, j, r)
        else:
            self._add_key((j << 6) | r)

    def merge(self, Registers other):
        """Raise each register to ``other``'s value (the union of the two sets). O(m)."""
        cdef uint32_t j
        if other.p != self.p or other.rule != self.rule:
            raise ValueError("registers differ in p or rule")
        if other.dense != NULL:
            if self.dense == NULL:
                self._make_dense()
            for j in range(self.m):
                _raise(self.dense, j, _get(other.dense, j))
            return
        cdef Py_ssize_t i, count
        cdef uint32_t *keys = other._sorted_keys(&count)
        try:
            if self.dense != NULL:
                for i in range(count):
                    _raise(self.dense, keys[i] >> 6, keys[i] & 63)
                return
            for i in range(count):
                self._add_key(keys[i])
            self._flush()
        finally:
            PyMem_Free(keys)

    def clear(self):
        """Set every register to zero (back to sparse mode)."""
        PyMem_Free(self.dense)
        PyMem_Free(self.sp)
        PyMem_Free(self.pend)
        self.dense = NULL
        self.sp = NULL
        self.pend = NULL
        self.dense_len = self.sp_len = self.sp_cap = self.sp_count = 0
        self.pend_n = self.pend_cap = 0

    # ------------------------------------------------------------ reading
    @property
    def is_sparse(self):
        """True while the registers are held as a sparse list."""
        self._flush()
        return self.dense == NULL

    @property
    def touched(self):
        """Number of nonzero registers. O(m) when dense."""
        cdef uint32_t j, n = 0
        self._flush()
        if self.dense == NULL:
            return self.sp_count
        for j in range(self.m):
            n += _get(self.dense, j) != 0
        return n

    def values(self):
        """All ``m`` register values as a uint8 array. O(m)."""
        cdef uint32_t j
        cdef Py_ssize_t i, count
        cdef uint32_t *keys
        out = np.zeros(self.m, dtype=np.uint8)
        cdef uint8_t[::1] ov = out
        # from here: C only (module docstring)
        if self.dense != NULL:
            for j in range(self.m):
                ov[j] = <uint8_t>_get(self.dense, j)
        else:
            keys = self._sorted_keys(&count)
            for i in range(count):
                ov[keys[i] >> 6] = <uint8_t>(keys[i] & 63)
            PyMem_Free(keys)
        return out

    def histogram(self):
        """``C[k]``: how many registers hold ``k``, for k = 0 .. 65 - p. O(m)."""
        cdef uint32_t j
        cdef Py_ssize_t q = 64 - self.p, i, count
        cdef uint32_t *keys
        out = np.zeros(q + 2, dtype=np.int64)
        cdef long long[::1] cv = out
        # from here: C only (module docstring)
        if self.dense != NULL:
            for j in range(self.m):
                cv[_get(self.dense, j)] += 1
            return out
        keys = self._sorted_keys(&count)
        for i in range(count):
            cv[keys[i] & 63] += 1
        PyMem_Free(keys)
        cv[0] = self.m - count
        return out

    @property
    def nbytes(self):
        """Bytes of native memory held (dense registers, or sparse list and pending buffer)."""
        return self.dense_len + self.sp_cap + self.pend_cap * sizeof(uint32_t)

    def __sizeof__(self):
        return object.__sizeof__(self) + self.nbytes

    # ------------------------------------------------------------ serialisation
    def payload(self):
        """Canonical bytes: mode byte, then the varint list (sparse) or packed registers."""
        self._flush()
        if self.dense != NULL:
            return b"D" + PyBytes_FromStringAndSize(<char *>self.dense, self.dense_len - 1)
        return b"S" + PyBytes_FromStringAndSize(<char *>self.sp, self.sp_len)

    @staticmethod
    def from_payload(int p, int rule, data):
        """Registers from :meth:`payload` output (bytes, or a view of them); ValueError when
        it is inconsistent."""
        data = bytes(data)   # (at most 197 KB: p = 18)
        cdef Registers regs = Registers(p, rule)
        cdef const uint8_t[::1] raw
        cdef Py_ssize_t n, i, count = 0
        cdef uint32_t key = 0, delta, last_j = 0
        cdef int shift
        if not data:
            raise ValueError("empty register payload")
        mode, body = data[:1], data[1:]
        if mode == b"D":
            n = (<Py_ssize_t>regs.m * 6 + 7) // 8
            if len(body) != n:
                raise ValueError(f"dense registers: {len(body)} bytes, expected {n}")
            regs._make_dense()
            memcpy(regs.dense, <const char *>body, n)
            for j in range(regs.m):
                if _get(regs.dense, j) > 65 - p:
                    raise ValueError(f"register {j} holds an impossible rank")
            return regs
        if mode != b"S":
            raise ValueError("unknown register mode")
        raw = body
        n = raw.shape[0]
        i = 0
        while i < n:
            delta = 0
            shift = 0
            while True:
                if i >= n or shift > 28:
                    raise ValueError("malformed sparse register list")
                delta |= (<uint32_t>(raw[i] & 0x7F)) << shift
                shift += 7
                i += 1
                if not (raw[i - 1] & 0x80):
                    break
            if count and ((key + delta) >> 6) <= (key >> 6):
                raise ValueError("sparse register list not strictly increasing by register")
            key += delta
            if (key >> 6) >= regs.m or (key & 63) == 0 or (key & 63) > 65 - p:
                raise ValueError("sparse register entry out of range")
            count += 1
        if count > regs.m // 4:
            raise ValueError("sparse register list longer than the sparse limit")
        if n:
            regs.sp = <uint8_t *>PyMem_Malloc(n)
            if regs.sp == NULL:
                raise MemoryError()
            memcpy(regs.sp, &raw[0], n)
        regs.sp_len = regs.sp_cap = n
        regs.sp_count = count
        return regs

    def copy(self):
        """An independent copy. O(size)."""
        return Registers.from_payload(self.p, self.rule, self.payload())
