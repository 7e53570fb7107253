/* MurmurHash64A (Austin Appleby), written once for lowram: the HAT-trie's bucket hash and
 * the Redis-compatible HyperLogLog (Redis hashes its elements with it, seed 0xadc83b19).
 *
 * The 8-byte blocks are read as little-endian integers on every machine, so the hash is the
 * same everywhere (and equals Redis' on the little-endian machines Redis runs on).
 */
#ifndef LOWRAM_MURMUR64A_H
#define LOWRAM_MURMUR64A_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t lr_murmur64a(const uint8_t *key, size_t len, uint64_t seed) {
    const uint64_t m = 0xc6a4a7935bd1e995ULL;
    const int r = 47;
    uint64_t h = seed ^ ((uint64_t)len * m);
    size_t nblocks = len / 8, i;
    const uint8_t *p = key;
    for (i = 0; i < nblocks; i++, p += 8) {
        uint64_t k = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
                     (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
                     (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
    }
    switch (len & 7) {
    case 7: h ^= (uint64_t)p[6] << 48; /* fall through */
    case 6: h ^= (uint64_t)p[5] << 40; /* fall through */
    case 5: h ^= (uint64_t)p[4] << 32; /* fall through */
    case 4: h ^= (uint64_t)p[3] << 24; /* fall through */
    case 3: h ^= (uint64_t)p[2] << 16; /* fall through */
    case 2: h ^= (uint64_t)p[1] << 8;  /* fall through */
    case 1: h ^= (uint64_t)p[0]; h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

#endif /* LOWRAM_MURMUR64A_H */
