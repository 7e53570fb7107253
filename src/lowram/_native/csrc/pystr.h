/* Reading a Python str from C, on every supported CPython.
 *
 * Before 3.12 a str made through the deprecated wide-character C API (PyUnicode_FromUnicode
 * and friends) may not be "ready": until PyUnicode_READY runs, its length reads as 0 and its
 * kind and data are not set. Code that sizes a buffer from PyUnicode_GET_LENGTH must ready
 * the str first. Python 3.12 removed such strings, and these helpers cost nothing there.
 */
#ifndef LOWRAM_PYSTR_H
#define LOWRAM_PYSTR_H

#include <Python.h>

/* Ready the str s: 0, or -1 with an exception set. */
static inline int lowram_str_ready(PyObject *s) {
#if PY_VERSION_HEX < 0x030C0000
    return PyUnicode_READY(s);
#else
    (void)s;
    return 0;
#endif
}

/* Ready every str item of list: 0, or -1 with an exception set. */
static inline int lowram_ready_all(PyObject *list) {
#if PY_VERSION_HEX < 0x030C0000
    Py_ssize_t i, n = PyList_GET_SIZE(list);
    for (i = 0; i < n; i++) {
        PyObject *o = PyList_GET_ITEM(list, i);
        if (PyUnicode_Check(o) && PyUnicode_READY(o) < 0) return -1;
    }
#else
    (void)list;
#endif
    return 0;
}

#endif /* LOWRAM_PYSTR_H */
