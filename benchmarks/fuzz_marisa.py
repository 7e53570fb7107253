"""Fuzz the ``marisa`` backend's gate (``check_marisa``) with hostile payloads.

Valid MARISA tries (English words, keys sharing long prefixes and suffixes, binary keys with
NUL, 1 to 5 nested tries, text and binary tails, every cache size, both node orders) are
mutated in two ways. Raw: bit flips, truncations, zero bytes appended, a 32-bit word set to an
edge value. Structured (through ``tools/marisa_format.py``, which re-encodes the payload so the
change gets past the checks a raw change trips first): a bit of a LOUDS, terminal, link or tail-end vector
flipped or the vector resized, with its rank and select indexes rebuilt as marisa builds them;
a label, a link extra, a cache entry (parent, child, label, link; swapped, copied), the
level-1 node count, the config word or a tail byte set to edge or random values; two such
changes at once. A payload ``check_marisa`` accepts is opened by marisa-trie (from bytes, or
mapped against a guard page with ``--guard``) and exercised: every key listed, looked up,
restored from its id, and its prefixes and completions asked for, with probes beside them.

A crash ends the run (rerun with the same ``--seed`` to replay it: inputs are deterministic);
an input that runs past 30 s dumps the stack and exits 3 (marisa's loops do not return to
Python, so an alarm could not stop them)::

    python benchmarks/fuzz_marisa.py --n 100000 --seed 1 --guard

``--unchecked`` shows what the gate is for: the payloads it refuses go to marisa-trie as they
are, each in a child process, and the run counts how many crash or hang the library.
"""

from __future__ import annotations

import argparse
import faulthandler
import random
import os
import struct
import subprocess
import sys
import tempfile
from collections import Counter

import marisa_trie
from _fuzzkit import Guarded, byte_noise

from lowram.corpora import bundled_path, read_lines
from lowram.errors import FormatError
from lowram.strings.backends._marisacheck import check_marisa

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))
import marisa_format as F  # noqa: E402

EDGE32 = [0, 1, 2, 255, 256, 511, 512, 0xFFFFFF, 0x1000000, 0x7FFFFFFF, 0xFFFFFFFF]


def seeds(rng):
    words = [w for i, w in enumerate(read_lines(bundled_path("english-words"))) if i % 211 == 0]
    shared = [f"http://host/{i % 7}/path/{i:05d}.html" for i in range(0, 4000, 9)]
    suffixes = ["a" * k + "b" + "suffix" * 8 for k in range(1, 60)]
    binary = sorted({bytes(rng.randrange(4) for _ in range(rng.randint(0, 9)))
                     for _ in range(400)})
    out = []
    for keys in (words, shared, suffixes, ["a"], [], ["", "a", "ab"]):
        raw = [k.encode() for k in keys]
        for tries in (1, 3, 5):
            for kw in (dict(order=marisa_trie.LABEL_ORDER),
                       dict(order=marisa_trie.WEIGHT_ORDER, cache_size=marisa_trie.HUGE_CACHE,
                            binary=True)):
                out.append((raw, marisa_trie.BinaryTrie(raw, num_tries=tries, **kw).tobytes()))
    for tries in (1, 2, 4):
        out.append((binary, marisa_trie.BinaryTrie(binary, num_tries=tries).tobytes()))
    return out


def _bitvectors(p):
    out = []
    for t in F.tries(p):
        for name in ("louds", "terminal", "link", "ends"):
            if t[name]["size"] or name == "ends":
                out.append(t[name])
    return out


def structured(rng, p):
    """One change to the parsed payload ``p``, in place."""
    ts = F.tries(p)
    t = rng.choice(ts)
    op = rng.randrange(9)
    if op == 0:                                   # flip a bit, indexes rebuilt
        bv = rng.choice(_bitvectors(p))
        if bv["size"]:
            F.set_bit(bv, rng.randrange(bv["size"]), rng.randrange(2))
            F.reindex(bv)
    elif op == 1:                                 # resize a bit vector
        bv = rng.choice(_bitvectors(p))
        F.resize(bv, max(0, bv["size"] + rng.choice([-64, -2, -1, 1, 2, 64, -bv["size"]])))
        F.reindex(bv)
    elif op == 2 and t["bases"]:                  # a label
        b = bytearray(t["bases"])
        b[rng.randrange(len(b))] = rng.choice([0, 1, 255, rng.randrange(256)])
        t["bases"] = bytes(b)
    elif op == 3 and t["extras"]["size"]:         # a link's high bits
        v = F.extras(t["extras"])
        v[rng.randrange(len(v))] = rng.choice([0, 1, max(v) + 1, rng.randrange(2 * max(v) + 2),
                                                0xFFFFFF, 0xFFFFFFFF]) & 0xFFFFFFFF
        F.set_extras(t["extras"], v)
    elif op == 4 and t["cache"]:                  # a cache entry
        c = bytearray(t["cache"])
        n = len(c) // 12
        i = rng.randrange(n)
        how = rng.randrange(4)
        if how == 0:
            struct.pack_into("<I", c, 12 * i + 4 * rng.randrange(3),
                             rng.choice(EDGE32 + [rng.randrange(64)]))
        elif how == 1:
            j = rng.randrange(n)
            a, b = c[12 * i:12 * i + 12], c[12 * j:12 * j + 12]
            c[12 * i:12 * i + 12], c[12 * j:12 * j + 12] = b, a
        elif how == 2:
            j = rng.randrange(n)
            c[12 * i:12 * i + 12] = c[12 * j:12 * j + 12]
        else:
            c[12 * i + 8 + rng.randrange(4)] = rng.randrange(256)
        t["cache"] = bytes(c)
    elif op == 5:                                 # the level-1 count
        t["num_l1"] = rng.choice([0, t["num_l1"] - 1, t["num_l1"] + 1, 0xFFFFFFFF]) & 0xFFFFFFFF
    elif op == 6:                                 # the config word
        t["flags"] ^= 1 << rng.randrange(20)
    elif op == 7 and t["tail"]:                   # a tail byte
        b = bytearray(t["tail"])
        b[rng.randrange(len(b))] = rng.choice([0, 0, rng.randrange(256)])
        t["tail"] = bytes(b)
    elif op == 8 and len(ts) > 1:                 # drop the last trie's tail into the one above
        ts[-2]["tail"], ts[-2]["ends"] = ts[-1]["tail"], ts[-1]["ends"]
        ts[-2]["next"] = None


def mutate(rng, data):
    if rng.random() < 0.3:
        b = bytearray(data)
        if rng.random() < 0.5:
            byte_noise(rng, b, rng.randrange(2))
        elif len(b) >= 4:
            pos = rng.randrange(len(b) // 4) * 4
            struct.pack_into("<I", b, pos, rng.choice(EDGE32))
        return bytes(b)
    p = F.parse(data)
    for _ in range(rng.choice([1, 1, 1, 2])):
        structured(rng, p)
    return F.dump(p)


def exercise(trie, probes):
    keys = trie.keys()
    for i in range(len(trie)):
        trie.restore_key(i)
    for k in keys[:200] + probes:
        _ = k in trie
        trie.get(k)
        trie.prefixes(k)
        trie.keys(k[:3])
        list(trie.iteritems(k[:2]))


def _replay(path, start):
    """Child of ``--unchecked``: open and exercise each payload of ``path`` from ``start``,
    printing each index when it is done."""
    with open(path, "rb") as fh:
        blobs = []
        while head := fh.read(8):
            blobs.append(fh.read(int.from_bytes(head, "little")))
    for i in range(start, len(blobs)):
        try:
            exercise(marisa_trie.BinaryTrie().frombytes(blobs[i]), [b"a", b"ab", b"\x00"])
            print("ok", i, flush=True)
        except Exception:   # what marisa-trie raises for what it notices itself
            print("raised", i, flush=True)


def unchecked(rng, base, n):
    """Feed ``n`` refused payloads to marisa-trie unchecked; count crashes and hangs."""
    blobs = []
    while len(blobs) < n:
        keys, data = rng.choice(base)
        bad = mutate(rng, data)
        try:
            check_marisa(bad)
        except FormatError:
            blobs.append(bad)
    stats = Counter()
    with tempfile.NamedTemporaryFile(delete=False) as fh:
        for b in blobs:
            fh.write(len(b).to_bytes(8, "little") + b)
    start = 0
    try:
        while start < len(blobs):
            try:
                out = subprocess.run([sys.executable, __file__, "--replay", fh.name,
                                      "--start", str(start)], capture_output=True, text=True,
                                     timeout=60)
                lines = out.stdout.split()
                code = out.returncode
            except subprocess.TimeoutExpired as e:
                lines = (e.stdout or b"").decode().split()
                code = "hang"
            done = [int(x) for x in lines[1::2]]
            for word in lines[0::2]:
                stats[word] += 1
            nxt = (done[-1] + 1) if done else start
            if nxt < len(blobs):
                stats["crash" if code != "hang" else "hang"] += 1
                nxt += 1
            start = nxt
    finally:
        os.unlink(fh.name)
    print({"refused payloads given to marisa-trie unchecked": n, **stats}, flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="mutated payloads")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--guard", action="store_true", help="payloads against a guard page")
    ap.add_argument("--unchecked", type=int, default=0, metavar="N",
                    help="instead: give N refused payloads to marisa-trie unchecked")
    ap.add_argument("--replay", help=argparse.SUPPRESS)
    ap.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.replay:
        _replay(args.replay, args.start)
        return 0
    rng = random.Random(args.seed)
    base = seeds(rng)
    if args.unchecked:
        unchecked(rng, base, args.unchecked)
        return 0
    probes = [b"", b"a", b"\x00", b"ab", b"http", b"zzzz", b"aaab", b"\xff" * 3]
    stats = Counter()
    for i in range(args.n):
        keys, data = rng.choice(base)
        bad = mutate(rng, data)
        stats["inputs"] += 1
        try:
            check_marisa(bad)
        except FormatError:
            stats["refused"] += 1
            continue
        stats["accepted"] += 1
        if bad != data:
            stats["accepted changed"] += 1
        faulthandler.dump_traceback_later(30, exit=True)
        g = Guarded(bad) if args.guard else None
        trie = (marisa_trie.BinaryTrie().map(g.view) if g
                else marisa_trie.BinaryTrie().frombytes(bad))
        exercise(trie, keys[:20] + probes)
        del trie
        if g:
            g.close()
        faulthandler.cancel_dump_traceback_later()
    print(dict(stats), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
