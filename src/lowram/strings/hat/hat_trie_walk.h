/* lowram's HAT-trie, part two: what walks the trie rather than one key's path. Any one key
 * (pop), prefix queries, sorted iteration (a cursor with an explicit stack of nodes), the
 * copy, and the invariant check.
 *
 * It builds on the internals of hat_trie_impl.h (the node, container and bucket layouts,
 * descend(), the accounted allocator), which it includes, and like it is a header compiled
 * into exactly one translation unit (the hat_trie extension module). Traversals use explicit
 * stacks, never recursion, so a trie as deep as a 10,000-byte key cannot overflow the C stack.
 */
#ifndef LOWRAM_HAT_TRIE_WALK_H
#define LOWRAM_HAT_TRIE_WALK_H

#include "hat_trie_impl.h"

/* ---------------------------------------------------------------- any key, prefix queries */

static int reserve(uint8_t **buf, size_t *cap, size_t need) {
    if (need <= *cap) return 0;
    {
        size_t c = *cap ? *cap : 64;
        uint8_t *b;
        while (c < need) c *= 2;
        b = realloc(*buf, c);
        if (!b) return -1;
        *buf = b;
        *cap = c;
    }
    return 0;
}

int hat_any(const hat_t *t, uint8_t **buf, size_t *cap, size_t *len) {
    const hat_node *n = t->root;
    size_t i = 0;
    for (;;) {
        int x;
        const void *ch = NULL;
        if (n->has_key) {
            *len = i;
            return 1;
        }
        for (x = 0; x < 256; x++)
            if ((ch = n->child[x])) break;
        if (!ch) return 0;
        if (reserve(buf, cap, i + 1) < 0) return -1;
        if (KIND(ch) == KIND_NODE) {
            (*buf)[i++] = (uint8_t)x;
            n = ch;
            continue;
        }
        {
            hat_container *c = (hat_container *)ch;
            uint32_t b = c->hint;
            size_t l;
            const uint8_t *p;
            biter it;
            while (b < c->nbuckets && !c->bucket[b].b) b++;
            if (b == c->nbuckets) return -1;  /* unreachable: containers are never empty */
            c->hint = b;  /* a cache: no bucket below b holds a key */
            bi_init(&it, c->bucket[b].b, c->vw);
            if (!bi_next(&it, &p, &l)) return -1;  /* unreachable: buckets are never empty */
            if (PURE(c)) (*buf)[i++] = (uint8_t)x;
            if (reserve(buf, cap, i + l + 1) < 0) return -1;
            memcpy(*buf + i, p, l);
            *len = i + l;
            return 1;
        }
    }
}

/* 1 when some entry of c starts with s. */
static int cont_has_prefix(const hat_container *c, const uint8_t *s, size_t n) {
    size_t len;
    const uint8_t *p;
    citer ci;
    ci_init(&ci, c);
    while (ci_next(&ci, &p, &len))
        if (len >= n && memcmp(p, s, n) == 0) return 1;
    return 0;
}

int hat_has_prefix(const hat_t *t, const uint8_t *prefix, size_t len) {
    hat_node *n;
    size_t i, s;
    hat_container *c = descend(t, prefix, len, &n, &i);
    if (i == len) return t->size > 0;  /* every node but the root holds a key below */
    if (!c) return 0;
    s = REST(c, i);
    return s == len || cont_has_prefix(c, prefix + s, len - s);
}

static int cmp_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

long hat_prefix_lengths(const hat_t *t, const uint8_t *s, size_t len, size_t *out) {
    const hat_node *n = t->root;
    size_t i = 0;
    long k = 0;
    for (;;) {
        const void *ch;
        if (n->has_key) out[k++] = i;
        if (i == len) return k;
        ch = n->child[s[i]];
        if (!ch) return k;
        if (KIND(ch) == KIND_NODE) {
            n = ch;
            i++;
            continue;
        }
        {
            const hat_container *c = ch;
            size_t base = PURE(c) ? i + 1 : i, rest = len - base, l;
            long first = k;
            if (rest <= 64) {
                /* one hash probe per candidate length */
                for (l = PURE(c) ? 0 : 1; l <= rest; l++)
                    if (cont_find(c, s + base, l)) out[k++] = base + l;
            } else {
                /* long query: one pass over the container */
                size_t el;
                const uint8_t *p;
                citer ci;
                ci_init(&ci, c);
                while (ci_next(&ci, &p, &el))
                    if (el <= rest && memcmp(p, s + base, el) == 0) out[k++] = base + el;
                qsort(out + first, (size_t)(k - first), sizeof(size_t), cmp_size);
            }
            return k;
        }
    }
}

/* ---------------------------------------------------------------- sorted iteration */

typedef struct { uint64_t head; const uint8_t *p; size_t len; } sent;

static inline uint64_t head8(const uint8_t *p, size_t len) {
    uint64_t h = 0;
    size_t i, n = len < 8 ? len : 8;
    for (i = 0; i < n; i++) h |= (uint64_t)p[i] << (56 - 8 * i);
    return h;
}

static int sent_cmp(const void *a, const void *b) {
    const sent *x = a, *y = b;
    size_t m;
    if (x->head != y->head) return x->head < y->head ? -1 : 1;
    m = x->len < y->len ? x->len : y->len;
    if (m > 8) {
        int r = memcmp(x->p + 8, y->p + 8, m - 8);
        if (r) return r;
    }
    return (x->len > y->len) - (x->len < y->len);
}

/* Sort entries: LSD radix sort on 8-byte big-endian heads (passes whose byte is the same for
   every entry are skipped); a run of 32 or more equal heads is sorted again on its next 8
   bytes (up to 4 levels deep: 15% less time on 1.5M Ukrainian words, whose heads are 4
   letters), and what still ties goes to a comparison sort. Within such a run the bytes
   before the new heads are equal, so sent_cmp reading the deeper heads orders it right. */
static void sort_level(sent *a, sent *tmp, size_t n, size_t depth, int levels) {
    size_t count[8][256], i, start;
    int pass;
    if (n < 32) {
        qsort(a, n, sizeof(sent), sent_cmp);
        return;
    }
    memset(count, 0, sizeof(count));
    for (i = 0; i < n; i++) {
        uint64_t h = a[i].head;
        for (pass = 0; pass < 8; pass++) count[pass][(h >> (8 * pass)) & 0xFF]++;
    }
    for (pass = 0; pass < 8; pass++) {
        size_t *c = count[pass], sum = 0, v;
        int shift = 8 * pass, d;
        if (c[(a[0].head >> shift) & 0xFF] == n) continue;  /* one digit: nothing to do */
        for (d = 0; d < 256; d++) {
            v = c[d];
            c[d] = sum;
            sum += v;
        }
        for (i = 0; i < n; i++) tmp[c[(a[i].head >> shift) & 0xFF]++] = a[i];
        memcpy(a, tmp, n * sizeof(sent));
    }
    for (start = 0; start < n; start = i) {
        size_t run, longer = 0, k;
        for (i = start + 1; i < n && a[i].head == a[start].head; i++) {}
        run = i - start;
        if (run < 2) continue;
        for (k = start; k < i; k++) longer += a[k].len > depth + 8;
        if (run >= 32 && longer > 1 && levels > 0) {
            size_t d = depth + 8;
            for (k = start; k < i; k++)
                a[k].head = a[k].len > d ? head8(a[k].p + d, a[k].len - d) : 0;
            sort_level(a + start, tmp, run, d, levels - 1);
        } else {
            qsort(a + start, run, sizeof(sent), sent_cmp);
        }
    }
}

static void sort_entries(sent *a, sent *tmp, size_t n) { sort_level(a, tmp, n, 0, 4); }

typedef struct { const hat_node *n; int next; size_t depth; } cframe;

struct hat_cursor {
    uint8_t *key;     /* the key being built: path bytes, then a container entry */
    size_t keycap;
    cframe *f;
    size_t nf, fcap;
    sent *ents;       /* the current container's entries, sorted */
    sent *tmp;        /* scratch for the radix sort */
    size_t nents, pos, entcap;
    size_t base;      /* key bytes before the entries of the current container */
    const uint8_t *val;  /* the value of the key last returned */
};

static int cur_push(hat_cursor *c, const hat_node *n, size_t depth) {
    if (c->nf == c->fcap) {
        size_t cap = c->fcap ? 2 * c->fcap : 32;
        cframe *f = realloc(c->f, cap * sizeof(cframe));
        if (!f) return -1;
        c->f = f;
        c->fcap = cap;
    }
    c->f[c->nf].n = n;
    c->f[c->nf].next = -1;
    c->f[c->nf].depth = depth;
    c->nf++;
    return 0;
}

/* Load the entries of container k that start with (rest, nrest), sorted. */
static int cur_load(hat_cursor *c, const hat_container *k, size_t base, const uint8_t *rest,
                    size_t nrest) {
    size_t len, n = 0;
    const uint8_t *p;
    citer ci;
    if (c->entcap < k->nkeys) {
        sent *e = realloc(c->ents, k->nkeys * sizeof(sent));
        if (!e) return -1;
        c->ents = e;
        e = realloc(c->tmp, k->nkeys * sizeof(sent));
        if (!e) return -1;
        c->tmp = e;
        c->entcap = k->nkeys;
    }
    ci_init(&ci, k);
    while (ci_next(&ci, &p, &len)) {
        if (nrest && (len < nrest || memcmp(p, rest, nrest) != 0)) continue;
        c->ents[n].head = head8(p, len);
        c->ents[n].p = p;
        c->ents[n].len = len;
        n++;
    }
    sort_entries(c->ents, c->tmp, n);
    c->nents = n;
    c->pos = 0;
    c->base = base;
    return 0;
}

hat_cursor *hat_cursor_new(const hat_t *t, const uint8_t *prefix, size_t len) {
    hat_cursor *c = calloc(1, sizeof(hat_cursor));
    hat_node *n;
    size_t i, s;
    hat_container *k;
    if (!c) return NULL;
    if (reserve(&c->key, &c->keycap, len + 1) < 0) goto fail;
    if (len) memcpy(c->key, prefix, len);
    k = descend(t, prefix, len, &n, &i);
    if (i == len) {
        if (cur_push(c, n, i) < 0) goto fail;
        return c;
    }
    if (!k) return c;  /* nothing under the prefix */
    s = REST(k, i);
    if (cur_load(c, k, s, prefix + s, len - s) < 0) goto fail;
    return c;
fail:
    hat_cursor_free(c);
    return NULL;
}

int hat_cursor_next(hat_cursor *c, const uint8_t **key, size_t *len) {
    for (;;) {
        cframe *f;
        if (c->pos < c->nents) {
            const sent *e = &c->ents[c->pos++];
            if (reserve(&c->key, &c->keycap, c->base + e->len + 1) < 0) return -1;
            memcpy(c->key + c->base, e->p, e->len);
            c->val = e->p + e->len;
            *key = c->key;
            *len = c->base + e->len;
            return 1;
        }
        if (c->nf == 0) return 0;
        f = &c->f[c->nf - 1];
        if (f->next < 0) {
            f->next = 0;
            if (f->n->has_key) {
                c->val = f->n->value;
                *key = c->key;
                *len = f->depth;
                return 1;
            }
        }
        while (f->next < 256 && !f->n->child[f->next]) f->next++;
        if (f->next == 256) {
            c->nf--;
            continue;
        }
        {
            int x = f->next;
            const void *ch = f->n->child[x];
            size_t d = f->depth;
            if (reserve(&c->key, &c->keycap, d + 2) < 0) return -1;
            if (KIND(ch) == KIND_NODE) {
                f->next = x + 1;
                c->key[d] = (uint8_t)x;
                if (cur_push(c, ch, d + 1) < 0) {
                    f->next = x;
                    return -1;
                }
            } else {
                const hat_container *k = ch;
                if (PURE(k)) c->key[d] = (uint8_t)x;
                if (cur_load(c, k, PURE(k) ? d + 1 : d, NULL, 0) < 0) return -1;
                f->next = k->hi + 1;
            }
        }
    }
}

const uint8_t *hat_cursor_value(const hat_cursor *c) { return c->val; }

void hat_cursor_free(hat_cursor *c) {
    if (!c) return;
    free(c->key);
    free(c->f);
    free(c->ents);
    free(c->tmp);
    free(c);
}

/* ---------------------------------------------------------------- copy */

static hat_container *cont_clone(hat_t *t, const hat_container *src) {
    hat_container *c = h_alloc(t, sizeof(hat_container));
    uint32_t i;
    if (!c) return NULL;
    *c = *src;
    c->bucket = h_calloc(t, src->nbuckets, sizeof(hat_slot));
    if (!c->bucket) {
        h_free(t, c, sizeof(hat_container));
        return NULL;
    }
    t->containers++;
    for (i = 0; i < src->nbuckets; i++) {
        size_t size;
        if (!src->bucket[i].b) continue;
        size = bucket_size(src->bucket[i].b, src->vw);
        c->bucket[i].b = h_alloc(t, size);
        if (!c->bucket[i].b) {
            cont_free(t, c);
            return NULL;
        }
        t->buckets++;
        memcpy(c->bucket[i].b, src->bucket[i].b, size);
        c->bucket[i].bloom = src->bucket[i].bloom;
    }
    return c;
}

typedef struct { const hat_node *src; hat_node *dst; } pair;

hat_t *hat_copy(const hat_t *t) {
    hat_t *r = hat_new(t->burst, t->load, t->vwidth);
    pair *st = NULL;
    size_t n = 0, cap = 0;
    if (!r) return NULL;
    r->root->has_key = t->root->has_key;
    if (t->vwidth) memcpy(r->root->value, t->root->value, t->vwidth);
    st = malloc(64 * sizeof(pair));
    if (!st) goto fail;
    cap = 64;
    st[n++] = (pair){t->root, r->root};
    while (n) {
        pair p = st[--n];
        int x;
        for (x = 0; x < 256; x++) {
            const void *ch = p.src->child[x];
            if (!ch) continue;
            if (KIND(ch) == KIND_CONT) {
                const hat_container *c = ch;
                hat_container *d = cont_clone(r, c);
                if (!d) goto fail;
                set_slots(p.dst, d);
                x = c->hi;
            } else {
                hat_node *d = node_new(r);
                if (!d) goto fail;
                d->has_key = ((const hat_node *)ch)->has_key;
                if (t->vwidth) memcpy(d->value, ((const hat_node *)ch)->value, t->vwidth);
                p.dst->child[x] = d;
                if (n == cap) {
                    pair *more = realloc(st, 2 * cap * sizeof(pair));
                    if (!more) goto fail;
                    st = more;
                    cap *= 2;
                }
                st[n++] = (pair){ch, d};
            }
        }
    }
    free(st);
    r->size = t->size;
    return r;
fail:
    free(st);
    hat_free(r);
    return NULL;
}

/* ---------------------------------------------------------------- invariants */

#include <stdio.h>

#define FAIL(...) do { snprintf(msg, msglen, __VA_ARGS__); goto done; } while (0)

int hat_check(const hat_t *t, char *msg, size_t msglen) {
    const hat_node **st = NULL;
    size_t n = 0, cap = 0, keys = 0, nodes = 0, conts = 0, buckets = 0;
    size_t bytes = CHUNK_BYTES((void *)t, sizeof(hat_t));
    sent *e = NULL;
    int rc = 1;
    msg[0] = 0;
    if (!t->root || KIND(t->root) != KIND_NODE) FAIL("root is not a node");
    cap = 64;
    st = malloc(cap * sizeof(*st));
    if (!st) FAIL("out of memory");
    st[n++] = t->root;
    while (n) {
        const hat_node *nd = st[--n];
        int x, empty = !nd->has_key;
        nodes++;
        bytes += CHUNK_BYTES((void *)nd, sizeof(hat_node));
        keys += nd->has_key;
        for (x = 0; x < 256; x++) {
            const void *ch = nd->child[x];
            if (!ch) continue;
            empty = 0;
            if (KIND(ch) == KIND_NODE) {
                if (n == cap) {
                    const hat_node **more = realloc(st, 2 * cap * sizeof(*st));
                    if (!more) FAIL("out of memory");
                    st = more;
                    cap *= 2;
                }
                st[n++] = ch;
            } else if (KIND(ch) == KIND_CONT) {
                const hat_container *c = ch;
                uint32_t b, hint_ok = 1;
                size_t k = 0, y;
                if (c->lo != x) FAIL("container at slot %d says it starts at %d", x, c->lo);
                if (c->hi < c->lo) FAIL("container range %d..%d", c->lo, c->hi);
                for (y = c->lo; y <= c->hi; y++)
                    if (nd->child[y] != c) FAIL("slot %d does not point to its container", (int)y);
                if (c->nkeys == 0) FAIL("empty container");
                if (c->vw != t->vwidth) FAIL("container of %u value bytes in a trie of %u",
                                             c->vw, t->vwidth);
                if (c->nkeys > t->burst) FAIL("container of %u keys over the threshold", c->nkeys);
                if (!c->nbuckets || (c->nbuckets & (c->nbuckets - 1)))
                    FAIL("bucket count %u is not a power of two", c->nbuckets);
                conts++;
                bytes += CHUNK_BYTES((void *)c, sizeof(hat_container));
                bytes += CHUNK_BYTES((void *)c->bucket, c->nbuckets * sizeof(hat_slot));
                free(e);
                e = malloc(c->nkeys * sizeof(sent));
                if (!e) FAIL("out of memory");
                for (b = 0; b < c->nbuckets; b++) {
                    const uint8_t *bk = c->bucket[b].b, *p;
                    size_t len;
                    biter it;
                    if (!bk) {
                        if (c->bucket[b].bloom) FAIL("empty slot with a Bloom filter");
                        continue;
                    }
                    if (b < c->hint) hint_ok = 0;
                    bi_init(&it, bk, c->vw);
                    if (it.count == 0) FAIL("empty bucket kept");
                    if (c->bucket[b].bloom != bucket_bloom(bk, c->vw)) FAIL("stale Bloom filter");
                    if ((bk[0] == 0xFF) != (it.count >= 0xFF)) FAIL("count with the wrong header");
                    buckets++;
                    bytes += CHUNK_BYTES((void *)bk, bucket_size(bk, c->vw));
                    while (bi_next(&it, &p, &len)) {
                        if (it.lens[it.k - 1] == LONG && len < LONG)
                            FAIL("short key with a long header");
                        if ((hat_hash(p, len) & (c->nbuckets - 1)) != b)
                            FAIL("key in the wrong bucket");
                        if (!PURE(c) && (len == 0 || p[0] < c->lo || p[0] > c->hi))
                            FAIL("key outside its hybrid container's range");
                        if (k == c->nkeys) FAIL("container holds more keys than it counts");
                        e[k].head = head8(p, len);
                        e[k].p = p;
                        e[k].len = len;
                        k++;
                    }
                }
                if (!hint_ok) FAIL("a bucket below the hint holds keys");
                if (k != c->nkeys) FAIL("container counts %u keys, holds %zu", c->nkeys, k);
                qsort(e, k, sizeof(sent), sent_cmp);
                for (y = 1; y < k; y++)
                    if (sent_cmp(&e[y - 1], &e[y]) == 0) FAIL("duplicate key in a container");
                keys += k;
                x = c->hi;
            } else {
                FAIL("child of unknown kind %d", KIND(ch));
            }
        }
        if (empty && nd != t->root) FAIL("empty node kept");
    }
    if (keys != t->size) FAIL("holds %zu keys, counts %zu", keys, t->size);
    if (nodes != t->nodes) FAIL("holds %zu nodes, counts %zu", nodes, t->nodes);
    if (conts != t->containers) FAIL("holds %zu containers, counts %zu", conts, t->containers);
    if (buckets != t->buckets) FAIL("holds %zu buckets, counts %zu", buckets, t->buckets);
    if (bytes != t->bytes) FAIL("holds %zu heap bytes, counts %zu", bytes, t->bytes);
    rc = 0;
done:
    free(st);
    free(e);
    return rc;
}

#endif /* LOWRAM_HAT_TRIE_WALK_H */
