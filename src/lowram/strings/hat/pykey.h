/* Keys of lowram's HAT-trie as bytes: the trie's key code, and its conversions from and to
 * Python str and UTF-8.
 *
 * The key code is a prefix-free, order-preserving byte code of code points, chosen so that
 * no character takes more bytes than in UTF-8, ASCII is unchanged, and the 96 letters of the
 * basic Cyrillic block take one byte instead of two (a Ukrainian word is 21.4 UTF-8 bytes on
 * average, 11 in this code). Bytewise order of coded keys is code point order, the order of
 * UTF-8 bytes, so sorted iteration and prefix queries work on the code directly. Lead bytes:
 *
 *   00..7F  1 byte   U+0000..U+007F   (ASCII, as in UTF-8)
 *   80..83  2 bytes  U+0080..U+03FF   (Latin-1 and Latin extended, IPA, Greek; UTF-8: 2)
 *   84..E3  1 byte   U+0400..U+045F   (Cyrillic letters; UTF-8: 2)
 *   E4..EF  2 bytes  U+0460..U+105F   (rest of Cyrillic, Armenian .. Myanmar; UTF-8: 2-3)
 *   F0..FE  3 bytes  U+1060..U+F105F  (CJK, punctuation, emoji; UTF-8: 3-4)
 *   FF      4 bytes  U+F1060..U+10FFFF (UTF-8: 4)
 *
 * The value within a range (code point minus the range's first) follows the lead in
 * big-endian bytes. A str is coded without touching it: ASCII strings are used in place;
 * others are coded into a 256-byte local buffer or, when longer, a PyMem buffer freed by
 * lowram_key_done().
 */
#ifndef LOWRAM_PYKEY_H
#define LOWRAM_PYKEY_H

#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    const uint8_t *p;
    Py_ssize_t n;
    uint8_t *heap;
    uint8_t local[256];
} lowram_key;

/* Append the code of cp at o; returns the end. */
static inline uint8_t *kc_put(uint8_t *o, uint32_t c) {
    if (c < 0x80) {
        *o++ = (uint8_t)c;
    } else if (c < 0x400) {
        c -= 0x80;
        *o++ = (uint8_t)(0x80 + (c >> 8));
        *o++ = (uint8_t)c;
    } else if (c < 0x460) {
        *o++ = (uint8_t)(0x84 + (c - 0x400));
    } else if (c < 0x1060) {
        c -= 0x460;
        *o++ = (uint8_t)(0xE4 + (c >> 8));
        *o++ = (uint8_t)c;
    } else if (c < 0xF1060) {
        c -= 0x1060;
        *o++ = (uint8_t)(0xF0 + (c >> 16));
        *o++ = (uint8_t)(c >> 8);
        *o++ = (uint8_t)c;
    } else {
        c -= 0xF1060;
        *o++ = 0xFF;
        *o++ = (uint8_t)(c >> 16);
        *o++ = (uint8_t)(c >> 8);
        *o++ = (uint8_t)c;
    }
    return o;
}

/* Bytes in the code of the character led by byte b. */
static inline size_t kc_len(uint8_t b) {
    if (b < 0x80) return 1;
    if (b < 0x84) return 2;
    if (b < 0xE4) return 1;
    if (b < 0xF0) return 2;
    if (b < 0xFF) return 3;
    return 4;
}

/* The code point of the character at p (kc_len(p[0]) bytes, which the caller has). */
static inline uint32_t kc_get(const uint8_t *p) {
    uint8_t b = p[0];
    if (b < 0x80) return b;
    if (b < 0x84) return 0x80 + ((uint32_t)(b - 0x80) << 8 | p[1]);
    if (b < 0xE4) return 0x400 + (uint32_t)(b - 0x84);
    if (b < 0xF0) return 0x460 + ((uint32_t)(b - 0xE4) << 8 | p[1]);
    if (b < 0xFF) return 0x1060 + ((uint32_t)(b - 0xF0) << 16 | (uint32_t)p[1] << 8 | p[2]);
    return 0xF1060 + ((uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

/* 1 when s is a whole number of well-formed codes of code points up to U+10FFFF. */
static inline int kc_valid(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        size_t l = kc_len(s[i]);
        if (l > n - i) return 0;
        if (l == 4 && kc_get(s + i) > 0x10FFFF) return 0;
        i += l;
    }
    return 1;
}

/* 1 when the valid code s holds no surrogate code point (U+D800..U+DFFF). */
static inline int kc_surrogate_free(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint32_t c = kc_get(s + i);
        if (c >= 0xD800 && c <= 0xDFFF) return 0;
        i += kc_len(s[i]);
    }
    return 1;
}

/* Code to UTF-8 (out has room for 2 * n bytes: no character grows more). Returns the
   length; the code must be valid (kc_valid). */
static inline size_t kc_to_utf8(const uint8_t *s, size_t n, uint8_t *out) {
    size_t i = 0;
    uint8_t *o = out;
    while (i < n) {
        uint32_t c;
        if (s[i] < 0x80) {
            *o++ = s[i++];
            continue;
        }
        c = kc_get(s + i);
        i += kc_len(s[i]);
        if (c < 0x800) {
            *o++ = (uint8_t)(0xC0 | (c >> 6));
            *o++ = (uint8_t)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            *o++ = (uint8_t)(0xE0 | (c >> 12));
            *o++ = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            *o++ = (uint8_t)(0x80 | (c & 0x3F));
        } else {
            *o++ = (uint8_t)(0xF0 | (c >> 18));
            *o++ = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
            *o++ = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            *o++ = (uint8_t)(0x80 | (c & 0x3F));
        }
    }
    return (size_t)(o - out);
}

/* Well-formed UTF-8 (hat_valid_utf8) to code (out has room for n bytes: no character
   grows). Returns the length. */
static inline size_t kc_from_utf8(const uint8_t *s, size_t n, uint8_t *out) {
    size_t i = 0;
    uint8_t *o = out;
    while (i < n) {
        uint8_t b = s[i];
        uint32_t c;
        if (b < 0x80) {
            *o++ = b;
            i++;
            continue;
        }
        if (b < 0xE0) {
            c = (uint32_t)(b & 0x1F) << 6 | (s[i + 1] & 0x3F);
            i += 2;
        } else if (b < 0xF0) {
            c = (uint32_t)(b & 0x0F) << 12 | (uint32_t)(s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F);
            i += 3;
        } else {
            c = (uint32_t)(b & 0x07) << 18 | (uint32_t)(s[i + 1] & 0x3F) << 12 |
                (uint32_t)(s[i + 2] & 0x3F) << 6 | (s[i + 3] & 0x3F);
            i += 4;
        }
        o = kc_put(o, c);
    }
    return (size_t)(o - out);
}

#define LOWRAM_ENC_LOOP(T)                                                             \
    do {                                                                                \
        const T *d = (const T *)data;                                                   \
        for (i = 0; i < n; i++) {                                                       \
            Py_UCS4 c = d[i];                                                           \
            if (c >= 0xD800 && c <= 0xDFFF) surrogate = 1;                              \
            o = kc_put(o, c);                                                           \
        }                                                                               \
    } while (0)

/* 0: k holds the code of str o; 1: o is not a str; 2: o holds a lone surrogate (k holds
   its code all the same, which no stored key has); -1: error set (out of memory). Call
   lowram_key_done(k) afterwards in every case. */
static inline int lowram_key_of(PyObject *obj, lowram_key *k) {
    Py_ssize_t n, i, bound;
    int kind, surrogate = 0;
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
    return surrogate ? 2 : 0;
}

/* Start loading a Python object's first cache lines (a hint; no effect elsewhere). */
static inline void lowram_prefetch_obj(PyObject *o) {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(o);
    __builtin_prefetch((const char *)o + 64);
#else
    (void)o;
#endif
}

static inline void lowram_key_done(lowram_key *k) {
    if (k->heap) PyMem_Free(k->heap);
    k->heap = NULL;
}

/* The str of a coded key; NULL with ValueError if the bytes are not a valid code (a bug). */
static inline PyObject *lowram_key_str(const uint8_t *p, size_t n) {
    size_t i = 0, chars = 0;
    uint32_t maxc = 0;
    PyObject *s;
    int kind;
    void *data;
    while (i < n && p[i] < 0x80) i++;
    if (i == n) return PyUnicode_DecodeASCII((const char *)p, (Py_ssize_t)n, NULL);
    chars = i;
    while (i < n) {
        size_t l = kc_len(p[i]);
        uint32_t c;
        if (l > n - i) goto bad;
        c = kc_get(p + i);
        if (c > maxc) maxc = c;
        i += l;
        chars++;
    }
    if (maxc > 0x10FFFF) goto bad;
    s = PyUnicode_New((Py_ssize_t)chars, maxc);
    if (!s) return NULL;
    kind = PyUnicode_KIND(s);
    data = PyUnicode_DATA(s);
    for (i = 0, chars = 0; i < n; chars++) {
        PyUnicode_WRITE(kind, data, (Py_ssize_t)chars, kc_get(p + i));
        i += kc_len(p[i]);
    }
    return s;
bad:
    PyErr_SetString(PyExc_ValueError, "MutableStringSet: malformed key code (a bug)");
    return NULL;
}

#endif
