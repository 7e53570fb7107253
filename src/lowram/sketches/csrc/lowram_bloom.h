/* The Bloom filter's probe loop over a batch of hashes, with the probe count a compile-time
 * constant for the common counts: the compiler then unrolls the k probes of one hash and
 * overlaps their multiplies, where a loop on a run-time k chains them. Probe i of hash h is
 * bit lr_range(h + i * step, size), step = lr_fmix64(h ^ LR_BLOOM_SALT) | 1 (one 64-bit hash,
 * Kirsch-Mitzenmacher double hashing); every variant sets the same bits. */
#ifndef LOWRAM_BLOOM_H
#define LOWRAM_BLOOM_H

#include "lowram_hash.h"

#define LR_BLOOM_SALT 0x6A09E667F3BCC909ULL

static inline uint64_t lr_bloom_step(uint64_t h) { return lr_fmix64(h ^ LR_BLOOM_SALT) | 1; }

static inline void lr_bloom_set(uint64_t *w, uint64_t size, int k, uint64_t h) {
    uint64_t step = lr_bloom_step(h);
    int i;
    for (i = 0; i < k; i++) {
        uint64_t idx = lr_range(h + (uint64_t)i * step, size);
        w[idx >> 6] |= (uint64_t)1 << (idx & 63);
    }
}

#define LR_BLOOM_SET_BATCH(K)                                              \
    for (j = 0; j < n; j++)                                                \
        lr_bloom_set(w, size, K, hs[j]);                                   \
    return;

/* set the bits of n hashes */
static inline void lr_bloom_set_many(uint64_t *w, uint64_t size, int k, const uint64_t *hs,
                                     size_t n) {
    size_t j;
    switch (k) {  /* the probe counts bloom_size picks for rates from 10% to 1e-6 */
    case 3: LR_BLOOM_SET_BATCH(3)
    case 4: LR_BLOOM_SET_BATCH(4)
    case 5: LR_BLOOM_SET_BATCH(5)
    case 6: LR_BLOOM_SET_BATCH(6)
    case 7: LR_BLOOM_SET_BATCH(7)
    case 8: LR_BLOOM_SET_BATCH(8)
    case 10: LR_BLOOM_SET_BATCH(10)
    default: LR_BLOOM_SET_BATCH(k)
    }
}

#endif
