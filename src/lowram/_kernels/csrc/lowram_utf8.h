/* A str's UTF-8 bytes written into a caller's buffer, for hashing without a temporary bytes
 * object. Lone surrogates become 3-byte sequences, exactly what the "surrogatepass" error
 * handler writes, so the bytes equal str.encode("utf-8", "surrogatepass"). */
#ifndef LOWRAM_UTF8_H
#define LOWRAM_UTF8_H

#include <Python.h>

/* Largest str (in code points) lr_utf8_into takes: its worst case, 4 bytes each, fills the
 * 1 KB buffer the hashing loops keep on the stack. */
#define LR_UTF8_MAX_CHARS 256
#define LR_UTF8_BUF (4 * LR_UTF8_MAX_CHARS)

/* Write the UTF-8 of s (a ready str of at most LR_UTF8_MAX_CHARS code points) into buf;
 * return its length, or -1 when s is longer (the caller encodes it the slow way). */
static inline Py_ssize_t lr_utf8_into(PyObject *s, unsigned char *buf) {
    Py_ssize_t n, i, o = 0;
    int kind;
    const void *data;
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(s) < 0) {
        PyErr_Clear();
        return -1;
    }
#endif
    n = PyUnicode_GET_LENGTH(s);
    if (n > LR_UTF8_MAX_CHARS)
        return -1;
    kind = PyUnicode_KIND(s);
    data = PyUnicode_DATA(s);
    for (i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 0x80) {
            buf[o++] = (unsigned char)c;
        } else if (c < 0x800) {
            buf[o++] = (unsigned char)(0xC0 | (c >> 6));
            buf[o++] = (unsigned char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            buf[o++] = (unsigned char)(0xE0 | (c >> 12));
            buf[o++] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
            buf[o++] = (unsigned char)(0x80 | (c & 0x3F));
        } else {
            buf[o++] = (unsigned char)(0xF0 | (c >> 18));
            buf[o++] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
            buf[o++] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
            buf[o++] = (unsigned char)(0x80 | (c & 0x3F));
        }
    }
    return o;
}

#endif
