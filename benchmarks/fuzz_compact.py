"""Fuzz the ``compact`` backend's reader (``CompactKeys.from_buffer``) with hostile payloads.

Valid payloads (English words, keys sharing long prefixes, every kind of character, lone
surrogates), coded with a symbol table or stored as they are, are mutated structurally: the
header's counts, bucket size, offset width and symbol count, the bucket offsets and the length
bytes set to edge values (0, 1, 15, 0x0F, 0xF0, 0xFF, n, the data's size, past it), length
fields pointed past their bucket, UTF-8 bytes cut in half, a symbol's length or bytes, a code
set to one no symbol has or to the escape, buckets swapped, and random byte flips, truncations
and extensions. A payload that opens is
queried with every method: iteration and ``key_at`` must give ``len`` keys in strictly
increasing order, ``index_of`` of each must be its place, and ``in``, ``contains_many``,
``lower_bound`` and ``prefix_end`` of every probe must agree with that list.

Run it natively with the payload placed against a guard page (``--guard``: a read past the
end faults at once), or under valgrind memcheck::

    python benchmarks/fuzz_compact.py --n 100000 --seed 1 --guard
    PYTHONMALLOC=malloc valgrind --error-exitcode=99 python benchmarks/fuzz_compact.py --n 300
"""

from __future__ import annotations

import argparse
import bisect
import random
import signal
import struct
import sys
from collections import Counter

from _fuzzkit import alarm, byte_noise, queries, try_one

from lowram.corpora import bundled_path, read_lines
from lowram.strings.backends._compact import CompactKeys

HEADER = struct.Struct("<QQQIII")
EDGE = [0, 1, 2, 15, 16, 0x0F, 0xF0, 0xFF, 0x7F, 0x80]


def utf8(s: str) -> bytes:
    return s.encode("utf-8", "surrogatepass")


def seeds(rng):
    words = [w for i, w in enumerate(read_lines(bundled_path("english-words"))) if i % 997 == 0]
    shared = [f"user/{i:07d}/{i % 13}" for i in range(0, 3000, 7)] + ["p" * 40 + t
                                                                      for t in ("a", "b", "bc")]
    mixed = ["a", "ab", "é", "è", "中文", "😀", "😀x", "\x00", "a\x00b", "\ud800", "\udfffz",
             "zz" * 300, "x\u0301"]
    out = []
    for keys in (words, shared, mixed, words[:40] + mixed):
        want = sorted(set(k for k in keys if k), key=utf8)
        for bucket in (1, 3, 32):
            for compress in (True, False):
                out.append((want, CompactKeys.build(want, bucket, compress).to_bytes()))
    return out


def mutate(rng, data):
    b = bytearray(data)
    n, nb, size, bucket, width, nsym = HEADER.unpack_from(b)
    start = HEADER.size
    table = start + (nb + 1) * width
    body = table + 9 * nsym
    for _ in range(rng.randint(1, 3)):
        what = rng.randrange(11)
        if what == 9 and nsym and len(b) >= body:   # a symbol's length, or a byte of one
            c = rng.randrange(nsym)
            if rng.random() < 0.5:
                b[table + c] = rng.choice([0, 1, 7, 8, 9, 255])
            else:
                b[table + nsym + 8 * c + rng.randrange(8)] = rng.choice(EDGE)
            continue
        if what == 10 and len(b) > body:   # a code no symbol has, or the escape
            b[rng.randrange(body, len(b))] = rng.choice([nsym, 254, 255] if nsym else [255])
            continue
        if what == 0:   # a header field to an edge value
            field = rng.randrange(6)
            vals = [n, nb, size, bucket, width, nsym]
            vals[field] = rng.choice([0, 1, 2, 4, 8, vals[field] + 1, max(vals[field] - 1, 0),
                                      2 ** 31, 2 ** 32 - 1])
            if field >= 3:
                vals[field] &= 0xFFFFFFFF
            b[:HEADER.size] = HEADER.pack(*vals)
        elif what == 1 and nb:   # a bucket offset
            i = rng.randrange(nb + 1)
            v = rng.choice([0, 1, size, size + 1, size - 1 if size else 0, 2 ** 32 - 1])
            b[start + i * width:start + (i + 1) * width] = v.to_bytes(width, "little")
        elif what == 2 and len(b) > body:   # a length byte in the buckets
            b[rng.randrange(body, len(b))] = rng.choice(EDGE)
        elif what == 3 and len(b) > body:   # a byte to a UTF-8 lead or continuation
            b[rng.randrange(body, len(b))] = rng.choice([0xC3, 0xE0, 0xED, 0xF0, 0xF4, 0xA0,
                                                         0x80, 0xBF, 0xC0, 0xF5])
        elif what == 4 and nb > 1:   # two offsets swapped
            i, j = rng.randrange(1, nb + 1), rng.randrange(1, nb + 1)
            si, sj = slice(start + i * width, start + (i + 1) * width), \
                slice(start + j * width, start + (j + 1) * width)
            b[si], b[sj] = b[sj], b[si]
        elif what in (5, 6):   # random bit flips; truncate or extend
            byte_noise(rng, b, what - 5)
        elif what == 7 and len(b) > body + 2:   # a run of bytes duplicated in place
            at = rng.randrange(body, len(b) - 1)
            b[at:at] = b[at:at + rng.randint(1, 8)]
        elif len(b) > body:   # a byte of the buckets deleted
            del b[rng.randrange(body, len(b))]
    return bytes(b)


def exercise(s, qs):
    """Every method against the keys the payload opened to; a note on disagreement, or None."""
    n = len(s)
    keys = []
    for i, k in enumerate(s):
        if i >= n:
            return "iteration yields more than len keys"
        keys.append(k)
    if len(keys) != n:
        return "iteration yields fewer than len keys"
    raw = [utf8(k) for k in keys]
    if any(a >= b for a, b in zip(raw, raw[1:])):
        return "keys not strictly increasing"
    for i in range(0, n, max(1, n // 50)):
        if s.key_at(i) != keys[i] or s.index_of(keys[i]) != i:
            return f"key_at/index_of disagree at {i}"
    held = set(keys)
    got = s.contains_many(qs + keys[:20] + [3])
    if got.tolist() != [q in held for q in qs + keys[:20]] + [False]:
        return "contains_many disagrees"
    for q in qs:
        bq = utf8(q)
        lo = bisect.bisect_left(raw, bq)
        if (q in s) != (q in held) or s.lower_bound(bq) != lo:
            return f"in / lower_bound disagree on {q!r}"
        end = lo
        while end < n and raw[end].startswith(bq):
            end += 1
        if s.prefix_end(lo, bq) != end:
            return f"prefix_end disagrees on {q!r}"
    s.nbytes
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="mutated payloads")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--guard", action="store_true", help="payloads against a guard page")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    base = seeds(rng)
    probes = {id(data): queries(rng, keys[:60]) for keys, data in base}
    signal.signal(signal.SIGALRM, alarm)
    stats = Counter()
    notes = {}
    for i in range(args.n):
        keys, data = rng.choice(base)
        bad = mutate(rng, data)
        stats["inputs"] += 1
        qs = probes[id(data)]
        try_one(bad, CompactKeys.from_buffer, lambda s: exercise(s, qs),
                ValueError,   # what the envelope reports as FormatError
                args.guard, stats, notes, f"input {i}")
    print(dict(stats), flush=True)
    return 1 if notes else 0


if __name__ == "__main__":
    sys.exit(main())
