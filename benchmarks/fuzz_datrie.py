"""Fuzz lowram's reader of libdatrie's format (``DatrieDict``) with hostile buffers.

Valid tries written by datrie are mutated structurally (signatures kept; counts, ranges,
base/check cells, tail lengths, characters and data set to edge values: 0, -1, INT32_MIN,
INT32_MAX, num_cells - 1, the root, self-loops and two-state cycles), plus random byte
flips, and every opened buffer is queried with every method. A buffer that opens must give
answers that end: ``count()`` and ``iter_keys`` are capped by the number of cells (each key
ends at its own cell), and ``contains_many`` in lanes must agree with the plain loop.

Run it natively with the buffer placed against a guard page (``--guard``: a read past the
end faults at once), or under valgrind memcheck (``PYTHONMALLOC=malloc``, buffers as
``bytes``, whose allocation ends one byte after the data)::

    python benchmarks/fuzz_datrie.py --n 3000 --seed 1 [--guard]
    PYTHONMALLOC=malloc valgrind --error-exitcode=99 python benchmarks/fuzz_datrie.py --n 3000
"""

from __future__ import annotations

import argparse
import random
import signal
import struct
import sys
import tempfile

import datrie

from _fuzzkit import alarm, byte_noise, queries, try_one

from lowram import FormatError
from lowram.strings.backends._datriedic import DatrieDict

I32 = [0, -1, 1, 2, 3, -2, -2147483648, 2147483647, 0x7FFF, 0x8000, 0xFFFF, 255, 256, -255]


def write_trie(keys, alphabet):
    trie = datrie.BaseTrie(alphabet=alphabet)
    for i, key in enumerate(keys):
        trie[key] = i
    with tempfile.TemporaryFile() as fh:
        trie.write(fh)
        fh.seek(0)
        return fh.read()


def layout(data):
    """Offsets of the parts of a valid buffer."""
    nranges = struct.unpack_from(">i", data, 4)[0]
    da = 8 + 8 * nranges
    ncells = struct.unpack_from(">i", data, da + 4)[0]
    tail = da + 8 * ncells
    ntails = struct.unpack_from(">i", data, tail + 8)[0]
    blocks = []
    pos = tail + 12
    for _ in range(ntails):
        length = struct.unpack_from(">h", data, pos + 8)[0]
        blocks.append((pos, length))
        pos += 10 + length
    nchars = sum(struct.unpack_from(">i", data, 12 + 8 * i)[0]
                 - struct.unpack_from(">i", data, 8 + 8 * i)[0] + 1 for i in range(nranges))
    return dict(nranges=nranges, da=da, ncells=ncells, tail=tail, ntails=ntails,
                blocks=blocks, nchars=nchars)


def seeds(rng):
    """A few valid tries: (keys, buffer)."""
    out = []
    sets = [
        ["a"], [""], ["", "a", "ab", "abc", "b"], ["ab", "abc", "b"],
        [w for w in ("the of and to in is you that it he was for on are as with his they at "
                     "be this have from or one had by word but not what all were we when "
                     "your can said there use an each which she do how their if").split()],
        ["\u0436\u0443\u043a", "\u0436\u0430\u0431\u0430", "\u0436"],
        ["\U0001F600a", "\U0001F600", "b\U0001F601"],
        ["ab" * 50, "ab" * 50 + "c", "x"],
    ]
    for _ in range(4):
        alpha = rng.sample("abcdefgh\u00e9\u0436\u4e2d\U0001F600", rng.randint(1, 5))
        sets.append(sorted({"".join(rng.choice(alpha) for _ in range(rng.randint(0, 6)))
                            for _ in range(rng.randint(1, 30))}))
    for keys in sets:
        alphabet = "".join(sorted({c for k in keys for c in k})) or "a"
        out.append((keys, write_trie(keys, alphabet)))
    return out


def mutate(rng, data):
    b = bytearray(data)
    lay = layout(data)
    nc, nt, da, tail = lay["ncells"], lay["ntails"], lay["da"], lay["tail"]
    edge = I32 + [nc - 1, nc, nc + 1, -nt, -(nt + 1), nt, lay["nchars"], lay["nchars"] + 1,
                  rng.randrange(-nt - 1, nc + 1)]

    def put32(off, v):
        if 0 <= off <= len(b) - 4:
            struct.pack_into(">i", b, off, v)

    for _ in range(rng.randint(1, 4)):
        what = rng.randrange(14)
        cell = rng.randrange(nc)
        if what == 0:  # base of a cell
            put32(da + 8 * cell, rng.choice(edge))
        elif what == 1:  # check of a cell
            put32(da + 8 * cell + 4, rng.choice(edge))
        elif what == 2:  # self-loop: base[s] + c == s, check[s] == s
            c = rng.randint(0, lay["nchars"])
            put32(da + 8 * cell, cell - c)
            put32(da + 8 * cell + 4, cell)
        elif what == 3:  # two-state cycle s <-> t
            t = rng.randrange(nc)
            c = rng.randint(0, lay["nchars"])
            d = rng.randint(0, lay["nchars"])
            put32(da + 8 * cell, t - c)
            put32(da + 8 * t + 4, cell)
            put32(da + 8 * t, cell - d)
            put32(da + 8 * cell + 4, t)
        elif what == 4:  # a child that points back to the root
            put32(da + 8 * cell, 2 - rng.randint(0, lay["nchars"]))
            put32(da + 8 * 2 + 4, cell)
        elif what == 5:  # number of cells
            put32(da + 4, rng.choice(edge))
        elif what == 6:  # number of tail blocks / first free block
            put32(tail + rng.choice((4, 8)), rng.choice(edge))
        elif what == 7 and lay["blocks"]:  # a tail block's length
            pos, _ = rng.choice(lay["blocks"])
            if pos + 10 <= len(b):
                struct.pack_into(">h", b, pos + 8, rng.choice(
                [0, -1, 1, 0x7FFF, -0x8000, 2, 100]))
        elif what == 8 and lay["blocks"]:  # a tail block's data or next-free
            pos, _ = rng.choice(lay["blocks"])
            put32(pos + rng.choice((0, 4)), rng.choice(edge))
        elif what == 9 and lay["blocks"]:  # a tail character
            pos, length = rng.choice(lay["blocks"])
            if length > 0 and pos + 10 + length <= len(b):
                b[pos + 10 + rng.randrange(length)] = rng.choice(
                    [0, 1, lay["nchars"], lay["nchars"] + 1, 255])
        elif what == 10:  # number of alphabet ranges, or a range's bounds
            if rng.random() < 0.5:
                put32(4, rng.choice(edge))
            else:
                put32(8 + 8 * rng.randrange(max(lay["nranges"], 1)) + rng.choice((0, 4)),
                      rng.choice(edge + [0x10FFFF, 0x110000, 0xFFFF, 0x10000]))
        elif what in (11, 12):  # random bit flips; truncate or extend
            byte_noise(rng, b, what - 11)
        elif da + 8 * nc <= len(b):  # swap two cells
            t = rng.randrange(nc)
            b[da + 8 * cell:da + 8 * cell + 8], b[da + 8 * t:da + 8 * t + 8] = \
                b[da + 8 * t:da + 8 * t + 8], b[da + 8 * cell:da + 8 * cell + 8]
    return bytes(b)


def exercise(d, qs, ncells_cap):
    """Every method; returns a note on disagreement, or None."""
    cap = max(ncells_cap, 0) + 2
    n = d.count()
    assert n <= cap, f"count() {n} > cells"
    for prefix in ("",) + tuple(qs[:: max(1, len(qs) // 12)]):
        for values in (False, True):
            it = d.iter_keys(prefix, values)
            for i, _ in enumerate(it):
                if i > cap:
                    return f"iter_keys({prefix!r}) yields more keys than cells"
    plain = [q in d for q in qs]
    for q in qs:
        d.value_of(q)
        d.has_prefix(q)
        d.prefix_lengths(q)
        d.prefix_lengths(q, True)
    a = list(d.contains_many(list(qs), 0))
    lanes = list(d.contains_many(list(qs) + [1, None], 1))
    d.contains_many([])
    d.nbytes
    if a != plain:
        return "contains_many(lanes=0) != __contains__"
    if lanes[: len(qs)] != plain:
        return "contains_many(lanes=1) != __contains__: " + repr(
            [q for q, x, y in zip(qs, lanes, plain) if x != y][:5])
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--guard", action="store_true", help="buffers against a guard page")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    base = seeds(rng)
    signal.signal(signal.SIGALRM, alarm)
    stats = {"inputs": 0, "refused": 0, "opened": 0, "notes": 0}
    notes = {}
    for i in range(args.n):
        keys, data = rng.choice(base)
        bad = mutate(rng, data)
        stats["inputs"] += 1
        qs = queries(rng, keys)
        for limit in (-1, len(keys)):
            try_one(bad, lambda buf: DatrieDict(buf, limit),
                    lambda d: exercise(d, qs, len(bad) // 8), FormatError,
                    args.guard, stats, notes, f"input {i} (limit {limit})")
    print(stats, flush=True)
    return 1 if notes else 0


if __name__ == "__main__":
    sys.exit(main())
