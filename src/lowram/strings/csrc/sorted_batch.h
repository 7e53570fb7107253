/* Batch lookups in sorted keys (strings/_sortedkeys.pyx): many binary searches at once, a
 * header included by that one module.
 *
 * A binary search over a large key buffer waits on two dependent cache misses per step: the
 * offset of the middle key, then its bytes. Sixteen searches advance in turn, each step split
 * in two visits: the first reads the offset (prefetched at the end of the previous step) and
 * prefetches the key's bytes; the second compares and prefetches the next middle's offset.
 * Between a lane's two visits the other fifteen lanes work, so one search's misses overlap
 * with the others' work instead of stalling it.
 */
#ifndef LOWRAM_SORTED_BATCH_H
#define LOWRAM_SORTED_BATCH_H

#include "utf8_batch.h"

#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define SRT_PREFETCH(p) __builtin_prefetch(p)
#else
#define SRT_PREFETCH(p) ((void)(p))
#endif

#define SRT_LANES 16

/* Byte order, then length: the order of the sorted keys. */
static inline int srt_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c) return c;
    return (alen > blen) - (alen < blen);
}

/* out[slot[k]] = 1 for each of the cnt keys (key[k], len[k] bytes) equal to one of the n
   keys buf[off[i]:off[i + 1]]; other entries are left as they are. off must be
   non-decreasing and end within buf (SortedKeys checks that when it opens a buffer). */
#define LOWRAM_SORTED_CONTAINS(NAME, OFF_T)                                                \
    static void NAME(const uint8_t *buf, const OFF_T *off, size_t n,                        \
                     const uint8_t *const *key, const size_t *len, const Py_ssize_t *slot,  \
                     size_t cnt, uint8_t *out) {                                            \
        size_t lo[SRT_LANES], hi[SRT_LANES], mid[SRT_LANES], k[SRT_LANES];                  \
        int ready[SRT_LANES]; /* the key bytes of mid are prefetched */                     \
        int busy[SRT_LANES];                                                                \
        size_t next = 0, active = 0, l;                                                     \
        if (n == 0) return;                                                                 \
        for (l = 0; l < SRT_LANES; l++) {                                                   \
            busy[l] = next < cnt;                                                           \
            if (busy[l]) {                                                                  \
                k[l] = next++;                                                              \
                lo[l] = 0;                                                                  \
                hi[l] = n;                                                                  \
                mid[l] = n / 2;                                                             \
                ready[l] = 0;                                                               \
                active++;                                                                   \
            }                                                                               \
        }                                                                                   \
        while (active) {                                                                    \
            for (l = 0; l < SRT_LANES; l++) {                                               \
                size_t s, m;                                                                \
                int c;                                                                      \
                if (!busy[l]) continue;                                                     \
                m = mid[l];                                                                 \
                if (!ready[l]) {                                                            \
                    SRT_PREFETCH(buf + off[m]);                                             \
                    ready[l] = 1;                                                           \
                    continue;                                                               \
                }                                                                           \
                s = (size_t)off[m];                                                         \
                c = srt_cmp(key[k[l]], len[k[l]], buf + s, (size_t)off[m + 1] - s);         \
                if (c > 0) lo[l] = m + 1;                                                   \
                else if (c < 0) hi[l] = m;                                                  \
                if (c == 0 || lo[l] >= hi[l]) {                                             \
                    if (c == 0) out[slot[k[l]]] = 1;                                        \
                    if (next < cnt) {                                                       \
                        k[l] = next++;                                                      \
                        lo[l] = 0;                                                          \
                        hi[l] = n;                                                          \
                    } else {                                                                \
                        busy[l] = 0;                                                        \
                        active--;                                                           \
                        continue;                                                           \
                    }                                                                       \
                }                                                                           \
                mid[l] = lo[l] + (hi[l] - lo[l]) / 2;                                       \
                SRT_PREFETCH(&off[mid[l]]);                                                 \
                ready[l] = 0;                                                               \
            }                                                                               \
        }                                                                                   \
    }

LOWRAM_SORTED_CONTAINS(srt_contains32, uint32_t)
LOWRAM_SORTED_CONTAINS(srt_contains64, uint64_t)

typedef struct {
    const uint8_t *buf;
    const void *off; /* uint32_t or uint64_t */
    size_t n;
} srt_keys;

static void srt_walk32(const void *ctx, const lowram_chunk *c, uint8_t *out) {
    const srt_keys *s = (const srt_keys *)ctx;
    srt_contains32(s->buf, (const uint32_t *)s->off, s->n, c->key, c->len, c->slot, c->cnt, out);
}

static void srt_walk64(const void *ctx, const lowram_chunk *c, uint8_t *out) {
    const srt_keys *s = (const srt_keys *)ctx;
    srt_contains64(s->buf, (const uint64_t *)s->off, s->n, c->key, c->len, c->slot, c->cnt, out);
}

/* contains_many over n sorted keys (offsets off of width 4 or 8 bytes): out[i] = 1 for each
   item of list that is a key. Keys may hold lone surrogates (stored as "surrogatepass"
   writes them). 0, or -1 with an exception set. */
static int lowram_sorted_contains_many(const uint8_t *buf, const void *off, int wide, size_t n,
                                       PyObject *list, uint8_t *out) {
    srt_keys s;
    s.buf = buf;
    s.off = off;
    s.n = n;
    return lowram_batch(list, 1, wide ? srt_walk64 : srt_walk32, &s, out);
}

#endif /* LOWRAM_SORTED_BATCH_H */
