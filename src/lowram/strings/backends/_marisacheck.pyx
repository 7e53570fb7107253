# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""A validator of the MARISA trie format, run on every payload before marisa-trie reads it.

marisa-trie's loader (``Trie.map``/``frombytes``) trusts what it reads: a rank index that
points past its bit vector, a link past the next trie, a cache entry naming a node that is
not its parent's child all make its C++ read outside the buffer or walk without end. lowram's
files are meant to travel, so the ``marisa`` backend hands the library only payloads this
module has checked whole. It reads marisa's format (version 0.2, 64-bit words,
little-endian), with every read bounds-checked, and refuses with :class:`lowram.FormatError`
anything marisa's own builder would not have written:

* the layout: the 16-byte header, then per trie the LOUDS bits, terminal and link flags,
  labels, the packed link extras, the tail, the nested trie, the cache and the config word,
  each vector's byte count a multiple of its item and inside the payload, nothing after it;
* every bit vector's rank and select indexes recomputed and compared with those stored (the
  library's rank and select trust them);
* the LOUDS bits a level-order tree (each node's children numbered after it, so walks down
  and up end), with the root's child count stored as marisa uses it;
* every link inside the next trie (a node other than its root) or inside the tail (a
  non-empty fragment that ends inside the buffer);
* every cache entry empty or naming a node, its true parent, its label and link, at the slot
  marisa looks it up by;
* the config word (number of tries, tail mode, node order) equal to the structure read;
* the longest key the links could restore within marisa's 2**32 - 1 byte key limit, computed
  as a bound (per tree level, the longest fragment a node of that level restores), so nested
  links cannot multiply into keys no memory holds.

Cost: one pass over the payload's bits (popcounts and a few compares per 64-bit word) and a
sort of the cache's occupied entries; extra memory is the cache's size, never the payload's.
"""

from libc.stdint cimport uint8_t, uint32_t, uint64_t, int64_t
from libc.string cimport memcpy
from libc.stdlib cimport malloc, free, qsort

from lowram.errors import FormatError

__all__ = ["check_marisa", "key_bound", "MAX_KEY_BYTES"]

cdef extern from *:
    int __builtin_popcountll(unsigned long long) nogil
    int __builtin_ctzll(unsigned long long) nogil

#: marisa's key limit (its Key stores a length in 32 bits)
MAX_KEY_BYTES = 0xFFFFFFFF
cdef uint64_t _KEY_LIMIT = 0xFFFFFFFF
cdef uint32_t _NONE = 0xFFFFFFFF         # an empty cache entry's parent and child
cdef uint32_t _INVALID_EXTRA = 0xFFFFFF  # a cache entry whose child is not a link
cdef int _MAX_TRIES = 0x7F
cdef bytes _HEADER = b"We love Marisa.\x00"


ctypedef struct Bits:
    const uint8_t* units
    uint64_t nunits
    uint64_t size
    uint64_t num1
    const uint8_t* ranks
    uint64_t nranks
    const uint8_t* sel0
    uint64_t nsel0
    const uint8_t* sel1
    uint64_t nsel1

ctypedef struct Flat:
    const uint8_t* units
    uint64_t nunits
    uint32_t vsize
    uint32_t mask
    uint64_t size

ctypedef struct Trie:
    Bits louds
    Bits terminal
    Bits link
    const uint8_t* bases
    uint64_t nbases
    Flat extras
    const uint8_t* tail
    uint64_t ntail
    Bits ends
    const uint8_t* cache
    uint64_t ncache
    uint32_t num_l1
    uint32_t flags
    uint64_t n          # nodes (set by the checks)
    uint64_t bound      # longest fragment a node restores (a bound; set by the checks)

ctypedef struct Hit:     # an occupied cache entry, sorted by child
    uint32_t child
    uint32_t slot


cdef inline uint64_t _ld64(const uint8_t* p) noexcept nogil:
    cdef uint64_t v
    memcpy(&v, p, 8)
    return v


cdef inline uint32_t _ld32(const uint8_t* p) noexcept nogil:
    cdef uint32_t v
    memcpy(&v, p, 4)
    return v


cdef inline bint _bit(const Bits* b, uint64_t i) noexcept nogil:
    return (_ld64(b.units + 8 * (i >> 6)) >> (i & 63)) & 1


cdef inline uint64_t _select_in_word(uint64_t k, uint64_t word) noexcept nogil:
    """Position of the k-th (from 0) set bit of ``word`` (which has more than k)."""
    while k:
        word &= word - 1
        k -= 1
    return __builtin_ctzll(word)


cdef inline uint32_t _extra(const Flat* f, uint64_t i) noexcept nogil:
    cdef uint64_t pos = i * f.vsize
    cdef uint64_t uid = pos >> 6
    cdef uint64_t off = pos & 63
    cdef uint64_t v = _ld64(f.units + 8 * uid) >> off
    if off + f.vsize > 64:
        v |= _ld64(f.units + 8 * (uid + 1)) << (64 - off)
    return <uint32_t>v & f.mask


cdef int _cmp_hit(const void* a, const void* b) noexcept nogil:
    cdef uint32_t x = (<const Hit*>a).child
    cdef uint32_t y = (<const Hit*>b).child
    return (x > y) - (x < y)


cdef class _Reader:
    cdef const uint8_t* base
    cdef uint64_t pos
    cdef uint64_t end

    cdef int need(self, uint64_t n, str what) except -1:
        if n > self.end - self.pos:
            raise FormatError(f"marisa payload truncated: {what} needs {n} bytes at byte "
                              f"{self.pos}, {self.end - self.pos} remain")
        return 0

    cdef uint32_t u32(self, str what) except? 0xFFFFFFFF:
        self.need(4, what)
        cdef uint32_t v = _ld32(self.base + self.pos)
        self.pos += 4
        return v

    cdef uint64_t u64(self, str what) except? 0xFFFFFFFFFFFFFFFF:
        self.need(8, what)
        cdef uint64_t v = _ld64(self.base + self.pos)
        self.pos += 8
        return v

    cdef const uint8_t* vector(self, uint64_t item, uint64_t* count, str what) except NULL:
        """A marisa Vector: uint64 byte count, the items, zero padding to 8 bytes."""
        cdef uint64_t total = self.u64(what)
        if total % item:
            raise FormatError(f"marisa payload: {what} holds {total} bytes, not a multiple "
                              f"of its {item}-byte items")
        self.need(total, what)
        cdef const uint8_t* p = self.base + self.pos
        self.pos += total
        cdef uint64_t pad = (8 - total % 8) % 8
        self.need(pad, what + " padding")
        self.pos += pad
        count[0] = total // item
        return p

    cdef int bits(self, Bits* b, str what) except -1:
        b.units = self.vector(8, &b.nunits, what)
        b.size = self.u32(what + " size")
        b.num1 = self.u32(what + " count of ones")
        b.ranks = self.vector(12, &b.nranks, what + " rank index")
        b.sel0 = self.vector(4, &b.nsel0, what + " select0 index")
        b.sel1 = self.vector(4, &b.nsel1, what + " select1 index")
        return 0

    cdef int flat(self, Flat* f, str what) except -1:
        f.units = self.vector(8, &f.nunits, what)
        f.vsize = self.u32(what + " value size")
        f.mask = self.u32(what + " mask")
        f.size = self.u64(what + " size")
        return 0

    cdef int trie(self, Trie* tries, int t) except -1:
        """Parse trie ``t`` (and the tries nested in it); returns how many tries in all."""
        if t >= _MAX_TRIES:
            raise FormatError(f"marisa payload: more than {_MAX_TRIES} nested tries")
        cdef Trie* tr = &tries[t]
        cdef str name = f"trie {t + 1}"
        self.bits(&tr.louds, name + " LOUDS bits")
        self.bits(&tr.terminal, name + " terminal flags")
        self.bits(&tr.link, name + " link flags")
        tr.bases = self.vector(1, &tr.nbases, name + " labels")
        self.flat(&tr.extras, name + " link extras")
        tr.tail = self.vector(1, &tr.ntail, name + " tail")
        self.bits(&tr.ends, name + " tail end flags")
        cdef int count = t + 1
        if tr.link.num1 != 0 and tr.ntail == 0:
            count = self.trie(tries, t + 1)
        tr.cache = self.vector(12, &tr.ncache, name + " cache")
        tr.num_l1 = self.u32(name + " level-1 node count")
        tr.flags = self.u32(name + " config flags")
        return count


cdef int _check_bits(const Bits* b, str what, bint rank, bint sel0, bint sel1) except -1:
    """The bit vector's words, count and indexes exactly as marisa's builder makes them."""
    cdef uint64_t size = b.size
    if b.nunits != (size + 63) // 64:
        raise FormatError(f"marisa payload: {what} holds {b.nunits} words for {size} bits")
    if size % 64 and _ld64(b.units + 8 * (b.nunits - 1)) >> (size % 64):
        raise FormatError(f"marisa payload: {what}: bits set past its size")
    cdef uint64_t nranks = size // 512 + (1 if size % 512 else 0) + 1
    if not rank:
        if b.nranks or b.nsel0 or b.nsel1:
            raise FormatError(f"marisa payload: {what}: an index marisa does not write")
    elif b.nranks != nranks:
        raise FormatError(f"marisa payload: {what} has {b.nranks} rank entries, "
                          f"{nranks} expected")
    if not sel0 and b.nsel0:
        raise FormatError(f"marisa payload: {what}: a select0 index marisa does not write")
    if not sel1 and b.nsel1:
        raise FormatError(f"marisa payload: {what}: a select1 index marisa does not write")

    cdef uint64_t num0 = 0, num1 = 0, u, bit_id, ones, zeros, left, k, want
    cdef uint64_t i0 = 0, i1 = 0                 # next select entry to compare
    cdef uint32_t r_abs = 0, r_lo = 0, r_hi = 0  # the rank entry being rebuilt
    cdef uint64_t rank_id, uid, rel, m
    cdef const uint8_t* e
    cdef str bad = None
    for uid in range(b.nunits):
        bit_id = uid * 64
        if rank:
            rank_id = uid // 8
            k = uid % 8
            if k == 0:
                if uid:   # the previous entry is complete
                    e = b.ranks + 12 * (rank_id - 1)
                    if _ld32(e) != r_abs or _ld32(e + 4) != r_lo or _ld32(e + 8) != r_hi:
                        bad = "rank"
                        break
                r_abs = <uint32_t>num1
                r_lo = 0
                r_hi = 0
            else:
                rel = num1 - r_abs
                if k == 1:
                    r_lo |= <uint32_t>(rel & 0x7F)
                elif k == 2:
                    r_lo |= <uint32_t>((rel & 0xFF) << 7)
                elif k == 3:
                    r_lo |= <uint32_t>((rel & 0xFF) << 15)
                elif k == 4:
                    r_lo |= <uint32_t>((rel & 0x1FF) << 23)
                elif k == 5:
                    r_hi |= <uint32_t>(rel & 0x1FF)
                elif k == 6:
                    r_hi |= <uint32_t>((rel & 0x1FF) << 9)
                else:
                    r_hi |= <uint32_t>((rel & 0x1FF) << 18)
        u = _ld64(b.units + 8 * uid)
        ones = __builtin_popcountll(u)
        if sel0:
            left = size - bit_id
            zeros = (left if left < 64 else 64) - ones
            want = (0 - num0) % 512
            if zeros > want:
                if i0 >= b.nsel0 or _ld32(b.sel0 + 4 * i0) != bit_id + _select_in_word(want, ~u):
                    bad = "select0"
                    break
                i0 += 1
            num0 += zeros
        if sel1:
            want = (0 - num1) % 512
            if ones > want:
                if i1 >= b.nsel1 or _ld32(b.sel1 + 4 * i1) != bit_id + _select_in_word(want, u):
                    bad = "select1"
                    break
                i1 += 1
        num1 += ones
    if bad is not None:
        raise FormatError(f"marisa payload: {what}: the {bad} index does not match the bits")
    if num1 != b.num1:
        raise FormatError(f"marisa payload: {what} claims {b.num1} ones, holds {num1}")
    if rank:
        if size % 512:
            # the last, partial entry: marisa fills the relative counts past the last word
            m = ((size - 1) // 64) % 8
            rel = num1 - r_abs
            if m <= 0:
                r_lo |= <uint32_t>(rel & 0x7F)
            if m <= 1:
                r_lo |= <uint32_t>((rel & 0xFF) << 7)
            if m <= 2:
                r_lo |= <uint32_t>((rel & 0xFF) << 15)
            if m <= 3:
                r_lo |= <uint32_t>((rel & 0x1FF) << 23)
            if m <= 4:
                r_hi |= <uint32_t>(rel & 0x1FF)
            if m <= 5:
                r_hi |= <uint32_t>((rel & 0x1FF) << 9)
            if m <= 6:
                r_hi |= <uint32_t>((rel & 0x1FF) << 18)
        if b.nunits:
            e = b.ranks + 12 * ((b.nunits - 1) // 8)
            if _ld32(e) != r_abs or _ld32(e + 4) != r_lo or _ld32(e + 8) != r_hi:
                raise FormatError(f"marisa payload: {what}: the rank index does not match the bits")
        e = b.ranks + 12 * (nranks - 1)     # the closing entry: every one counted
        if _ld32(e) != num1 or _ld32(e + 4) != 0 or _ld32(e + 8) != 0:
            raise FormatError(f"marisa payload: {what}: the rank index does not match the bits")
    if sel0:
        if i0 + 1 != b.nsel0 or _ld32(b.sel0 + 4 * i0) != size:
            raise FormatError(f"marisa payload: {what}: the select0 index does not match the bits")
    if sel1:
        if i1 + 1 != b.nsel1 or _ld32(b.sel1 + 4 * i1) != size:
            raise FormatError(f"marisa payload: {what}: the select1 index does not match the bits")
    return 0


cdef int _check_flat(const Flat* f, str what) except -1:
    if f.vsize > 32:
        raise FormatError(f"marisa payload: {what} has {f.vsize}-bit values")
    cdef uint32_t mask = (0xFFFFFFFF >> (32 - f.vsize)) if f.vsize else 0
    if f.mask != mask:
        raise FormatError(f"marisa payload: {what}: the mask does not match the value size")
    cdef uint64_t words
    if f.size == 0:
        words = 0
    elif f.vsize == 0:
        words = 1
    else:
        if f.size > (<uint64_t>1 << 40):
            raise FormatError(f"marisa payload: {what} claims {f.size} values")
        words = (f.vsize * f.size + 63) // 64
    if f.nunits != words:
        raise FormatError(f"marisa payload: {what} holds {f.nunits} words for {f.size} "
                          f"values of {f.vsize} bits")
    return 0


cdef uint64_t _tail_run(const Trie* tr) except? 0xFFFFFFFFFFFFFFFF:
    """The tail's longest fragment; checks that every fragment ends inside it."""
    cdef uint64_t i, run = 0, best = 0
    if tr.ends.size == 0:                       # text tail: fragments end at NUL
        if tr.tail[tr.ntail - 1] != 0:
            raise FormatError("marisa payload: the text tail does not end with a NUL")
        for i in range(tr.ntail):
            if tr.tail[i]:
                run += 1
                if run > best:
                    best = run
            else:
                run = 0
    else:                                       # binary tail: fragments end at a set flag
        if tr.ends.size != tr.ntail:
            raise FormatError("marisa payload: the binary tail's end flags do not cover it")
        if not _bit(&tr.ends, tr.ntail - 1):
            raise FormatError("marisa payload: the binary tail's last fragment has no end")
        for i in range(tr.ntail):
            run += 1
            if run > best:
                best = run
            if _bit(&tr.ends, i):
                run = 0
    return best


cdef int _check_trie(Trie* tries, int t, int count) except -1:
    """Check trie ``t`` (the tries after it checked already)."""
    cdef Trie* tr = &tries[t]
    cdef str name = f"trie {t + 1}"
    cdef bint top = t == 0
    cdef bint last = t == count - 1
    cdef uint64_t size = tr.louds.size
    if size < 4 or size % 2:
        raise FormatError(f"marisa payload: {name}'s LOUDS has {size} bits")
    cdef uint64_t n = size // 2 - 1
    tr.n = n
    _check_bits(&tr.louds, name + " LOUDS bits", True, top, True)
    _check_bits(&tr.terminal, name + " terminal flags", top, False, top)
    _check_bits(&tr.link, name + " link flags", True, False, False)
    _check_flat(&tr.extras, name + " link extras")
    if tr.louds.num1 != n:
        raise FormatError(f"marisa payload: {name}'s LOUDS has {tr.louds.num1} ones for "
                          f"{n} nodes")
    if top:
        if tr.terminal.size != n + 1 or _bit(&tr.terminal, n):
            raise FormatError(f"marisa payload: {name}'s terminal flags do not match its nodes")
    elif tr.terminal.size:
        raise FormatError(f"marisa payload: {name} has terminal flags marisa does not write")
    if tr.link.size != n or tr.nbases != n:
        raise FormatError(f"marisa payload: {name} has {tr.link.size} link flags and "
                          f"{tr.nbases} labels for {n} nodes")
    if _bit(&tr.link, 0):
        raise FormatError(f"marisa payload: {name}'s root is flagged a link")
    if tr.extras.vsize > 24:   # a link is 32 bits: 8 in the label, 24 here (marisa's cap)
        raise FormatError(f"marisa payload: {name}'s link extras have {tr.extras.vsize} bits")
    if tr.ntail > 0xFFFFFFFF:
        raise FormatError(f"marisa payload: {name}'s tail holds {tr.ntail} bytes (over 4 GiB)")
    if tr.extras.size != tr.link.num1:
        raise FormatError(f"marisa payload: {name} has {tr.extras.size} link extras for "
                          f"{tr.link.num1} links")

    # what a link may point at: the next trie's nodes other than its root, or the tail
    cdef uint64_t link_bound = 0, targets = 0, next_flags
    cdef uint32_t tail_mode
    if not last:
        if tr.ntail or tr.ends.size or tr.ends.nunits:
            raise FormatError(f"marisa payload: {name} has a tail and a nested trie")
        _check_bits(&tr.ends, name + " tail end flags", False, False, False)
        targets = tries[t + 1].n
        link_bound = tries[t + 1].bound
        next_flags = tries[t + 1].flags
        if (tr.flags != ((next_flags & 0x7F) + 1 | (next_flags & 0xFF000))
                or (next_flags & 0x7F) + 1 > <uint64_t>_MAX_TRIES):
            raise FormatError(f"marisa payload: {name}'s config word {tr.flags:#x} does not "
                              f"match its nested tries")
    else:
        _check_bits(&tr.ends, name + " tail end flags", False, False, False)
        if tr.link.num1 == 0:
            if tr.ntail or tr.ends.size:
                raise FormatError(f"marisa payload: {name} has a tail but no links")
        else:
            link_bound = _tail_run(tr)
            targets = tr.ntail
        tail_mode = 0x2000 if tr.ends.size else 0x1000
        if (tr.flags & ~0xFF07F) or (tr.flags & 0x7F) != 1 or (tr.flags & 0xF000) != tail_mode \
                or (tr.flags & 0xF0000) not in (0x10000, 0x20000):
            raise FormatError(f"marisa payload: {name}'s config word {tr.flags:#x} does not "
                              f"match its structure")

    # the cache: a power of two of entries; the occupied ones, sorted by child
    cdef uint64_t nc = tr.ncache
    if nc == 0 or nc & (nc - 1) or nc > n * 2 + 256 or (top and nc < 256):
        raise FormatError(f"marisa payload: {name}'s cache has {nc} entries")
    cdef uint64_t mask = nc - 1
    cdef Hit* hits = <Hit*>malloc(nc * sizeof(Hit) + 1)
    if hits == NULL:
        raise MemoryError()
    cdef uint64_t nh = 0, i
    cdef uint32_t parent, child
    try:
        for i in range(nc):
            parent = _ld32(tr.cache + 12 * i)
            child = _ld32(tr.cache + 12 * i + 4)
            if parent == _NONE and child == _NONE:
                continue
            if child == 0 or child >= n or parent >= child:
                raise FormatError(f"marisa payload: {name}'s cache entry {i} names node "
                                  f"{child} under {parent}")
            if not top and (child & mask) != i:
                raise FormatError(f"marisa payload: {name}'s cache entry {i} is out of place")
            hits[nh].child = child
            hits[nh].slot = <uint32_t>i
            nh += 1
        qsort(hits, nh, sizeof(Hit), _cmp_hit)
        _walk(tr, name, top, last, targets, link_bound, hits, nh, mask)
    finally:
        free(hits)
    return 0


cdef int _walk(Trie* tr, str name, bint top, bint last, uint64_t targets,
               uint64_t link_bound, Hit* hits, uint64_t nh, uint64_t mask) except -1:
    """One pass over the LOUDS bits: the tree's shape, each node's link and cache entries,
    and the bound on the fragment a node restores (level by level)."""
    cdef uint64_t n = tr.n, ones = 0, zeros = 0, c, par, h = 0, link_rank = 0
    cdef uint64_t target, own, level_max = 0, bound = 0, plevel_end = 1
    cdef uint32_t extra, word, slot
    cdef const uint8_t* e
    cdef bint is_link
    cdef uint64_t wi, lw, rest, pos, avail, k, z_last, zmax
    for wi in range(tr.louds.nunits):             # word by word: ones one at a time,
        lw = _ld64(tr.louds.units + 8 * wi)      # runs of zeros at once
        avail = tr.louds.size - wi * 64
        if avail > 64:
            avail = 64
        pos = 0
        while pos < avail:
            rest = lw >> pos
            if not (rest & 1):
                k = (avail - pos) if rest == 0 else <uint64_t>__builtin_ctzll(rest)
                if k > avail - pos:
                    k = avail - pos
                z_last = zeros + k - 1            # zero #z ends node z-1's list, opens z's
                if zeros < n:
                    zmax = z_last if z_last < n else n - 1
                    if ones < zmax + 1:
                        raise FormatError(f"marisa payload: {name}'s LOUDS lists node "
                                          f"{max(zeros, ones)}'s children before the node "
                                          f"itself")
                if zeros <= 1 <= z_last and tr.num_l1 != ones - 1:
                    raise FormatError(f"marisa payload: {name} stores {tr.num_l1} level-1 "
                                      f"nodes, its LOUDS has {ones - 1}")
                zeros += k
                pos += k
                continue
            pos += 1
            c = ones
            ones += 1
            if c == 0:
                continue                      # the root (its 1 before the first 0)
            if zeros == 0 or zeros > n:
                raise FormatError(f"marisa payload: {name}'s LOUDS gives node {c} a parent "
                                  f"past its last node")
            par = zeros - 1
            if par >= plevel_end:             # the parents moved on a level: close one
                bound += level_max
                if bound > _KEY_LIMIT:
                    bound = _KEY_LIMIT + 1
                level_max = 0
                plevel_end = c
            is_link = _bit(&tr.link, c)
            if is_link:
                extra = _extra(&tr.extras, link_rank)
                link_rank += 1
                target = tr.bases[c] | (<uint64_t>extra << 8)
                if last:
                    if target >= targets or (tr.ends.size == 0 and tr.tail[target] == 0):
                        raise FormatError(f"marisa payload: {name}'s node {c} links to tail "
                                          f"byte {target} of {targets}, or to an empty "
                                          f"fragment")
                elif target == 0 or target >= targets:
                    raise FormatError(f"marisa payload: {name}'s node {c} links to node "
                                      f"{target} of the next trie's {targets}")
                own = link_bound
            else:
                extra = _INVALID_EXTRA
                own = 1
            if own > level_max:
                level_max = own
            while h < nh and hits[h].child == c:
                slot = hits[h].slot
                e = tr.cache + 12 * slot
                word = _ld32(e + 8)
                if _ld32(e) != par or (word & 0xFF) != tr.bases[c] or (word >> 8) != extra:
                    raise FormatError(f"marisa payload: {name}'s cache entry {slot} does "
                                      f"not match node {c}")
                if top and not is_link and \
                        ((par ^ (par << 5) ^ tr.bases[c]) & mask) != slot:
                    raise FormatError(f"marisa payload: {name}'s cache entry {slot} is out "
                                      f"of place")
                h += 1
    if ones != n or zeros != n + 2 or _bit(&tr.louds, tr.louds.size - 2):
        raise FormatError(f"marisa payload: {name}'s LOUDS is not a tree of {n} nodes")
    if h != nh:
        raise FormatError(f"marisa payload: {name}'s cache names a node that is not there")
    bound += level_max
    tr.bound = bound if bound <= _KEY_LIMIT else _KEY_LIMIT + 1
    return 0


def check_marisa(buffer, *, key_limit: int = MAX_KEY_BYTES) -> int:
    """Check a MARISA trie payload whole; return its number of keys.

    Raises :class:`lowram.FormatError` naming the first thing marisa's builder would not
    have written, or if the links could restore a key longer than ``key_limit`` bytes (see
    :func:`key_bound`). O(payload) time; memory: 8 bytes per occupied cache entry.

    >>> import marisa_trie
    >>> check_marisa(marisa_trie.Trie(["a", "ab", "b"]).tobytes())
    3
    >>> check_marisa(b"We love Marisa.\\x00")
    Traceback (most recent call last):
    ...
    lowram.errors.FormatError: marisa payload truncated: trie 1 LOUDS bits needs 8 bytes ...
    """
    keys, bound = _check(buffer)
    if bound > key_limit:
        raise FormatError(f"marisa payload: its links could restore a key of up to "
                          f"{'more than 2**32 - 1' if bound > _KEY_LIMIT else bound} bytes, "
                          f"past the limit of {key_limit}")
    return keys


def key_bound(buffer) -> int:
    """A bound on the longest key the payload's links can restore (checked whole first).

    Per tree level, the longest fragment a node of that level restores (one byte, or what a
    link restores: the nested trie's bound, or the tail's longest fragment), summed over the
    levels; 2**32 when past marisa's limit. Never below the longest key.

    >>> import marisa_trie
    >>> key_bound(marisa_trie.Trie(["abc", "abd", "x"]).tobytes()) >= 3
    True
    """
    return _check(buffer)[1]


cdef tuple _check(buffer):
    cdef const uint8_t[::1] view = memoryview(buffer).cast("B")
    cdef uint64_t length = view.shape[0]
    if length < 16 or bytes(view[:16]) != _HEADER:
        raise FormatError("marisa payload: no 'We love Marisa.' header")
    cdef _Reader r = _Reader()
    r.base = &view[0]
    r.pos = 16
    r.end = length
    cdef Trie* tries = <Trie*>malloc(_MAX_TRIES * sizeof(Trie))
    if tries == NULL:
        raise MemoryError()
    cdef int count, t
    try:
        count = r.trie(tries, 0)
        if r.pos != r.end:
            raise FormatError(f"marisa payload: {r.end - r.pos} bytes after the trie")
        for t in range(count - 1, -1, -1):
            _check_trie(tries, t, count)
        return tries[0].terminal.num1, tries[0].bound
    finally:
        free(tries)
