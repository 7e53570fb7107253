# MutableStringMap's values: what the 8 value bytes beside each key mean. Included by
# hat_trie.pyx before map.pxi.
#
# A map holds one kind of value at a time, decided by its first value:
#   int    the int64 itself                 float  the double's bits
#   bool   0 or 1                           none   nothing (0)
#   str    where the value's UTF-8 sits in the map's arena (a varint length, then the bytes;
#          lone surrogates kept with "surrogatepass", so every str round-trips)
#   bytes  as str, without the decoding
#   object an index into a Python list holding the values themselves (references)
# A value of another kind (or an int past int64) turns the map into "object", once, in one
# pass; so does any value that has no column (a tuple, a bytearray). The arena and the list
# keep what a replaced or deleted value took until their waste passes half of them, then are
# compacted outside any batch. A batch with an undo log releases what it replaced only when
# it succeeds, and what it allocated when it fails, so the log's old slots stay valid.

from cpython.long cimport PyLong_AsLongLongAndOverflow
from cpython.unicode cimport PyUnicode_DecodeUTF8

from lowram.strings._values import classify as _classify_value

cdef enum:
    V_INT = 0
    V_FLOAT = 1
    V_BOOL = 2
    V_NONE = 3
    V_STR = 4
    V_BYTES = 5
    V_OBJ = 6

#: value_kind's names, by kind
_VALUE_KINDS = ("int", "float", "bool", "none", "str", "bytes", "object")
#: the kind of a ValueStore read from a file
_STORE_KINDS = {"int": V_INT, "float": V_FLOAT, "bool": V_BOOL, "none": V_NONE, "str": V_STR,
                "bytes": V_BYTES, "object": V_OBJ, "mixed": V_OBJ}
#: waste (bytes of the arena, entries of the list) below which nothing is compacted
_COMPACT_MIN = 1 << 16

_np_generic = numpy.generic
_INT64_MAX = 0x7FFFFFFFFFFFFFFF
_INT64_MIN = -0x8000000000000000


cdef class _Undo(_Buffer):
    """A log of map changes to undo a failed batch: per change the key, the value before and
    whether the key was there, then the key's length (so the log reads backwards); and, for
    a map of objects, the list entries the batch allocated and the ones it released."""
    cdef list allocated, released
    cdef int kind             # the map's kind of value when the batch began
    cdef unsigned long epoch  # the values' layout epoch its old slots are written in

    def __cinit__(self, int kind=V_INT, unsigned long epoch=0):
        self.kind = kind
        self.epoch = epoch

    cdef int record(self, const uint8_t *key, size_t n, const uint8_t *old) except -1:
        """Log a change about to happen to key (old: its value now, NULL when absent)."""
        cdef int64_t v = 0
        cdef uint8_t had = old != NULL
        cdef uint64_t n64 = n
        if old != NULL:
            memcpy(&v, old, 8)
        self.reserve(n + 17)
        self.write(key, n)
        self.write(<uint8_t *>&v, 8)
        self.write(&had, 1)
        self.write(<uint8_t *>&n64, 8)
        return 0

    cdef void undo(self, hat_t *t, bint values=True) noexcept:
        """Put back, newest first, what every logged change replaced (needs no memory);
        without values, only remove the keys the changes added (old slots left unread)."""
        cdef size_t end = self.n, kpos
        cdef uint64_t n64
        cdef uint8_t *w
        while end:
            memcpy(&n64, self.p + end - 8, 8)
            kpos = end - 17 - <size_t>n64
            if self.p[end - 9]:
                w = hat_value(t, self.p + kpos, <size_t>n64) if values else NULL
                if w != NULL:
                    memcpy(w, self.p + end - 17, 8)
            else:
                hat_remove(t, self.p + kpos, <size_t>n64)
            end = kpos
        self.n = 0


cdef inline object _plain(object v):
    """v, or its Python value for a numpy scalar (np.int64 -> int) or a memoryview (bytes)."""
    t = type(v)
    if t is int or t is str or t is float:   # the common kinds, without an isinstance walk
        return v
    if isinstance(v, _np_generic) or t is memoryview:
        return _classify_value(v)[1]
    return v


cdef inline int _kind_of(object v) except -1:
    """The kind a plain value is stored as (``_values.classify``'s dispatch, in C for the
    per-value path; an int past int64 is an object here, as the 8 value bytes hold int64)."""
    cdef int overflow = 0
    t = type(v)
    if t is int:
        PyLong_AsLongLongAndOverflow(v, &overflow)
        return V_OBJ if overflow else V_INT
    if t is str:
        return V_STR
    if t is float:
        return V_FLOAT
    if t is bool:
        return V_BOOL
    if v is None:
        return V_NONE
    if t is bytes:
        return V_BYTES
    return V_OBJ


cdef inline size_t _span(const uint8_t *p, size_t *length) noexcept:
    """Read an arena entry's varint length at p: the bytes the length took."""
    cdef size_t n = 0, used = 0
    cdef int shift = 0
    while True:
        n |= <size_t>(p[used] & 0x7F) << shift
        used += 1
        if p[used - 1] < 0x80:
            break
        shift += 7
    length[0] = n
    return used


cdef class _MapValues:
    """The values' side of a MutableStringMap: its kind, the str/bytes arena, the objects."""
    cdef int kind
    cdef _Buffer arena      # str, bytes
    cdef size_t waste       # arena bytes of values replaced or deleted
    cdef list objs          # object: the values, by index (None where free)
    cdef list free          # object: free indices of objs
    cdef unsigned long epoch  # changes whenever slots change meaning (adopt, widen, narrow,
                              # compact): an undo log of another epoch cannot be replayed

    def __cinit__(self):
        self.kind = V_INT

    cdef int adopt(self, int kind) except -1:
        """Start over, empty, holding values of kind (the map has no key)."""
        self.epoch += 1
        self.kind = kind
        self.arena = _Buffer() if kind == V_STR or kind == V_BYTES else None
        self.waste = 0
        self.objs = [] if kind == V_OBJ else None
        self.free = [] if kind == V_OBJ else None
        return 0

    cdef _MapValues copy(self):
        cdef _MapValues r = _MapValues.__new__(_MapValues)
        r.kind = self.kind
        r.waste = self.waste
        if self.arena is not None:
            r.arena = _Buffer()
            r.arena.write(self.arena.p, self.arena.n)
        if self.objs is not None:
            r.objs = list(self.objs)
            r.free = list(self.free)
        return r

    cdef object load(self, const uint8_t *w):
        """The value a slot holds."""
        cdef int64_t v = _rd64(w)
        cdef double d
        cdef size_t n, used
        cdef int kind = self.kind
        if kind == V_INT:
            return v
        if kind == V_FLOAT:
            memcpy(&d, w, 8)
            return d
        if kind == V_STR or kind == V_BYTES:
            used = _span(self.arena.p + v, &n)
            if kind == V_STR:
                return PyUnicode_DecodeUTF8(<char *>self.arena.p + v + used, n, "surrogatepass")
            return PyBytes_FromStringAndSize(<char *>self.arena.p + v + used, n)
        if kind == V_BOOL:
            return v != 0
        if kind == V_NONE:
            return None
        return self.objs[v]

    cdef int encode(self, object value, int64_t *out, _Undo log) except -1:
        """The slot for a plain value of this map's kind (allocating in the arena or the
        list; a logged batch notes the allocation, so a failure can release it)."""
        cdef int kind = self.kind
        cdef double d
        cdef bytes b
        cdef Py_ssize_t i
        if kind == V_INT:
            out[0] = <int64_t>value
        elif kind == V_FLOAT:
            d = value
            memcpy(out, &d, 8)
        elif kind == V_BOOL:
            out[0] = 1 if value else 0
        elif kind == V_NONE:
            out[0] = 0
        elif kind == V_STR or kind == V_BYTES:
            b = (<str>value).encode("utf-8", "surrogatepass") if kind == V_STR else value
            self.arena.reserve(<size_t>len(b) + 10)
            out[0] = <int64_t>self.arena.n
            self.arena.varint(<uint64_t>len(b))
            self.arena.write(<const uint8_t *>PyBytes_AS_STRING(b), <size_t>len(b))
        else:
            if self.free:
                i = self.free.pop()
                self.objs[i] = value
            else:
                i = len(self.objs)
                self.objs.append(value)
            if log is not None:
                if log.allocated is None:
                    log.allocated = []
                log.allocated.append(i)
            out[0] = i
        return 0

    cdef int release(self, int64_t slot, _Undo log) except -1:
        """A slot's value was replaced or deleted: count its arena bytes as waste, or free
        its list entry (at once, or when a logged batch succeeds)."""
        cdef size_t n, used
        if self.kind == V_STR or self.kind == V_BYTES:
            used = _span(self.arena.p + slot, &n)
            self.waste += used + n
        elif self.kind == V_OBJ:
            if log is not None:
                if log.released is None:
                    log.released = []
                log.released.append(slot)
            else:
                self.objs[slot] = None
                self.free.append(slot)
        return 0

    cdef int committed(self, _Undo log) except -1:
        """A logged batch succeeded: free what it replaced (unless the list was rebuilt
        meanwhile by another thread: its entries were then dropped with it)."""
        if log is not None and log.released is not None and log.epoch == self.epoch:
            for i in log.released:
                self.objs[i] = None
                self.free.append(i)
            log.released = None
        if log is not None:
            log.allocated = None
        return 0

    cdef int rolled_back(self, _Undo log, hat_t *t) except -1:
        """A logged batch was undone: free what it allocated; recount the arena's waste."""
        if log is not None and log.allocated is not None and log.epoch == self.epoch:
            for i in log.allocated:
                self.objs[i] = None
                self.free.append(i)
        if log is not None:
            log.allocated = log.released = None
        if self.arena is not None:
            self.waste = self.arena.n - self._live(t)
        return 0

    cdef size_t _live(self, hat_t *t) except? 0:
        """Arena bytes the keys' values take (a walk of every slot)."""
        cdef hat_cursor *cur = hat_cursor_new(t, NULL, 0)
        cdef const uint8_t *p
        cdef size_t n, length, total = 0
        cdef int r
        if cur == NULL:
            raise MemoryError()
        try:
            while True:
                r = hat_cursor_next(cur, &p, &n)
                if r < 0:
                    raise MemoryError()
                if r == 0:
                    return total
                total += _span(self.arena.p + _rd64(hat_cursor_value(cur)), &length) + length
        finally:
            hat_cursor_free(cur)

    cdef int widen(self, hat_t *t, _Undo log) except -1:
        """Turn every slot, and every old slot in log, into an index of a list of the
        values (kind object). Built whole before anything is rewritten: a MemoryError
        leaves the map as it was."""
        cdef hat_cursor *cur
        cdef const uint8_t *p
        cdef uint8_t *w
        cdef size_t n, end, kpos
        cdef uint64_t n64
        cdef int64_t i = 0
        cdef int r
        objs = []
        for pass_ in range(2):
            cur = hat_cursor_new(t, NULL, 0)
            if cur == NULL:
                raise MemoryError()
            try:
                while True:
                    r = hat_cursor_next(cur, &p, &n)
                    if r < 0:
                        raise MemoryError()
                    if r == 0:
                        break
                    w = <uint8_t *>hat_cursor_value(cur)
                    if pass_ == 0:
                        objs.append(self.load(w))
                    else:
                        memcpy(w, &i, 8)
                        i += 1
            finally:
                hat_cursor_free(cur)
            if log is not None and log.epoch == self.epoch:   # the old values it would put back
                end = log.n
                while end:
                    memcpy(&n64, log.p + end - 8, 8)
                    kpos = end - 17 - <size_t>n64
                    if log.p[end - 9]:
                        w = log.p + end - 17
                        if pass_ == 0:
                            objs.append(self.load(w))
                        else:
                            memcpy(w, &i, 8)
                            i += 1
                    end = kpos
        current = log is not None and log.epoch == self.epoch
        self.adopt(V_OBJ)
        self.objs = objs
        if current:
            log.epoch = self.epoch
        return 0

    cdef int narrow(self, hat_t *t, int kind) except -1:
        """Hold every value as kind again (they all are of it, after a failed batch undid a
        widening). Built whole before any slot is rewritten."""
        cdef _MapValues fresh = _MapValues()
        cdef _Buffer slots = _Buffer()
        cdef hat_cursor *cur
        cdef const uint8_t *p
        cdef uint8_t *w
        cdef size_t n, at
        cdef int64_t slot
        cdef int r
        fresh.adopt(kind)
        for pass_ in range(2):
            at = 0
            cur = hat_cursor_new(t, NULL, 0)
            if cur == NULL:
                raise MemoryError()
            try:
                while True:
                    r = hat_cursor_next(cur, &p, &n)
                    if r < 0:
                        raise MemoryError()
                    if r == 0:
                        break
                    w = <uint8_t *>hat_cursor_value(cur)
                    if pass_ == 0:
                        fresh.encode(self.load(w), &slot, None)
                        slots.write(<uint8_t *>&slot, 8)
                    else:
                        memcpy(w, slots.p + at, 8)
                        at += 8
            finally:
                hat_cursor_free(cur)
        self.kind, self.arena, self.waste = fresh.kind, fresh.arena, fresh.waste
        self.objs, self.free = fresh.objs, fresh.free
        self.epoch += 1
        return 0

    cdef int compact(self, hat_t *t) except -1:
        """Drop the waste of the arena or the list when it passes half of it (no batch may
        be running: an undo log's old slots would point at moved values)."""
        cdef hat_cursor *cur
        cdef const uint8_t *p
        cdef uint8_t *w
        cdef size_t n, length, used
        cdef int64_t at
        cdef int r
        cdef _Buffer fresh
        if self.arena is not None:
            if self.waste < _COMPACT_MIN or 2 * self.waste < self.arena.n:
                return 0
            fresh = _Buffer()
            fresh.reserve(self.arena.n - self.waste)
        elif self.objs is not None:
            dead = len(self.objs) - <Py_ssize_t>t.size   # free entries, and any a batch
            if dead < _COMPACT_MIN or 2 * dead < len(self.objs):   # undone across another
                return 0                                           # thread's change left
            objs = []
        else:
            return 0
        cur = hat_cursor_new(t, NULL, 0)
        if cur == NULL:
            raise MemoryError()
        try:
            while True:
                r = hat_cursor_next(cur, &p, &n)
                if r < 0:
                    raise MemoryError()
                if r == 0:
                    break
                w = <uint8_t *>hat_cursor_value(cur)
                at = _rd64(w)
                if self.arena is not None:
                    used = _span(self.arena.p + at, &length)
                    at = <int64_t>fresh.n
                    fresh.write(self.arena.p + _rd64(w), used + length)
                else:
                    objs.append(self.objs[at])
                    at = len(objs) - 1
                memcpy(w, &at, 8)
        finally:
            hat_cursor_free(cur)
        if self.arena is not None:
            self.arena = fresh
            self.waste = 0
        else:
            self.objs = objs
            self.free = []
        self.epoch += 1
        return 0

    cdef Py_ssize_t nbytes(self) except -1:
        """Bytes the values take beside the trie: the arena's allocation, or the list with
        each distinct object's own size (shallow, ``sys.getsizeof``; O(n))."""
        if self.arena is not None:
            return <Py_ssize_t>self.arena.cap
        if self.objs is None:
            return 0
        seen = {id(v): v for v in self.objs}
        return (_sys.getsizeof(self.objs) + _sys.getsizeof(self.free)
                + sum(map(_sys.getsizeof, seen.values())))
