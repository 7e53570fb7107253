/* lowram's one UTF-8 encoder: the bytes of a Python str, written into a caller's buffer
 * without making a Python object. Used by the hashing loops (lowram_hash.h via _hash.pxd) and
 * by the string backends' batch lookups (strings/csrc/utf8_batch.h).
 *
 * Lone surrogates are either refused or written as three bytes, as Python's "surrogatepass"
 * error handler writes them, so the bytes equal str.encode("utf-8", "surrogatepass").
 */
#ifndef LOWRAM_UTF8_H
#define LOWRAM_UTF8_H

#include "pystr.h"

#include <stdint.h>
#include <string.h>

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


/* Largest str (in code points) lr_utf8_into takes: its worst case, 4 bytes each, fills the
 * 1 KB buffer the hashing loops keep on the stack. */
#define LR_UTF8_MAX_CHARS 256
#define LR_UTF8_BUF (4 * LR_UTF8_MAX_CHARS)

/* The UTF-8 of s (any str; surrogates written as "surrogatepass" does) into buf of
 * LR_UTF8_BUF bytes: its length, or -1 when s is longer than LR_UTF8_MAX_CHARS code points
 * (the caller encodes it the slow way). */
static inline Py_ssize_t lr_utf8_into(PyObject *s, unsigned char *buf) {
    if (lowram_str_ready(s) < 0) {
        PyErr_Clear();
        return -1;
    }
    if (PyUnicode_GET_LENGTH(s) > LR_UTF8_MAX_CHARS)
        return -1;
    return lowram_utf8_into(s, (uint8_t *)buf, 1);
}

/* lowram's one UTF-8 check: the index of the first byte of s[0..n) that does not begin a
 * well-formed character (RFC 3629: shortest forms only, nothing past U+10FFFF, no surrogate),
 * or -1 when all of it is well formed. With surrogates set, the three-byte forms of U+D800 to
 * U+DFFF pass too, as Python's "surrogatepass" decoder reads them (lowram's own files keep
 * keys that way). Eight ASCII bytes a step. */
static inline Py_ssize_t lowram_utf8_bad(const uint8_t *s, Py_ssize_t n, int surrogates) {
    Py_ssize_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if ((w & 0x8080808080808080ULL) == 0) { i += 8; continue; }
        }
        uint8_t b = s[i], c;
        if (b < 0x80) { i += 1; continue; }
        if (b < 0xC2) return i;
        if (b < 0xE0) {
            if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80) return i;
            i += 2;
        } else if (b < 0xF0) {
            if (i + 2 >= n || (s[i + 2] & 0xC0) != 0x80) return i;
            c = s[i + 1];
            if (b == 0xE0) { if (c < 0xA0 || c > 0xBF) return i; }
            else if (b == 0xED && !surrogates) { if (c < 0x80 || c > 0x9F) return i; }
            else if ((c & 0xC0) != 0x80) return i;
            i += 3;
        } else if (b < 0xF5) {
            if (i + 3 >= n || (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80) return i;
            c = s[i + 1];
            if (b == 0xF0) { if (c < 0x90 || c > 0xBF) return i; }
            else if (b == 0xF4) { if (c < 0x80 || c > 0x8F) return i; }
            else if ((c & 0xC0) != 0x80) return i;
            i += 4;
        } else return i;
    }
    return -1;
}

#endif /* LOWRAM_UTF8_H */
