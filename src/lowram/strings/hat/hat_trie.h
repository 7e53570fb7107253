/* lowram's HAT-trie: a burst trie whose leaves are cache-conscious array hash tables.
 *
 * Keys are byte strings (lowram stores its key code, see pykey.h). A trie node has 256 child
 * slots and a flag for the key that ends at it. A child slot holds a node or a container: an
 * array hash table whose buckets are single allocations (a key count, one length byte per
 * key, then the keys' bytes back to back), each beside a 64-bit Bloom filter of its keys in
 * the bucket array. A "hybrid" container serves a range [lo, hi] of a node's slots and keeps
 * each key's first byte; a "pure" container (lo == hi) serves one slot and drops it. A
 * container holding more than `burst` keys splits its range in two (hybrid) or bursts into a
 * new node (pure).
 *
 * A trie may carry a value of `vwidth` bytes (0..8, fixed when it is made) per key: in a
 * bucket the value's bytes follow the key's bytes (the length byte counts the key only), and
 * a key that ends at a node keeps its value in the node (in a field that costs nothing: it
 * shares the node's scratch link). A set is a trie of vwidth 0 and pays nothing for it.
 *
 * Every allocation goes through one counter (hat_t.bytes) that adds glibc's chunk header to
 * malloc_usable_size(), so the figure is what the heap really spends.
 */
#ifndef LOWRAM_HAT_TRIE_H
#define LOWRAM_HAT_TRIE_H

#include <stddef.h>
#include <stdint.h>

#define HAT_MAX_KEY 0xFFFFFFFFu

typedef struct hat_node hat_node;
typedef struct hat_container hat_container;

typedef struct hat {
    hat_node *root;
    size_t size;      /* number of keys */
    size_t bytes;     /* heap bytes held, allocator overhead included */
    uint32_t burst;   /* a container holding more keys than this splits or bursts */
    uint32_t load;    /* mean keys per bucket at which a container doubles its buckets */
    uint8_t vwidth;   /* value bytes per key (0: a set) */
    size_t nodes, containers, buckets;  /* counts, for stats and checks */
} hat_t;

hat_t *hat_new(uint32_t burst, uint32_t load, uint8_t vwidth);  /* NULL: no memory, vwidth > 8 */
void hat_free(hat_t *t);
int hat_clear(hat_t *t);                 /* 0, or -1 on out of memory (t stays valid) */
hat_t *hat_copy(const hat_t *t);         /* NULL on out of memory */

int hat_contains(const hat_t *t, const uint8_t *key, size_t len);  /* 1 or 0 */
int hat_insert(hat_t *t, const uint8_t *key, size_t len);  /* 1 added, 0 present, -1 no memory */
int hat_remove(hat_t *t, const uint8_t *key, size_t len);  /* 1 removed, 0 absent */

/* Insert key with the vwidth value bytes at val (zeros if val is NULL): 1 added; 0 when the
   key is present (nothing changes, and *where, if where is not NULL, points to its value);
   -1 no memory. hat_insert(t, k, n) is hat_upsert(t, k, n, NULL, NULL). */
int hat_upsert(hat_t *t, const uint8_t *key, size_t len, const uint8_t *val, uint8_t **where);

/* Where key's vwidth value bytes are (may be unaligned), or NULL if absent. Valid until the
   next change to the trie. */
uint8_t *hat_value(const hat_t *t, const uint8_t *key, size_t len);

/* A hint for a batch of lookups or inserts: start loading what a later call for key will
   read: stage 0 its bucket slot, stage 1 (once the slot is loaded) its bucket. No effect on
   the trie; the key need not be present. */
void hat_prefetch(const hat_t *t, const uint8_t *key, size_t len, int stage);

/* Any one key, written to *buf (grown with realloc; *cap its capacity); 1, 0 if empty, -1. */
int hat_any(const hat_t *t, uint8_t **buf, size_t *cap, size_t *len);

/* 1 when some key starts with prefix. */
int hat_has_prefix(const hat_t *t, const uint8_t *prefix, size_t len);

/* Lengths of the keys that are prefixes of s, ascending, written to out (room for len + 1).
   Returns how many, or -1 on out of memory. */
long hat_prefix_lengths(const hat_t *t, const uint8_t *s, size_t len, size_t *out);

/* Sorted iteration (bytewise order) over the keys starting with a prefix. */
typedef struct hat_cursor hat_cursor;
hat_cursor *hat_cursor_new(const hat_t *t, const uint8_t *prefix, size_t len);
/* 1 and the key in (*key, *len) (valid until the next call), 0 at the end, -1 no memory. */
int hat_cursor_next(hat_cursor *c, const uint8_t **key, size_t *len);
/* The value bytes of the key hat_cursor_next last returned (valid as long as that key). */
const uint8_t *hat_cursor_value(const hat_cursor *c);
void hat_cursor_free(hat_cursor *c);

/* Internal invariants; 0 when they hold, else a message in msg. */
int hat_check(const hat_t *t, char *msg, size_t msglen);

/* 64-bit hash of bytes (MurmurHash64A, Austin Appleby, public domain). */
uint64_t hat_hash(const uint8_t *key, size_t len);

/* 1 when the bytes are well-formed UTF-8 without surrogates (what str.encode() produces). */
int hat_valid_utf8(const uint8_t *s, size_t len);

#endif
