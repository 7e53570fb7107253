/* Query keys as UTF-8 for lowram's compiled batch lookups (dawgdic_batch.h, sorted_batch.h):
 * a chunk of keys encoded by the shared encoder
 * (_native/csrc/utf8.h).
 *
 * A batch is looked up a chunk at a time: the chunk's keys are encoded first (ASCII keys are
 * read in place; the others go to one scratch buffer), then the backend's C loop walks them
 * several at once, so its memory reads overlap.
 */
#ifndef LOWRAM_UTF8_BATCH_H
#define LOWRAM_UTF8_BATCH_H

#include "utf8.h"  /* lowram_utf8_into, from _native/csrc */

#define LOWRAM_CHUNK 256

typedef struct {
    const uint8_t *key[LOWRAM_CHUNK];  /* key k: len[k] UTF-8 bytes at key[k] */
    size_t len[LOWRAM_CHUNK];
    Py_ssize_t slot[LOWRAM_CHUNK];     /* its position in the batch */
    size_t cnt;
    uint8_t *scratch;                  /* PyMem buffer of the non-ASCII keys' UTF-8 */
    size_t cap;
} lowram_chunk;

static void lowram_chunk_init(lowram_chunk *c) {
    c->cnt = 0;
    c->scratch = NULL;
    c->cap = 0;
}

static void lowram_chunk_free(lowram_chunk *c) {
    PyMem_Free(c->scratch);
    c->scratch = NULL;
    c->cap = 0;
}

/* Encode the str items of list[start:stop] (at most LOWRAM_CHUNK) into c. Items that are not
   str, and strs holding a lone surrogate unless surrogates is set, are left out (no key
   equals them). The list must be one that no other code changes meanwhile, and must outlive
   the use of c: ASCII keys are read in place. 0, or -1 with an exception set. */
static int lowram_chunk_fill(lowram_chunk *c, PyObject *list, Py_ssize_t start,
                             Py_ssize_t stop, int surrogates) {
    size_t used = 0, cnt = 0, i;
    size_t offs[LOWRAM_CHUNK];
    unsigned char scratch_key[LOWRAM_CHUNK];
    Py_ssize_t j;
    for (j = start; j < stop; j++) {
        PyObject *k = PyList_GET_ITEM(list, j);
        if (!PyUnicode_Check(k)) continue;
        if (lowram_str_ready(k) < 0) return -1; /* before its length is read */
        if (PyUnicode_IS_ASCII(k)) {
            c->key[cnt] = (const uint8_t *)PyUnicode_DATA(k);
            c->len[cnt] = (size_t)PyUnicode_GET_LENGTH(k);
            scratch_key[cnt] = 0;
        } else {
            size_t need, chars = (size_t)PyUnicode_GET_LENGTH(k);
            Py_ssize_t size;
            if (chars > ((size_t)PY_SSIZE_T_MAX - 1024) / 8) { /* 2 * cap + need must fit */
                PyErr_NoMemory();
                return -1;
            }
            need = 4 * chars;
            if (c->cap - used < need) {
                size_t cap = 2 * c->cap + need + 1024;
                uint8_t *grown = PyMem_Realloc(c->scratch, cap);
                if (!grown) {
                    PyErr_NoMemory();
                    return -1;
                }
                c->scratch = grown;
                c->cap = cap;
            }
            size = lowram_utf8_into(k, c->scratch + used, surrogates);
            if (size < 0) continue;
            offs[cnt] = used; /* an offset: the scratch may move as it grows */
            c->len[cnt] = (size_t)size;
            used += (size_t)size;
            scratch_key[cnt] = 1;
        }
        c->slot[cnt] = j;
        cnt++;
    }
    for (i = 0; i < cnt; i++)
        if (scratch_key[i]) c->key[i] = c->scratch + offs[i];
    c->cnt = cnt;
    return 0;
}

/* A backend's walk over one chunk: sets out[c->slot[k]] to 1 for each key k it holds. */
typedef void (*lowram_walk_fn)(const void *ctx, const lowram_chunk *c, uint8_t *out);

/* Look up every item of list (out has one byte per item, zeros) a chunk at a time: encode,
   then walk. The list must be a private snapshot (see lowram_chunk_fill). 0, or -1 with an
   exception set. */
static int lowram_batch(PyObject *list, int surrogates, lowram_walk_fn walk, const void *ctx,
                        uint8_t *out) {
    lowram_chunk c;
    Py_ssize_t n = PyList_GET_SIZE(list), start;
    int r = 0;
    lowram_chunk_init(&c);
    for (start = 0; start < n && r == 0; start += LOWRAM_CHUNK) {
        Py_ssize_t stop = n - start > LOWRAM_CHUNK ? start + LOWRAM_CHUNK : n;
        r = lowram_chunk_fill(&c, list, start, stop, surrogates);
        if (r == 0 && c.cnt) walk(ctx, &c, out);
    }
    lowram_chunk_free(&c);
    return r;
}

#endif /* LOWRAM_UTF8_BATCH_H */
