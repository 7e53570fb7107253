/* UTF-8 bytes of a Python str, without touching the str (no cached UTF-8 copy is left on it,
 * unlike PyUnicode_AsUTF8AndSize). ASCII strings are used in place; others are encoded into
 * a 256-byte local buffer or, when longer, a PyMem buffer freed by lowram_key_done().
 */
#ifndef LOWRAM_PYKEY_H
#define LOWRAM_PYKEY_H

#include <Python.h>
#include <stdint.h>

typedef struct {
    const uint8_t *p;
    Py_ssize_t n;
    uint8_t *heap;
    uint8_t local[256];
} lowram_key;

#define LOWRAM_ENC_LOOP(T)                                                             \
    do {                                                                                \
        const T *d = (const T *)data;                                                   \
        for (i = 0; i < n; i++) {                                                       \
            Py_UCS4 c = d[i];                                                           \
            if (c < 0x80) {                                                             \
                *o++ = (uint8_t)c;                                                      \
            } else if (c < 0x800) {                                                     \
                *o++ = (uint8_t)(0xC0 | (c >> 6));                                      \
                *o++ = (uint8_t)(0x80 | (c & 0x3F));                                    \
            } else if (c < 0x10000) {                                                   \
                if (c >= 0xD800 && c <= 0xDFFF) return 2;                               \
                *o++ = (uint8_t)(0xE0 | (c >> 12));                                     \
                *o++ = (uint8_t)(0x80 | ((c >> 6) & 0x3F));                             \
                *o++ = (uint8_t)(0x80 | (c & 0x3F));                                    \
            } else {                                                                    \
                *o++ = (uint8_t)(0xF0 | (c >> 18));                                     \
                *o++ = (uint8_t)(0x80 | ((c >> 12) & 0x3F));                            \
                *o++ = (uint8_t)(0x80 | ((c >> 6) & 0x3F));                             \
                *o++ = (uint8_t)(0x80 | (c & 0x3F));                                    \
            }                                                                           \
        }                                                                               \
    } while (0)

/* 0: k holds the UTF-8 bytes of o; 1: o is not a str; 2: o holds a lone surrogate;
   -1: error set (out of memory). Call lowram_key_done(k) afterwards in every case. */
static inline int lowram_key_of(PyObject *obj, lowram_key *k) {
    Py_ssize_t n, i, bound;
    int kind;
    const void *data;
    uint8_t *o_, *o;
    k->heap = NULL;
    if (!PyUnicode_Check(obj)) return 1;
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(obj) < 0) return -1;
#endif
    n = PyUnicode_GET_LENGTH(obj);
    if (PyUnicode_IS_ASCII(obj)) {
        k->p = (const uint8_t *)PyUnicode_DATA(obj);
        k->n = n;
        return 0;
    }
    kind = PyUnicode_KIND(obj);
    data = PyUnicode_DATA(obj);
    bound = n * (kind == PyUnicode_1BYTE_KIND ? 2 : kind == PyUnicode_2BYTE_KIND ? 3 : 4);
    if (bound <= (Py_ssize_t)sizeof(k->local)) {
        o_ = k->local;
    } else {
        o_ = k->heap = PyMem_Malloc((size_t)bound);
        if (!o_) {
            PyErr_NoMemory();
            return -1;
        }
    }
    o = o_;
    if (kind == PyUnicode_1BYTE_KIND)
        LOWRAM_ENC_LOOP(Py_UCS1);
    else if (kind == PyUnicode_2BYTE_KIND)
        LOWRAM_ENC_LOOP(Py_UCS2);
    else
        LOWRAM_ENC_LOOP(Py_UCS4);
    k->p = o_;
    k->n = o - o_;
    return 0;
}

static inline void lowram_key_done(lowram_key *k) {
    if (k->heap) PyMem_Free(k->heap);
    k->heap = NULL;
}

/* Point k at a copy of the bytes object b (for a surrogatepass fallback). 0 or -1. */
static inline int lowram_key_from_bytes(PyObject *b, lowram_key *k) {
    Py_ssize_t n = PyBytes_GET_SIZE(b);
    lowram_key_done(k);
    k->heap = PyMem_Malloc(n ? (size_t)n : 1);
    if (!k->heap) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(k->heap, PyBytes_AS_STRING(b), (size_t)n);
    k->p = k->heap;
    k->n = n;
    return 0;
}

#endif
