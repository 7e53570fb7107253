/* Batch lookups in a dawgdic dictionary: the C half of lowram's dawgdic reader
 * (strings/_dawgdic.pyx), a header included by that one module.
 *
 * A lookup in a dawgdic dictionary is a chain of dependent reads, one unit per UTF-8 byte of
 * the key. The batch walks eight keys at once, one step of each in turn, with each lane's
 * state in local variables rather than arrays, so the eight chains overlap: while one lane
 * waits on a unit out of cache, the others compute.
 */
#ifndef LOWRAM_DAWGDIC_BATCH_H
#define LOWRAM_DAWGDIC_BATCH_H

#include "utf8_batch.h"

/* dawgdic unit fields (see _dawgdic.pyx) */
#define DWG_OFFSET(b) (((b) >> 10) << (((b) & (1u << 9)) >> 6))
#define DWG_LABEL_MASK ((1u << 31) | 0xFFu)

/* Give lane L the next key, or park it on an empty key whose answer goes to sink. */
#define DWG_REFILL(L)                                                                      \
    do {                                                                                    \
        if (next < cnt) {                                                                   \
            q##L = key[next];                                                               \
            e##L = q##L + len[next];                                                        \
            i##L = 0;                                                                       \
            b##L = u[0];                                                                    \
            d##L = out + slot[next];                                                        \
            next++;                                                                         \
            active++;                                                                       \
        } else {                                                                            \
            q##L = e##L = NULL;                                                             \
            i##L = b##L = 0;                                                                \
            d##L = &sink;                                                                   \
        }                                                                                   \
    } while (0)

/* One step of lane L: follow its next byte, or answer for its key and take the next. */
#define DWG_STEP(L)                                                                        \
    if (q##L == e##L) {                                                                     \
        if (d##L != &sink) {                                                                \
            *d##L = (uint8_t)((b##L >> 8) & 1); /* the unit has a leaf: a key ends here */  \
            active--;                                                                       \
            DWG_REFILL(L);                                                                  \
        }                                                                                   \
    } else {                                                                                \
        uint32_t c_ = *q##L, v_;                                                            \
        uint32_t t_ = i##L ^ DWG_OFFSET(b##L) ^ c_;                                         \
        if (t_ >= n || ((v_ = u[t_]) & DWG_LABEL_MASK) != c_) {                             \
            active--; /* no such child: the key is absent, out stays 0 */                   \
            DWG_REFILL(L);                                                                  \
        } else {                                                                            \
            i##L = t_;                                                                      \
            b##L = v_;                                                                      \
            q##L++;                                                                         \
        }                                                                                   \
    }

#define DWG_LANE(L)                                                                        \
    const uint8_t *q##L, *e##L;                                                             \
    uint32_t i##L, b##L;                                                                    \
    uint8_t *d##L;

/* Look up cnt keys (key k: len[k] UTF-8 bytes at key[k]) in the n units u (n >= 1): sets
   out[slot[k]] to 1 for each key present; leaves the other entries as they are. Every unit
   index is checked against n, so a crafted dictionary cannot make it read outside u. */
static void lowram_dawg_contains(const uint32_t *u, size_t n, const uint8_t *const *key,
                                 const size_t *len, const Py_ssize_t *slot, size_t cnt,
                                 uint8_t *out) {
    uint8_t sink = 0;
    size_t next = 0, active = 0;
    DWG_LANE(0) DWG_LANE(1) DWG_LANE(2) DWG_LANE(3)
    DWG_LANE(4) DWG_LANE(5) DWG_LANE(6) DWG_LANE(7)
    DWG_REFILL(0); DWG_REFILL(1); DWG_REFILL(2); DWG_REFILL(3);
    DWG_REFILL(4); DWG_REFILL(5); DWG_REFILL(6); DWG_REFILL(7);
    while (active > 0) {
        DWG_STEP(0) DWG_STEP(1) DWG_STEP(2) DWG_STEP(3)
        DWG_STEP(4) DWG_STEP(5) DWG_STEP(6) DWG_STEP(7)
    }
}

typedef struct {
    const uint32_t *u;
    size_t n;
} dwg_dict;

static void dwg_walk_chunk(const void *ctx, const lowram_chunk *c, uint8_t *out) {
    const dwg_dict *d = (const dwg_dict *)ctx;
    lowram_dawg_contains(d->u, d->n, c->key, c->len, c->slot, c->cnt, out);
}

/* contains_many over the n units u: out[i] = 1 for each item of list that is a key. 0, or
   -1 with an exception set. */
static int lowram_dawg_contains_many(const uint32_t *u, size_t n, PyObject *list,
                                     uint8_t *out) {
    dwg_dict d;
    d.u = u;
    d.n = n;
    return lowram_batch(list, 0, dwg_walk_chunk, &d, out);
}

#endif /* LOWRAM_DAWGDIC_BATCH_H */
