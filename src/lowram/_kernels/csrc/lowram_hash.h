/* lowram's stable 64-bit hash: xxHash64 (XXH64), after Yann Collet's specification
 * (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md), plus the small
 * integer helpers the sketches share. Header-only, so every kernel inlines it.
 *
 * Input words are read little-endian whatever the machine, so a hash is the same on every
 * platform; an integer item is hashed as its 8 little-endian bytes, which XXH64 reads back
 * as the integer itself (lr_xxh64_u64).
 */
#ifndef LOWRAM_HASH_H
#define LOWRAM_HASH_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#define LR_P1 0x9E3779B185EBCA87ULL
#define LR_P2 0xC2B2AE3D27D4EB4FULL
#define LR_P3 0x165667B19E3779F9ULL
#define LR_P4 0x85EBCA77C2B2AE63ULL
#define LR_P5 0x27D4EB2F165667C5ULL

static inline uint64_t lr_rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t lr_read64(const unsigned char *p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v; memcpy(&v, p, 8); return v;
#else
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24
         | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48
         | (uint64_t)p[7] << 56;
#endif
}

static inline uint32_t lr_read32(const unsigned char *p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t v; memcpy(&v, p, 4); return v;
#else
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
#endif
}

static inline uint64_t lr_round(uint64_t acc, uint64_t input) {
    acc += input * LR_P2;
    acc = lr_rotl64(acc, 31);
    return acc * LR_P1;
}

static inline uint64_t lr_merge_round(uint64_t acc, uint64_t val) {
    acc ^= lr_round(0, val);
    return acc * LR_P1 + LR_P4;
}

static inline uint64_t lr_avalanche(uint64_t h) {
    h ^= h >> 33; h *= LR_P2;
    h ^= h >> 29; h *= LR_P3;
    h ^= h >> 32;
    return h;
}

/* XXH64 of len bytes at data with a 64-bit seed. */
static inline uint64_t lr_xxh64(const void *data, size_t len, uint64_t seed) {
    const unsigned char *p = (const unsigned char *)data;
    const unsigned char *end = p + len;
    uint64_t h;
    if (len >= 32) {
        const unsigned char *limit = end - 32;
        uint64_t v1 = seed + LR_P1 + LR_P2, v2 = seed + LR_P2, v3 = seed, v4 = seed - LR_P1;
        do {
            v1 = lr_round(v1, lr_read64(p));
            v2 = lr_round(v2, lr_read64(p + 8));
            v3 = lr_round(v3, lr_read64(p + 16));
            v4 = lr_round(v4, lr_read64(p + 24));
            p += 32;
        } while (p <= limit);
        h = lr_rotl64(v1, 1) + lr_rotl64(v2, 7) + lr_rotl64(v3, 12) + lr_rotl64(v4, 18);
        h = lr_merge_round(h, v1);
        h = lr_merge_round(h, v2);
        h = lr_merge_round(h, v3);
        h = lr_merge_round(h, v4);
    } else {
        h = seed + LR_P5;
    }
    h += (uint64_t)len;
    while (p + 8 <= end) {
        h ^= lr_round(0, lr_read64(p));
        h = lr_rotl64(h, 27) * LR_P1 + LR_P4;
        p += 8;
    }
    if (p + 4 <= end) {
        h ^= (uint64_t)lr_read32(p) * LR_P1;
        h = lr_rotl64(h, 23) * LR_P2 + LR_P3;
        p += 4;
    }
    while (p < end) {
        h ^= (uint64_t)(*p) * LR_P5;
        h = lr_rotl64(h, 11) * LR_P1;
        p++;
    }
    return lr_avalanche(h);
}

/* XXH64 of the 8 little-endian bytes of v: the same value as lr_xxh64(&le_bytes, 8, seed). */
static inline uint64_t lr_xxh64_u64(uint64_t v, uint64_t seed) {
    uint64_t h = seed + LR_P5 + 8;
    h ^= lr_round(0, v);
    h = lr_rotl64(h, 27) * LR_P1 + LR_P4;
    return lr_avalanche(h);
}

/* A second, independent-looking 64-bit value from a hash (MurmurHash3's fmix64 finaliser),
 * used as the step of double hashing. */
static inline uint64_t lr_fmix64(uint64_t k) {
    k ^= k >> 33; k *= 0xFF51AFD7ED558CCDULL;
    k ^= k >> 33; k *= 0xC4CEB9FE1A85EC53ULL;
    k ^= k >> 33;
    return k;
}

/* floor(x * n / 2**64): maps a uniform 64-bit x onto [0, n) without a division (Lemire). */
static inline uint64_t lr_range(uint64_t x, uint64_t n) {
#if defined(__SIZEOF_INT128__)
    return (uint64_t)(((unsigned __int128)x * n) >> 64);
#else
    uint64_t xh = x >> 32, xl = x & 0xFFFFFFFFULL, nh = n >> 32, nl = n & 0xFFFFFFFFULL;
    uint64_t mid1 = xh * nl, mid2 = xl * nh;
    uint64_t lo = (xl * nl) >> 32;
    uint64_t carry = ((mid1 & 0xFFFFFFFFULL) + (mid2 & 0xFFFFFFFFULL) + lo) >> 32;
    return xh * nh + (mid1 >> 32) + (mid2 >> 32) + carry;
#endif
}

/* Number of leading zero bits of x (64 for x == 0). */
static inline int lr_clz64(uint64_t x) {
#if defined(__GNUC__) || defined(__clang__)
    return x ? __builtin_clzll(x) : 64;
#else
    int n = 0;
    if (!x) return 64;
    while (!(x & 0x8000000000000000ULL)) { x <<= 1; n++; }
    return n;
#endif
}

/* splitmix64: the seeded random-number generator of the probabilistic counters. */
static inline uint64_t lr_splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

#endif
