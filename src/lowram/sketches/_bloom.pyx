# cython: language_level=3
"""Bit-array core of the Bloom filters: k probes per 64-bit hash.

Probe ``i`` of hash ``h`` is ``range(h + i * step, size)`` with ``step = fmix64(h) | 1``
(Kirsch-Mitzenmacher double hashing from one 64-bit hash) and ``range(x, n) =
floor(x * n / 2**64)`` (Lemire's multiply-shift reduction: no division, no power-of-two size).

Threads: writes (adding keys, merging, the undo of a failed batch) run in C with the GIL
held and no Python code in between, so no bit another thread sets is lost to a
read-modify-write of the same word. (``has_hashes`` reads with the GIL released: the words
never move while the object lives, and a bit once set stays set until ``clear``. Without a
GIL, writers would need atomic ORs or a per-object lock.)
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memcpy, memset

import numpy as np

from lowram._native._hash cimport BATCH, hash_item, hash_run, lr_range


cdef extern from "csrc/lowram_bloom.h" nogil:
    # the step is a full mix, not a cheaper swap of the hash's halves: add_hashes takes the
    # caller's own hashes, and a weak one (small ints) would then put every probe in word 0
    uint64_t _step "lr_bloom_step"(uint64_t h)
    void _set_bits "lr_bloom_set"(uint64_t *w, uint64_t size, int k, uint64_t h)
    void _set_many "lr_bloom_set_many"(uint64_t *w, uint64_t size, int k, const uint64_t *hs,
                                       size_t n)


cdef class BloomBits:
    """A bit array of ``size`` bits probed ``hashes`` times per key.

    >>> import numpy as np
    >>> bits = BloomBits(np.zeros(2, dtype=np.uint64), 100, 3)
    >>> bits.add_hash(12345); bits.has_hash(12345), bits.count_ones()
    (True, 3)
    """

    cdef readonly object words  #: the uint64 numpy array holding the bits
    cdef uint64_t *w
    cdef readonly uint64_t size
    cdef readonly int hashes

    def __cinit__(self, object words, uint64_t size, int hashes):
        cdef uint64_t[::1] view = words
        if hashes < 1 or hashes > 64:
            raise ValueError(f"hashes must be from 1 to 64, not {hashes}")
        if size < 1 or <uint64_t>view.shape[0] != (size + 63) // 64:
            raise ValueError("word array does not match the size in bits")
        self.words = words
        self.w = &view[0]
        self.size = size
        self.hashes = hashes

    cdef inline void _add(self, uint64_t h) noexcept nogil:
        _set_bits(self.w, self.size, self.hashes, h)

    cdef inline bint _has(self, uint64_t h) noexcept nogil:
        cdef uint64_t g = h, step = _step(h), idx
        cdef int i
        for i in range(self.hashes):
            idx = lr_range(g, self.size)
            if not (self.w[idx >> 6] >> (idx & 63)) & 1:
                return False
            g += step
        return True

    def add_hash(self, uint64_t h):
        """Set the key's bits. O(hashes)."""
        self._add(h)

    def add_item(self, item, uint64_t seed):
        """Hash ``item`` with ``seed`` and set its bits. O(len(item) + hashes)."""
        cdef uint64_t h
        hash_item(item, seed, &h)
        self._add(h)

    def has_item(self, item, uint64_t seed):
        """Whether ``item`` (hashed with ``seed``) may be present; False if unhashable."""
        cdef uint64_t h
        try:
            hash_item(item, seed, &h)
        except (TypeError, OverflowError):
            return False
        return self._has(h)

    def has_hash(self, uint64_t h):
        """Whether all the key's bits are set. O(hashes)."""
        return self._has(h)

    def add_hashes(self, const uint64_t[::1] hs):
        """Set the bits of every hash. O(len(hs) * hashes), in C (GIL held: no torn writes)."""
        if hs.shape[0]:
            _set_many(self.w, self.size, self.hashes, &hs[0], <size_t>hs.shape[0])

    def add_objects(self, object seq, uint64_t seed):
        """Hash and add every item of a list or tuple, in C: hashes go through a small
        buffer (two tight loops beat one fused loop: the hash's length branches would stall
        the bit stores). Check the items first (``check_items``): this method stops at the
        first bad one. O(total bytes + len(seq) * hashes)."""
        cdef Py_ssize_t start, i, n = len(seq)
        cdef uint64_t buf[BATCH]
        cdef uint64_t size = self.size
        cdef uint64_t *w = self.w
        cdef int k = self.hashes
        for start in range(0, n, BATCH):
            i = hash_run(seq, start, BATCH, seed, buf)
            _set_many(w, size, k, buf, <size_t>i)

    def add_objects_or_none(self, object seq, uint64_t seed):
        """:meth:`add_objects`, all or nothing: the words are saved first (in C) and put
        back if an item cannot be hashed, in one step (no other thread's bit is undone)."""
        cdef Py_ssize_t n = (self.size + 63) // 64
        cdef uint64_t *saved = <uint64_t *>PyMem_Malloc(n * 8)
        if saved == NULL:
            raise MemoryError(f"cannot allocate {n * 8} bytes")
        memcpy(saved, self.w, n * 8)
        try:
            self.add_objects(seq, seed)
        except BaseException:
            memcpy(self.w, saved, n * 8)
            raise
        finally:
            PyMem_Free(saved)

    def merge_from(self, BloomBits other):
        """OR ``other``'s bits into these (same size and hashes), in one step."""
        cdef Py_ssize_t i, n = (self.size + 63) // 64
        if other.size != self.size or other.hashes != self.hashes:
            raise ValueError("Bloom bit arrays differ in size or hashes")
        for i in range(n):
            self.w[i] |= other.w[i]

    def clear(self):
        """Every bit to zero."""
        memset(self.w, 0, ((self.size + 63) // 64) * 8)

    def add_new_hashes(self, const uint64_t[::1] hs, Py_ssize_t room):
        """Add hashes not already present until ``room`` were added; return (consumed, added)."""
        cdef Py_ssize_t i = 0, n = hs.shape[0], added = 0
        while i < n and added < room:
            if not self._has(hs[i]):
                self._add(hs[i])
                added += 1
            i += 1
        return i, added

    def has_hashes(self, const uint64_t[::1] hs):
        """A bool array: whether each hash's bits are all set. O(len(hs) * hashes)."""
        cdef Py_ssize_t i, n = hs.shape[0]
        out = np.empty(n, dtype=np.bool_)
        cdef uint8_t[::1] ov = out.view(np.uint8)
        with nogil:
            for i in range(n):
                ov[i] = self._has(hs[i])
        return out

    def count_ones(self):
        """Number of set bits. O(size / 64)."""
        return int(np.bitwise_count(self.words).sum(dtype=np.uint64))
