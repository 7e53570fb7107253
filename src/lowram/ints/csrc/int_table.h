/* int_table.h: lowram's compact hash table of 64-bit integer keys (the core of IntSet).
 *
 * Why this layout. A table that stores whole keys in power-of-two capacity spends 8 bytes per
 * slot at a load between 0.38 and 0.75: 10-21 bytes per 64-bit key. This table stores fewer
 * bits than a key has ("quotienting", Cleary 1984), at a load kept between 0.68 and 0.85:
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

typedef struct {
    lri_sub *subs;      /* 2^k sub-tables */
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
} lri_table;

/* load band: a sub-table grows past 0.85 (to 0.68), shrinks below 0.30 (to 0.68); a bulk
 * build fills to 0.80. Each bound is a trade: a higher load costs longer probe runs. */
#define LRI_GROW_NUM 17
#define LRI_GROW_DEN 20
#define LRI_FILL_INC 0.60
#define LRI_FILL_BULK 0.80
#define LRI_SHRINK_NUM 3
#define LRI_SHRINK_DEN 10
/* a split (k + 1) happens when the keys pass 256 per sub-table; a slot keeps >= 8 bits */
#define LRI_SPLIT_LOG 8
#define LRI_MIN_BITS 8

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

/* ------------------------------------------------------------------ slots -------------- */

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

static int lri_init(lri_table *t, uint64_t seed) {
    memset(t, 0, sizeof(*t));
    t->seed = seed;
    lri_shape(t, 32, 0);
    t->subs = (lri_sub *)calloc(1, sizeof(lri_sub));
    return t->subs ? 0 : -1;
}

static void lri_free_subs(lri_sub *subs, uint64_t nsubs) {
    if (!subs) return;
    for (uint64_t j = 0; j < nsubs; j++) free(subs[j].slots);
    free(subs);
}

static void lri_free(lri_table *t) {
    if (t->subs) lri_free_subs(t->subs, 1ULL << t->k);
    t->subs = NULL;
    t->n = 0;
}

static uint64_t lri_nbytes(const lri_table *t) {
    if (!t->subs) return 0;
    uint64_t nsubs = 1ULL << t->k, total = nsubs * sizeof(lri_sub);
    for (uint64_t j = 0; j < nsubs; j++)
        if (t->subs[j].slots) total += (uint64_t)t->subs[j].phys * t->b + 8;
    return total;
}

/* ------------------------------------------------------------------ building ----------- */

/* Fill the empty sub-table s (at shape t) from m distinct nonzero remainders in ascending
 * order, homes over cap >= m slots. -1 when memory runs out (s untouched). */
static int lri_build_sub(const lri_table *t, lri_sub *s, const uint64_t *rs, uint64_t m,
                         uint64_t cap) {
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
    if (!slots) return -1;
    last = 0;
    for (uint64_t i = 0; i < m; i++) {
        uint64_t h = lri_home(t, rs[i], (uint32_t)cap);
        last = (i == 0 || h > last) ? h : last + 1;
        lri_st(slots + last * (uint64_t)t->b, rs[i], t->b);
    }
    s->slots = slots;
    s->cap = (uint32_t)cap;
    s->phys = (uint32_t)phys;
    s->count = (uint32_t)m;
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

static int lri_resize_sub_collect(lri_table *t, lri_sub *s, uint64_t cap) {
    uint64_t m = s->count;
    uint64_t *rs = (uint64_t *)malloc((m ? m : 1) * sizeof(uint64_t));
    if (!rs) return -1;
    lri_collect(t, s, rs);
    lri_sub fresh = *s;
    if (lri_build_sub(t, &fresh, rs, m, cap) < 0) { free(rs); return -1; }
    free(rs);
    free(s->slots);
    fresh.has_zero = s->has_zero;
    *s = fresh;
    return 0;
}

/* rebuild sub-table s over cap homes (its keys kept); -1 on no memory. One pass from the old
 * slots to the new ones when the keys fit the spare slots guessed; else collect, then build. */
static int lri_resize_sub(lri_table *t, lri_sub *s, uint64_t cap) {
    if (s->count && cap >= s->count && cap < 0xE0000000ULL) {
        uint64_t phys = cap + 2 + cap / 32;
        uint8_t *slots = (uint8_t *)calloc(phys * (uint64_t)t->b + 8, 1);
        if (!slots) return -1;
        uint64_t last = 0, c = 0;
        int fits = 1;
        for (uint64_t i = 0; i < s->phys && c < s->count; i++) {
            uint64_t v = lri_slot(t, s, i);
            if (!v) continue;
            uint64_t h = lri_home(t, v, (uint32_t)cap);
            last = (c == 0 || h > last) ? h : last + 1;
            if (last + 1 >= phys) { fits = 0; break; }   /* keep one spare slot at the end */
            lri_st(slots + last * (uint64_t)t->b, v, t->b);
            c++;
        }
        if (fits) {
            free(s->slots);
            s->slots = slots;
            s->cap = (uint32_t)cap;
            s->phys = (uint32_t)phys;
            return 0;
        }
        free(slots);
    }
    return lri_resize_sub_collect(t, s, cap);
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

static inline int lri_contains(const lri_table *t, uint64_t p) {
    uint64_t j, r;
    if (t->w == 32 && !lri_fits32(p)) return 0;   /* wider than every key held */
    lri_split_h(t, lri_mix(t->w, t->seed, p), &j, &r);
    const lri_sub *s = &t->subs[j];
    if (r == 0) return (int)s->has_zero;
    return lri_find(t, s, r) >= 0;
}

/* ------------------------------------------------------------------ reshaping ---------- */

/* Rebuild the whole table at width w and k sub-tables bits, from its own keys: the keys are
 * gathered as mixed values of the new shape, sorted by sub-table, and each sub-table is built
 * in one pass. -1 on no memory, the table unchanged. */
static int lri_rebuild(lri_table *t, int w, int k, const uint64_t *ps, uint64_t m,
                       double fill, int distinct);
static int lri_rebuild_from(lri_table *t, int w, int k, uint64_t *hs, uint64_t n,
                            double fill, int distinct);

static int lri_reshape(lri_table *t, int w, int k) {
    return lri_rebuild(t, w, k, NULL, 0, LRI_FILL_INC, 1);
}

static void lri_isort(uint64_t *a, uint64_t n) {
    for (uint64_t i = 1; i < n; i++) {
        uint64_t x = a[i], j = i;
        while (j > 0 && a[j - 1] > x) { a[j] = a[j - 1]; j--; }
        a[j] = x;
    }
}

/* Sort one sub-table's m mixed values (they differ only in their remainders): a counting sort
 * on r * m >> bits (monotone in r, about one value per count), then insertion sort for the
 * ties. tmp holds m values, cnt m + 1 counts. */
static void lri_sort_sub(const lri_table *shape, uint64_t *a, uint64_t m, uint64_t *tmp,
                         uint64_t *cnt) {
    if (m <= 32) { lri_isort(a, m); return; }
    memset(cnt, 0, (m + 1) * sizeof(uint64_t));
    for (uint64_t i = 0; i < m; i++) cnt[lri_home(shape, a[i] & shape->rmask, (uint32_t)m) + 1]++;
    for (uint64_t i = 0; i < m; i++) cnt[i + 1] += cnt[i];
    for (uint64_t i = 0; i < m; i++) tmp[cnt[lri_home(shape, a[i] & shape->rmask, (uint32_t)m)]++] = a[i];
    lri_isort(tmp, m);
    memcpy(a, tmp, m * sizeof(uint64_t));
}

/* Sort a[0..n) by bits [low, low + nbits) only, most significant 8 first (American flag sort:
 * in place, each pass moving items along 256 cycles whose write heads stay in cache). */
static void lri_flag_sort(uint64_t *a, uint64_t n, int low, int nbits) {
    if (nbits <= 0 || n < 2) return;
    if (n <= 32) {   /* short: insertion sort on the digit bits */
        uint64_t mask = nbits >= 64 ? ~0ULL : ((1ULL << nbits) - 1);
        for (uint64_t i = 1; i < n; i++) {
            uint64_t x = a[i], kx = (x >> low) & mask, j = i;
            while (j > 0 && ((a[j - 1] >> low) & mask) > kx) { a[j] = a[j - 1]; j--; }
            a[j] = x;
        }
        return;
    }
    int d = nbits > 8 ? 8 : nbits;
    int shift = low + nbits - d;
    uint64_t dmask = (1ULL << d) - 1;
    uint64_t start[257], next[256];
    memset(start, 0, sizeof(start));
    for (uint64_t i = 0; i < n; i++) start[((a[i] >> shift) & dmask) + 1]++;
    for (int b = 0; b < 256; b++) start[b + 1] += start[b];
    memcpy(next, start, sizeof(next));
    for (uint64_t b = 0; b <= dmask; b++) {
        while (next[b] < start[b + 1]) {
            uint64_t v = a[next[b]];
            uint64_t t = (v >> shift) & dmask;
            while (t != b) {
                uint64_t tmp = a[next[t]];
                a[next[t]++] = v;
                v = tmp;
                t = (v >> shift) & dmask;
            }
            a[next[b]++] = v;
        }
    }
    if (nbits > d)
        for (uint64_t b = 0; b <= dmask; b++)
            lri_flag_sort(a + start[b], start[b + 1] - start[b], low, nbits - d);
}

/* The mixed values at width w of the table's keys, then of ps[0..m), each either counted by
 * its digit (bits [shift, shift + 8) masked by dmask: cnt[digit + 1]++, when hs is NULL) or
 * written at the next place of its digit's run in hs (hs[cnt[digit]++]). */
static void lri_gather(const lri_table *t, int w, const uint64_t *ps, uint64_t m, int shift,
                       uint64_t dmask, uint64_t *cnt, uint64_t *hs) {
#define LRI_PUT(hv) do {                                                 \
        uint64_t h_ = (hv), d_ = (h_ >> shift) & dmask;                  \
        if (hs) hs[cnt[d_]++] = h_; else cnt[d_ + 1]++;                  \
    } while (0)
#define LRI_OLD(hv) (w == t->w ? (hv) : lri_mix(w, t->seed, lri_unmix(t->w, t->seed, (hv))))
    uint64_t nsubs = 1ULL << t->k;
    for (uint64_t j = 0; j < nsubs; j++) {
        const lri_sub *s = &t->subs[j];
        if (s->has_zero) LRI_PUT(LRI_OLD(lri_join_h(t, j, 0)));
        if (!s->count) continue;
        for (uint64_t i = 0; i < s->phys; i++) {
            uint64_t v = lri_slot(t, s, i);
            if (v) LRI_PUT(LRI_OLD(lri_join_h(t, j, v)));
        }
    }
    for (uint64_t i = 0; i < m; i++) LRI_PUT(lri_mix(w, t->seed, ps[i]));
#undef LRI_OLD
#undef LRI_PUT
}

/* Replace the table's contents by its keys and the m keys ps (patterns fitting width w;
 * duplicates dropped unless `distinct` says there are none), at width w in 2^k sub-tables
 * filled to `fill`. The mixed values are placed by their top 8 bits straight from the sources
 * (a scatter over 256 runs), sorted by the rest of their sub-table bits inside each run (in
 * cache), then each sub-table is sorted and built in one pass. Holds 8 bytes per key meanwhile.
 * -1 on no memory, the table unchanged. */
static int lri_rebuild(lri_table *t, int w, int k, const uint64_t *ps, uint64_t m,
                       double fill, int distinct) {
    uint64_t n = t->n + m;
    uint64_t *hs = (uint64_t *)malloc((n ? n : 1) * sizeof(uint64_t));
    if (!hs) return -1;
    int d1 = k < 8 ? k : 8;
    int shift = w - d1;
    uint64_t dmask = d1 ? ((1ULL << d1) - 1) : 0;
    uint64_t run[257];
    memset(run, 0, sizeof(run));
    lri_gather(t, w, ps, m, d1 ? shift : 0, dmask, run, NULL);
    for (int b = 0; b < 256; b++) run[b + 1] += run[b];
    uint64_t next[257];
    memcpy(next, run, sizeof(next));
    lri_gather(t, w, ps, m, d1 ? shift : 0, dmask, next, hs);
    for (uint64_t b = 0; b <= dmask; b++)
        lri_flag_sort(hs + run[b], run[b + 1] - run[b], w - k, k - d1);
    int rc = lri_rebuild_from(t, w, k, hs, n, fill, distinct);
    free(hs);
    return rc;
}

/* Replace the table's contents by the keys whose mixed values (at width w) are hs[0..n),
 * already in sub-table order (duplicates dropped unless distinct says there are none), in
 * 2^k sub-tables filled to `fill`. -1 on no memory, the table unchanged. */
static int lri_rebuild_from(lri_table *t, int w, int k, uint64_t *hs, uint64_t n,
                            double fill, int distinct) {
    lri_table shape = *t;
    lri_shape(&shape, w, k);
    uint64_t nsubs = 1ULL << k;
    lri_sub *subs = (lri_sub *)calloc(nsubs, sizeof(lri_sub));
    uint64_t *start = (uint64_t *)calloc(nsubs + 1, sizeof(uint64_t));
    if (!subs || !start) { free(subs); free(start); return -1; }
    /* by sub-table: an in-place radix sort on the k top bits, 8 at a time */
    for (uint64_t i = 0; i < n; i++) {
        uint64_t j = k ? hs[i] >> shape.bits : 0;
        start[j + 1]++;
    }
    for (uint64_t j = 0; j < nsubs; j++) start[j + 1] += start[j];
    uint64_t most = 1;
    for (uint64_t j = 0; j < nsubs; j++)
        if (start[j + 1] - start[j] > most) most = start[j + 1] - start[j];
    uint64_t *tmp = (uint64_t *)malloc(most * sizeof(uint64_t));
    uint64_t *cnt = (uint64_t *)malloc((most + 1) * sizeof(uint64_t));
    if (!tmp || !cnt) { free(tmp); free(cnt); free(subs); free(start); return -1; }
    uint64_t total = 0;
    for (uint64_t j = 0; j < nsubs; j++) {
        uint64_t *a = hs + start[j];
        uint64_t m = start[j + 1] - start[j];
        lri_sort_sub(&shape, a, m, tmp, cnt);
        /* remainders, deduplicated; the zero remainder becomes the flag */
        uint64_t c = 0;
        int zero = 0;
        for (uint64_t i = 0; i < m; i++) {
            uint64_t r = a[i] & shape.rmask;
            if (!distinct && c > 0 && a[c - 1] == r) continue;
            if (r == 0) { zero = 1; continue; }
            a[c++] = r;
        }
        if (lri_build_sub(&shape, &subs[j], a, c, c ? lri_cap_for(c, fill) : 0) < 0) {
            lri_free_subs(subs, nsubs);
            free(start); free(tmp); free(cnt);
            return -1;
        }
        subs[j].has_zero = (uint32_t)zero;
        total += c + (uint64_t)zero;
    }
    free(start); free(tmp); free(cnt);
    lri_free_subs(t->subs, 1ULL << t->k);
    lri_shape(t, w, k);
    t->subs = subs;
    t->n = total;
    t->version++;
    t->pop_hint = 0;
    return 0;
}

/* ------------------------------------------------------------------ changes ------------ */

/* One more sub-table bit (k + 1): sub-table j's sorted remainders split at the top remainder
 * bit into sub-tables 2j and 2j + 1, each built in one pass; no key is re-mixed or sorted.
 * -1 on no memory (unchanged). */
static int lri_split(lri_table *t) {
    lri_table shape = *t;
    lri_shape(&shape, t->w, t->k + 1);
    uint64_t nsubs = 1ULL << t->k, half = 1ULL << shape.bits, most = 1;
    for (uint64_t j = 0; j < nsubs; j++)
        if (t->subs[j].count > most) most = t->subs[j].count;
    lri_sub *subs = (lri_sub *)calloc(2 * nsubs, sizeof(lri_sub));
    uint64_t *rs = (uint64_t *)malloc(most * sizeof(uint64_t));
    if (!subs || !rs) { free(subs); free(rs); return -1; }
    for (uint64_t j = 0; j < nsubs; j++) {
        const lri_sub *s = &t->subs[j];
        uint64_t m = s->count, cut = 0;
        lri_collect(t, s, rs);
        while (cut < m && rs[cut] < half) cut++;
        uint64_t *upper = rs + cut, m_up = m - cut;
        int up_zero = 0;
        for (uint64_t i = 0; i < m_up; i++) upper[i] -= half;
        if (m_up && upper[0] == 0) { up_zero = 1; upper++; m_up--; }
        if (lri_build_sub(&shape, &subs[2 * j], rs, cut, cut ? lri_cap_for(cut, LRI_FILL_INC) : 0) < 0
            || lri_build_sub(&shape, &subs[2 * j + 1], upper, m_up,
                             m_up ? lri_cap_for(m_up, LRI_FILL_INC) : 0) < 0) {
            lri_free_subs(subs, 2 * nsubs);
            free(rs);
            return -1;
        }
        subs[2 * j].has_zero = s->has_zero;
        subs[2 * j + 1].has_zero = (uint32_t)up_zero;
    }
    free(rs);
    lri_free_subs(t->subs, nsubs);
    lri_shape(t, shape.w, shape.k);
    t->subs = subs;
    t->version++;
    t->pop_hint = 0;
    return 0;
}

/* 1 added, 0 already held, -1 no memory (unchanged). p must fit the table's width (the
 * caller widens first). */
static int lri_add(lri_table *t, uint64_t p) {
    uint64_t j, r;
    if (t->k < t->w - LRI_MIN_BITS && ((t->n + 1) >> LRI_SPLIT_LOG) > (1ULL << t->k)) {
        if (lri_contains(t, p)) return 0;
        if (lri_split(t) < 0) return -1;
    }
    lri_split_h(t, lri_mix(t->w, t->seed, p), &j, &r);
    lri_sub *s = &t->subs[j];
    if (r == 0) {
        if (s->has_zero) return 0;
        s->has_zero = 1;
        t->n++; t->version++;
        return 1;
    }
    for (;;) {
        int64_t f = lri_find(t, s, r);
        if (f >= 0) return 0;
        uint64_t i = (uint64_t)(-(f + 1));
        if (s->cap > 0 && (uint64_t)(s->count + 1) * LRI_GROW_DEN <= (uint64_t)s->cap * LRI_GROW_NUM) {
            /* the next empty slot at or after i */
            uint64_t e = i;
            while (e < s->phys && lri_slot(t, s, e) != 0) e++;
            if (e < s->phys) {
                uint8_t *base = s->slots + i * (uint64_t)t->b;
                memmove(base + t->b, base, (e - i) * (uint64_t)t->b);
                lri_st(base, r, t->b);
                s->count++;
                t->n++; t->version++;
                return 1;
            }
        }
        /* full, or the cluster ran to the end: grow and look again */
        if (lri_resize_sub(t, s, lri_cap_for((uint64_t)s->count + 1, LRI_FILL_INC)) < 0)
            return -1;
        t->version++;
    }
}

/* 1 removed, 0 absent */
static int lri_discard(lri_table *t, uint64_t p) {
    uint64_t j, r;
    if (t->w == 32 && !lri_fits32(p)) return 0;
    lri_split_h(t, lri_mix(t->w, t->seed, p), &j, &r);
    lri_sub *s = &t->subs[j];
    if (r == 0) {
        if (!s->has_zero) return 0;
        s->has_zero = 0;
        t->n--; t->version++;
        return 1;
    }
    int64_t f = lri_find(t, s, r);
    if (f < 0) return 0;
    uint64_t i = (uint64_t)f, e = i + 1;
    /* shift back the keys after it that sit past their home */
    while (e < s->phys) {
        uint64_t v = lri_slot(t, s, e);
        if (v == 0 || lri_home(t, v, s->cap) >= e) break;
        e++;
    }
    uint8_t *base = s->slots + i * (uint64_t)t->b;
    memmove(base, base + t->b, (e - i - 1) * (uint64_t)t->b);
    lri_st(s->slots + (e - 1) * (uint64_t)t->b, 0, t->b);
    s->count--;
    t->n--; t->version++;
    if (s->count == 0) {
        free(s->slots);
        s->slots = NULL; s->cap = s->phys = 0;
    } else if (s->cap > 16 && (uint64_t)s->count * LRI_SHRINK_DEN < (uint64_t)s->cap * LRI_SHRINK_NUM) {
        (void)lri_resize_sub(t, s, lri_cap_for(s->count, LRI_FILL_INC));  /* may fail: fine */
    }
    return 1;
}

/* Remove every key; the table keeps its seed and width 32. -1 on no memory (unchanged). */
static int lri_clear(lri_table *t) {
    lri_sub *one = (lri_sub *)calloc(1, sizeof(lri_sub));
    if (!one) return -1;
    lri_free_subs(t->subs, 1ULL << t->k);
    t->subs = one;
    t->n = 0;
    lri_shape(t, 32, 0);
    t->version++;
    t->pop_hint = 0;
    return 0;
}

/* The valid table dst becomes a copy of src. -1 on no memory (dst unchanged). */
static int lri_copy(lri_table *dst, const lri_table *src) {
    uint64_t nsubs = 1ULL << src->k;
    lri_sub *subs = (lri_sub *)calloc(nsubs, sizeof(lri_sub));
    if (!subs) return -1;
    for (uint64_t j = 0; j < nsubs; j++) {
        const lri_sub *s = &src->subs[j];
        subs[j] = *s;
        if (s->slots) {
            uint64_t size = (uint64_t)s->phys * src->b + 8;
            subs[j].slots = (uint8_t *)malloc(size);
            if (!subs[j].slots) {
                lri_free_subs(subs, nsubs);
                return -1;
            }
            memcpy(subs[j].slots, s->slots, size);
        }
    }
    uint64_t version = dst->version + 1;
    lri_free_subs(dst->subs, 1ULL << dst->k);
    *dst = *src;
    dst->subs = subs;
    dst->version = version;
    return 0;
}

/* Widen to 64-bit keys. -1 on no memory (unchanged). */
static int lri_widen(lri_table *t) {
    if (t->w == 64) return 0;
    return lri_reshape(t, 64, lri_k_for(t->n, 64));
}

/* ------------------------------------------------------------------ iteration ---------- */

/* The next key at or after cursor (j, pos): pos 0 is sub-table j's zero flag, pos i + 1 its
 * slot i. Returns 1 with *p and the cursor moved past it, 0 at the end. Safe for any cursor. */
static int lri_next(const lri_table *t, uint64_t *j, uint64_t *pos, uint64_t *p) {
    uint64_t nsubs = 1ULL << t->k;
    while (*j < nsubs) {
        const lri_sub *s = &t->subs[*j];
        if (*pos == 0) {
            *pos = 1;
            if (s->has_zero) {
                *p = lri_unmix(t->w, t->seed, lri_join_h(t, *j, 0));
                return 1;
            }
        }
        if (s->count) {
            while (*pos - 1 < s->phys) {
                uint64_t v = lri_slot(t, s, *pos - 1);
                (*pos)++;
                if (v) {
                    *p = lri_unmix(t->w, t->seed, lri_join_h(t, *j, v));
                    return 1;
                }
            }
        }
        (*j)++;
        *pos = 0;
    }
    return 0;
}

/* Remove and give some key (the last of a sub-table, so nothing shifts). 0 when empty. */
static int lri_pop(lri_table *t, uint64_t *p) {
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
        lri_discard(t, *p);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ batches ------------ */

/* Add m keys (patterns, every one fitting the width w_needed the caller computed) at once:
 * the table is rebuilt from its keys and the new ones, each sub-table in one pass. All or
 * nothing: -1 on no memory, the table unchanged. */
static int lri_add_bulk(lri_table *t, const uint64_t *ps, uint64_t m, int w_needed) {
    int w = t->w > w_needed ? t->w : w_needed;
    int k = lri_k_for(t->n + m, w);
    if (k < t->k && w == t->w) k = t->k;
    return lri_rebuild(t, w, k, ps, m, LRI_FILL_BULK, 0);
}

/* out[i] = whether ps[i] is held, for n keys: in groups of 16, the sub-table headers and then
 * the home slots are prefetched before any is read, so the cache misses of a group overlap
 * instead of following one another. */
#define LRI_GROUP 16
static void lri_contains_many(const lri_table *t, const uint64_t *ps, uint64_t n, uint8_t *out) {
    uint64_t js[LRI_GROUP], rs[LRI_GROUP];
    for (uint64_t base = 0; base < n; base += LRI_GROUP) {
        uint64_t g = n - base < LRI_GROUP ? n - base : LRI_GROUP;
        for (uint64_t i = 0; i < g; i++) {
            lri_split_h(t, lri_mix(t->w, t->seed, ps[base + i]), &js[i], &rs[i]);
            __builtin_prefetch(&t->subs[js[i]]);
        }
        for (uint64_t i = 0; i < g; i++) {
            const lri_sub *s = &t->subs[js[i]];
            if (s->cap)
                __builtin_prefetch(s->slots + lri_home(t, rs[i], s->cap) * (uint64_t)t->b);
        }
        for (uint64_t i = 0; i < g; i++) {
            const lri_sub *s = &t->subs[js[i]];
            out[base + i] = rs[i] == 0 ? (uint8_t)s->has_zero : (uint8_t)(lri_find(t, s, rs[i]) >= 0);
            if (t->w == 32 && !lri_fits32(ps[base + i])) out[base + i] = 0;
        }
    }
}

/* a self-check of the invariants: 0 when they hold, else a code naming the first broken */
static int lri_check(const lri_table *t) {
    uint64_t nsubs = 1ULL << t->k, n = 0;
    if (t->bits != t->w - t->k) return 1;
    for (uint64_t j = 0; j < nsubs; j++) {
        const lri_sub *s = &t->subs[j];
        uint64_t c = 0, prev = 0;
        n += s->has_zero;
        if (s->count == 0) continue;
        if (!s->slots || s->phys < s->cap) return 2;
        for (uint64_t i = 0; i < s->phys; i++) {
            uint64_t v = lri_slot(t, s, i);
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
