/* lowram's stable 64-bit hash: XXH3-64 (xxHash 0.8's XXH3_64bits_withSeed, Yann Collet),
 * written for lowram and checked in the tests against the reference xxhash package, plus
 * the small integer helpers the sketches share. Header-only, so every kernel inlines it.
 *
 * Input words are read little-endian whatever the machine, so a hash is the same on every
 * platform; an integer item is hashed as its 8 little-endian bytes (lr_xxh3_u64 takes the
 * integer itself).
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

/* XXH64's final mix, which XXH3 applies to inputs of 0-3 bytes */
static inline uint64_t lr_avalanche(uint64_t h) {
    h ^= h >> 33; h *= LR_P2;
    h ^= h >> 29; h *= LR_P3;
    h ^= h >> 32;
    return h;
}

/* ---------------------------------------------------------------- XXH3 (64-bit)
 * XXH3_64bits_withSeed, after the reference xxHash 0.8 (its output is frozen since 0.8.0):
 * short inputs (0-16 bytes) take one or two multiplies, 17-240 bytes fold 16-byte lanes, and
 * longer inputs run the 64-byte stripe accumulator (scalar form; the SIMD forms give the
 * same value). lowram hashes with it because a token or a word is short: XXH3 spends a
 * handful of instructions on 1-16 bytes where XXH64 runs a round per 8, 4 and 1 bytes. */

static const unsigned char lr_k_secret[192] = {
    0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
    0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
    0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
    0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
    0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
    0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
    0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
    0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
    0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
    0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
    0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
    0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
};

#define LR_P32_1 0x9E3779B1ULL
#define LR_P32_2 0x85EBCA77ULL
#define LR_P32_3 0xC2B2AE3DULL
#define LR_PMX1 0x165667919E3779F9ULL
#define LR_PMX2 0x9FB21C651E98DF25ULL

static inline uint64_t lr_swap64(uint64_t x) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_bswap64(x);
#else
    return ((x & 0xffULL) << 56) | ((x & 0xff00ULL) << 40) | ((x & 0xff0000ULL) << 24)
         | ((x & 0xff000000ULL) << 8) | ((x >> 8) & 0xff000000ULL) | ((x >> 24) & 0xff0000ULL)
         | ((x >> 40) & 0xff00ULL) | (x >> 56);
#endif
}

static inline uint32_t lr_swap32(uint32_t x) {
    return (x << 24) | ((x << 8) & 0xff0000U) | ((x >> 8) & 0xff00U) | (x >> 24);
}

/* the 128-bit product of a and b, its two halves xor-ed together */
static inline uint64_t lr_mul128_fold64(uint64_t a, uint64_t b) {
#if defined(__SIZEOF_INT128__)
    unsigned __int128 p = (unsigned __int128)a * b;
    return (uint64_t)p ^ (uint64_t)(p >> 64);
#else
    uint64_t lo_lo = (a & 0xFFFFFFFFULL) * (b & 0xFFFFFFFFULL);
    uint64_t hi_lo = (a >> 32) * (b & 0xFFFFFFFFULL);
    uint64_t lo_hi = (a & 0xFFFFFFFFULL) * (b >> 32);
    uint64_t hi_hi = (a >> 32) * (b >> 32);
    uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xFFFFFFFFULL) + lo_hi;
    uint64_t upper = (hi_lo >> 32) + (cross >> 32) + hi_hi;
    uint64_t lower = (cross << 32) | (lo_lo & 0xFFFFFFFFULL);
    return lower ^ upper;
#endif
}

static inline uint64_t lr_xxh3_avalanche(uint64_t h) {
    h ^= h >> 37;
    h *= LR_PMX1;
    return h ^ (h >> 32);
}

static inline uint64_t lr_xxh3_rrmxmx(uint64_t h, uint64_t len) {
    h ^= lr_rotl64(h, 49) ^ lr_rotl64(h, 24);
    h *= LR_PMX2;
    h ^= (h >> 35) + len;
    h *= LR_PMX2;
    return h ^ (h >> 28);
}

static inline uint64_t lr_xxh3_mix16(const unsigned char *in, const unsigned char *secret,
                                     uint64_t seed) {
    return lr_mul128_fold64(lr_read64(in) ^ (lr_read64(secret) + seed),
                            lr_read64(in + 8) ^ (lr_read64(secret + 8) - seed));
}

/* 4 to 8 bytes given as the two (overlapping) little-endian 32-bit words at both ends */
static inline uint64_t lr_xxh3_4to8(uint32_t first, uint32_t last, size_t len, uint64_t seed) {
    uint64_t bitflip, keyed;
    seed ^= (uint64_t)lr_swap32((uint32_t)seed) << 32;
    bitflip = (lr_read64(lr_k_secret + 8) ^ lr_read64(lr_k_secret + 16)) - seed;
    keyed = ((uint64_t)last + ((uint64_t)first << 32)) ^ bitflip;
    return lr_xxh3_rrmxmx(keyed, (uint64_t)len);
}

static inline uint64_t lr_xxh3_short(const unsigned char *p, size_t len, uint64_t seed) {
    const unsigned char *s = lr_k_secret;
    if (len > 8) {
        uint64_t lo = lr_read64(p) ^ ((lr_read64(s + 24) ^ lr_read64(s + 32)) + seed);
        uint64_t hi = lr_read64(p + len - 8) ^ ((lr_read64(s + 40) ^ lr_read64(s + 48)) - seed);
        uint64_t acc = (uint64_t)len + lr_swap64(lo) + hi + lr_mul128_fold64(lo, hi);
        return lr_xxh3_avalanche(acc);
    }
    if (len >= 4)
        return lr_xxh3_4to8(lr_read32(p), lr_read32(p + len - 4), len, seed);
    if (len) {
        uint32_t combined = ((uint32_t)p[0] << 16) | ((uint32_t)p[len >> 1] << 24)
                          | (uint32_t)p[len - 1] | ((uint32_t)len << 8);
        uint64_t bitflip = (uint64_t)(lr_read32(s) ^ lr_read32(s + 4)) + seed;
        return lr_avalanche((uint64_t)combined ^ bitflip);
    }
    return lr_avalanche(seed ^ (lr_read64(s + 56) ^ lr_read64(s + 64)));
}

static inline uint64_t lr_xxh3_medium(const unsigned char *p, size_t len, uint64_t seed) {
    const unsigned char *s = lr_k_secret;
    uint64_t acc = (uint64_t)len * LR_P1;
    if (len <= 128) {
        if (len > 32) {
            if (len > 64) {
                if (len > 96) {
                    acc += lr_xxh3_mix16(p + 48, s + 96, seed);
                    acc += lr_xxh3_mix16(p + len - 64, s + 112, seed);
                }
                acc += lr_xxh3_mix16(p + 32, s + 64, seed);
                acc += lr_xxh3_mix16(p + len - 48, s + 80, seed);
            }
            acc += lr_xxh3_mix16(p + 16, s + 32, seed);
            acc += lr_xxh3_mix16(p + len - 32, s + 48, seed);
        }
        acc += lr_xxh3_mix16(p, s, seed);
        acc += lr_xxh3_mix16(p + len - 16, s + 16, seed);
        return lr_xxh3_avalanche(acc);
    } else {  /* 129 to 240 bytes */
        size_t i, rounds = len / 16;
        for (i = 0; i < 8; i++)
            acc += lr_xxh3_mix16(p + 16 * i, s + 16 * i, seed);
        acc = lr_xxh3_avalanche(acc);
        for (i = 8; i < rounds; i++)
            acc += lr_xxh3_mix16(p + 16 * i, s + 16 * (i - 8) + 3, seed);
        acc += lr_xxh3_mix16(p + len - 16, s + 136 - 17, seed);
        return lr_xxh3_avalanche(acc);
    }
}

static inline void lr_xxh3_accumulate_512(uint64_t *acc, const unsigned char *in,
                                          const unsigned char *secret) {
    int i;
    for (i = 0; i < 8; i++) {
        uint64_t value = lr_read64(in + 8 * i);
        uint64_t key = value ^ lr_read64(secret + 8 * i);
        acc[i ^ 1] += value;
        acc[i] += (key & 0xFFFFFFFFULL) * (key >> 32);
    }
}

static inline void lr_xxh3_scramble(uint64_t *acc, const unsigned char *secret) {
    int i;
    for (i = 0; i < 8; i++) {
        uint64_t a = acc[i];
        a ^= a >> 47;
        a ^= lr_read64(secret + 8 * i);
        acc[i] = a * LR_P32_1;
    }
}

/* more than 240 bytes: 64-byte stripes, 16 per block, over a secret derived from the seed */
static uint64_t lr_xxh3_long(const unsigned char *p, size_t len, uint64_t seed) {
    unsigned char secret[192];
    uint64_t acc[8] = {LR_P32_3, LR_P1, LR_P2, LR_P3, LR_P4, LR_P32_2, LR_P5, LR_P32_1};
    uint64_t result;
    size_t i, n, blocks, stripes;
    const size_t per_block = (192 - 64) / 8, block_len = 64 * ((192 - 64) / 8);
    for (i = 0; i < 192; i += 16) {
        uint64_t lo = lr_read64(lr_k_secret + i) + seed, hi = lr_read64(lr_k_secret + i + 8) - seed;
        memcpy(secret + i, &lo, 8);   /* the secret is read back with lr_read64: */
        memcpy(secret + i + 8, &hi, 8);
#if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
        { int b; for (b = 0; b < 8; b++) { secret[i + b] = (unsigned char)(lo >> (8 * b));
                                            secret[i + 8 + b] = (unsigned char)(hi >> (8 * b)); } }
#endif
    }
    blocks = (len - 1) / block_len;
    for (n = 0; n < blocks; n++) {
        for (i = 0; i < per_block; i++)
            lr_xxh3_accumulate_512(acc, p + n * block_len + i * 64, secret + i * 8);
        lr_xxh3_scramble(acc, secret + 192 - 64);
    }
    stripes = ((len - 1) - block_len * blocks) / 64;
    for (i = 0; i < stripes; i++)
        lr_xxh3_accumulate_512(acc, p + blocks * block_len + i * 64, secret + i * 8);
    lr_xxh3_accumulate_512(acc, p + len - 64, secret + 192 - 64 - 7);
    result = (uint64_t)len * LR_P1;
    for (i = 0; i < 4; i++)
        result += lr_mul128_fold64(acc[2 * i] ^ lr_read64(secret + 11 + 16 * i),
                                   acc[2 * i + 1] ^ lr_read64(secret + 11 + 16 * i + 8));
    return lr_xxh3_avalanche(result);
}

/* XXH3-64 of len bytes at data with a 64-bit seed: lowram's item hash. */
static inline uint64_t lr_xxh3(const void *data, size_t len, uint64_t seed) {
    const unsigned char *p = (const unsigned char *)data;
    if (len <= 16)
        return lr_xxh3_short(p, len, seed);
    if (len <= 240)
        return lr_xxh3_medium(p, len, seed);
    return lr_xxh3_long(p, len, seed);
}

/* XXH3-64 of 1-8 bytes inside a str or bytes object, with no branch between the 1-3 and
 * 4-8 byte forms (token lengths straddle 4 at random, so that branch mispredicts about every
 * other token): both are computed and one kept. The same value as lr_xxh3. Reads p[0],
 * p[len >> 1], p[len - 1] and the 8 bytes ending at p + len, so the caller must own the 8
 * bytes before the data: true of a str or bytes object, whose header precedes its data;
 * not of an arbitrary buffer. */
static inline uint64_t lr_xxh3_1to8_inobject(const unsigned char *p, size_t len, uint64_t seed) {
    const unsigned char *s = lr_k_secret;
    uint64_t tail = lr_read64(p + len - 8);
    unsigned shift = ((unsigned)(8 - len) * 8) & 63;          /* len 8 -> 0, len 4 -> 32 */
    uint64_t r8 = lr_xxh3_4to8((uint32_t)(tail >> shift), (uint32_t)(tail >> 32), len, seed);
    uint32_t combined = ((uint32_t)p[0] << 16) | ((uint32_t)p[len >> 1] << 24)
                      | (uint32_t)p[len - 1] | ((uint32_t)len << 8);
    uint64_t r3 = lr_avalanche((uint64_t)combined
                               ^ ((uint64_t)(lr_read32(s) ^ lr_read32(s + 4)) + seed));
    uint64_t keep8 = (uint64_t)0 - (uint64_t)(len >= 4);
    return (r8 & keep8) | (r3 & ~keep8);
}

/* XXH3-64 of the 8 little-endian bytes of v: the same value as lr_xxh3(&le_bytes, 8, seed). */
static inline uint64_t lr_xxh3_u64(uint64_t v, uint64_t seed) {
    return lr_xxh3_4to8((uint32_t)v, (uint32_t)(v >> 32), 8, seed);
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
