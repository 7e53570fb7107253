/* Sorting byte strings in place by their bytes (then length): multikey quicksort, Bentley
 * and Sedgewick, "Fast algorithms for sorting and searching strings" (SODA 1997). Included by
 * strings/_gather.pyx, which sorts each run of gathered keys with it.
 *
 * A comparison sort (qsort with memcmp) compares each key with its neighbours log n times,
 * each time from its first byte, and pays a call per comparison. This partitions the keys
 * three ways on one byte at a time: below, equal to, above the pivot byte at depth d; the
 * equal part goes on at depth d + 1, so a byte that all the keys share is read once per key,
 * not once per comparison. Runs of fewer than 16 keys finish by insertion sort on the rest
 * of their bytes. No recursion: frames go on a stack that grows on the heap, so a deep
 * key (10,000 equal bytes) cannot exhaust the C stack.
 */
#ifndef LOWRAM_STRSORT_H
#define LOWRAM_STRSORT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t lo, n, depth, base; /* items lo .. lo + n, equal before depth; words hold base .. */
} lr_sort_frame;

/* A key being sorted: 8 of its bytes from the frame's base depth (big-endian, zeros past its
   end), its length and its number. Partitions read the word, not the text, so a byte costs
   no cache miss; a frame that has read all 8 reloads its items' words from the text. */
typedef struct {
    uint64_t word;
    uint32_t len, idx;
} lr_sort_item;

static inline uint64_t lr_word_at(const uint8_t *p, size_t left) {
    uint64_t w = 0;
    size_t k;
    for (k = 0; k < 8; k++) w = (w << 8) | (k < left ? p[k] : 0);
    return w;
}

static inline void lr_load_words(lr_sort_item *a, size_t m, const uint8_t *text,
                                 const uint64_t *off, size_t depth) {
    size_t i;
    for (i = 0; i < m; i++) {
        uint64_t s = off[a[i].idx];
#if defined(__GNUC__) || defined(__clang__)
        if (i + 8 < m) __builtin_prefetch(text + off[a[i + 8].idx] + depth); /* random reads */
#endif
        a[i].word = depth < a[i].len ? lr_word_at(text + s + depth, a[i].len - depth) : 0;
    }
}

/* The byte of item x at depth d (base <= d < base + 8), or -1 past its end. */
static inline int lr_item_byte(const lr_sort_item *x, size_t d, size_t base) {
    return d < x->len ? (int)((x->word >> (56 - 8 * (d - base))) & 0xFF) : -1;
}

/* Items x and y, equal before depth d, compared from there. */
static inline int lr_item_cmp(const lr_sort_item *x, const lr_sort_item *y, const uint8_t *text,
                              const uint64_t *off, size_t d) {
    size_t lx = x->len > d ? x->len - d : 0, ly = y->len > d ? y->len - d : 0;
    size_t m = lx < ly ? lx : ly, k = 0;
    const uint8_t *a = text + off[x->idx] + d, *b = text + off[y->idx] + d;
    while (k < m && a[k] == b[k]) k++; /* short tails: a loop beats a call to memcmp */
    if (k < m) return (int)a[k] - (int)b[k];
    return (lx > ly) - (lx < ly);
}

static inline int lr_median3(int a, int b, int c) {
    if (a < b) return b < c ? b : (a < c ? c : a);
    return a < c ? a : (b < c ? c : b);
}

/* Sort idx[0 .. n) (numbers of keys below 2**32 of at most 2**32 - 1 bytes each: key i is
   text[off[i] .. off[i + 1])) by the keys. Returns 0, or -1 when out of memory (idx is then
   unchanged). Memory: 16 bytes per key while it runs. */
static int lr_sort_keys(uint64_t *idx, size_t n, const uint8_t *text, const uint64_t *off) {
    size_t cap = 256, top = 0, i;
    lr_sort_item *items = (lr_sort_item *)malloc((n ? n : 1) * sizeof(lr_sort_item));
    lr_sort_frame *stack = (lr_sort_frame *)malloc(cap * sizeof(lr_sort_frame));
    if (!items || !stack) {
        free(items);
        free(stack);
        return -1;
    }
    for (i = 0; i < n; i++) {
        items[i].idx = (uint32_t)idx[i];
        items[i].len = (uint32_t)(off[idx[i] + 1] - off[idx[i]]);
    }
    lr_load_words(items, n, text, off, 0);
    stack[top].lo = 0;
    stack[top].n = n;
    stack[top].depth = 0;
    stack[top].base = 0;
    top++;
    while (top) {
        lr_sort_frame f = stack[--top];
        lr_sort_item *a = items + f.lo, t;
        size_t m = f.n, d = f.depth, lt, gt, k;
        int p, c;
        if (m < 2) continue;
        if (m < 16) {
            for (i = 1; i < m; i++) {
                t = a[i];
                for (k = i; k > 0 && lr_item_cmp(&a[k - 1], &t, text, off, d) > 0; k--)
                    a[k] = a[k - 1];
                a[k] = t;
            }
            continue;
        }
        if (d - f.base >= 8) { /* the words are read: the next 8 bytes */
            lr_load_words(a, m, text, off, d);
            f.base = d;
        }
        p = lr_median3(lr_item_byte(&a[0], d, f.base), lr_item_byte(&a[m / 2], d, f.base),
                       lr_item_byte(&a[m - 1], d, f.base));
        lt = 0;
        i = 0;
        gt = m;
        while (i < gt) {
            c = lr_item_byte(&a[i], d, f.base);
            if (c < p) {
                t = a[lt];
                a[lt++] = a[i];
                a[i++] = t;
            } else if (c > p) {
                t = a[--gt];
                a[gt] = a[i];
                a[i] = t;
            } else {
                i++;
            }
        }
        if (top + 3 > cap) {
            lr_sort_frame *more = (lr_sort_frame *)realloc(stack, 2 * cap * sizeof(lr_sort_frame));
            if (!more) {
                free(stack);
                free(items);
                return -1;
            }
            stack = more;
            cap *= 2;
        }
        stack[top].lo = f.lo;
        stack[top].n = lt;
        stack[top].depth = d;
        stack[top].base = f.base;
        top++;
        stack[top].lo = f.lo + gt;
        stack[top].n = m - gt;
        stack[top].depth = d;
        stack[top].base = f.base;
        top++;
        if (p >= 0) { /* keys that all end here are equal: nothing more to order among them */
            stack[top].lo = f.lo + lt;
            stack[top].n = gt - lt;
            stack[top].depth = d + 1;
            stack[top].base = f.base;
            top++;
        }
    }
    for (i = 0; i < n; i++) idx[i] = items[i].idx;
    free(stack);
    free(items);
    return 0;
}

#endif
