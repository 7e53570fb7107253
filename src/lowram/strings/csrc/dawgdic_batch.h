/* UTF-8 encoding without a Python object, and batch lookups in a dawgdic dictionary: the
 * C half of lowram's dawgdic reader (strings/_dawgdic.pyx), a header included by that one
 * module.
 *
 * A lookup in a dawgdic dictionary is a chain of dependent reads, one unit per UTF-8 byte of
 * the key. The batch walks eight keys at once, one step of each in turn, with each lane's
 * state in local variables rather than arrays, so the eight chains overlap: while one lane
 * waits on a unit out of cache, the others compute.
 */
#ifndef LOWRAM_DAWGDIC_BATCH_H
#define LOWRAM_DAWGDIC_BATCH_H

#include <Python.h>
#include <stdint.h>

/* Any character, with the surrogate check. */
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
                if (c >= 0xD800 && c <= 0xDFFF) return -2;                                  \
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

/* The UTF-8 of str key written to out, which has room for 4 bytes per character (none
   takes more): its length; -2 when key holds a lone surrogate (no stored key can), -3 with
   an exception set when the str cannot be read. */
static Py_ssize_t lowram_utf8_into(PyObject *key, uint8_t *out) {
    int kind;
    const void *data;
    Py_ssize_t i, n;
    uint32_t m = 0;
    uint8_t *o = out;
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(key) < 0) return -3;
#endif
    kind = PyUnicode_KIND(key);
    data = PyUnicode_DATA(key);
    n = PyUnicode_GET_LENGTH(key);
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

/* dawgdic unit fields (see _dawgdic.pyx) */
#define DWG_OFFSET(b) (((b) >> 10) << (((b) & (1u << 9)) >> 6))
#define DWG_LABEL_MASK ((1u << 31) | 0xFFu)
#define DWG_LANES 8

/* Give lane L the next key, or park it on an empty key whose answer goes to sink. */
#define DWG_REFILL(L)                                                                      \
    do {                                                                                    \
        if (next < cnt) {                                                                   \
            q##L = key[next];                                                               \
            e##L = q##L + len[next];                                                        \
            i##L = 0;                                                                       \
            b##L = u[0];                                                                    \
            d##L = out + slot[next];                                                        \
            next++;                                                                         \
            active++;                                                                       \
        } else {                                                                            \
            q##L = e##L = NULL;                                                             \
            i##L = b##L = 0;                                                                \
            d##L = &sink;                                                                   \
        }                                                                                   \
    } while (0)

/* One step of lane L: follow its next byte, or answer for its key and take the next. */
#define DWG_STEP(L)                                                                        \
    if (q##L == e##L) {                                                                     \
        if (d##L != &sink) {                                                                \
            *d##L = (uint8_t)((b##L >> 8) & 1); /* the unit has a leaf: a key ends here */  \
            active--;                                                                       \
            DWG_REFILL(L);                                                                  \
        }                                                                                   \
    } else {                                                                                \
        uint32_t c_ = *q##L, v_;                                                            \
        uint32_t t_ = i##L ^ DWG_OFFSET(b##L) ^ c_;                                         \
        if (t_ >= n || ((v_ = u[t_]) & DWG_LABEL_MASK) != c_) {                             \
            active--; /* no such child: the key is absent, out stays 0 */                   \
            DWG_REFILL(L);                                                                  \
        } else {                                                                            \
            i##L = t_;                                                                      \
            b##L = v_;                                                                      \
            q##L++;                                                                         \
        }                                                                                   \
    }

#define DWG_LANE(L)                                                                        \
    const uint8_t *q##L, *e##L;                                                             \
    uint32_t i##L, b##L;                                                                    \
    uint8_t *d##L;

/* Look up cnt keys (key k: len[k] UTF-8 bytes at key[k]) in the n units u (n >= 1): sets
   out[slot[k]] to 1 for each key present; leaves the other entries as they are. Every unit
   index is checked against n, so a crafted dictionary cannot make it read outside u. */
static void lowram_dawg_contains(const uint32_t *u, size_t n, const uint8_t *const *key,
                                 const size_t *len, const Py_ssize_t *slot, size_t cnt,
                                 uint8_t *out) {
    uint8_t sink = 0;
    size_t next = 0, active = 0;
    DWG_LANE(0) DWG_LANE(1) DWG_LANE(2) DWG_LANE(3)
    DWG_LANE(4) DWG_LANE(5) DWG_LANE(6) DWG_LANE(7)
    DWG_REFILL(0); DWG_REFILL(1); DWG_REFILL(2); DWG_REFILL(3);
    DWG_REFILL(4); DWG_REFILL(5); DWG_REFILL(6); DWG_REFILL(7);
    while (active > 0) {
        DWG_STEP(0) DWG_STEP(1) DWG_STEP(2) DWG_STEP(3)
        DWG_STEP(4) DWG_STEP(5) DWG_STEP(6) DWG_STEP(7)
    }
}

#endif /* LOWRAM_DAWGDIC_BATCH_H */
