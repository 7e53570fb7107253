"""Fuzzer of the int family's files: IntSet, IntMap and SortedIntSet payloads mutated and
re-packed with a valid checksum, opened from bytes and from a file (SortedIntSet mapped too).

Each round builds one of each from random ints of a random shape (small, clustered, spread
over int64, from 2**63 up; IntMap values int or float, plain or counting), then opens mutated
copies (bits flipped, bytes set to edge values, runs inserted or cut, the tail truncated).
Each must raise ``lowram.FormatError``, or open to a structure whose invariants hold
(``_check``) and whose every item reads back in order, in (``in``, ``s[i]``/``index`` for
SortedIntSet) and through ``to_numpy``. A crash, a hang or another exception fails the run.
Meant to run under valgrind memcheck as well::

    python benchmarks/fuzz_ints.py --rounds 300
    PYTHONMALLOC=malloc valgrind --error-exitcode=99 python benchmarks/fuzz_ints.py --rounds 10
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fuzz_map_values import mutate  # noqa: E402

from lowram import FormatError, IntMap, IntSet, SortedIntSet  # noqa: E402
from lowram._fileformat import pack, unpack  # noqa: E402

SHAPES = {
    "small": lambda rng: rng.randint(-300, 300),
    "int32": lambda rng: rng.randint(-2**31, 2**31 - 1),
    "int64": lambda rng: rng.randint(-2**63, 2**63 - 1),
    "upper": lambda rng: rng.randint(2**63, 2**64 - 1),
}


def build(rng):
    shape = rng.choice(list(SHAPES))
    n = rng.choice([0, 1, 5, 60, 700])
    keys = [SHAPES[shape](rng) for _ in range(n)]
    if shape == "upper":
        keys += [rng.randint(0, 50) for _ in range(n // 4)]
    kind = rng.choice(["int", "float"])
    values = [rng.randint(-2**63, 2**63 - 1) if kind == "int" else rng.random() for _ in keys]
    return [IntSet(keys, seed=rng.getrandbits(64)),
            IntMap(dict(zip(keys, values)), value_kind=kind, counting=rng.random() < 0.3),
            SortedIntSet(keys)]


def exercise(obj) -> None:
    obj._check()
    items = list(obj)
    if len(items) != len(obj):
        raise AssertionError(f"{type(obj).__name__}: {len(items)} items iterated, len {len(obj)}")
    for k in items[:50]:
        if k not in obj:
            raise AssertionError(f"{type(obj).__name__}: iterated {k} is not in it")
    if isinstance(obj, SortedIntSet):
        if items != sorted(set(items)):
            raise AssertionError("SortedIntSet: items out of order")
        for i, k in list(enumerate(items))[:50]:
            if obj[i] != k or obj.index(k) != i:
                raise AssertionError("SortedIntSet: select and rank disagree")
    if isinstance(obj, IntMap):
        for k, v in list(obj.items())[:50]:
            if obj[k] != v and v == v:
                raise AssertionError("IntMap: a value read two ways differs")
    try:
        obj.to_numpy()
    except OverflowError:   # negative ints beside ints from 2**63 up: no numpy type
        pass


def open_all(cls, blob: bytes, folder: str):
    """The structures a mutated blob opens to, by every route (FormatError when refused)."""
    out = [cls.from_bytes(blob)]
    path = os.path.join(folder, "f.lowram")
    with open(path, "wb") as fh:
        fh.write(blob)
    out.append(cls.load(path))
    if cls is SortedIntSet:
        out.append(cls.load(path, mmap=True))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--mutations", type=int, default=40, help="mutated copies per structure")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    rng = random.Random(seed)
    opened = refused = 0
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):
            for obj in build(rng):
                cls = type(obj)
                env = unpack(obj.to_bytes())
                for _ in range(args.mutations):
                    blob = pack(env.kind, env.version, mutate(rng, bytes(env.payload)))
                    try:
                        got = open_all(cls, blob, folder)
                    except FormatError:
                        refused += 1
                        continue
                    for o in got:
                        exercise(o)
                    opened += 1
    print(f"seed {seed}: {opened} mutated payloads opened and read back, {refused} refused "
          f"with FormatError, no crash")


if __name__ == "__main__":
    main()
