"""Random-operation fuzzer for the HAT-trie containers (MutableStringSet, MutableStringMap).

Drives each container with tiny tuning (``_burst``/``_load`` of 1..4, so containers split,
burst and rehash all the time) beside the builtin it replaces, with every method, ``_check()``
after each step, copies, pickles, to_bytes/from_bytes round trips, iteration while mutating
(must raise RuntimeError) and ``from_bytes`` on mutated payloads re-packed with a valid
checksum (must raise FormatError or give a container whose invariants hold). Each map draws
its values from one flavour (ints, str, floats, or every kind mixed), so every value layout
(``value_kind``), its widening, compaction and its file format 2 are driven too. Meant to run
under valgrind memcheck::

    PYTHONMALLOC=malloc valgrind --error-exitcode=99 python benchmarks/fuzz_hat_trie.py --ops 3000
"""

from __future__ import annotations

import argparse
import pickle
import random
import struct
import sys

from lowram import FormatError, MutableStringMap, MutableStringSet
from lowram._fileformat import pack, unpack

CHARS = "ab\u00e9\u00ff\u0100\u03ff\u0400\u0436\u045f\u0460\u105f\u1060\u4e2d\uffff" \
        "\U00010000\U000F105F\U000F1060\U0010FFFF\x00"


def rand_key(rng):
    r = rng.random()
    if r < 0.05:
        return ""
    if r < 0.1:  # long keys: past the 256-byte local buffer and the long-length marker
        return rng.choice("ab\u0436\U0001F600") * rng.randint(60, 400)
    n = rng.randint(1, 6)
    return "".join(rng.choice(CHARS[: rng.randint(2, len(CHARS))]) for _ in range(n))


def mutate_payload(rng, payload):
    b = bytearray(payload)
    for _ in range(rng.randint(1, 3)):
        what = rng.randrange(6)
        if what == 0 and len(b) >= 16:  # header: burst, load, count
            off = rng.choice((0, 4, 8))
            if off == 8:
                struct.pack_into("<Q", b, 8, rng.choice(
                    [0, 1, len(b), len(b) + 1, 2 ** 64 - 1, rng.randrange(len(b) + 1)]))
            else:
                struct.pack_into("<I", b, off, rng.choice([0, 1, 2, 1024, 1025, 1 << 24,
                                                           (1 << 24) + 1, 2 ** 32 - 1]))
        elif what == 1 and len(b) > 16:
            b[rng.randrange(16, len(b))] = rng.choice([0, 0x7F, 0x80, 0xFF, 0xC0, 0xED, 0xF4])
        elif what == 2 and len(b) > 16:
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        elif what == 3 and len(b) > 16:
            pos = rng.randrange(16, len(b) + 1)
            b[pos:pos] = rng.choice([b"\xff" * 10, b"\x80", b"\x00", b"\xff\xff\xff\xff\x0f"])
        elif what == 4 and len(b) > 16:
            del b[rng.randrange(16, len(b)):]
        elif len(b) > 17:
            i, j = sorted(rng.sample(range(16, len(b)), 2))
            b[i], b[j] = b[j], b[i]
    return bytes(b)


#: value flavours of a map: each draws one value
FLAVOURS = {
    "int": lambda rng: rng.choice([0, 1, -1, 2 ** 63 - 1, -2 ** 63, rng.randint(-1000, 1000)]),
    "str": lambda rng: rand_key(rng)[:8],
    "float": lambda rng: rng.choice([0.0, -0.0, 1.5, float("inf"), rng.random()]),
    "mixed": lambda rng: rng.choice([rng.randint(-9, 9), 2 ** 70, "s" * rng.randint(0, 3),
                                     b"b", None, True, 0.25, (1, "t")]),
}


def check_payloads(rng, obj, cls, n=3):
    blob = obj.to_bytes()
    env = unpack(blob)
    for _ in range(n):
        bad = pack(env.kind, env.version, mutate_payload(rng, bytes(env.payload)))
        try:
            got = cls.from_bytes(bad)   # no allow_pickle: pickled values are refused
        except (FormatError, ValueError):
            continue
        got._check()
        list(got)
        len(got)
        got.to_bytes()


def step_map(rng, m, d, flavour="int"):
    op = rng.randrange(22)
    k = rand_key(rng)
    v = FLAVOURS[flavour](rng)
    if op < 5:
        m[k] = v
        d[k] = v
    elif op == 5:
        assert m.get(k, "x") == d.get(k, "x")
    elif op == 6:
        if k in d:
            del m[k]
            del d[k]
        else:
            try:
                del m[k]
                raise AssertionError("del of an absent key")
            except KeyError:
                pass
    elif op == 7:
        assert m.pop(k, None) == d.pop(k, None)
    elif op == 8 and d:
        key, val = m.popitem()
        assert d.pop(key) == val
    elif op == 9:
        assert m.setdefault(k, v) == d.setdefault(k, v)
    elif op == 10:
        keys = [rand_key(rng) for _ in range(rng.randint(0, 20))]
        try:
            m.increment(keys, rng.choice([1, 2 ** 62]))
        except (OverflowError, TypeError):   # int64 counts; a str value does not add
            pass
        else:
            pass
        # resync from the map (the overflow case is all-or-nothing, checked below)
        d.clear()
        d.update(dict(m.items()))
    elif op == 11:
        pairs = {rand_key(rng): FLAVOURS[flavour](rng) for _ in range(rng.randint(0, 30))}
        m.update(pairs)
        d.update(pairs)
    elif op == 12:
        p = k[:1]
        assert list(m.keys(p)) == sorted(x for x in d if x.startswith(p))
        assert list(m.items(p)) == sorted((x, y) for x, y in d.items() if x.startswith(p))
    elif op == 13:
        assert m.prefixes(k) == [(k[:i], d[k[:i]]) for i in range(len(k) + 1) if k[:i] in d] \
            or m.prefixes(k) == [k[:i] for i in range(len(k) + 1) if k[:i] in d]
    elif op == 14:
        c = m.copy()
        c._check()
        assert c == m
        c[k] = v  # the copy is independent
        c._check()
    elif op == 15:
        c = pickle.loads(pickle.dumps(m))
        c._check()
        assert dict(c.items()) == d
    elif op == 16:
        c = MutableStringMap.from_bytes(m.to_bytes(), allow_pickle=True)
        c._check()
        assert dict(c.items()) == d
        check_payloads(rng, m, MutableStringMap)
    elif op == 17 and d:
        it = iter(m) if rng.random() < 0.5 else iter(m.items())
        next(it)
        m[k] = v
        d[k] = v
        try:
            for _ in it:
                pass
            if k not in dict.fromkeys(list(d)) or True:
                pass
        except RuntimeError:
            pass
    elif op == 18:
        if rng.random() < 0.1:
            m.clear()
            d.clear()
    elif op == 19:
        assert (k in m) == (k in d)
        assert list(m.values()) == [d[x] for x in sorted(d)]
    elif op == 20:
        it = iter(m.keys(k[:1]))
        del_key = next(iter(d), None)
        if del_key is not None:
            del m[del_key]
            del d[del_key]
            try:
                list(it)
            except RuntimeError:
                pass
    else:
        assert m.has_prefix(k) == any(x.startswith(k) for x in d)


def step_set(rng, s, ref):
    op = rng.randrange(16)
    k = rand_key(rng)
    if op < 5:
        s.add(k)
        ref.add(k)
    elif op == 5:
        s.discard(k)
        ref.discard(k)
    elif op == 6 and ref:
        x = s.pop()
        ref.remove(x)
    elif op == 7:
        ks = [rand_key(rng) for _ in range(rng.randint(0, 30))]
        s.update(ks)
        ref.update(ks)
    elif op == 8:
        ks = [rand_key(rng) for _ in range(rng.randint(0, 30))] + list(ref)[:5]
        assert list(s.contains_many(ks)) == [x in ref for x in ks]
    elif op == 9:
        other = {rand_key(rng) for _ in range(10)} | set(list(ref)[:3])
        which = rng.randrange(4)
        if which == 0:
            s &= other
            ref &= other
        elif which == 1:
            s -= other
            ref -= other
        elif which == 2:
            s ^= other
            ref ^= other
        else:
            s |= other
            ref |= other
    elif op == 10:
        c = s.copy()
        c._check()
        assert c == s
        c.add(k)
    elif op == 11:
        c = pickle.loads(pickle.dumps(s))
        c._check()
        assert set(c) == ref
    elif op == 12:
        c = MutableStringSet.from_bytes(s.to_bytes())
        c._check()
        assert set(c) == ref
        check_payloads(rng, s, MutableStringSet)
    elif op == 13 and ref:
        it = iter(s)
        next(it)
        s.add(k)
        ref.add(k)
        s.discard(next(iter(ref)))
        ref.discard(next(iter(ref)))
        s.discard(k) if False else None
        try:
            list(it)
        except RuntimeError:
            pass
        ref.clear()
        ref.update(s)
    elif op == 14:
        p = k[:1]
        assert list(s.keys(p)) == sorted(x for x in ref if x.startswith(p))
        assert s.prefixes(k) == [k[:i] for i in range(len(k) + 1) if k[:i] in ref]
    else:
        if rng.random() < 0.1:
            s.clear()
            ref.clear()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    done = 0
    while done < args.ops:
        burst, load = rng.randint(1, 4), rng.randint(1, 4)
        m, d = MutableStringMap(_burst=burst, _load=load), {}
        s, ref = MutableStringSet(_burst=burst, _load=load), set()
        flavour = rng.choice(["int", "int", "str", "float", "mixed"])
        for _ in range(rng.randint(50, 400)):
            step_map(rng, m, d, flavour)
            step_set(rng, s, ref)
            done += 2
            if rng.random() < 0.2:
                m._check()
                s._check()
            assert dict(m.items()) == d, "map differs"
            assert [type(v) for v in m.values()] == [type(d[k]) for k in sorted(d)], "kinds"
            assert set(s) == ref, "set differs"
            assert len(m) == len(d) and len(s) == len(ref)
        m._check()
        s._check()
    print({"ops": done}, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
