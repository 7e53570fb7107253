# C declarations of lowram's HAT-trie (hat/hat_trie_impl.h, hat/hat_trie_walk.h), of its key
# code (hat/pykey.h) and of the CPython API the batches use; then how a str becomes the
# bytes it is looked up or stored as. Included by hat_trie.pyx.


cdef extern from "hat/hat_trie_impl.h" nogil:
    # the trie and what follows one key's path
    ctypedef struct hat_t:
        size_t size
        size_t bytes
        uint32_t burst
        uint32_t load
        uint8_t vwidth
        size_t nodes
        size_t containers
        size_t buckets
    hat_t *hat_new(uint32_t burst, uint32_t load, uint8_t vwidth)
    void hat_free(hat_t *t)
    int hat_clear(hat_t *t)
    int hat_contains(const hat_t *t, const uint8_t *key, size_t len)
    int hat_insert(hat_t *t, const uint8_t *key, size_t len)
    int hat_remove(hat_t *t, const uint8_t *key, size_t len)
    int hat_upsert(hat_t *t, const uint8_t *key, size_t len, const uint8_t *val, uint8_t **where)
    uint8_t *hat_value(const hat_t *t, const uint8_t *key, size_t len)
    void hat_prefetch(const hat_t *t, const uint8_t *key, size_t len, int stage)
    int hat_valid_utf8(const uint8_t *s, size_t len)


cdef extern from "hat/hat_trie_walk.h" nogil:
    # what walks the trie: any key, prefix queries, sorted iteration, copy, invariants
    ctypedef struct hat_cursor:
        pass
    hat_t *hat_copy(const hat_t *t)
    int hat_any(const hat_t *t, uint8_t **buf, size_t *cap, size_t *len)
    int hat_has_prefix(const hat_t *t, const uint8_t *prefix, size_t len)
    long hat_prefix_lengths(const hat_t *t, const uint8_t *s, size_t len, size_t *out)
    hat_cursor *hat_cursor_new(const hat_t *t, const uint8_t *prefix, size_t len)
    int hat_cursor_next(hat_cursor *c, const uint8_t **key, size_t *len)
    const uint8_t *hat_cursor_value(const hat_cursor *c)
    void hat_cursor_free(hat_cursor *c)
    int hat_check(const hat_t *t, char *msg, size_t msglen)


cdef extern from "Python.h":
    ctypedef struct PyObject


cdef extern from "hat/pykey.h":
    ctypedef struct lowram_key:
        const uint8_t *p
        Py_ssize_t n
    int lowram_key_of(object o, lowram_key *k) except -1
    void lowram_key_done(lowram_key *k)
    void lowram_prefetch_obj(PyObject *o)
    object lowram_key_str(const uint8_t *p, size_t n)
    size_t kc_to_utf8(const uint8_t *s, size_t n, uint8_t *out) nogil
    size_t kc_from_utf8(const uint8_t *s, size_t n, uint8_t *out) nogil
    int kc_valid(const uint8_t *s, size_t n) nogil
    int kc_surrogate_free(const uint8_t *s, size_t n) nogil


cdef extern from "Python.h":
    ctypedef struct PyTypeObject:
        Py_ssize_t tp_basicsize
    PyTypeObject *Py_TYPE(object o)
    PyObject *PySequence_Fast_GET_ITEM(object o, Py_ssize_t i)
    Py_ssize_t PySequence_Fast_GET_SIZE(object o)
    void Py_INCREF(PyObject *o)
    void Py_DECREF(PyObject *o)

# Batches from a list or tuple run as a pipeline: the str object of the key _AHEAD_OBJ places
# ahead is prefetched, the key _AHEAD_SLOT ahead is coded and its bucket slot prefetched, the
# key _AHEAD_BUCKET ahead has its bucket prefetched, so the memory reads of several keys
# overlap instead of following one another.
cdef enum:
    _RING = 16
    _AHEAD_OBJ = 12
    _AHEAD_SLOT = 8
    _AHEAD_BUCKET = 4


# the set's envelope kind, which key errors name unless told otherwise
_KIND = "MutableStringSet"


cdef int _query_key(object key, lowram_key *k) except -1:
    """Bytes to look ``key`` up by: 0 ready, 1 not a str (absent by definition; TypeError
    when it is not even hashable, as ``set`` and ``dict`` raise).

    A lone surrogate is looked up by its code, which no stored key holds, so the answer is
    "absent" without an error, and prefix queries stay exact.
    """
    cdef int r = lowram_key_of(key, k)
    if r == 2:
        return 0
    if r == 1:
        hash(key)   # an unhashable key is a TypeError, as for set and dict
    return r


cdef int _store_key(object key, lowram_key *k, str owner=_KIND) except -1:
    """Bytes to store ``key`` as; TypeError for a non-str, UnicodeEncodeError for surrogates."""
    cdef int r = lowram_key_of(key, k)
    if r == 1:
        raise TypeError(f"{owner} keys must be str, not {type(key).__name__}")
    if r == 2:
        lowram_key_done(k)
        (<str>key).encode("utf-8")  # raises UnicodeEncodeError naming the position
        raise UnicodeError("unreachable")  # pragma: no cover
    if <size_t>k.n > 0xFFFFFFFF:
        lowram_key_done(k)
        raise ValueError(f"key of {k.n} coded bytes is longer than the 4 GiB limit")
    return 0


cdef inline str _decode(const uint8_t *p, size_t n):
    return lowram_key_str(p, n)
