/* lowram's HAT-trie (see hat_trie.h for the layout and the API): its implementation, a
 * header included by exactly one translation unit (the hat_trie extension module).
 *
 * This part holds the layouts, the accounted allocator, hashing, buckets, containers,
 * bursting, and what follows one key's path: lookups, inserts, removals. What walks the trie
 * (any key, prefix queries, sorted iteration, copy, invariants) is in hat_trie_walk.h, which
 * includes this file.
 *
 * Written for lowram after Askitis & Sinha (2007), "HAT-trie: a cache-conscious trie-based
 * data structure for strings", with two ideas taken from existing implementations: Tessil's
 * tsl::htrie_map stores a bucket as length-prefixed keys without terminators, and the C
 * library behind the old Python binding lets one "hybrid" container serve a range of first
 * bytes and split evenly when it grows. Traversals use explicit stacks, never recursion, so a
 * trie as deep as a 10,000-byte key cannot overflow the C stack.
 */
#ifndef LOWRAM_HAT_TRIE_IMPL_H
#define LOWRAM_HAT_TRIE_IMPL_H

#include "hat_trie.h"
#include "murmur64a.h"  /* _native/csrc */

#include <stdlib.h>
#include <string.h>

#if defined(__GLIBC__)
#include <malloc.h>
/* glibc: a chunk holds malloc_usable_size() bytes plus one 8-byte size header. */
#define CHUNK_BYTES(p, requested) (malloc_usable_size(p) + 8)
#else
/* elsewhere: an estimate in glibc's terms (16-byte granules, 8-byte header, 32-byte minimum) */
static size_t chunk_estimate(size_t n) {
    size_t c = (n + 8 + 15) & ~(size_t)15;
    return c < 32 ? 32 : c;
}
#define CHUNK_BYTES(p, requested) chunk_estimate(requested)
#endif

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

enum { KIND_NODE = 0, KIND_CONT = 1 };
#define LONG 0xFF  /* length byte of a key of 255 bytes or more: a 4-byte length leads its data */

struct hat_node {
    uint8_t kind;
    uint8_t has_key;  /* the key spelled by the path to this node is present */
    union {
        hat_node *up;      /* scratch parent link, set only while free_below() frees the node */
        uint8_t value[8];  /* the value of the node's key, in a trie with values */
    };
    void *child[256];
};

/* A bucket's slot: the bucket and a 64-bit Bloom filter of its keys (two bits per key, from
   the top 12 bits of the hash; the bucket index uses the low bits). With about 9 keys a
   bucket, 6-10% of lookups of absent keys read the bucket: the rest end at the slot, one
   cache miss sooner. */
typedef struct {
    uint8_t *b;
    uint64_t bloom;
} hat_slot;

#define BLOOM(h) ((1ULL << ((h) >> 58)) | (1ULL << (((h) >> 52) & 63)))

struct hat_container {
    uint8_t kind;
    uint8_t lo, hi;     /* the slots of the parent node it serves; lo == hi: pure */
    uint8_t vw;         /* value bytes after each key (the trie's vwidth; in the padding) */
    uint32_t nkeys;
    uint32_t nbuckets;  /* a power of two */
    uint32_t hint;      /* no bucket below this index holds a key */
    hat_slot *bucket;
};

#define KIND(p) (*(const uint8_t *)(p))
#define PURE(c) ((c)->lo == (c)->hi)

/* ---------------------------------------------------------------- accounted allocation */

static void *h_alloc(hat_t *t, size_t n) {
    void *p = malloc(n);
    if (p) t->bytes += CHUNK_BYTES(p, n);
    return p;
}

static void *h_calloc(hat_t *t, size_t count, size_t size) {
    void *p = calloc(count, size);
    if (p) t->bytes += CHUNK_BYTES(p, count * size);
    return p;
}

static void h_free(hat_t *t, void *p, size_t requested) {
    if (!p) return;
    t->bytes -= CHUNK_BYTES(p, requested);
    (void)requested;
    free(p);
}

static void *h_realloc(hat_t *t, void *p, size_t old, size_t n) {
    size_t before = p ? CHUNK_BYTES(p, old) : 0;
    void *q = realloc(p, n);
    if (!q) return NULL;
    t->bytes = t->bytes - before + CHUNK_BYTES(q, n);
    (void)old;
    return q;
}

/* ---------------------------------------------------------------- hashing and UTF-8 */

/* MurmurHash64A (the shared one, _native/csrc/murmur64a.h) under lowram's own seed */
uint64_t hat_hash(const uint8_t *key, size_t len) {
    return lr_murmur64a(key, len, 0x6c6f7772616d5f31ULL);
}

int hat_valid_utf8(const uint8_t *s, size_t len) {
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF) {
            if (i + 1 >= len || (s[i + 1] & 0xC0) != 0x80) return 0;
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (i + 2 >= len) return 0;
            uint8_t c1 = s[i + 1];
            if ((c1 & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80) return 0;
            if (c == 0xE0 && c1 < 0xA0) return 0;   /* overlong */
            if (c == 0xED && c1 >= 0xA0) return 0;  /* surrogate */
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (i + 3 >= len) return 0;
            uint8_t c1 = s[i + 1];
            if ((c1 & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80)
                return 0;
            if (c == 0xF0 && c1 < 0x90) return 0;   /* overlong */
            if (c == 0xF4 && c1 >= 0x90) return 0;  /* beyond U+10FFFF */
            i += 4;
        } else {
            return 0;
        }
    }
    return 1;
}

/* ---------------------------------------------------------------- buckets
 *
 * A bucket is one allocation: the key count (one byte, or 0xFF and 4 bytes), then one length
 * byte per key (0..254, or LONG), then the keys' bytes back to back (a LONG key's bytes are
 * led by its 4-byte length). Lengths sit together so a probe compares them without walking
 * through the key bytes. All multi-byte numbers are little-endian.
 */

static inline uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void wr32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline size_t count_size(uint32_t count) { return count < 0xFF ? 1 : 5; }
static inline size_t data_size(size_t len) { return len < LONG ? len : len + 4; }

static inline uint8_t *write_count(uint8_t *b, uint32_t count) {
    if (count < 0xFF) {
        b[0] = (uint8_t)count;
        return b + 1;
    }
    b[0] = 0xFF;
    wr32(b + 1, count);
    return b + 5;
}

typedef struct {
    const uint8_t *lens, *data;  /* the length bytes; the key bytes */
    uint32_t count, k;           /* keys; the next one to visit */
    const uint8_t *d;            /* the next key's data */
    uint32_t vw;                 /* value bytes after each key's bytes */
} biter;

static inline void bi_init(biter *it, const uint8_t *b, uint32_t vw) {
    it->vw = vw;
    if (b[0] < 0xFF) {
        it->count = b[0];
        it->lens = b + 1;
    } else {
        it->count = rd32(b + 1);
        it->lens = b + 5;
    }
    it->data = it->d = it->lens + it->count;
    it->k = 0;
}

static inline int bi_next(biter *it, const uint8_t **p, size_t *len) {
    uint8_t l;
    if (it->k == it->count) return 0;
    l = it->lens[it->k++];
    if (l < LONG) {
        *p = it->d;
        *len = l;
        it->d += l + it->vw;
    } else {
        *len = rd32(it->d);
        *p = it->d + 4;
        it->d += 4 + *len + it->vw;
    }
    return 1;
}

static size_t bucket_size(const uint8_t *b, uint32_t vw) {
    biter it;
    const uint8_t *p;
    size_t len;
    bi_init(&it, b, vw);
    while (bi_next(&it, &p, &len)) {}
    return (size_t)(it.d - b);
}

/* 1 when key is in bucket b: *k is its index and *off its data offset. Otherwise 0, with
   *k the key count and *off the bytes of key data (values included). */
static inline int bucket_find(const uint8_t *b, const uint8_t *key, size_t n, uint32_t vw,
                              uint32_t *k, size_t *off) {
    biter it;
    size_t o = 0;
    uint32_t i;
    bi_init(&it, b, vw);
    if (n < LONG) {
        const uint8_t want = (uint8_t)n;
        for (i = 0; i < it.count; i++) {
            uint8_t l = it.lens[i];
            if (l == want &&
                (n == 0 || (it.data[o] == key[0] && memcmp(it.data + o, key, n) == 0))) {
                *k = i;
                *off = o;
                return 1;
            }
            o += (l < LONG ? l : 4 + (size_t)rd32(it.data + o)) + vw;
        }
    } else {
        for (i = 0; i < it.count; i++) {
            size_t l = it.lens[i];
            if (l == LONG) {
                l = rd32(it.data + o);
                if (l == n && memcmp(it.data + o + 4, key, n) == 0) {
                    *k = i;
                    *off = o;
                    return 1;
                }
                l += 4;
            }
            o += l + vw;
        }
    }
    *k = it.count;
    *off = o;
    return 0;
}

/* ---------------------------------------------------------------- containers */

typedef struct { const uint8_t *p; size_t len; } ent;

static hat_node *node_new(hat_t *t) {
    hat_node *n = h_calloc(t, 1, sizeof(hat_node));
    if (!n) return NULL;
    n->kind = KIND_NODE;
    t->nodes++;
    return n;
}

static void node_free(hat_t *t, hat_node *n) {
    h_free(t, n, sizeof(hat_node));
    t->nodes--;
}

static void buckets_free(hat_t *t, hat_slot *bucket, uint32_t nb, uint32_t vw) {
    uint32_t i;
    for (i = 0; i < nb; i++) {
        if (bucket[i].b) {
#if defined(__GLIBC__)
            h_free(t, bucket[i].b, 0);
            (void)vw;
#else
            h_free(t, bucket[i].b, bucket_size(bucket[i].b, vw));
#endif
            t->buckets--;
        }
    }
    h_free(t, bucket, (size_t)nb * sizeof(hat_slot));
}

/* The Bloom filter of the keys in bucket b. */
static uint64_t bucket_bloom(const uint8_t *b, uint32_t vw) {
    biter it;
    const uint8_t *p;
    size_t len;
    uint64_t bloom = 0;
    bi_init(&it, b, vw);
    while (bi_next(&it, &p, &len)) bloom |= BLOOM(hat_hash(p, len));
    return bloom;
}

static void cont_free(hat_t *t, hat_container *c) {
    buckets_free(t, c->bucket, c->nbuckets, c->vw);
    h_free(t, c, sizeof(hat_container));
    t->containers--;
}

static uint32_t buckets_for(const hat_t *t, size_t nkeys) {
    uint32_t nb = 1;
    while ((size_t)nb * t->load < nkeys && nb < 0x40000000u) nb <<= 1;
    return nb;
}

/* Every entry of a container, bucket by bucket. */
typedef struct {
    const hat_container *c;
    uint32_t b;  /* the next bucket to open */
    biter it;    /* the bucket being walked */
} citer;

static inline void ci_init(citer *ci, const hat_container *c) {
    ci->c = c;
    ci->b = 0;
    ci->it.lens = ci->it.data = ci->it.d = NULL;
    ci->it.count = ci->it.k = 0;  /* an exhausted bucket: the first ci_next opens one */
    ci->it.vw = c->vw;
}

static inline int ci_next(citer *ci, const uint8_t **p, size_t *len) {
    while (!bi_next(&ci->it, p, len)) {
        const uint8_t *b = NULL;
        while (!b) {
            if (ci->b == ci->c->nbuckets) return 0;
            b = ci->c->bucket[ci->b++].b;
        }
        bi_init(&ci->it, b, ci->c->vw);
    }
    return 1;
}

/* All entries of c, in bucket order (malloc'd; the caller frees). An entry's value (c->vw
   bytes) follows its key bytes: it is at p + len, which stays true as bursts strip bytes. */
static ent *cont_entries(const hat_container *c) {
    ent *e = malloc((c->nkeys ? c->nkeys : 1) * sizeof(ent));
    size_t k = 0;
    citer ci;
    if (!e) return NULL;
    ci_init(&ci, c);
    while (ci_next(&ci, &e[k].p, &e[k].len)) k++;
    return e;
}

/* Lay out n entries (dropping `strip` leading bytes of each; each with its c->vw value
   bytes, read at p + len) into a new bucket array of nb buckets; sets c's buckets, nbuckets,
   nkeys and hint. 0, or -1 (c untouched). */
static int cont_fill(hat_t *t, hat_container *c, const ent *e, size_t n, size_t strip,
                     uint32_t nb) {
    hat_slot *bucket = h_calloc(t, nb, sizeof(hat_slot));
    uint32_t *where = malloc((n ? n : 1) * sizeof(uint32_t));
    uint64_t *blooms = malloc((n ? n : 1) * sizeof(uint64_t));
    uint32_t *count = calloc(nb, sizeof(uint32_t));
    size_t *fill = calloc(nb, sizeof(size_t));
    size_t k;
    uint32_t i, hint = nb, vw = c->vw;
    if (!bucket || !where || !blooms || !count || !fill) goto fail;
    for (k = 0; k < n; k++) {
        size_t len = e[k].len - strip;
        uint64_t h = hat_hash(e[k].p + strip, len);
        where[k] = (uint32_t)(h & (nb - 1));
        blooms[k] = BLOOM(h);
        count[where[k]]++;
        fill[where[k]] += data_size(len) + vw;
    }
    for (i = 0; i < nb; i++) {
        if (!count[i]) continue;
        bucket[i].b = h_alloc(t, count_size(count[i]) + count[i] + fill[i]);
        if (!bucket[i].b) goto fail;
        t->buckets++;
        /* from here on: count[i] = keys placed, fill[i] = offset of the next key's data */
        fill[i] = (size_t)(write_count(bucket[i].b, count[i]) - bucket[i].b) + count[i];
        count[i] = 0;
        if (i < hint) hint = i;
    }
    for (k = 0; k < n; k++) {
        uint8_t *b = bucket[where[k]].b;
        size_t len = e[k].len - strip, at = fill[where[k]];
        bucket[where[k]].bloom |= blooms[k];
        uint8_t *lens = b + (b[0] < 0xFF ? 1 : 5);
        if (len < LONG) {
            lens[count[where[k]]++] = (uint8_t)len;
        } else {
            lens[count[where[k]]++] = LONG;
            wr32(b + at, (uint32_t)len);
            at += 4;
        }
        memcpy(b + at, e[k].p + strip, len);
        if (vw) memcpy(b + at + len, e[k].p + e[k].len, vw);
        fill[where[k]] = at + len + vw;
    }
    free(where);
    free(blooms);
    free(count);
    free(fill);
    c->bucket = bucket;
    c->nbuckets = nb;
    c->nkeys = (uint32_t)n;
    c->hint = hint;
    return 0;
fail:
    if (bucket) buckets_free(t, bucket, nb, vw);
    free(where);
    free(blooms);
    free(count);
    free(fill);
    return -1;
}

static hat_container *cont_build(hat_t *t, const ent *e, size_t n, size_t strip, uint8_t lo,
                                 uint8_t hi) {
    hat_container *c = h_alloc(t, sizeof(hat_container));
    if (!c) return NULL;
    c->kind = KIND_CONT;
    c->lo = lo;
    c->hi = hi;
    c->vw = t->vwidth;
    if (cont_fill(t, c, e, n, strip, buckets_for(t, n)) < 0) {
        h_free(t, c, sizeof(hat_container));
        return NULL;
    }
    t->containers++;
    return c;
}

/* Rebuild c's buckets with nb buckets. 0, or -1 (c unchanged). */
static int cont_rehash(hat_t *t, hat_container *c, uint32_t nb) {
    hat_slot *old = c->bucket;
    uint32_t oldnb = c->nbuckets;
    ent *e = cont_entries(c);
    int r;
    if (!e) return -1;
    r = cont_fill(t, c, e, c->nkeys, 0, nb);
    free(e);
    if (r == 0) buckets_free(t, old, oldnb, c->vw);
    return r;
}

/* Where the value of s in c is (just past its key bytes), or NULL when s is absent. */
static inline uint8_t *cont_lookup(const hat_container *c, const uint8_t *s, size_t n) {
    uint64_t h = hat_hash(s, n);
    const hat_slot *sl = &c->bucket[h & (c->nbuckets - 1)];
    uint32_t k;
    size_t off;
    const uint64_t m = BLOOM(h);
    if ((sl->bloom & m) != m) return NULL;  /* also when the bucket is empty (bloom 0) */
    if (!bucket_find(sl->b, s, n, c->vw, &k, &off)) return NULL;
    {
        uint8_t *b = sl->b;
        uint32_t count = b[0] < 0xFF ? b[0] : rd32(b + 1);
        return b + count_size(count) + count + off + data_size(n);
    }
}

static inline int cont_find(const hat_container *c, const uint8_t *s, size_t n) {
    return cont_lookup(c, s, n) != NULL;
}

/* 1 added (with the c->vw value bytes at val, zeros if NULL), 0 present (*where, if not
   NULL, is where its value is), -1 no memory. */
static int cont_insert(hat_t *t, hat_container *c, const uint8_t *s, size_t n,
                       const uint8_t *val, uint8_t **where) {
    uint64_t h = hat_hash(s, n);
    uint32_t i = (uint32_t)(h & (c->nbuckets - 1)), count = 0, vw = c->vw;
    uint8_t *b = c->bucket[i].b, *nb;
    size_t data = 0, cs = 0, ncs, size, need;
    if (b) {
        uint32_t k;
        size_t off;
        if (bucket_find(b, s, n, vw, &k, &off)) {
            if (where) {
                uint32_t cnt = b[0] < 0xFF ? b[0] : rd32(b + 1);
                *where = b + count_size(cnt) + cnt + off + data_size(n);
            }
            return 0;
        }
        count = k;
        data = off;
        cs = count_size(count);
    }
    ncs = count_size(count + 1);
    size = cs + count + data;
    need = ncs + count + 1 + data + data_size(n) + vw;
#if defined(__GLIBC__)
    if (b && malloc_usable_size(b) >= need)
        nb = b;  /* the chunk has room: no realloc call, same heap bytes */
    else
#endif
        nb = h_realloc(t, b, size, need);
    if (!nb) return -1;
    if (!b) t->buckets++;
    /* make room: the data moves right by one length byte (and a grown count), the lengths
       by the growth of the count */
    if (count) {
        memmove(nb + ncs + count + 1, nb + cs + count, data);
        if (ncs != cs) memmove(nb + ncs, nb + cs, count);
    }
    write_count(nb, count + 1);
    {
        uint8_t *at = nb + ncs + count + 1 + data;
        if (n < LONG) {
            nb[ncs + count] = (uint8_t)n;
        } else {
            nb[ncs + count] = LONG;
            wr32(at, (uint32_t)n);
            at += 4;
        }
        memcpy(at, s, n);
        if (vw) {
            if (val) memcpy(at + n, val, vw);
            else memset(at + n, 0, vw);
        }
    }
    c->bucket[i].b = nb;
    c->bucket[i].bloom |= BLOOM(h);
    c->nkeys++;
    if (i < c->hint) c->hint = i;
    return 1;
}

/* 1 removed, 0 absent. */
static int cont_remove(hat_t *t, hat_container *c, const uint8_t *s, size_t n) {
    uint32_t i = (uint32_t)(hat_hash(s, n) & (c->nbuckets - 1)), k, count;
    uint8_t *b = c->bucket[i].b, *nb, *l0, *d0, *l1, *d1;
    size_t off, size, ds, cs, ncs, datalen;
    if (!b || !bucket_find(b, s, n, c->vw, &k, &off)) return 0;
    size = bucket_size(b, c->vw);
    count = b[0] < 0xFF ? b[0] : rd32(b + 1);
    if (count == 1) {
        h_free(t, b, size);
        t->buckets--;
        c->bucket[i].b = NULL;
        c->bucket[i].bloom = 0;
    } else {
        cs = count_size(count);
        ncs = count_size(count - 1);
        ds = data_size(n) + c->vw;
        l0 = b + cs;
        d0 = l0 + count;
        datalen = size - cs - count;
        l1 = b + ncs;
        d1 = l1 + count - 1;
        /* everything moves left, in order, so no move overwrites bytes still to move */
        memmove(l1, l0, k);
        memmove(l1 + k, l0 + k + 1, count - k - 1);
        memmove(d1, d0, off);
        memmove(d1 + off, d0 + off + ds, datalen - off - ds);
        write_count(b, count - 1);
        nb = h_realloc(t, b, size, size - ds - 1 - (cs - ncs));
        if (nb) c->bucket[i].b = nb;  /* a failed shrink keeps the larger block: still valid */
        c->bucket[i].bloom = bucket_bloom(c->bucket[i].b, c->vw);
    }
    c->nkeys--;
    return 1;
}

static void set_slots(hat_node *n, hat_container *c) {
    int x;
    for (x = c->lo; x <= c->hi; x++) n->child[x] = c;
}

/* ---------------------------------------------------------------- bursting */

typedef struct { hat_node *n; hat_container *c; } job;

/* Split (hybrid) or burst (pure) c, a child of n, and whatever results that is still over the
   threshold. On out of memory the container is left as it is: larger than the threshold but
   correct. */
static void overflow(hat_t *t, hat_node *n, hat_container *c) {
    job *jobs = malloc(16 * sizeof(job));
    size_t njobs = 0, cap = 16;
    if (!jobs) return;
    jobs[njobs++] = (job){n, c};
    while (njobs) {
        job j = jobs[--njobs];
        ent *e;
        if (j.c->nkeys <= t->burst) continue;
        e = cont_entries(j.c);
        if (!e) break;
        if (PURE(j.c)) {
            /* burst: a node for the byte, its keys one level down in a new hybrid container.
               While every key left shares its next byte too, and they are still too many for
               one container, the chain of nodes is built at once rather than by a burst per
               byte (which would copy every key once per byte of a long common prefix). */
            hat_node *top = node_new(t), *cur = top;
            hat_container *nc = NULL;
            size_t k, m = j.c->nkeys;
            if (!top) { free(e); break; }
            for (;;) {
                size_t kept = 0;
                int same = 1;
                for (k = 0; k < m; k++) {
                    if (e[k].len == 0) {
                        cur->has_key = 1;
                        if (t->vwidth) memcpy(cur->value, e[k].p, t->vwidth);  /* p + len */
                    } else {
                        e[kept++] = e[k];
                    }
                }
                m = kept;
                for (k = 1; k < m && same; k++) same = e[k].p[0] == e[0].p[0];
                if (!m || !same || m <= t->burst) break;
                {
                    hat_node *down = node_new(t);
                    if (!down) break;  /* stop the chain here: a larger container is correct */
                    cur->child[e[0].p[0]] = down;
                    cur = down;
                    for (k = 0; k < m; k++) { e[k].p++; e[k].len--; }
                }
            }
            if (m) {
                nc = cont_build(t, e, m, 0, 0, 255);
                if (!nc) {
                    /* undo the chain: unlink and free it */
                    while (top) {
                        hat_node *next = NULL;
                        int y;
                        for (y = 0; y < 256; y++) if (top->child[y]) next = top->child[y];
                        node_free(t, top);
                        top = next;
                    }
                    free(e);
                    break;
                }
                set_slots(cur, nc);
            }
            j.n->child[j.c->lo] = top;
            cont_free(t, j.c);
            free(e);
            if (nc && nc->nkeys > t->burst) jobs[njobs++] = (job){cur, nc};
        } else {
            /* split the range [lo, hi] where the key counts balance best */
            size_t count[256] = {0}, total = j.c->nkeys, left = 0, best = (size_t)-1, k;
            int x, m = j.c->lo, lo = j.c->lo, hi = j.c->hi;
            hat_container *part[2] = {NULL, NULL};
            ent *side[2];
            size_t ns[2] = {0, 0};
            int minb = 255, maxb = 0;
            for (k = 0; k < total; k++) count[e[k].p[0]]++;
            for (x = lo; x <= hi; x++) {
                if (count[x] && x < minb) minb = x;
                if (count[x] && x > maxb) maxb = x;
            }
            /* slots outside [minb, maxb] are left empty; one byte left: a pure container */
            lo = minb;
            hi = maxb;
            m = lo;
            for (x = lo; x < hi; x++) {
                size_t diff;
                left += count[x];
                diff = left > total - left ? 2 * left - total : total - 2 * left;
                if (diff < best) { best = diff; m = x; }
            }
            side[0] = malloc(total * sizeof(ent));
            side[1] = malloc(total * sizeof(ent));
            if (!side[0] || !side[1]) { free(side[0]); free(side[1]); free(e); break; }
            for (k = 0; k < total; k++) {
                int s = lo == hi ? 0 : e[k].p[0] > m;
                side[s][ns[s]++] = e[k];
            }
            if (lo == hi) m = hi;
            if (ns[0]) part[0] = cont_build(t, side[0], ns[0], lo == m, (uint8_t)lo, (uint8_t)m);
            if (ns[1]) part[1] = cont_build(t, side[1], ns[1], m + 1 == hi, (uint8_t)(m + 1),
                                            (uint8_t)hi);
            free(side[0]);
            free(side[1]);
            free(e);
            if ((ns[0] && !part[0]) || (ns[1] && !part[1])) {
                if (part[0]) cont_free(t, part[0]);
                if (part[1]) cont_free(t, part[1]);
                break;
            }
            for (x = j.c->lo; x <= j.c->hi; x++) j.n->child[x] = NULL;
            cont_free(t, j.c);
            if (njobs + 2 > cap) {
                job *more = realloc(jobs, 2 * cap * sizeof(job));
                if (!more) {
                    if (part[0]) set_slots(j.n, part[0]);
                    if (part[1]) set_slots(j.n, part[1]);
                    break;
                }
                jobs = more;
                cap *= 2;
            }
            for (k = 0; k < 2; k++) {
                if (!part[k]) continue;
                set_slots(j.n, part[k]);
                if (part[k]->nkeys > t->burst) jobs[njobs++] = (job){j.n, part[k]};
            }
        }
    }
    free(jobs);
}

/* ---------------------------------------------------------------- the trie */

hat_t *hat_new(uint32_t burst, uint32_t load, uint8_t vwidth) {
    hat_t *t;
    if (vwidth > 8) return NULL;
    t = malloc(sizeof(hat_t));
    if (!t) return NULL;
    memset(t, 0, sizeof(hat_t));
    t->vwidth = vwidth;
    t->bytes = CHUNK_BYTES(t, sizeof(hat_t));
    t->burst = burst ? burst : 1;
    t->load = load ? load : 1;
    t->root = node_new(t);
    if (!t->root) { free(t); return NULL; }
    return t;
}

/* Free everything below root; root is kept, emptied. Needs no memory: the walk keeps its
   path in the nodes' `up` links and rescans a node from slot 0 when it comes back to it
   (every slot it passed is NULL by then). */
static void free_below(hat_t *t, hat_node *root) {
    hat_node *n = root;
    int x;
    for (;;) {
        hat_node *down = NULL;
        for (x = 0; x < 256 && !down; x++) {
            void *ch = n->child[x];
            if (!ch) continue;
            if (KIND(ch) == KIND_CONT) {
                hat_container *c = ch;
                int y, lo = c->lo, hi = c->hi;
                for (y = lo; y <= hi; y++) n->child[y] = NULL;
                cont_free(t, c);
                x = hi;
            } else {
                down = ch;
                n->child[x] = NULL;
            }
        }
        if (down) {
            down->up = n;
            n = down;
            continue;
        }
        if (n == root) break;
        {
            hat_node *up = n->up;
            node_free(t, n);
            n = up;
        }
    }
    root->has_key = 0;
}

void hat_free(hat_t *t) {
    if (!t) return;
    free_below(t, t->root);
    free(t->root);
    free(t);
}

int hat_clear(hat_t *t) {
    free_below(t, t->root);
    t->size = 0;
    return 0;
}

/* ---------------------------------------------------------------- lookups and updates */

/* Follow key down the trie nodes. *n becomes the deepest node on its path and *i its depth;
   returns the child of *n at key[*i] (a container, or NULL), NULL too when *i == len. */
static inline hat_container *descend(const hat_t *t, const uint8_t *key, size_t len,
                                     hat_node **n, size_t *i) {
    hat_node *node = t->root;
    size_t d = 0;
    void *ch = NULL;
    while (d < len) {
        ch = node->child[key[d]];
        if (!ch || KIND(ch) != KIND_NODE) break;
        node = ch;
        d++;
        ch = NULL;
    }
    *n = node;
    *i = d;
    return ch;
}

/* Where the rest of key starts inside container c reached at depth i. */
#define REST(c, i) (PURE(c) ? (i) + 1 : (i))

int hat_contains(const hat_t *t, const uint8_t *key, size_t len) {
    hat_node *n;
    size_t i, s;
    hat_container *c = descend(t, key, len, &n, &i);
    if (i == len) return n->has_key;
    if (!c) return 0;
    s = REST(c, i);
    return cont_find(c, key + s, len - s);
}

void hat_prefetch(const hat_t *t, const uint8_t *key, size_t len, int stage) {
    hat_node *n;
    size_t i, s;
    hat_container *c = descend(t, key, len, &n, &i);
    const hat_slot *sl;
    if (i == len || !c) return;
    s = REST(c, i);
    sl = &c->bucket[hat_hash(key + s, len - s) & (c->nbuckets - 1)];
    if (stage == 0) {
        PREFETCH(sl);
    } else if (sl->b) {
        PREFETCH(sl->b);
        PREFETCH(sl->b + 64);
    }
}

/* The widest run of empty slots of n around x. */
static void empty_run(const hat_node *n, int x, int *lo, int *hi) {
    int a = x, b = x;
    while (a > 0 && !n->child[a - 1]) a--;
    while (b < 255 && !n->child[b + 1]) b++;
    *lo = a;
    *hi = b;
}

int hat_insert(hat_t *t, const uint8_t *key, size_t len) {
    return hat_upsert(t, key, len, NULL, NULL);
}

uint8_t *hat_value(const hat_t *t, const uint8_t *key, size_t len) {
    hat_node *n;
    size_t i, s;
    hat_container *c = descend(t, key, len, &n, &i);
    if (i == len) return n->has_key ? n->value : NULL;
    if (!c) return NULL;
    s = REST(c, i);
    return cont_lookup(c, key + s, len - s);
}

int hat_upsert(hat_t *t, const uint8_t *key, size_t len, const uint8_t *val, uint8_t **where) {
    hat_node *n;
    size_t i, s;
    hat_container *c;
    int r;
    if (len > HAT_MAX_KEY) return -2;
    c = descend(t, key, len, &n, &i);
    if (i == len) {
        if (n->has_key) {
            if (where) *where = n->value;
            return 0;
        }
        n->has_key = 1;
        if (t->vwidth) {
            if (val) memcpy(n->value, val, t->vwidth);
            else memset(n->value, 0, t->vwidth);
        }
        t->size++;
        return 1;
    }
    if (!c) {
        int lo, hi;
        ent e;
        uint8_t *tmp = NULL;
        empty_run(n, key[i], &lo, &hi);
        e.p = key + i;
        e.len = len - i;
        if (t->vwidth) {
            /* cont_build reads a value just past the key bytes */
            tmp = malloc(e.len + t->vwidth);
            if (!tmp) return -1;
            memcpy(tmp, e.p, e.len);
            if (val) memcpy(tmp + e.len, val, t->vwidth);
            else memset(tmp + e.len, 0, t->vwidth);
            e.p = tmp;
        }
        c = cont_build(t, &e, 1, lo == hi, (uint8_t)lo, (uint8_t)hi);
        free(tmp);
        if (!c) return -1;
        set_slots(n, c);
        t->size++;
        return 1;
    }
    s = REST(c, i);
    r = cont_insert(t, c, key + s, len - s, val, where);
    if (r <= 0) return r;
    t->size++;
    if (c->nkeys > t->burst)
        overflow(t, n, c);
    else if (c->nkeys > (uint64_t)t->load * c->nbuckets)
        cont_rehash(t, c, c->nbuckets * 2);  /* failure leaves it fuller: still correct */
    return 1;
}

static int node_empty(const hat_node *n) {
    int x;
    if (n->has_key) return 0;
    for (x = 0; x < 256; x++)
        if (n->child[x]) return 0;
    return 1;
}

/* After n (at depth d on key's path) became empty: unlink and free it and every ancestor
   that held nothing but the path to it. */
static void prune(hat_t *t, const uint8_t *key, size_t d) {
    hat_node *n = t->root, *keep = t->root;
    size_t i, keep_depth = 0;
    /* the deepest node on the path that holds something besides the path stays */
    for (i = 0; i < d; i++) {
        int x, other = n->has_key;
        for (x = 0; x < 256 && !other; x++)
            if (x != key[i] && n->child[x]) other = 1;
        if (other || n == t->root) {
            keep = n;
            keep_depth = i;
        }
        n = n->child[key[i]];
    }
    n = keep->child[key[keep_depth]];
    keep->child[key[keep_depth]] = NULL;
    for (i = keep_depth + 1; i <= d; i++) {
        hat_node *next = i < d ? n->child[key[i]] : NULL;
        node_free(t, n);
        n = next;
    }
}

int hat_remove(hat_t *t, const uint8_t *key, size_t len) {
    hat_node *n;
    size_t i, s;
    hat_container *c = descend(t, key, len, &n, &i);
    if (i == len) {
        if (!n->has_key) return 0;
        n->has_key = 0;
        t->size--;
        if (n != t->root && node_empty(n)) prune(t, key, i);
        return 1;
    }
    if (!c) return 0;
    s = REST(c, i);
    if (!cont_remove(t, c, key + s, len - s)) return 0;
    t->size--;
    if (c->nkeys == 0) {
        int x;
        for (x = c->lo; x <= c->hi; x++) n->child[x] = NULL;
        cont_free(t, c);
        if (n != t->root && node_empty(n)) prune(t, key, i);
    } else if (c->nbuckets > 1 && (uint64_t)c->nkeys * 4 < (uint64_t)t->load * c->nbuckets) {
        cont_rehash(t, c, buckets_for(t, c->nkeys));
    }
    return 1;
}

#endif /* LOWRAM_HAT_TRIE_IMPL_H */
