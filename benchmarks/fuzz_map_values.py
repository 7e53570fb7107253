"""Fuzzer of StringMap files: every value layout on every backend, payloads mutated and
re-packed with a valid checksum, opened read and memory-mapped.

Each round builds a StringMap of random keys whose values are of one kind (int, float, bool,
None, str, bytes) or mixed, saves it, then opens mutated copies (bytes flipped, set to edge
values, runs inserted or cut, the tail truncated) with ``from_bytes`` and with
``load(mmap=True)`` and ``load(mmap=False)``. Each must raise ``lowram.FormatError`` or
``ValueError`` (a pickled column without ``allow_pickle``), or open to a map whose every item
can be read and iterated without a crash or another exception (a crafted file may still
answer wrongly, as ``StringMap.load`` says). Pickled values are never unpickled here. A crash, a
hang or another exception fails the run. Meant to run under valgrind memcheck as well::

    python benchmarks/fuzz_map_values.py --rounds 300     # every backend but marisa
    PYTHONMALLOC=malloc valgrind --error-exitcode=99 python benchmarks/fuzz_map_values.py --rounds 20
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile

from lowram import FormatError, StringMap
from lowram._fileformat import pack, unpack
from lowram.strings import backends

KINDS = {
    "int": lambda rng: rng.choice([0, -1, 127, 2 ** 63 - 1, -2 ** 63, rng.randint(-99, 99)]),
    "uint": lambda rng: rng.choice([0, 2 ** 64 - 1, rng.randint(0, 2 ** 64 - 1)]),
    "float": lambda rng: rng.choice([0.0, -0.0, 0.5, 0.1, float("inf"), rng.random()]),
    "bool": lambda rng: rng.random() < 0.5,
    "none": lambda rng: None,
    "str": lambda rng: "".join(rng.choice("ab\u00e9\u0436\U0001F600") for _ in
                               range(rng.randint(0, 5))),
    "bytes": lambda rng: bytes(rng.randrange(256) for _ in range(rng.randint(0, 4))),
    "mixed": lambda rng: rng.choice([1, 2 ** 70, "x", b"y", None, False, 1.5, (1,)]),
}


def mutate(rng, payload: bytes) -> bytes:
    b = bytearray(payload)
    for _ in range(rng.randint(1, 4)):
        if not b:
            break
        what = rng.randrange(5)
        i = rng.randrange(len(b))
        if what == 0:
            b[i] ^= 1 << rng.randrange(8)
        elif what == 1:
            b[i] = rng.choice([0, 1, 7, 8, 0x7F, 0x80, 0xFF])
        elif what == 2:
            b[i:i] = rng.choice([b"\x00" * 8, b"\xff" * 8, b"\x80"])
        elif what == 3:
            del b[i:i + rng.randint(1, 16)]
        else:
            del b[i:]
    return bytes(b)


def read_all(m) -> None:
    """Read every item. A crafted file that passes the checks made at open may still answer
    wrongly (StringMap.load says so: a key iterated but not found, out of order), or raise
    FormatError when a value is read; it must never crash or raise anything else."""
    try:
        for key, value in list(m.items()):
            m.get(key)
    except (FormatError, KeyError):
        return
    len(m)
    m.value_kind
    m.nbytes
    if m.value_kind not in ("object", "mixed"):
        m.to_bytes()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--mutations", type=int, default=20, help="mutated copies per map")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip", default="marisa", help="backends not fuzzed (comma-separated)")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    # marisa files are parsed by the marisa library as they are (its reader is not bounds-
    # checked: a crafted file can crash it, as StringMap.load says); the others are read by
    # lowram's own checked readers
    names = [n for n in backends.names("map") if n not in args.skip.split(",")]
    opened = refused = 0
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "m.lowram")
    for _ in range(args.rounds):
        kind = rng.choice(sorted(KINDS))
        n = rng.randint(0, 40)
        keys = {"".join(rng.choice("abc\u00e9") for _ in range(rng.randint(0, 6)))
                for _ in range(n)}
        m = StringMap({k: KINDS[kind](rng) for k in keys}, backend=rng.choice(names))
        env = unpack(m.to_bytes())
        for _ in range(args.mutations):
            data = pack(env.kind, env.version, mutate(rng, bytes(env.payload)))
            with open(path, "wb") as fh:
                fh.write(data)
            for open_ in (lambda: StringMap.from_bytes(data),
                          lambda: StringMap.load(path, mmap=True),
                          lambda: StringMap.load(path, mmap=False)):
                try:
                    got = open_()
                except (FormatError, ValueError):
                    refused += 1
                    continue
                read_all(got)
                opened += 1
                del got
    print({"rounds": args.rounds, "opened": opened, "refused": refused}, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
