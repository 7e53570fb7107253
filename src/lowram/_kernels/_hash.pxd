# cython: language_level=3
"""Declarations of lowram's stable 64-bit hash (XXH64) for the kernels that cimport it."""

from libc.stdint cimport uint64_t

cdef extern from "csrc/lowram_hash.h" nogil:
    uint64_t lr_xxh64(const void *data, size_t length, uint64_t seed)
    uint64_t lr_xxh64_u64(uint64_t value, uint64_t seed)
    uint64_t lr_fmix64(uint64_t k)
    uint64_t lr_range(uint64_t x, uint64_t n)
    int lr_clz64(uint64_t x)
    uint64_t lr_splitmix64(uint64_t *state)

cdef int hash_item(object item, uint64_t seed, uint64_t *out) except -1
