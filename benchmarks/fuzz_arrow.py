"""Crafted-column fuzzer for lowram's Arrow input (``lowram._arrow`` and its consumers).

Builds string, binary and integer arrays straight from buffers with
``pyarrow.Array.from_buffers`` (no validation by pyarrow): random bytes, random and corrupt
offsets (past the data, decreasing, negative, huge), random slices and null bitmaps, then
feeds each to every structure that takes a column (StrList, IntList, StringSet, StringMap,
MutableStringSet, MutableStringMap.counted, the sketches). Each must either give the same
result as the Python list of the column's values (when pyarrow's full validation accepts the
array) or raise ValueError/TypeError/OverflowError; anything else, or a crash, is a failure.
Meant to run under valgrind memcheck as well:

    python benchmarks/fuzz_arrow.py --cases 3000
    PYTHONMALLOC=malloc valgrind --error-exitcode=99 python benchmarks/fuzz_arrow.py --cases 300
"""

from __future__ import annotations

import argparse
import collections
import random
import struct
import sys

import pyarrow as pa

from lowram import (HyperLogLog, IntList, MutableStringMap, MutableStringSet, StringMap,
                    StringSet, StrList)

ALLOWED = (ValueError, TypeError, OverflowError)
PIECES = [b"a", b"bc", b"\xc3\xa9", b"\xe4\xb8\xad", b"\xf0\x9f\x98\x80", b"\x00", b"",
          b"\xff", b"\xed\xa0\x80", b"\xc0\xaf", b"\xe4\xb8", b"\xf4\x90\x80\x80"]


def crafted_text(rng):
    """A string/binary array from buffers: mostly plausible, sometimes corrupt."""
    n = rng.randint(0, 12)
    data = b"".join(rng.choice(PIECES) for _ in range(rng.randint(0, 20)))
    offs = sorted(rng.randint(0, len(data)) for _ in range(n + 1))
    if offs:
        offs[0] = 0 if rng.random() < 0.8 else offs[0]
    r = rng.random()
    if offs and r < 0.15:      # an offset past the data or negative
        offs[rng.randrange(len(offs))] = rng.choice([len(data) + rng.randint(1, 99), -1,
                                                     2 ** 31 - 1])
    elif len(offs) > 2 and r < 0.3:   # decreasing
        i = rng.randrange(1, len(offs))
        offs[i - 1], offs[i] = offs[i], offs[i - 1] - 1
    large = rng.random() < 0.3
    typ = rng.choice([pa.large_string(), pa.large_binary()] if large else
                     [pa.string(), pa.binary()])
    fmt = "<%dq" % len(offs) if large else "<%di" % len(offs)
    offsets = pa.py_buffer(struct.pack(fmt, *offs)) if offs else None
    validity = None
    nulls = -1
    if n and rng.random() < 0.15:
        validity = pa.py_buffer(bytes(rng.randrange(256) for _ in range((n + 7) // 8)))
        nulls = -1
    arr = pa.Array.from_buffers(typ, n, [validity, offsets, pa.py_buffer(data)],
                                null_count=nulls)
    if n and rng.random() < 0.3:
        start = rng.randrange(n)
        arr = arr.slice(start, rng.randint(0, n - start))
    return arr


def valid(arr) -> bool:
    try:
        arr.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def expected_strings(arr):
    """The column's values as str, or None when a lowram structure must refuse it (an empty
    array is read as empty whatever its one offset says: no byte of it is read)."""
    if len(arr) == 0:
        return []
    if not valid(arr) or arr.null_count:
        return None
    values = arr.to_pylist()
    if pa.types.is_binary(arr.type) or pa.types.is_large_binary(arr.type):
        try:
            return [v.decode("utf-8") for v in values]
        except UnicodeDecodeError:
            return None
    return values


def run_case(rng, stats):
    try:
        arr = crafted_text(rng)
    except pa.ArrowInvalid:   # pyarrow's own shallow check refused the buffers
        stats["not built"] += 1
        return
    want = expected_strings(arr)
    checks = {
        "StrList.from_arrow": (lambda: StrList.from_arrow(arr).tolist(), lambda w: w),
        "StrList(column)": (lambda: StrList(arr).tolist(), lambda w: w),
        "StringSet": (lambda: set(StringSet(arr, backend="sorted")), set),
        "MutableStringSet": (lambda: set(MutableStringSet(arr)), set),
        "counted": (lambda: dict(MutableStringMap.counted(arr)),
                    lambda w: dict(collections.Counter(w))),
        "HyperLogLog": (lambda: _hll(arr), _hll),
        "StringMap.from_arrow": (lambda: dict(StringMap.from_arrow(arr, pa.array(
            range(len(arr)), pa.int64()), backend="sorted")),
            lambda w: dict(zip(w, range(len(w))))),
    }
    for name, (got_fn, want_fn) in checks.items():
        try:
            got = got_fn()
        except ALLOWED:
            if want is not None and name != "StringMap.from_arrow":
                raise AssertionError(f"{name} refused a valid column {arr.to_pylist()!r}")
            stats["refused"] += 1
            continue
        if want is None and name != "StringMap.from_arrow":
            raise AssertionError(f"{name} accepted an invalid column of type {arr.type}")
        if want is not None and got != want_fn(want):
            raise AssertionError(f"{name}: {got!r} != {want_fn(want)!r}")
        stats["accepted"] += 1
    raw = bytes(rng.randrange(256) for _ in range(8 * rng.randint(0, 5)))
    ints = pa.Array.from_buffers(pa.int64(), len(raw) // 8, [None, pa.py_buffer(raw)])
    if IntList.from_arrow(ints).tolist() != ints.to_pylist():
        raise AssertionError(f"IntList.from_arrow: {ints.to_pylist()!r}")
    stats["accepted"] += 1


def _hll(values):
    h = HyperLogLog(8)
    h.update(values)
    return h.to_bytes()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    rng = random.Random(args.seed)
    stats = collections.Counter()
    for case in range(args.cases):
        try:
            run_case(rng, stats)
        except AssertionError as exc:
            print(f"case {case} (seed {args.seed}): {exc}", file=sys.stderr)
            return 1
    print(f"{args.cases} crafted columns ({stats['not built']} refused by pyarrow itself): "
          f"{stats['accepted']} results checked against the list, {stats['refused']} clear "
          f"refusals, no crash")
    return 0


if __name__ == "__main__":
    sys.exit(main())
