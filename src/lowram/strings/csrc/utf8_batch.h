/* Query keys as UTF-8 for lowram's compiled batch lookups (dawgdic_batch.h, sorted_batch.h):
 * an encoder that makes no Python object, and a chunk of encoded keys.
 *
 * A batch is looked up a chunk at a time: the chunk's keys are encoded first (ASCII keys are
 * read in place; the others go to one scratch buffer), then the backend's C loop walks them
 * several at once, so its memory reads overlap.
 */
#ifndef LOWRAM_UTF8_BATCH_H
#define LOWRAM_UTF8_BATCH_H

#include "pystr.h"

#include <stdint.h>

/* Any character; a lone surrogate ends the encoding (-2) unless surrogates is set, when it
   is written as three bytes, as Python's "surrogatepass" does. */
#define LOWRAM_UTF8_ANY(T)                                                                 \
    do {                                                                                    \
        const T *d = (const T *)data;                                                       \
        for (i = 0; i < n; i++) {                                                           \
            uint32_t c = d[i];                                                              \
            if (c < 0x80) {                                                                 \
                *o++ = (uint8_t)c;                                                          \
            } else if (c < 0x800) {                                                         \
                o[0] = (uint8_t)(0xC0 | (c >> 6));                                          \
                o[1] = (uint8_t)(0x80 | (c & 0x3F));                                        \
                o += 2;                                                                     \
            } else if (c < 0x10000) {                                                       \
                if (c >= 0xD800 && c <= 0xDFFF && !surrogates) return -2;                   \
                o[0] = (uint8_t)(0xE0 | (c >> 12));                                         \
                o[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));                                 \
                o[2] = (uint8_t)(0x80 | (c & 0x3F));                                        \
                o += 3;                                                                     \
            } else {                                                                        \
                o[0] = (uint8_t)(0xF0 | (c >> 18));                                         \
                o[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));                                \
                o[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));                                 \
                o[3] = (uint8_t)(0x80 | (c & 0x3F));                                        \
                o += 4;                                                                     \
            }                                                                               \
        }                                                                                   \
    } while (0)

/* Characters below U+0800, one or two bytes each, without a branch per character: the
   second byte is written in any case and overwritten by the next character's first. m
   collects the bits of every character, so the caller can tell whether one was wider. */
#define LOWRAM_UTF8_NARROW(T)                                                              \
    do {                                                                                    \
        const T *d = (const T *)data;                                                       \
        for (i = 0; i < n; i++) {                                                           \
            uint32_t c = d[i];                                                              \
            uint32_t two = c >= 0x80;                                                       \
            m |= c;                                                                         \
            o[0] = (uint8_t)(two ? (0xC0 | (c >> 6)) : c);                                  \
            o[1] = (uint8_t)(0x80 | (c & 0x3F));                                            \
            o += 1 + two;                                                                   \
        }                                                                                   \
    } while (0)

/* The UTF-8 of str key written to out: its length, or -2 when key holds a lone surrogate and
   surrogates is 0. key must be ready (lowram_str_ready): out was sized from its length, with
   room for 4 bytes per character (none takes more). */
static Py_ssize_t lowram_utf8_into(PyObject *key, uint8_t *out, int surrogates) {
    const int kind = PyUnicode_KIND(key);
    const void *data = PyUnicode_DATA(key);
    const Py_ssize_t n = PyUnicode_GET_LENGTH(key);
    Py_ssize_t i;
    uint32_t m = 0;
    uint8_t *o = out;
    if (kind == PyUnicode_1BYTE_KIND) {
        LOWRAM_UTF8_NARROW(Py_UCS1);
    } else if (kind == PyUnicode_2BYTE_KIND) {
        /* Cyrillic, Greek, Hebrew, Arabic ... are below U+0800; try that first */
        LOWRAM_UTF8_NARROW(Py_UCS2);
        if (m >= 0x800) {
            o = out;
            LOWRAM_UTF8_ANY(Py_UCS2);
        }
    } else {
        LOWRAM_UTF8_ANY(Py_UCS4);
    }
    return o - out;
}

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
