/* elias_fano.h: a sorted set of n distinct uint64 offsets in Elias-Fano code, with the
 * select samples that make s[i], rank and `in` O(1) expected (the core of SortedIntSet).
 *
 * Why this code. n sorted values below a universe U cost at least log2(C(U, n)) bits, about
 * n * (log2(U/n) + 1.44); Elias-Fano stores them in at most n * (2 + log2(U/n)) bits and still
 * reads any one directly (Elias 1974, Fano 1971; the layout of Vigna's "Quasi-succinct
 * indices", 2013):
 *   - each value's low l = floor(log2(U / n)) bits, packed: n * l bits (`lows`, then a spare
 *     word, so 8 bytes can be read from any byte of the packed bits);
 *   - its high bits in unary: value i sets bit (x_i >> l) + i of a bitvector of
 *     n + (U >> l) + 1 bits (`upper`): ones are the values, zeros the bucket boundaries;
 *   - value i = ((select1(i) - i) << l) | low(i); the values of bucket h (those whose high bits
 *     are h) sit between zero h - 1 and zero h, so rank(x) = select0(h - 1) + 1 - h plus a short
 *     scan of the bucket's lows.
 * select1 and select0 start from a sample every 512 ones / 512 zeros (the position of that one
 * or zero: 8 bytes per 512 items, 0.25 bits per item for both) and scan at most a few words with
 * popcount. The samples are built when the set is made or opened, never read from a file.
 *
 * The bitvectors may live in a mapped file: nothing here writes them after building. Every
 * reader assumes a structure lef_check accepted (popcount and sizes agree), so every scan ends
 * within the arrays: the callers check files with it before any read.
 */
#ifndef LOWRAM_ELIAS_FANO_H
#define LOWRAM_ELIAS_FANO_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LEF_LOG 9                       /* a sample every 512 ones (zeros) */

typedef struct {
    const uint64_t *lows;               /* n * l bits, low bits first, then one spare word */
    const uint64_t *upper;              /* upper_bits bits, then one spare word */
    uint64_t *samp1;                    /* samp1[k]: position of one number k << LEF_LOG */
    uint64_t *samp0;                    /* samp0[k]: position of zero number k << LEF_LOG */
    uint64_t n;                         /* values */
    uint64_t u;                         /* the largest value (0 when empty) */
    uint64_t upper_bits;                /* n + (u >> l) + 1 */
    uint64_t zeros;                     /* upper_bits - n */
    int l;                              /* low bits per value, 0..62 */
    uint64_t lmask;
} lef_t;

static inline uint64_t lef_lows_words(uint64_t n, int l) { return (n * (uint64_t)l + 63) / 64 + 1; }
static inline uint64_t lef_upper_words(uint64_t upper_bits) { return (upper_bits + 63) / 64 + 1; }

/* the l for n values up to u: floor(log2(u / n)), or 0 */
static inline int lef_l_for(uint64_t n, uint64_t u) {
    if (n == 0 || u / n == 0) return 0;
    int l = 63 - __builtin_clzll(u / n);
    return l > 62 ? 62 : l;
}

static inline uint64_t lef_low(const lef_t *e, uint64_t i) {
    if (e->l == 0) return 0;
    uint64_t bit = i * (uint64_t)e->l;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (e->l <= 56) {   /* one load from the byte the bits start in, no branch on words */
        uint64_t v;
        memcpy(&v, (const uint8_t *)e->lows + (bit >> 3), 8);
        return (v >> (bit & 7)) & e->lmask;
    }
#endif
    uint64_t w = bit >> 6, off = bit & 63;
    uint64_t v = e->lows[w] >> off;
    if (off + (uint64_t)e->l > 64) v |= e->lows[w + 1] << (64 - off);
    return v & e->lmask;
}

/* position of the r-th set bit (from 0) of x, which has more than r */
static inline uint64_t lef_select64(uint64_t x, uint64_t r) {
    while (r--) x &= x - 1;
    return (uint64_t)__builtin_ctzll(x);
}

/* position of one number i (i < n) */
static inline uint64_t lef_select1(const lef_t *e, uint64_t i) {
    uint64_t pos = e->samp1[i >> LEF_LOG], left = i & ((1ULL << LEF_LOG) - 1);
    uint64_t w = pos >> 6;
    uint64_t x = e->upper[w] & (~0ULL << (pos & 63));
    for (;;) {
        uint64_t c = (uint64_t)__builtin_popcountll(x);
        if (left < c) return (w << 6) + lef_select64(x, left);
        left -= c;
        x = e->upper[++w];
    }
}

/* position of zero number h (h < zeros) */
static inline uint64_t lef_select0(const lef_t *e, uint64_t h) {
    uint64_t pos = e->samp0[h >> LEF_LOG], left = h & ((1ULL << LEF_LOG) - 1);
    uint64_t w = pos >> 6;
    uint64_t x = ~e->upper[w] & (~0ULL << (pos & 63));
    for (;;) {
        uint64_t c = (uint64_t)__builtin_popcountll(x);
        if (left < c) return (w << 6) + lef_select64(x, left);
        left -= c;
        x = ~e->upper[++w];
    }
}

static inline int lef_bit(const lef_t *e, uint64_t p) {
    return (int)((e->upper[p >> 6] >> (p & 63)) & 1);
}

/* value number i (i < n) */
static inline uint64_t lef_get(const lef_t *e, uint64_t i) {
    return ((lef_select1(e, i) - i) << e->l) | lef_low(e, i);
}

/* how many values are below x (right = 0) or at most x (right = 1) */
static inline uint64_t lef_rank(const lef_t *e, uint64_t x, int right) {
    if (e->n == 0) return 0;
    if (x > e->u) return e->n;
    uint64_t h = x >> e->l, xl = x & e->lmask;
    uint64_t p = h == 0 ? 0 : lef_select0(e, h - 1) + 1;   /* bucket h starts here */
    uint64_t i = p - h;
    while (lef_bit(e, p)) {
        uint64_t lo = lef_low(e, i);
        if (right ? lo > xl : lo >= xl) break;
        p++;
        i++;
    }
    return i;
}

static inline int lef_contains(const lef_t *e, uint64_t x) {
    uint64_t i = lef_rank(e, x, 0);
    return i < e->n && lef_get(e, i) == x;
}

/* The samples of a structure whose lows and upper are set: -1 on no memory. */
static int lef_index(lef_t *e) {
    uint64_t n1 = (e->n >> LEF_LOG) + 1, n0 = (e->zeros >> LEF_LOG) + 1;
    free(e->samp1);
    free(e->samp0);
    e->samp1 = (uint64_t *)calloc(n1, 8);
    e->samp0 = (uint64_t *)calloc(n0, 8);
    if (!e->samp1 || !e->samp0) {
        free(e->samp1); free(e->samp0);
        e->samp1 = e->samp0 = NULL;
        return -1;
    }
    uint64_t ones = 0, zeros = 0, words = (e->upper_bits + 63) / 64;
    const uint64_t mask = (1ULL << LEF_LOG) - 1;
    for (uint64_t w = 0; w < words; w++) {
        uint64_t x = e->upper[w];
        uint64_t valid = (w == words - 1 && (e->upper_bits & 63)) ? ((1ULL << (e->upper_bits & 63)) - 1) : ~0ULL;
        uint64_t z = ~x & valid;
        uint64_t c1 = (uint64_t)__builtin_popcountll(x), c0 = (uint64_t)__builtin_popcountll(z);
        /* the first sample due in this word, if any: rank k with k & mask == 0 */
        uint64_t next1 = (ones + mask) & ~mask;
        while (next1 < ones + c1) {
            e->samp1[next1 >> LEF_LOG] = (w << 6) + lef_select64(x, next1 - ones);
            next1 += 1ULL << LEF_LOG;
        }
        uint64_t next0 = (zeros + mask) & ~mask;
        while (next0 < zeros + c0) {
            e->samp0[next0 >> LEF_LOG] = (w << 6) + lef_select64(z, next0 - zeros);
            next0 += 1ULL << LEF_LOG;
        }
        ones += c1;
        zeros += c0;
    }
    return 0;
}

/* The sizes of a set of n values up to u (lows and upper then take lef_lows_words(n, l) and
 * lef_upper_words(upper_bits) words). */
static void lef_shape(lef_t *e, uint64_t n, uint64_t u) {
    memset(e, 0, sizeof(*e));
    e->n = n;
    e->u = n ? u : 0;
    e->l = lef_l_for(n, e->u);
    e->lmask = e->l ? ((1ULL << e->l) - 1) : 0;
    e->upper_bits = n + (e->u >> e->l) + 1;
    e->zeros = e->upper_bits - n;
}

/* Code the n distinct ascending offsets x (the last is e->u) into zeroed lows and upper of the
 * sizes lef_shape gave, then index. -1 on no memory. */
static int lef_fill(lef_t *e, const uint64_t *x, uint64_t *lows, uint64_t *upper) {
    for (uint64_t i = 0; i < e->n; i++) {
        if (e->l) {
            uint64_t bit = i * (uint64_t)e->l, w = bit >> 6, off = bit & 63;
            uint64_t lo = x[i] & e->lmask;
            lows[w] |= lo << off;
            if (off + (uint64_t)e->l > 64) lows[w + 1] |= lo >> (64 - off);
        }
        uint64_t p = (x[i] >> e->l) + i;
        upper[p >> 6] |= 1ULL << (p & 63);
    }
    e->lows = lows;
    e->upper = upper;
    return lef_index(e);
}

/* Check a structure read from elsewhere (sizes given by its header, arrays as long as
 * lef_lows_words / lef_upper_words say): 0 when it is one lef_build makes, else a code naming
 * what is wrong. Reads every word once, and every value once (they must ascend strictly). */
static int lef_check(const lef_t *e) {
    if (e->l < 0 || e->l > 62) return 1;
    if (e->n == 0) { if (e->u != 0) return 2; }
    else if (e->l != lef_l_for(e->n, e->u)) return 3;
    if (e->upper_bits != e->n + (e->u >> e->l) + 1) return 4;
    uint64_t words = lef_upper_words(e->upper_bits), ones = 0;
    for (uint64_t w = 0; w < words; w++) ones += (uint64_t)__builtin_popcountll(e->upper[w]);
    if (ones != e->n) return 5;
    uint64_t tail = e->upper_bits & 63;   /* nothing past the last bit, nor in the spare word */
    if (tail && (e->upper[words - 2] >> tail)) return 6;
    if (e->upper[words - 1]) return 6;
    uint64_t lw = lef_lows_words(e->n, e->l), lbits = e->n * (uint64_t)e->l;
    if (e->lows[lw - 1] || ((lbits & 63) && (e->lows[lw - 2] >> (lbits & 63)))) return 7;
    return 0;
}

/* With the samples built: the values ascend strictly and the last is u. 0 or a code. */
static int lef_check_values(const lef_t *e) {
    if (e->n == 0) return 0;
    uint64_t p = 0, i = 0, w = 0, prev = 0;
    uint64_t x = e->upper[0];
    while (i < e->n) {
        while (x == 0) x = e->upper[++w];
        uint64_t q = (w << 6) + (uint64_t)__builtin_ctzll(x);
        x &= x - 1;
        uint64_t v = ((q - i) << e->l) | lef_low(e, i);
        if (i > 0 && v <= prev) return 8;
        prev = v;
        p = q;
        i++;
    }
    (void)p;
    return prev == e->u ? 0 : 9;
}

/* A reader of a structure's values in order, a block at a time: one walk of the ones of
 * `upper` and of the lows, never the whole set decoded. */
typedef struct {
    const lef_t *e;
    uint64_t i;                         /* the next value's number (n: none left) */
    uint64_t w;                         /* the word of upper holding its one */
    uint64_t x;                         /* that word's ones not yet read */
} lef_cursor;

static inline void lef_cursor_at(lef_cursor *c, const lef_t *e, uint64_t i) {
    c->e = e;
    c->i = i < e->n ? i : e->n;
    c->w = 0;
    c->x = 0;
    if (i < e->n) {
        uint64_t p = lef_select1(e, i);
        c->w = p >> 6;
        c->x = e->upper[c->w] & (~0ULL << (p & 63));
    }
}

/* up to max next values into out, each as (value + base) ^ flip (the caller's order domain);
 * how many were read */
static inline uint64_t lef_cursor_read(lef_cursor *c, uint64_t base, uint64_t flip,
                                       uint64_t *out, uint64_t max) {
    const lef_t *e = c->e;
    uint64_t i = c->i, w = c->w, x = c->x, left = e->n - i;
    if (max > left) max = left;
    for (uint64_t k = 0; k < max; k++) {
        while (x == 0) x = e->upper[++w];
        uint64_t q = (w << 6) + (uint64_t)__builtin_ctzll(x);
        x &= x - 1;
        out[k] = ((((q - i) << e->l) | lef_low(e, i)) + base) ^ flip;
        i++;
    }
    c->i = i;
    c->w = w;
    c->x = x;
    return max;
}

/* out[0..count) = values start, start + 1, ... (start + count <= n): one walk of the ones */
static void lef_decode(const lef_t *e, uint64_t start, uint64_t count, uint64_t *out) {
    lef_cursor c;
    lef_cursor_at(&c, e, start);
    lef_cursor_read(&c, 0, 0, out, count);
}

#define LEF_BLOCK 64

/* The values a and b share, into out (room for the smaller n), their count returned. A value
 * is its offset plus its set's base (mod 2^64); both sets are in one domain: flip is 2^63 for
 * int64 values (so unsigned comparison of v ^ flip orders them) and 0 for uint64 ones.
 * When the sizes are near, both are read a block of 64 at a time and merged without a branch
 * per value; a block wholly below the other side's next value is passed over, and after two
 * such blocks in a row that side jumps (a rank through the index) to the other's next value.
 * When one set is more than 16 times the other, each value of the smaller is ranked in the
 * larger. No memory beyond two blocks on the stack. */
static uint64_t lef_intersect(const lef_t *a, uint64_t abase, const lef_t *b, uint64_t bbase,
                              uint64_t flip, uint64_t *out) {
    if (a->n > b->n) {
        const lef_t *t = a; a = b; b = t;
        uint64_t tb = abase; abase = bbase; bbase = tb;
    }
    uint64_t A[LEF_BLOCK], B[LEF_BLOCK], c = 0;
    lef_cursor ca, cb;
    if (a->n == 0) return 0;
    lef_cursor_at(&ca, a, 0);
    if (b->n / 16 > a->n) {
        uint64_t bkey0 = bbase ^ flip;
        while (ca.i < a->n) {
            uint64_t m = lef_cursor_read(&ca, abase, flip, A, LEF_BLOCK);
            for (uint64_t k = 0; k < m; k++) {
                uint64_t v = A[k] ^ flip;
                if (A[k] >= bkey0 && lef_contains(b, v - bbase)) out[c++] = v;
            }
        }
        return c;
    }
    lef_cursor_at(&cb, b, 0);
    uint64_t na = 0, nb = 0, ia = 0, ib = 0;
    int passed_a = 0, passed_b = 0;
    for (;;) {
        if (ia == na) {
            if (ca.i == a->n) break;
            na = lef_cursor_read(&ca, abase, flip, A, LEF_BLOCK);
            ia = 0;
        }
        if (ib == nb) {
            if (cb.i == b->n) break;
            nb = lef_cursor_read(&cb, bbase, flip, B, LEF_BLOCK);
            ib = 0;
        }
        if (A[na - 1] < B[ib]) {                /* a's block is all below b's next value */
            ia = na;
            if (++passed_a >= 2) {
                lef_cursor_at(&ca, a, lef_rank(a, (B[ib] ^ flip) - abase, 0));
                passed_a = 0;
            }
            continue;
        }
        if (B[nb - 1] < A[ia]) {
            ib = nb;
            if (++passed_b >= 2) {
                lef_cursor_at(&cb, b, lef_rank(b, (A[ia] ^ flip) - bbase, 0));
                passed_b = 0;
            }
            continue;
        }
        passed_a = passed_b = 0;
        while (ia < na && ib < nb) {
            uint64_t x = A[ia], y = B[ib];
            out[c] = x ^ flip;
            c += x == y;
            ia += x <= y;
            ib += y <= x;
        }
    }
    return c;
}

#endif /* LOWRAM_ELIAS_FANO_H */
