/* int_table.h: lowram's compact hash table of 64-bit integer keys (the core of IntSet).
 *
 * Why this layout. A table that stores whole keys in power-of-two capacity spends 8 bytes per
 * slot at a load between 0.38 and 0.75: 10-21 bytes per 64-bit key. This table stores fewer
 * bits than a key has ("quotienting", Cleary 1984), at a load kept between 0.70 and 0.90 (0.80 built in bulk):
 *
 *   - a key p (an int64, as its 64-bit pattern) is mixed by a seeded bijection into h, over
 *     w = 32 bits while every key fits an int32 (lowbias32) and over w = 64 bits after
 *     (splitmix64's finaliser). Both have published inverses, so a key is recovered from h;
 *   - the top k bits of h pick one of 2^k sub-tables ("bucketing", as in Kuszmaul 2022 and
 *     Koeppl, Puglisi & Raman 2020); a sub-table stores only the other bits = w - k bits of h,
 *     the remainder r, in b = ceil(bits / 8) bytes. k grows with the number of keys (one
 *     sub-table per ~128-256 keys), so at 10M keys a 32-bit key takes 2 bytes and a 64-bit
 *     key 6;
 *   - inside a sub-table, slots are an ordered linear-probing table (Amble & Knuth 1974): r's
 *     home is r * cap >> bits (Lemire's multiply-shift; cap need not be a power of two, so the
 *     load stays in its band at every size), clusters never wrap (a cluster near the end runs
 *     into a few spare slots past cap) and every cluster is sorted by r. So a search stops at
 *     the first slot holding a larger r, the layout is the same whatever order the keys came
 *     in, and the whole table iterates in ascending h: a sub-table is rebuilt (grown, shrunk,
 *     split into two when k grows) by one sequential pass, with no rehash. Remainder 0 marks an
 *     empty slot; the key whose remainder is 0 is a flag of its sub-table. Removal shifts the
 *     displaced keys after it back by one (no tombstones).
 *
 * Every function here runs in C without calling Python and leaves the table in a valid state:
 * one that fails to allocate returns -1 with the table unchanged.
 */
#ifndef LOWRAM_INT_TABLE_H
#define LOWRAM_INT_TABLE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if !defined(__SIZEOF_INT128__)
#error "lowram's int tables need a compiler with unsigned __int128 (gcc, clang)"
#endif

typedef struct {
    uint8_t *slots;     /* phys slots of b bytes (little-endian), then 8 readable bytes */
    uint32_t cap;       /* homes are [0, cap) */
    uint32_t phys;      /* slots allocated: cap plus the spare slots past it */
    uint32_t count;     /* nonzero remainders held in slots */
    uint32_t has_zero;  /* 1: the key whose remainder is 0 is held */
} lri_sub;

/* A map's values of one sub-table (a set has none): dense, in key order, so a value costs its
 * own width and not the empty slots'; a key's value is found by its rank among the slots. */
typedef struct {
    uint8_t *vals;      /* has_zero + count values of vw bytes: the zero key's first */
    uint64_t *occ;      /* bit i set: slot i holds a key ((phys + 63) / 64 words) */
    uint32_t vcap;      /* values the allocation holds */
} lri_vsub;

typedef struct {
    lri_sub *subs;      /* 2^k sub-tables */
    lri_vsub *vsubs;    /* 2^k value stores of a map; NULL for a set */
    uint64_t n;         /* keys held */
    uint64_t seed;
    uint64_t version;   /* changes with every change of keys or layout; iterators check it */
    uint64_t rmask;     /* (1 << bits) - 1 */
    uint64_t bmask;     /* the b bytes of a slot, as a mask of a 64-bit load */
    uint64_t pop_hint;  /* the sub-table pop looks in first */
    int w;              /* key width: 32 (every key fits an int32) or 64 */
    int k;              /* log2 of the number of sub-tables */
    int bits;           /* w - k: the bits a slot stores */
    int b;              /* bytes per slot, ceil(bits / 8) */
    int vw;             /* bytes per value: 0 (a set), 1, 2, 4 or 8 */
    int vfloat;         /* values are float64 bit patterns (vw 8) rather than signed ints */
} lri_table;

/* load band: a sub-table grows past 0.90 (to 0.70), shrinks below 0.30 (to 0.70); a split
 * makes its halves at 0.70 too; a bulk build fills to 0.80. Each bound is a trade: a higher
 * load costs longer probe runs (an ordered table's misses stop at the first larger remainder,
 * so 0.90 costs about 5 slots, within one or two cache lines) and more moves per add (about 4.5
 * per add over a sub-table's life, against 3.4 for 0.60-0.85), a lower one memory (bench_ints'
 * "IntSet (add)" rows). */
#define LRI_GROW_NUM 9
#define LRI_GROW_DEN 10
#define LRI_FILL_INC 0.70
#define LRI_FILL_BULK 0.80
#define LRI_SHRINK_NUM 3
#define LRI_SHRINK_DEN 10
/* a split (k + 1) happens when the keys pass 256 per sub-table; a slot keeps >= 8 bits */
#define LRI_SPLIT_LOG 8
#define LRI_MIN_BITS 8

/* what a bulk rebuild does with a key met twice (old keys come first, then the batch's in
 * order): keep the last value (also a set's rule), add ints (-2 on overflow), add floats */
#define LRI_LAST 0
#define LRI_SUM_INT 1
#define LRI_SUM_FLOAT 2

/* ------------------------------------------------------------------ mixing ------------- */

static inline uint64_t lri_mix(int w, uint64_t seed, uint64_t p) {
    if (w == 32) {
        uint32_t x = (uint32_t)p ^ (uint32_t)seed;
        x ^= x >> 16; x *= 0x7feb352dU; x ^= x >> 15; x *= 0x846ca68bU; x ^= x >> 16;
        return x;
    }
    uint64_t z = p ^ seed;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* the key (an int64's pattern) whose mix is h */
static inline uint64_t lri_unmix(int w, uint64_t seed, uint64_t h) {
    if (w == 32) {
        uint32_t x = (uint32_t)h;
        x ^= x >> 16; x *= 0x43021123U; x ^= (x >> 15) ^ (x >> 30); x *= 0x1d69e2a5U;
        x ^= x >> 16;
        return (uint64_t)(int64_t)(int32_t)(x ^ (uint32_t)seed);
    }
    uint64_t z = h;
    z = (z ^ (z >> 31) ^ (z >> 62)) * 0x319642b2d24d8ec3ULL;
    z = (z ^ (z >> 27) ^ (z >> 54)) * 0x96de1b173f119089ULL;
    z = z ^ (z >> 30) ^ (z >> 60);
    return z ^ seed;
}

static inline int lri_fits32(uint64_t p) {
    int64_t v = (int64_t)p;
    return v >= -2147483648LL && v <= 2147483647LL;
}

/* the narrowest value width (1, 2, 4, 8 bytes) that holds the int64 v */
static inline int lri_vwidth(int64_t v) {
    if (v >= -128 && v <= 127) return 1;
    if (v >= -32768 && v <= 32767) return 2;
    if (v >= -2147483648LL && v <= 2147483647LL) return 4;
    return 8;
}

/* ------------------------------------------------------------------ slots, values ------ */

static inline uint64_t lri_ld(const uint8_t *s) {
    uint64_t x;
    memcpy(&x, s, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    return x;
}

static inline void lri_st(uint8_t *s, uint64_t r, int b) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    r = __builtin_bswap64(r);
    memcpy(s, (const uint8_t *)&r + (8 - b), (size_t)b);
#else
    memcpy(s, &r, (size_t)b);
#endif
}

static inline uint64_t lri_slot(const lri_table *t, const lri_sub *s, uint64_t i) {
    return lri_ld(s->slots + i * (uint64_t)t->b) & t->bmask;
}

static inline uint64_t lri_home(const lri_table *t, uint64_t r, uint32_t cap) {
    return (uint64_t)(((unsigned __int128)r * cap) >> t->bits);
}

static inline void lri_split_h(const lri_table *t, uint64_t h, uint64_t *j, uint64_t *r) {
    *j = t->k ? (h >> t->bits) : 0;
    *r = h & t->rmask;
}

static inline uint64_t lri_join_h(const lri_table *t, uint64_t j, uint64_t r) {
    return t->k ? ((j << t->bits) | r) : r;
}

/* value idx of a store of width vw: a signed int sign-extended, or a float's 64 bits */
static inline uint64_t lri_vget(int vw, const uint8_t *vals, uint64_t idx) {
    const uint8_t *p = vals + idx * (uint64_t)vw;
    switch (vw) {
    case 1: return (uint64_t)(int64_t)*(const int8_t *)p;
    case 2: { int16_t x; memcpy(&x, p, 2); return (uint64_t)(int64_t)x; }
    case 4: { int32_t x; memcpy(&x, p, 4); return (uint64_t)(int64_t)x; }
    default: { uint64_t x; memcpy(&x, p, 8); return x; }
    }
}

static inline void lri_vset(int vw, uint8_t *vals, uint64_t idx, uint64_t v) {
    uint8_t *p = vals + idx * (uint64_t)vw;
    switch (vw) {
    case 1: *(int8_t *)p = (int8_t)(int64_t)v; break;
    case 2: { int16_t x = (int16_t)(int64_t)v; memcpy(p, &x, 2); break; }
    case 4: { int32_t x = (int32_t)(int64_t)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8);
    }
}

static inline uint64_t lri_occ_words(uint64_t phys) { return (phys + 63) / 64; }

/* the value index of the key in slot i: the zero key, then the keys of the slots before i */
static inline uint64_t lri_rank(const lri_sub *s, const lri_vsub *vs, uint64_t i) {
    uint64_t r = s->has_zero, w = i >> 6;
    for (uint64_t q = 0; q < w; q++) r += (uint64_t)__builtin_popcountll(vs->occ[q]);
    if (i & 63) r += (uint64_t)__builtin_popcountll(vs->occ[w] & ((1ULL << (i & 63)) - 1));
    return r;
}

/* room for `need` values; -1 on no memory (the store unchanged) */
static int lri_vreserve(const lri_table *t, lri_vsub *vs, uint64_t need) {
    if (need <= vs->vcap) return 0;
    uint64_t cap = need + need / 8 + 2;
    if (cap > 0xFFFFFFF0ULL) return -1;
    uint8_t *v = (uint8_t *)realloc(vs->vals, cap * (uint64_t)t->vw);
    if (!v) return -1;
    vs->vals = v;
    vs->vcap = (uint32_t)cap;
    return 0;
}

/* give back room past a quarter more than `held` values (a failed shrink changes nothing) */
static void lri_vtrim(const lri_table *t, lri_vsub *vs, uint64_t held) {
    if (held == 0) { free(vs->vals); vs->vals = NULL; vs->vcap = 0; return; }
    if (vs->vcap > held + held / 4 + 8) {
        uint64_t cap = held + held / 8 + 2;
        uint8_t *v = (uint8_t *)realloc(vs->vals, cap * (uint64_t)t->vw);
        if (v) { vs->vals = v; vs->vcap = (uint32_t)cap; }
    }
}

/* ------------------------------------------------------------------ shape -------------- */

static void lri_shape(lri_table *t, int w, int k) {
    t->w = w;
    t->k = k;
    t->bits = w - k;
    t->b = (t->bits + 7) / 8;
    t->rmask = t->bits >= 64 ? ~0ULL : ((1ULL << t->bits) - 1);
    t->bmask = t->b >= 8 ? ~0ULL : ((1ULL << (8 * t->b)) - 1);
}

/* the k for n keys at width w */
static int lri_k_for(uint64_t n, int w) {
    int k = 0;
    while (k < w - LRI_MIN_BITS && (n >> LRI_SPLIT_LOG) > (1ULL << k)) k++;
    return k;
}

/* An empty table: a set (vw 0) or a map whose values are vw-byte ints or (vfloat) floats. */
static int lri_init(lri_table *t, uint64_t seed, int vw, int vfloat) {
    memset(t, 0, sizeof(*t));
    t->seed = seed;
    t->vw = vw;
    t->vfloat = vfloat;
    lri_shape(t, 32, 0);
    t->subs = (lri_sub *)calloc(1, sizeof(lri_sub));
    if (vw) t->vsubs = (lri_vsub *)calloc(1, sizeof(lri_vsub));
    if (!t->subs || (vw && !t->vsubs)) {
        free(t->subs); free(t->vsubs);
        t->subs = NULL; t->vsubs = NULL;
        return -1;
    }
    return 0;
}

static void lri_free_subs(lri_sub *subs, lri_vsub *vsubs, uint64_t nsubs) {
    for (uint64_t j = 0; j < nsubs; j++) {
        if (subs) free(subs[j].slots);
        if (vsubs) { free(vsubs[j].vals); free(vsubs[j].occ); }
    }
    free(subs);
    free(vsubs);
}

static void lri_free(lri_table *t) {
    if (t->subs) lri_free_subs(t->subs, t->vsubs, 1ULL << t->k);
    t->subs = NULL;
    t->vsubs = NULL;
    t->n = 0;
}

static uint64_t lri_nbytes(const lri_table *t) {
    if (!t->subs) return 0;
    uint64_t nsubs = 1ULL << t->k, total = nsubs * sizeof(lri_sub);
    for (uint64_t j = 0; j < nsubs; j++)
        if (t->subs[j].slots) total += (uint64_t)t->subs[j].phys * t->b + 8;
    if (t->vsubs) {
        total += nsubs * sizeof(lri_vsub);
        for (uint64_t j = 0; j < nsubs; j++) {
            total += (uint64_t)t->vsubs[j].vcap * t->vw;
            if (t->vsubs[j].occ) total += lri_occ_words(t->subs[j].phys) * 8;
        }
    }
    return total;
}

/* ------------------------------------------------------------------ building ----------- */

/* Fill the empty sub-table s (at shape t) from m distinct nonzero remainders in ascending
 * order, homes over cap >= m slots; a map's occupancy bits too, into *occ. -1 when memory
 * runs out (nothing allocated). */
static int lri_build_sub(const lri_table *t, lri_sub *s, uint64_t **occ, const uint64_t *rs,
                         uint64_t m, uint64_t cap) {
    if (occ) *occ = NULL;
    if (m == 0 && cap == 0) {
        s->slots = NULL; s->cap = s->phys = s->count = 0;
        return 0;
    }
    if (cap < m) cap = m;
    if (cap > 0xF0000000ULL) return -1;
    uint64_t last = 0;
    if (m == 0) last = cap - 1;
    for (uint64_t i = 0; i < m; i++) {
        uint64_t h = lri_home(t, rs[i], (uint32_t)cap);
        last = (i == 0 || h > last) ? h : last + 1;
    }
    uint64_t phys = last + 2 + cap / 32;
    if (phys < cap) phys = cap;
    if (phys > 0xFFFFFFF0ULL) return -1;
    uint8_t *slots = (uint8_t *)calloc(phys * (uint64_t)t->b + 8, 1);
    uint64_t *bits = occ ? (uint64_t *)calloc(lri_occ_words(phys), 8) : NULL;
    if (!slots || (occ && !bits)) { free(slots); free(bits); return -1; }
    last = 0;
    for (uint64_t i = 0; i < m; i++) {
        uint64_t h = lri_home(t, rs[i], (uint32_t)cap);
        last = (i == 0 || h > last) ? h : last + 1;
        lri_st(slots + last * (uint64_t)t->b, rs[i], t->b);
        if (bits) bits[last >> 6] |= 1ULL << (last & 63);
    }
    s->slots = slots;
    s->cap = (uint32_t)cap;
    s->phys = (uint32_t)phys;
    s->count = (uint32_t)m;
    if (occ) *occ = bits;
    return 0;
}

static uint64_t lri_cap_for(uint64_t m, double fill) {
    uint64_t cap = (uint64_t)((double)m / fill) + 1;
    return cap < 8 ? 8 : cap;
}

/* the nonzero remainders of s in ascending order, into out (room for s->count) */
static void lri_collect(const lri_table *t, const lri_sub *s, uint64_t *out) {
    uint64_t c = 0;
    for (uint64_t i = 0; i < s->phys && c < s->count; i++) {
        uint64_t v = lri_slot(t, s, i);
        if (v) out[c++] = v;
    }
}

/* Rebuild sub-table j over cap homes (its keys and values kept: values stay in key order, so
 * only the slots and the occupancy bits are new); -1 on no memory (unchanged). One pass from
 * the old slots to the new ones when the keys fit the spare slots guessed; else collect, then
 * build. */
static int lri_resize_sub(lri_table *t, uint64_t j, uint64_t cap) {
    lri_sub *s = &t->subs[j];
    lri_sub fresh = *s;
    uint64_t *occ = NULL;
    int done = 0;
    if (s->count && cap >= s->count && cap < 0xE0000000ULL) {
        uint64_t phys = cap + 2 + cap / 32;
        uint8_t *slots = (uint8_t *)calloc(phys * (uint64_t)t->b + 8, 1);
        occ = t->vsubs ? (uint64_t *)calloc(lri_occ_words(phys), 8) : NULL;
        if (!slots || (t->vsubs && !occ)) { free(slots); free(occ); return -1; }
        uint64_t last = 0, c = 0;
        int fits = 1;
        for (uint64_t i = 0; i < s->phys && c < s->count; i++) {
            uint64_t v = lri_slot(t, s, i);
            if (!v) continue;
            uint64_t h = lri_home(t, v, (uint32_t)cap);
            last = (c == 0 || h > last) ? h : last + 1;
            if (last + 1 >= phys) { fits = 0; break; }   /* keep one spare slot at the end */
            lri_st(slots + last * (uint64_t)t->b, v, t->b);
            if (occ) occ[last >> 6] |= 1ULL << (last & 63);
            c++;
        }
        if (fits) {
            fresh.slots = slots;
            fresh.cap = (uint32_t)cap;
            fresh.phys = (uint32_t)phys;
            done = 1;
        } else {
            free(slots); free(occ); occ = NULL;
        }
    }
    if (!done) {
        uint64_t m = s->count;
        uint64_t *rs = (uint64_t *)malloc((m ? m : 1) * sizeof(uint64_t));
        if (!rs) return -1;
        lri_collect(t, s, rs);
        int rc = lri_build_sub(t, &fresh, t->vsubs ? &occ : NULL, rs, m, cap);
        free(rs);
        if (rc < 0) return -1;
    }
    free(s->slots);
    fresh.has_zero = s->has_zero;
    fresh.count = s->count;
    *s = fresh;
    if (t->vsubs) { free(t->vsubs[j].occ); t->vsubs[j].occ = occ; }
    return 0;
}

/* ------------------------------------------------------------------ lookups ------------ */

/* slot of r (nonzero) in s: >= 0 found; else -(where it goes) - 1 */
static inline int64_t lri_find(const lri_table *t, const lri_sub *s, uint64_t r) {
    if (s->cap == 0) return -1;
    uint64_t i = lri_home(t, r, s->cap);
    const uint8_t *p = s->slots + i * (uint64_t)t->b;
    for (; i < s->phys; i++, p += t->b) {
        uint64_t v = lri_ld(p) & t->bmask;
        if (v == r) return (int64_t)i;
        if (v == 0 || v > r) return -(int64_t)i - 1;
    }
    return -(int64_t)s->phys - 1;
}

/* lri_find for lookups only: the slot of r (nonzero), or -1. The first four slots from r's
 * home are read and compared without a branch each (most searches end there at the loads
 * kept): an ordered table holds r at most at the place its sorted cluster puts it, so an equal
 * slot among the four is r, and an empty or larger one among them ends the search. */
static inline int64_t lri_find_fast(const lri_table *t, const lri_sub *s, uint64_t r) {
    if (s->cap == 0) return -1;
    uint64_t i = lri_home(t, r, s->cap);
    if (i + 4 <= s->phys) {
        const uint8_t *p = s->slots + i * (uint64_t)t->b;
        uint64_t m = t->bmask, b = (uint64_t)t->b;
        uint64_t v0 = lri_ld(p) & m, v1 = lri_ld(p + b) & m;
        uint64_t v2 = lri_ld(p + 2 * b) & m, v3 = lri_ld(p + 3 * b) & m;
        unsigned eq = (unsigned)(v0 == r) | (unsigned)(v1 == r) << 1
                      | (unsigned)(v2 == r) << 2 | (unsigned)(v3 == r) << 3;
        /* empty (0) or larger: v - 1 >= r, unsigned */
        unsigned end = (unsigned)(v0 - 1 >= r) | (unsigned)(v1 - 1 >= r) << 1
                       | (unsigned)(v2 - 1 >= r) << 2 | (unsigned)(v3 - 1 >= r) << 3;
        if (eq) return (int64_t)(i + (uint64_t)__builtin_ctz(eq));
        if (end) return -1;
    }
    int64_t f = lri_find(t, s, r);
    return f >= 0 ? f : -1;
}

/* Where key p is: 1 with its sub-table *j and value index *idx (maps), or 0. */
static inline int lri_locate(const lri_table *t, uint64_t p, uint64_t *j, uint64_t *idx) {
    uint64_t r;
    if (t->w == 32 && !lri_fits32(p)) return 0;   /* wider than every key held */
    lri_split_h(t, lri_mix(t->w, t->seed, p), j, &r);
    const lri_sub *s = &t->subs[*j];
    if (r == 0) { *idx = 0; return (int)s->has_zero; }
    int64_t f = lri_find_fast(t, s, r);
    if (f < 0) return 0;
    if (t->vsubs) *idx = lri_rank(s, &t->vsubs[*j], (uint64_t)f);
    return 1;
}

static inline int lri_contains(const lri_table *t, uint64_t p) {
    uint64_t j, r;
    if (t->w == 32 && !lri_fits32(p)) return 0;
    lri_split_h(t, lri_mix(t->w, t->seed, p), &j, &r);
    const lri_sub *s = &t->subs[j];
    if (r == 0) return (int)s->has_zero;
    return lri_find_fast(t, s, r) >= 0;
}

/* a map's value of key p into *v: 1, or 0 when absent */
static inline int lri_get(const lri_table *t, uint64_t p, uint64_t *v) {
    uint64_t j, idx;
    if (!lri_locate(t, p, &j, &idx)) return 0;
    *v = lri_vget(t->vw, t->vsubs[j].vals, idx);
    return 1;
}

/* ------------------------------------------------------------------ sorting ------------ */

/* Insertion sort of hs (and vs beside them), stable: short runs and nearly sorted ones */
static void lri_isort(uint64_t *hs, uint64_t *vs, uint64_t n) {
    for (uint64_t i = 1; i < n; i++) {
        uint64_t x = hs[i], y = vs ? vs[i] : 0, j = i;
        while (j > 0 && hs[j - 1] > x) {
            hs[j] = hs[j - 1];
            if (vs) vs[j] = vs[j - 1];
            j--;
        }
        hs[j] = x;
        if (vs) vs[j] = y;
    }
}

/* Sort one sub-table's m mixed values (they differ only in their remainders), stably: a
 * counting sort on r * m >> bits (monotone in r, about one value per count), then insertion
 * sort for the ties. th/tv hold m values, cnt m + 1 counts. */
static void lri_sort_sub(const lri_table *shape, uint64_t *hs, uint64_t *vs, uint64_t m,
                         uint64_t *th, uint64_t *tv, uint64_t *cnt) {
    if (m <= 32) { lri_isort(hs, vs, m); return; }
    memset(cnt, 0, (m + 1) * sizeof(uint64_t));
    for (uint64_t i = 0; i < m; i++) cnt[lri_home(shape, hs[i] & shape->rmask, (uint32_t)m) + 1]++;
    for (uint64_t i = 0; i < m; i++) cnt[i + 1] += cnt[i];
    for (uint64_t i = 0; i < m; i++) {
        uint64_t at = cnt[lri_home(shape, hs[i] & shape->rmask, (uint32_t)m)]++;
        th[at] = hs[i];
        if (vs) tv[at] = vs[i];
    }
    lri_isort(th, vs ? tv : NULL, m);
    memcpy(hs, th, m * sizeof(uint64_t));
    if (vs) memcpy(vs, tv, m * sizeof(uint64_t));
}

/* Sort hs[0..n) (and vs beside them) stably by bits [low, low + nbits) only, most significant
 * 8 first: a counting scatter into th/tv (room for n) and back, per digit. */
static void lri_radix(uint64_t *hs, uint64_t *vs, uint64_t n, int low, int nbits,
                      uint64_t *th, uint64_t *tv) {
    if (nbits <= 0 || n < 2) return;
    if (n <= 32) {   /* short: insertion sort on the digit bits, stable */
        uint64_t mask = nbits >= 64 ? ~0ULL : ((1ULL << nbits) - 1);
        for (uint64_t i = 1; i < n; i++) {
            uint64_t x = hs[i], y = vs ? vs[i] : 0, kx = (x >> low) & mask, j = i;
            while (j > 0 && ((hs[j - 1] >> low) & mask) > kx) {
                hs[j] = hs[j - 1];
                if (vs) vs[j] = vs[j - 1];
                j--;
            }
            hs[j] = x;
            if (vs) vs[j] = y;
        }
        return;
    }
    int d = nbits > 8 ? 8 : nbits;
    int shift = low + nbits - d;
    uint64_t dmask = (1ULL << d) - 1;
    uint64_t start[257], next[256];
    memset(start, 0, sizeof(start));
    for (uint64_t i = 0; i < n; i++) start[((hs[i] >> shift) & dmask) + 1]++;
    for (int b = 0; b < 256; b++) start[b + 1] += start[b];
    memcpy(next, start, sizeof(next));
    for (uint64_t i = 0; i < n; i++) {
        uint64_t at = next[(hs[i] >> shift) & dmask]++;
        th[at] = hs[i];
        if (vs) tv[at] = vs[i];
    }
    memcpy(hs, th, n * sizeof(uint64_t));
    if (vs) memcpy(vs, tv, n * sizeof(uint64_t));
    if (nbits > d)
        for (uint64_t b = 0; b <= dmask; b++)
            lri_radix(hs + start[b], vs ? vs + start[b] : NULL, start[b + 1] - start[b], low,
                      nbits - d, th, tv);
}

/* ------------------------------------------------------------------ bulk rebuild ------- */

/* The mixed values at width w of the table's keys (with their values), then of ps[0..m)
 * (values from vsrc, or vconst when vsrc is NULL), each counted by its digit (bits
 * [shift, shift + 8) masked by dmask: cnt[digit + 1]++, when hs is NULL) or written at the
 * next place of its digit's run (hs[cnt[digit]++], its value to vs). */
static void lri_gather(const lri_table *t, int w, const uint64_t *ps, const uint64_t *vsrc,
                       uint64_t vconst, uint64_t m, int shift, uint64_t dmask, uint64_t *cnt,
                       uint64_t *hs, uint64_t *vs) {
#define LRI_PUT(hv, vv) do {                                             \
        uint64_t h_ = (hv), d_ = (h_ >> shift) & dmask;                  \
        if (hs) { uint64_t at_ = cnt[d_]++; hs[at_] = h_;                \
                  if (vs) vs[at_] = (vv); }                              \
        else cnt[d_ + 1]++;                                              \
    } while (0)
#define LRI_OLD(hv) (w == t->w ? (hv) : lri_mix(w, t->seed, lri_unmix(t->w, t->seed, (hv))))
    uint64_t nsubs = 1ULL << t->k;
    for (uint64_t j = 0; j < nsubs; j++) {
        const lri_sub *s = &t->subs[j];
        const uint8_t *vals = t->vsubs ? t->vsubs[j].vals : NULL;
        uint64_t idx = 0;
        if (s->has_zero) {
            LRI_PUT(LRI_OLD(lri_join_h(t, j, 0)), vals ? lri_vget(t->vw, vals, 0) : 0);
            idx = 1;
        }
        if (!s->count) continue;
        for (uint64_t i = 0; i < s->phys; i++) {
            uint64_t r = lri_slot(t, s, i);
            if (!r) continue;
            LRI_PUT(LRI_OLD(lri_join_h(t, j, r)), vals ? lri_vget(t->vw, vals, idx) : 0);
            idx++;
        }
    }
    for (uint64_t i = 0; i < m; i++) LRI_PUT(lri_mix(w, t->seed, ps[i]), vsrc ? vsrc[i] : vconst);
#undef LRI_OLD
#undef LRI_PUT
}

/* Replace the table's contents by its keys and the m keys ps (patterns fitting width w, with
 * values vsrc or vconst for a map; a key met twice is resolved by `policy`), at width w in
 * 2^k sub-tables filled to `fill`, values vw bytes wide. The mixed values are placed by their
 * top 8 bits straight from the sources (a scatter over 256 runs), sorted stably by the rest of
 * their sub-table bits (in cache), then each sub-table is sorted and built in one pass.
 * Holds 8 bytes per key meanwhile (16 for a map, and as much again for the sort).
 * -1 on no memory, -2 when an int sum overflows; the table unchanged either way. */
static int lri_rebuild(lri_table *t, int w, int k, int vw, const uint64_t *ps,
                       const uint64_t *vsrc, uint64_t vconst, uint64_t m, double fill,
                       int policy) {
    int map = t->vsubs != NULL;
    uint64_t n = t->n + m, nsubs = 1ULL << k;
    lri_table shape = *t;
    lri_shape(&shape, w, k);
    shape.vw = vw;
    int d1 = k < 8 ? k : 8;
    int shift = d1 ? w - d1 : 0;
    uint64_t dmask = d1 ? ((1ULL << d1) - 1) : 0;
    uint64_t run[257], next[257], most = 1;
    uint64_t *hs = (uint64_t *)malloc((n ? n : 1) * sizeof(uint64_t));
    uint64_t *vs = map ? (uint64_t *)malloc((n ? n : 1) * sizeof(uint64_t)) : NULL;
    uint64_t *start = (uint64_t *)calloc(nsubs + 1, sizeof(uint64_t));
    lri_sub *subs = (lri_sub *)calloc(nsubs, sizeof(lri_sub));
    lri_vsub *vsubs = map ? (lri_vsub *)calloc(nsubs, sizeof(lri_vsub)) : NULL;
    uint64_t *th = NULL, *tv = NULL, *cnt = NULL;
    int rc = -1;
    if (!hs || (map && !vs) || !start || !subs || (map && !vsubs)) goto fail;
    memset(run, 0, sizeof(run));
    lri_gather(t, w, ps, vsrc, vconst, m, shift, dmask, run, NULL, NULL);
    for (int b = 0; b < 256; b++) run[b + 1] += run[b];
    memcpy(next, run, sizeof(next));
    lri_gather(t, w, ps, vsrc, vconst, m, shift, dmask, next, hs, vs);
    for (uint64_t b = 0; b <= dmask; b++)
        if (run[b + 1] - run[b] > most) most = run[b + 1] - run[b];
    for (uint64_t i = 0; i < n; i++) start[(k ? hs[i] >> shape.bits : 0) + 1]++;
    for (uint64_t j = 0; j < nsubs; j++) {
        if (start[j + 1] > most) most = start[j + 1];
        start[j + 1] += start[j];
    }
    th = (uint64_t *)malloc(most * sizeof(uint64_t));
    tv = map ? (uint64_t *)malloc(most * sizeof(uint64_t)) : NULL;
    cnt = (uint64_t *)malloc((most + 1) * sizeof(uint64_t));
    if (!th || (map && !tv) || !cnt) goto fail;
    for (uint64_t b = 0; b <= dmask; b++)
        lri_radix(hs + run[b], vs ? vs + run[b] : NULL, run[b + 1] - run[b], w - k, k - d1,
                  th, tv);
    /* pass 1: each sub-table's keys sorted, one per key (the policy resolves repeats), in
     * place; the zero remainder's key becomes the flag, its value set aside */
    uint64_t total = 0;
    for (uint64_t j = 0; j < nsubs; j++) {
        uint64_t *a = hs + start[j], *av = vs ? vs + start[j] : NULL;
        uint64_t mj = start[j + 1] - start[j], c = 0;
        lri_sort_sub(&shape, a, av, mj, th, tv, cnt);
        int zero = 0;
        uint64_t zval = 0;
        for (uint64_t i = 0; i < mj; i++) {
            uint64_t r = a[i] & shape.rmask, v = av ? av[i] : 0;
            int again = r == 0 ? zero : (c > 0 && a[c - 1] == r);
            if (again) {
                if (!av) continue;
                uint64_t *slot = r == 0 ? &zval : &av[c - 1];
                if (policy == LRI_SUM_INT) {
                    int64_t sum;
                    if (__builtin_add_overflow((int64_t)*slot, (int64_t)v, &sum)) {
                        rc = -2;
                        goto fail;
                    }
                    *slot = (uint64_t)sum;
                } else if (policy == LRI_SUM_FLOAT) {
                    double x, y;
                    memcpy(&x, slot, 8);
                    memcpy(&y, &v, 8);
                    x += y;
                    memcpy(slot, &x, 8);
                } else {
                    *slot = v;
                }
                continue;
            }
            if (r == 0) { zero = 1; zval = v; continue; }
            a[c] = r;
            if (av) av[c] = v;
            c++;
        }
        /* the count kept and the zero flag wait in the sub-table's header for pass 2 */
        subs[j].count = (uint32_t)c;
        subs[j].has_zero = (uint32_t)zero;
        if (map) {
            if (!t->vfloat) {
                if (zero && lri_vwidth((int64_t)zval) > vw) vw = lri_vwidth((int64_t)zval);
                for (uint64_t i = 0; i < c; i++)
                    if (lri_vwidth((int64_t)av[i]) > vw) vw = lri_vwidth((int64_t)av[i]);
            }
            /* keep the zero key's value where pass 2 finds it: after the sub-table's keys */
            if (zero) av[c] = zval;
        }
        total += c + (uint64_t)zero;
    }
    shape.vw = vw;
    /* pass 2: build each sub-table and its values at the final value width */
    for (uint64_t j = 0; j < nsubs; j++) {
        uint64_t *a = hs + start[j], *av = vs ? vs + start[j] : NULL;
        uint64_t c = subs[j].count;
        uint32_t zero = subs[j].has_zero;
        if (lri_build_sub(&shape, &subs[j], map ? &vsubs[j].occ : NULL, a, c,
                          c ? lri_cap_for(c, fill) : 0) < 0)
            goto fail;
        subs[j].has_zero = zero;
        if (map && (c || zero)) {
            vsubs[j].vals = (uint8_t *)malloc((c + zero) * (uint64_t)vw);
            if (!vsubs[j].vals) goto fail;
            vsubs[j].vcap = (uint32_t)(c + zero);
            if (zero) lri_vset(vw, vsubs[j].vals, 0, av[c]);
            for (uint64_t i = 0; i < c; i++) lri_vset(vw, vsubs[j].vals, i + zero, av[i]);
        }
    }
    free(hs); free(vs); free(start); free(th); free(tv); free(cnt);
    lri_free_subs(t->subs, t->vsubs, 1ULL << t->k);
    lri_shape(t, w, k);
    t->vw = vw;
    t->subs = subs;
    t->vsubs = vsubs;
    t->n = total;
    t->version++;
    t->pop_hint = 0;
    return 0;
fail:
    free(hs); free(vs); free(start); free(th); free(tv); free(cnt);
    if (subs) lri_free_subs(subs, vsubs, nsubs);
    else free(vsubs);
    return rc;
}

static int lri_reshape(lri_table *t, int w, int k) {
    return lri_rebuild(t, w, k, t->vw, NULL, NULL, 0, 0, LRI_FILL_INC, LRI_LAST);
}

/* ------------------------------------------------------------------ changes ------------ */

/* One more sub-table bit (k + 1): sub-table j's sorted remainders split at the top remainder
 * bit into sub-tables 2j and 2j + 1, each built in one pass with its values; no key is
 * re-mixed or sorted. -1 on no memory (unchanged). */
static int lri_split(lri_table *t) {
    lri_table shape = *t;
    lri_shape(&shape, t->w, t->k + 1);
    int map = t->vsubs != NULL, vw = t->vw;
    uint64_t nsubs = 1ULL << t->k, half = 1ULL << shape.bits, most = 1;
    for (uint64_t j = 0; j < nsubs; j++)
        if (t->subs[j].count > most) most = t->subs[j].count;
    lri_sub *subs = (lri_sub *)calloc(2 * nsubs, sizeof(lri_sub));
    lri_vsub *vsubs = map ? (lri_vsub *)calloc(2 * nsubs, sizeof(lri_vsub)) : NULL;
    uint64_t *rs = (uint64_t *)malloc(most * sizeof(uint64_t));
    if (!subs || (map && !vsubs) || !rs) { free(subs); free(vsubs); free(rs); return -1; }
    for (uint64_t j = 0; j < nsubs; j++) {
        const lri_sub *s = &t->subs[j];
        uint64_t m = s->count, cut = 0, z = s->has_zero;
        lri_collect(t, s, rs);
        while (cut < m && rs[cut] < half) cut++;
        uint64_t *upper = rs + cut, m_up = m - cut;
        int up_zero = 0;
        for (uint64_t i = 0; i < m_up; i++) upper[i] -= half;
        if (m_up && upper[0] == 0) { up_zero = 1; upper++; m_up--; }
        if (lri_build_sub(&shape, &subs[2 * j], map ? &vsubs[2 * j].occ : NULL, rs, cut,
                          cut ? lri_cap_for(cut, LRI_FILL_INC) : 0) < 0
            || lri_build_sub(&shape, &subs[2 * j + 1], map ? &vsubs[2 * j + 1].occ : NULL, upper,
                             m_up, m_up ? lri_cap_for(m_up, LRI_FILL_INC) : 0) < 0)
            goto fail;
        subs[2 * j].has_zero = (uint32_t)z;
        subs[2 * j + 1].has_zero = (uint32_t)up_zero;
        if (map) {
            /* old values: [zero key][cut lower keys][the upper keys, its zero key first] */
            const uint8_t *old = t->vsubs[j].vals;
            uint64_t lo_n = z + cut, hi_n = m - cut;
            if (lo_n) {
                vsubs[2 * j].vals = (uint8_t *)malloc(lo_n * (uint64_t)vw);
                if (!vsubs[2 * j].vals) goto fail;
                memcpy(vsubs[2 * j].vals, old, lo_n * (uint64_t)vw);
                vsubs[2 * j].vcap = (uint32_t)lo_n;
            }
            if (hi_n) {
                vsubs[2 * j + 1].vals = (uint8_t *)malloc(hi_n * (uint64_t)vw);
                if (!vsubs[2 * j + 1].vals) goto fail;
                memcpy(vsubs[2 * j + 1].vals, old + lo_n * (uint64_t)vw, hi_n * (uint64_t)vw);
                vsubs[2 * j + 1].vcap = (uint32_t)hi_n;
            }
        }
    }
    free(rs);
    lri_free_subs(t->subs, t->vsubs, nsubs);
    lri_shape(t, shape.w, shape.k);
    t->subs = subs;
    t->vsubs = vsubs;
    t->version++;
    t->pop_hint = 0;
    return 0;
fail:
    lri_free_subs(subs, vsubs, 2 * nsubs);
    free(rs);
    return -1;
}

/* Key p to value v (a map; a set ignores v): 1 added, 0 already held (a map's value
 * replaced), -1 no memory (unchanged). p must fit the table's width and v its value width
 * (the caller widens first). */
static int lri_put(lri_table *t, uint64_t p, uint64_t v) {
    uint64_t j, r;
    if (t->k < t->w - LRI_MIN_BITS && ((t->n + 1) >> LRI_SPLIT_LOG) > (1ULL << t->k)) {
        if (!lri_contains(t, p) && lri_split(t) < 0) return -1;
    }
    lri_split_h(t, lri_mix(t->w, t->seed, p), &j, &r);
    lri_sub *s = &t->subs[j];
    lri_vsub *vs = t->vsubs ? &t->vsubs[j] : NULL;
    if (r == 0) {
        if (s->has_zero) {
            if (vs) lri_vset(t->vw, vs->vals, 0, v);
            return 0;
        }
        if (vs) {
            if (lri_vreserve(t, vs, (uint64_t)s->count + 1) < 0) return -1;
            memmove(vs->vals + t->vw, vs->vals, (uint64_t)s->count * t->vw);
            lri_vset(t->vw, vs->vals, 0, v);
        }
        s->has_zero = 1;
        t->n++; t->version++;
        return 1;
    }
    for (;;) {
        int64_t f = lri_find(t, s, r);
        if (f >= 0) {
            if (vs) lri_vset(t->vw, vs->vals, lri_rank(s, vs, (uint64_t)f), v);
            return 0;
        }
        uint64_t i = (uint64_t)(-(f + 1));
        if (s->cap > 0 && (uint64_t)(s->count + 1) * LRI_GROW_DEN <= (uint64_t)s->cap * LRI_GROW_NUM) {
            /* the next empty slot at or after i */
            uint64_t e = i;
            while (e < s->phys && lri_slot(t, s, e) != 0) e++;
            if (e < s->phys) {
                uint64_t held = (uint64_t)s->count + s->has_zero;
                if (vs && lri_vreserve(t, vs, held + 1) < 0) return -1;
                uint8_t *base = s->slots + i * (uint64_t)t->b;
                memmove(base + t->b, base, (e - i) * (uint64_t)t->b);
                lri_st(base, r, t->b);
                if (vs) {
                    uint64_t idx = lri_rank(s, vs, i);
                    vs->occ[e >> 6] |= 1ULL << (e & 63);
                    memmove(vs->vals + (idx + 1) * t->vw, vs->vals + idx * t->vw,
                            (held - idx) * (uint64_t)t->vw);
                    lri_vset(t->vw, vs->vals, idx, v);
                }
                s->count++;
                t->n++; t->version++;
                return 1;
            }
        }
        /* full, or the cluster ran to the end: grow and look again */
        if (lri_resize_sub(t, j, lri_cap_for((uint64_t)s->count + 1, LRI_FILL_INC)) < 0)
            return -1;
        t->version++;
    }
}

static inline int lri_add(lri_table *t, uint64_t p) { return lri_put(t, p, 0); }

/* 1 removed (a map's value into *old when old is not NULL), 0 absent */
static int lri_remove(lri_table *t, uint64_t p, uint64_t *old) {
    uint64_t j, r;
    if (t->w == 32 && !lri_fits32(p)) return 0;
    lri_split_h(t, lri_mix(t->w, t->seed, p), &j, &r);
    lri_sub *s = &t->subs[j];
    lri_vsub *vs = t->vsubs ? &t->vsubs[j] : NULL;
    uint64_t held = (uint64_t)s->count + s->has_zero;
    if (r == 0) {
        if (!s->has_zero) return 0;
        if (vs) {
            if (old) *old = lri_vget(t->vw, vs->vals, 0);
            memmove(vs->vals, vs->vals + t->vw, (held - 1) * (uint64_t)t->vw);
            lri_vtrim(t, vs, held - 1);
        }
        s->has_zero = 0;
        t->n--; t->version++;
        return 1;
    }
    int64_t f = lri_find(t, s, r);
    if (f < 0) return 0;
    uint64_t i = (uint64_t)f, e = i + 1;
    if (vs) {
        uint64_t idx = lri_rank(s, vs, i);
        if (old) *old = lri_vget(t->vw, vs->vals, idx);
        memmove(vs->vals + idx * t->vw, vs->vals + (idx + 1) * t->vw,
                (held - idx - 1) * (uint64_t)t->vw);
    }
    /* shift back the keys after it that sit past their home */
    while (e < s->phys) {
        uint64_t v = lri_slot(t, s, e);
        if (v == 0 || lri_home(t, v, s->cap) >= e) break;
        e++;
    }
    uint8_t *base = s->slots + i * (uint64_t)t->b;
    memmove(base, base + t->b, (e - i - 1) * (uint64_t)t->b);
    lri_st(s->slots + (e - 1) * (uint64_t)t->b, 0, t->b);
    if (vs) vs->occ[(e - 1) >> 6] &= ~(1ULL << ((e - 1) & 63));
    s->count--;
    t->n--; t->version++;
    if (s->count == 0) {
        free(s->slots);
        s->slots = NULL; s->cap = s->phys = 0;
        if (vs) { free(vs->occ); vs->occ = NULL; }
    } else if (s->cap > 16 && (uint64_t)s->count * LRI_SHRINK_DEN < (uint64_t)s->cap * LRI_SHRINK_NUM) {
        (void)lri_resize_sub(t, j, lri_cap_for(s->count, LRI_FILL_INC));  /* may fail: fine */
    }
    if (vs) lri_vtrim(t, vs, held - 1);
    return 1;
}

static inline int lri_discard(lri_table *t, uint64_t p) { return lri_remove(t, p, NULL); }

/* Remove every key of a and of b (b may be NULL), both or neither: each keeps its seed and
 * value kind, at key width 32 and the value width given. -1 on no memory (both unchanged:
 * the empty tables are allocated before either is emptied). */
static int lri_clear(lri_table *a, lri_table *b, int vw) {
    lri_table *ts[2] = {a, b};
    lri_sub *one[2] = {NULL, NULL};
    lri_vsub *vone[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        if (!ts[i]) continue;
        one[i] = (lri_sub *)calloc(1, sizeof(lri_sub));
        if (ts[i]->vsubs) vone[i] = (lri_vsub *)calloc(1, sizeof(lri_vsub));
        if (!one[i] || (ts[i]->vsubs && !vone[i])) {
            for (int j = 0; j <= i; j++) { free(one[j]); free(vone[j]); }
            return -1;
        }
    }
    for (int i = 0; i < 2; i++) {
        lri_table *t = ts[i];
        if (!t) continue;
        lri_free_subs(t->subs, t->vsubs, 1ULL << t->k);
        t->subs = one[i];
        t->vsubs = vone[i];
        t->n = 0;
        if (vone[i]) t->vw = vw;
        lri_shape(t, 32, 0);
        t->version++;
        t->pop_hint = 0;
    }
    return 0;
}

/* The valid table dst becomes a copy of src. -1 on no memory (dst unchanged). */
static int lri_copy(lri_table *dst, const lri_table *src) {
    uint64_t nsubs = 1ULL << src->k;
    lri_sub *subs = (lri_sub *)calloc(nsubs, sizeof(lri_sub));
    lri_vsub *vsubs = src->vsubs ? (lri_vsub *)calloc(nsubs, sizeof(lri_vsub)) : NULL;
    if (!subs || (src->vsubs && !vsubs)) { free(subs); free(vsubs); return -1; }
    for (uint64_t j = 0; j < nsubs; j++) {
        const lri_sub *s = &src->subs[j];
        subs[j] = *s;
        subs[j].slots = NULL;
        if (s->slots) {
            uint64_t size = (uint64_t)s->phys * src->b + 8;
            subs[j].slots = (uint8_t *)malloc(size);
            if (!subs[j].slots) goto fail;
            memcpy(subs[j].slots, s->slots, size);
        }
        if (vsubs) {
            const lri_vsub *vs = &src->vsubs[j];
            uint64_t held = (uint64_t)s->count + s->has_zero;
            if (held) {
                vsubs[j].vals = (uint8_t *)malloc(held * (uint64_t)src->vw);
                if (!vsubs[j].vals) goto fail;
                memcpy(vsubs[j].vals, vs->vals, held * (uint64_t)src->vw);
                vsubs[j].vcap = (uint32_t)held;
            }
            if (vs->occ) {
                uint64_t words = lri_occ_words(s->phys);
                vsubs[j].occ = (uint64_t *)malloc(words * 8);
                if (!vsubs[j].occ) goto fail;
                memcpy(vsubs[j].occ, vs->occ, words * 8);
            }
        }
    }
    uint64_t version = dst->version + 1;
    lri_free_subs(dst->subs, dst->vsubs, 1ULL << dst->k);
    *dst = *src;
    dst->subs = subs;
    dst->vsubs = vsubs;
    dst->version = version;
    return 0;
fail:
    lri_free_subs(subs, vsubs, nsubs);
    return -1;
}

/* Widen to 64-bit keys. -1 on no memory (unchanged). */
static int lri_widen(lri_table *t) {
    if (t->w == 64) return 0;
    return lri_reshape(t, 64, lri_k_for(t->n, 64));
}

/* Widen a map's int values to vw bytes. -1 on no memory (unchanged). */
static int lri_widen_values(lri_table *t, int vw) {
    if (!t->vsubs || vw <= t->vw) return 0;
    uint64_t nsubs = 1ULL << t->k;
    uint8_t **fresh = (uint8_t **)calloc(nsubs, sizeof(uint8_t *));
    if (!fresh) return -1;
    for (uint64_t j = 0; j < nsubs; j++) {
        uint64_t held = (uint64_t)t->subs[j].count + t->subs[j].has_zero;
        if (!held) continue;
        fresh[j] = (uint8_t *)malloc(held * (uint64_t)vw);
        if (!fresh[j]) {
            for (uint64_t q = 0; q < j; q++) free(fresh[q]);
            free(fresh);
            return -1;
        }
        for (uint64_t i = 0; i < held; i++)
            lri_vset(vw, fresh[j], i, lri_vget(t->vw, t->vsubs[j].vals, i));
    }
    for (uint64_t j = 0; j < nsubs; j++) {
        uint64_t held = (uint64_t)t->subs[j].count + t->subs[j].has_zero;
        free(t->vsubs[j].vals);
        t->vsubs[j].vals = fresh[j];
        t->vsubs[j].vcap = (uint32_t)held;
    }
    free(fresh);
    t->vw = vw;
    t->version++;
    return 0;
}

/* ------------------------------------------------------------------ iteration ---------- */

/* The next key at or after cursor (j, pos): pos 0 is sub-table j's zero flag, pos i + 1 its
 * slot i. Returns 1 with *p (and a map's value in *v when v is not NULL) and the cursor moved
 * past it, 0 at the end. Safe for any cursor. */
static int lri_next_v(const lri_table *t, uint64_t *j, uint64_t *pos, uint64_t *p, uint64_t *v) {
    uint64_t nsubs = 1ULL << t->k;
    while (*j < nsubs) {
        const lri_sub *s = &t->subs[*j];
        if (*pos == 0) {
            *pos = 1;
            if (s->has_zero) {
                *p = lri_unmix(t->w, t->seed, lri_join_h(t, *j, 0));
                if (v) *v = lri_vget(t->vw, t->vsubs[*j].vals, 0);
                return 1;
            }
        }
        if (s->count) {
            while (*pos - 1 < s->phys) {
                uint64_t i = *pos - 1, r = lri_slot(t, s, i);
                (*pos)++;
                if (r) {
                    *p = lri_unmix(t->w, t->seed, lri_join_h(t, *j, r));
                    if (v) *v = lri_vget(t->vw, t->vsubs[*j].vals, lri_rank(s, &t->vsubs[*j], i));
                    return 1;
                }
            }
        }
        (*j)++;
        *pos = 0;
    }
    return 0;
}

static inline int lri_next(const lri_table *t, uint64_t *j, uint64_t *pos, uint64_t *p) {
    return lri_next_v(t, j, pos, p, NULL);
}

/* The key before cursor (j, pos) going backwards (pos as lri_next's; start at j = 2^k,
 * pos 0): 1 with *p (and *v) and the cursor moved onto it, 0 at the start. */
static int lri_prev_v(const lri_table *t, uint64_t *j, uint64_t *pos, uint64_t *p, uint64_t *v) {
    uint64_t nsubs = 1ULL << t->k;
    if (*j > nsubs) { *j = nsubs; *pos = 0; }
    for (;;) {
        if (*pos == 0) {             /* before this sub-table: move to the end of the previous */
            if (*j == 0) return 0;
            (*j)--;
            *pos = (uint64_t)t->subs[*j].phys + 1;
        }
        const lri_sub *s = &t->subs[*j];
        while (*pos > 1) {
            (*pos)--;
            uint64_t i = *pos - 1, r = s->count ? lri_slot(t, s, i) : 0;
            if (r) {
                *p = lri_unmix(t->w, t->seed, lri_join_h(t, *j, r));
                if (v) *v = lri_vget(t->vw, t->vsubs[*j].vals, lri_rank(s, &t->vsubs[*j], i));
                return 1;
            }
        }
        *pos = 0;
        if (s->has_zero) {
            *p = lri_unmix(t->w, t->seed, lri_join_h(t, *j, 0));
            if (v) *v = lri_vget(t->vw, t->vsubs[*j].vals, 0);
            return 1;
        }
    }
}

/* Remove and give some key (the last of a sub-table, so nothing shifts) and a map's value.
 * 0 when empty. */
static int lri_pop(lri_table *t, uint64_t *p, uint64_t *v) {
    uint64_t nsubs = 1ULL << t->k;
    if (t->n == 0) return 0;
    uint64_t j = t->pop_hint < nsubs ? t->pop_hint : 0;
    for (uint64_t step = 0; step < nsubs; step++, j = (j + 1 == nsubs) ? 0 : j + 1) {
        lri_sub *s = &t->subs[j];
        if (s->count) {
            uint64_t i = s->phys;
            while (i > 0 && lri_slot(t, s, i - 1) == 0) i--;
            *p = lri_unmix(t->w, t->seed, lri_join_h(t, j, lri_slot(t, s, i - 1)));
        } else if (s->has_zero) {
            *p = lri_unmix(t->w, t->seed, lri_join_h(t, j, 0));
        } else {
            continue;
        }
        t->pop_hint = j;
        lri_remove(t, *p, v);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ batches ------------ */

/* Add m keys (patterns fitting width w_needed) with values (vsrc, or vconst; ignored by a
 * set, fitting vw_needed bytes) at once, the table rebuilt in one pass; a key met twice is
 * resolved by policy. All or nothing: -1 no memory, -2 an int sum overflowed. */
static int lri_add_bulk(lri_table *t, const uint64_t *ps, const uint64_t *vsrc, uint64_t vconst,
                        uint64_t m, int w_needed, int vw_needed, int policy) {
    int w = t->w > w_needed ? t->w : w_needed;
    int vw = t->vw > vw_needed ? t->vw : vw_needed;
    int k = lri_k_for(t->n + m, w);
    if (k < t->k && w == t->w) k = t->k;
    return lri_rebuild(t, w, k, vw, ps, vsrc, vconst, m, LRI_FILL_BULK, policy);
}

/* out[i] = whether ps[i] is held, for n keys (and a map's value into vals[i] when vals is not
 * NULL): in groups of 16, the sub-table headers and then the home slots are prefetched before
 * any is read, so the cache misses of a group overlap instead of following one another. */
#define LRI_GROUP 16
static void lri_lookup_many(const lri_table *t, const uint64_t *ps, uint64_t n, uint8_t *out,
                            uint64_t *vals) {
    uint64_t js[LRI_GROUP], rs[LRI_GROUP];
    for (uint64_t base = 0; base < n; base += LRI_GROUP) {
        uint64_t g = n - base < LRI_GROUP ? n - base : LRI_GROUP;
        for (uint64_t i = 0; i < g; i++) {
            lri_split_h(t, lri_mix(t->w, t->seed, ps[base + i]), &js[i], &rs[i]);
            __builtin_prefetch(&t->subs[js[i]]);
            if (vals) __builtin_prefetch(&t->vsubs[js[i]]);
        }
        for (uint64_t i = 0; i < g; i++) {
            const lri_sub *s = &t->subs[js[i]];
            if (s->cap)
                __builtin_prefetch(s->slots + lri_home(t, rs[i], s->cap) * (uint64_t)t->b);
            if (vals && t->vsubs[js[i]].occ) __builtin_prefetch(t->vsubs[js[i]].occ);
        }
        for (uint64_t i = 0; i < g; i++) {
            const lri_sub *s = &t->subs[js[i]];
            int64_t f = rs[i] == 0 ? (s->has_zero ? 0 : -1) : lri_find_fast(t, s, rs[i]);
            int hit = f >= 0 && !(t->w == 32 && !lri_fits32(ps[base + i]));
            out[base + i] = (uint8_t)hit;
            if (vals && hit) {   /* the value's place, fetched while the others are found */
                const lri_vsub *vs = &t->vsubs[js[i]];
                rs[i] = rs[i] == 0 ? 0 : lri_rank(s, vs, (uint64_t)f);
                __builtin_prefetch(vs->vals + rs[i] * (uint64_t)t->vw);
            }
        }
        if (vals)
            for (uint64_t i = 0; i < g; i++)
                if (out[base + i])
                    vals[base + i] = lri_vget(t->vw, t->vsubs[js[i]].vals, rs[i]);
    }
}

static void lri_contains_many(const lri_table *t, const uint64_t *ps, uint64_t n, uint8_t *out) {
    lri_lookup_many(t, ps, n, out, NULL);
}

/* a self-check of the invariants: 0 when they hold, else a code naming the first broken */
static int lri_check(const lri_table *t) {
    uint64_t nsubs = 1ULL << t->k, n = 0;
    if (t->bits != t->w - t->k) return 1;
    for (uint64_t j = 0; j < nsubs; j++) {
        const lri_sub *s = &t->subs[j];
        const lri_vsub *vs = t->vsubs ? &t->vsubs[j] : NULL;
        uint64_t c = 0, prev = 0;
        n += s->has_zero;
        if (vs && vs->vcap < (uint64_t)s->count + s->has_zero) return 9;
        if (vs && (s->count || s->has_zero) && !vs->vals) return 10;
        if (s->count == 0) continue;
        if (!s->slots || s->phys < s->cap) return 2;
        if (vs && !vs->occ) return 11;
        for (uint64_t i = 0; i < s->phys; i++) {
            uint64_t v = lri_slot(t, s, i);
            if (vs && (((vs->occ[i >> 6] >> (i & 63)) & 1) != (v != 0))) return 12;
            if (v == 0) { prev = 0; continue; }
            if (v > t->rmask) return 3;
            if (prev && v <= prev) return 4;          /* a cluster is sorted */
            if (lri_home(t, v, s->cap) > i) return 5; /* no key before its home */
            if (!prev && i > 0 && lri_home(t, v, s->cap) != i) return 6; /* a cluster starts at home */
            prev = v;
            c++;
        }
        if (c != s->count) return 7;
        n += c;
    }
    return n == t->n ? 0 : 8;
}

#endif /* LOWRAM_INT_TABLE_H */
