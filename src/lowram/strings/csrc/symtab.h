/* A static symbol table for short strings, as in FSST (Boncz, Neumann and Leis, "FSST: fast
 * random access string compression", VLDB 2020): up to 255 symbols of 1 to 8 bytes, each
 * written as a one-byte code; a byte that no symbol starts with is written as the escape code
 * 255 and the byte itself. Included by strings/backends/_compact.pyx, which compresses each
 * bucket of front-coded keys with one table trained on a sample of its buckets.
 *
 * Training follows the paper: a few rounds, each encoding the sample with the current table,
 * counting every code and every pair of consecutive codes (an escaped byte counts as a
 * one-byte candidate), and keeping the 255 candidates (the codes and the concatenations of
 * pairs, cut to 8 bytes) that cover the most bytes (count times length; a one-byte symbol's
 * count weighs eight times, as in the paper's code, since the escape it saves costs two bytes
 * and a slow path in the decoder). Encoding is greedy:
 * the longest symbol that matches at each position. Decoding writes each symbol's 8 bytes and
 * advances by its length, so the output needs 7 bytes of slack past its end.
 *
 * No allocation in the hot paths; training allocates its counters (about 1 MB) and frees them.
 */
#ifndef LOWRAM_SYMTAB_H
#define LOWRAM_SYMTAB_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LR_SYM_ESCAPE 255
#define LR_SYM_MAX 255
#define LR_SYM_ROUNDS 5

typedef struct {
    uint64_t sym[256];   /* the symbol's bytes, little-endian, zero past its length */
    uint8_t len[256];    /* 1..8 for a code in use; 0 for the escape and unused codes */
    int n;               /* symbols: codes 0 .. n-1 */
    uint16_t first[257]; /* codes starting with byte b: order[first[b] .. first[b + 1]) */
    uint8_t order[256];  /* codes by first byte, longest symbol first */
} lr_symtab;

/* Bytes p[0 .. r) (at most 8 of them) as a little-endian number, zeros past r. */
static inline uint64_t lr_sym_load(const uint8_t *p, size_t r) {
    uint64_t w = 0;
    if (r >= 8) {
        memcpy(&w, p, 8);
    } else {
        memcpy(&w, p, r);
    }
    return w;
}

static inline uint64_t lr_sym_mask(unsigned len) {
    return len >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * len)) - 1);
}

/* Build the matcher's index (first, order) from sym, len and n. */
static void lr_symtab_index(lr_symtab *t) {
    int counts[256] = {0};
    int c, b, k, at = 0, L;
    for (c = 0; c < t->n; c++) counts[t->sym[c] & 0xFF]++;
    for (b = 0; b < 256; b++) {
        t->first[b] = (uint16_t)at;
        at += counts[b];
    }
    t->first[256] = (uint16_t)at;
    for (b = 0; b < 256; b++) counts[b] = t->first[b];
    for (L = 8; L >= 1; L--)  /* longest first within each first byte */
        for (c = 0; c < t->n; c++)
            if (t->len[c] == L) t->order[counts[t->sym[c] & 0xFF]++] = (uint8_t)c;
    for (k = t->n; k < 256; k++) t->len[k] = 0;
}

/* The code of the longest symbol matching p[0 .. r), r >= 1; LR_SYM_ESCAPE if none does. */
static inline int lr_sym_match(const lr_symtab *t, const uint8_t *p, size_t r) {
    uint64_t w = lr_sym_load(p, r);
    unsigned k, end = t->first[p[0] + 1];
    for (k = t->first[p[0]]; k < end; k++) {
        unsigned c = t->order[k], L = t->len[c];
        if (L <= r && (w & lr_sym_mask(L)) == t->sym[c]) return (int)c;
    }
    return LR_SYM_ESCAPE;
}

/* Encode in[0 .. n) into out (room for 2 * n bytes); the bytes written. */
static size_t lr_sym_encode(const lr_symtab *t, const uint8_t *in, size_t n, uint8_t *out) {
    size_t i = 0, o = 0;
    while (i < n) {
        int c = lr_sym_match(t, in + i, n - i);
        if (c == LR_SYM_ESCAPE) {
            out[o++] = LR_SYM_ESCAPE;
            out[o++] = in[i++];
        } else {
            out[o++] = (uint8_t)c;
            i += t->len[c];
        }
    }
    return o;
}

/* Decode codes[*pos .. end) into out from *o until at least need bytes are out or the codes
   end; out must have room for 8 bytes per code past *o. Returns 0, or -1 for an unused code or
   an escape without its byte (a damaged table or stream). */
static inline int lr_sym_fill(const lr_symtab *t, const uint8_t *codes, size_t *pos, size_t end,
                              uint8_t *out, size_t *o, size_t need) {
    size_t i = *pos, w = *o;
    while (w < need && i < end) {
        unsigned c = codes[i++];
        if (c == LR_SYM_ESCAPE) {
            if (i >= end) return -1;
            out[w++] = codes[i++];
        } else {
            if (t->len[c] == 0) return -1;
            memcpy(out + w, &t->sym[c], 8);
            w += t->len[c];
        }
    }
    *pos = i;
    *o = w;
    return 0;
}

/* Decode codes[*pos .. n) into out from *o, four codes at a time while none of them is the
   escape, until at least need bytes are out or the codes end (need = SIZE_MAX: all of them).
   The codes must be well formed (a check, lr_sym_fill over the same codes, found them so) and
   out must have room for the decoded bytes plus 8. */
static inline void lr_sym_decode(const lr_symtab *t, const uint8_t *codes, size_t *pos, size_t n,
                                 uint8_t *out, size_t *o, size_t need) {
    size_t i = *pos, w = *o;
    while (w < need && i < n) {
        uint32_t x;
        if (i + 4 <= n) {
            memcpy(&x, codes + i, 4);
            x = ~x; /* an escape (0xFF) among the four is a zero byte here */
            if (((x - 0x01010101u) & ~x & 0x80808080u) == 0) {
                unsigned c0 = codes[i], c1 = codes[i + 1], c2 = codes[i + 2], c3 = codes[i + 3];
                memcpy(out + w, &t->sym[c0], 8);
                w += t->len[c0];
                memcpy(out + w, &t->sym[c1], 8);
                w += t->len[c1];
                memcpy(out + w, &t->sym[c2], 8);
                w += t->len[c2];
                memcpy(out + w, &t->sym[c3], 8);
                w += t->len[c3];
                i += 4;
                continue;
            }
        }
        if (codes[i] == LR_SYM_ESCAPE) {
            if (i + 1 >= n) break;
            out[w++] = codes[i + 1];
            i += 2;
        } else {
            memcpy(out + w, &t->sym[codes[i]], 8);
            w += t->len[codes[i]];
            i += 1;
        }
    }
    *pos = i;
    *o = w;
}

/* -- training */

typedef struct {
    uint64_t sym;
    uint64_t gain;
    uint8_t len;
} lr_sym_cand;

#define LR_CAND_BITS 17

static inline uint64_t lr_cand_hash(uint64_t sym, unsigned len) {
    uint64_t h = (sym ^ ((uint64_t)len << 59)) * 0x9E3779B97F4A7C15ULL;
    return h >> (64 - LR_CAND_BITS);
}

/* Add gain to the candidate (sym, len); a full table drops it (rare: the table holds twice as
   many entries as a 64 KiB sample has positions). */
static void lr_cand_add(lr_sym_cand *tab, uint64_t sym, unsigned len, uint64_t gain) {
    uint64_t mask = ((uint64_t)1 << LR_CAND_BITS) - 1, h = lr_cand_hash(sym, len), k;
    for (k = 0; k <= mask; k++) {
        lr_sym_cand *e = &tab[(h + k) & mask];
        if (e->len == 0) {
            e->sym = sym;
            e->len = (uint8_t)len;
            e->gain = gain;
            return;
        }
        if (e->sym == sym && e->len == len) {
            e->gain += gain;
            return;
        }
    }
}

static int lr_cand_cmp(const void *a, const void *b) {
    const lr_sym_cand *x = (const lr_sym_cand *)a, *y = (const lr_sym_cand *)b;
    if (x->gain != y->gain) return x->gain < y->gain ? 1 : -1;
    if (x->len != y->len) return x->len < y->len ? 1 : -1;
    return x->sym < y->sym ? -1 : (x->sym > y->sym);
}

/* A unit of the training encoding: a code (0 .. 254) or an escaped byte b (256 + b). */
static inline uint64_t lr_unit_sym(const lr_symtab *t, unsigned u, unsigned *len) {
    if (u >= 256) {
        *len = 1;
        return u - 256;
    }
    *len = t->len[u];
    return t->sym[u];
}

/* Train t on the segments of sample[0 .. size): segment k is sample[ends[k - 1] .. ends[k])
   (symbols never span two). Returns 0, or -1 when out of memory (t is then empty). The result
   depends only on the sample. */
static int lr_symtab_train(lr_symtab *t, const uint8_t *sample, const size_t *ends, size_t nseg) {
    uint32_t *count1 = (uint32_t *)calloc(512, sizeof(uint32_t));
    uint32_t *count2 = (uint32_t *)calloc(512 * 512, sizeof(uint32_t));
    lr_sym_cand *cand = (lr_sym_cand *)calloc((size_t)1 << LR_CAND_BITS, sizeof(lr_sym_cand));
    int round, c;
    size_t s, i, k, ncand;
    memset(t, 0, sizeof(*t));
    if (!count1 || !count2 || !cand) {
        free(count1);
        free(count2);
        free(cand);
        return -1;
    }
    lr_symtab_index(t);
    for (round = 0; round < LR_SYM_ROUNDS; round++) {
        memset(count1, 0, 512 * sizeof(uint32_t));
        memset(count2, 0, 512 * 512 * sizeof(uint32_t));
        for (s = 0; s < nseg; s++) {
            size_t start = s ? ends[s - 1] : 0, end = ends[s];
            unsigned prev = 0xFFFF;
            i = start;
            while (i < end) {
                int code = lr_sym_match(t, sample + i, end - i);
                unsigned u;
                if (code == LR_SYM_ESCAPE) {
                    u = 256 + sample[i];
                    i += 1;
                } else {
                    u = (unsigned)code;
                    i += t->len[code];
                }
                count1[u]++;
                if (prev != 0xFFFF) count2[prev * 512 + u]++;
                prev = u;
            }
        }
        memset(cand, 0, ((size_t)1 << LR_CAND_BITS) * sizeof(lr_sym_cand));
        for (i = 0; i < 512; i++) {
            unsigned la, lb, L;
            uint64_t a, b, sym;
            if (!count1[i]) continue;
            a = lr_unit_sym(t, (unsigned)i, &la);
            /* a one-byte symbol counts eight times (as in FSST's own trainer): each byte it
               covers would otherwise be an escape of two bytes, and escapes slow decoding */
            lr_cand_add(cand, a, la, (uint64_t)count1[i] * (la == 1 ? 8 : la));
            for (k = 0; k < 512; k++) {
                uint32_t cnt = count2[i * 512 + k];
                if (!cnt) continue;
                b = lr_unit_sym(t, (unsigned)k, &lb);
                if (la >= 8) continue;  /* a longest symbol: nothing joins it */
                L = la + lb > 8 ? 8 : la + lb;
                sym = (a | (b << (8 * la))) & lr_sym_mask(L);
                lr_cand_add(cand, sym, L, (uint64_t)cnt * L);
            }
        }
        ncand = 0;
        for (i = 0; i < ((size_t)1 << LR_CAND_BITS); i++)
            if (cand[i].len) cand[ncand++] = cand[i];
        qsort(cand, ncand, sizeof(lr_sym_cand), lr_cand_cmp);
        t->n = ncand < LR_SYM_MAX ? (int)ncand : LR_SYM_MAX;
        for (c = 0; c < t->n; c++) {
            t->sym[c] = cand[c].sym;
            t->len[c] = cand[c].len;
        }
        lr_symtab_index(t);
    }
    free(count1);
    free(count2);
    free(cand);
    return 0;
}

#endif
