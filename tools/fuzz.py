#!/usr/bin/env python3
"""Coverage-guided fuzzing of every lowram decoder (atheris, i.e. libFuzzer, from PyPI).

One target per saved kind: ``TARGETS`` is built from the compat fixtures
(``tests/compat/data``), one entry per envelope kind (``StringSet/marisa``, ``IntSet``,
``HyperLogLog/redis``...), seeded with the payloads of every fixture of that kind, so a kind
that gains a fixture gains a target. An input is a payload: the target wraps it in an envelope
with a valid checksum, opens it with ``from_bytes`` and exercises what opened (``len``,
iteration of up to 10,000 items, membership of the first items, the kind's own queries:
prefix queries, a map's values, a list's indexing, a sketch's estimates and counts, see
``_queries``; ``repr``, ``to_bytes`` and ``from_bytes`` again). Allowed outcomes:
``FormatError`` at open, a clear exception (``CLEAR``) from an exercise, or answers. Anything else is a finding: an uncaught exception, a crash, an
input that runs past ``-timeout`` seconds or past ``-rss_limit_mb``, saved by libFuzzer under
``tools/fuzz/regressions/<target>/`` (crash-*, timeout-*, oom-*). The tests replay every file
there (``--replay``), so a finding stays fixed once it is.

The mutator is structured: libFuzzer's own byte mutations (``atheris.Mutate``), and one time in
three a 4- or 8-byte aligned field set to an edge value (0, 1, 2**31 - 1, 2**32 - 1, 2**63,
2**64 - 1, the payload's size...), which is how counts and offsets lie. Coverage is what
atheris sees: lowram's Python code instrumented at import, and native code only when it was
built with ``-fsanitize=fuzzer-no-link`` (``tools/fuzz/README.md`` says how).

    python tools/fuzz.py --list
    python tools/fuzz.py StringSet/marisa -runs=1000000        # one target, libFuzzer flags
    python tools/fuzz.py --all --runs 1000000 --table          # every target, the README table
    python tools/fuzz.py --smoke 40                            # every target, no atheris
    python tools/fuzz.py --replay                              # the saved findings
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "tests", "compat", "data")
REGRESSIONS = os.path.join(HERE, "fuzz", "regressions")

#: exceptions an exercise of a changed structure may raise (a clear refusal, not a finding)
CLEAR = (ValueError, IndexError, KeyError, UnicodeError, OverflowError, TypeError)
EDGES4 = [0, 1, 2, 0x7F, 0xFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x10000000]
EDGES8 = [0, 1, 1 << 31, 1 << 32, 1 << 40, 1 << 62, 1 << 63, (1 << 64) - 1]


def _slug(kind: str) -> str:
    return kind.replace("/", "_")


def targets() -> dict:
    """``{kind: {"class": name, "seeds": [payload, ...], "version": v, "kwargs": {...}}}``."""
    from lowram import _fileformat as ff

    with open(os.path.join(DATA, "expected.json")) as fh:
        structures = json.load(fh)["structures"]
    out: dict = {}
    for name, s in sorted(structures.items()):
        for f in s["files"]:
            if f["open"] != "from_bytes":
                continue
            with open(os.path.join(DATA, f["file"]), "rb") as fh:
                env = ff.unpack(fh.read())
            t = out.setdefault(env.kind, {"class": s["class"], "seeds": [], "kwargs": {},
                                          "versions": set()})
            t["seeds"].append(bytes(env.payload))
            t["versions"].add(env.version)
            t["kwargs"].update(f.get("kwargs") or {})
            break
    return out


def _class(name):
    import lowram

    cls = getattr(lowram, name, None)
    if cls is None:
        import lowram.sketches

        cls = getattr(lowram.sketches, name)
    return cls


def _has(obj, name: str) -> bool:
    """The class defines ``name`` (a protocol set to None, as CountMinSketch's
    ``__iter__``, is not there)."""
    return getattr(type(obj), name, None) is not None


def opener(kind: str, target: dict):
    """The function that tries one payload of ``kind`` (raises only on a finding)."""
    from lowram import _fileformat as ff
    from lowram.errors import FormatError
    from lowram.strings._values import PickleNotAllowed

    cls = _class(target["class"])
    version = max(target["versions"])
    # allow_pickle=True is a user saying the data is trusted (unpickling runs any code, for
    # as long as it likes): a target opens what it is given as a file nobody vouched for, and
    # pickled values are refused
    kwargs = {k: v for k, v in target["kwargs"].items() if k != "allow_pickle"}

    def one(payload: bytes) -> str:
        try:
            obj = cls.from_bytes(ff.pack(kind, version, payload), **kwargs)
        except (FormatError, PickleNotAllowed):
            return "refused"
        try:
            items = []
            if _has(obj, "__iter__"):
                for i, x in enumerate(obj):
                    if i < 50:
                        items.append(x)
                    if i >= 10_000:
                        break
            if _has(obj, "__len__"):
                len(obj)
            if _has(obj, "__contains__"):
                for x in items:
                    _ = x in obj
            _queries(obj, items)
            repr(obj)
            again = obj.to_bytes()
            cls.from_bytes(again, **kwargs)
        except CLEAR:
            return "refused later"
        return "opened"

    return one


#: probes for the structures that do not iterate (the sketches): items the fixtures added,
#: and some they did not
PROBES = ["item-0", "item-1", "heavy", "never-seen", "", "é", 0, 12345, b"bytes"]


def _queries(obj, items: list) -> None:
    """The structure's own queries, each where the class has it: prefix queries (``keys``,
    ``items`` and ``has_prefix`` on each item's first character, ``prefixes`` and
    ``longest_prefix`` of each item extended), a map's values (``[]``, ``get``), a list's
    indexing and slices, a sketch's ``estimate``, ``count`` and membership of the probes."""
    strs = [x for x in items if isinstance(x, str)][:20]
    for x in strs:
        head = x[:1]
        if _has(obj, "keys") and _has(obj, "prefixes"):
            for i, _ in enumerate(obj.keys(head)):
                if i >= 100:
                    break
            obj.prefixes(x + "z")
        if _has(obj, "has_prefix"):
            obj.has_prefix(head)
        if _has(obj, "longest_prefix"):
            obj.longest_prefix(x + "z", None)
        if _has(obj, "items") and _has(obj, "prefixes"):
            for i, _ in enumerate(obj.items(head)):
                if i >= 100:
                    break
    if _has(obj, "__getitem__") and _has(obj, "keys") and not _has(obj, "append"):
        for x in items[:20]:   # a map: iteration gave its keys
            obj[x]
            obj.get(x)
    if _has(obj, "append") and _has(obj, "__len__"):   # a list
        n = len(obj)
        if n:
            obj[0], obj[-1], obj[n // 2]
        obj[::max(1, n // 50)]
        obj[-3:]
    if _has(obj, "estimate"):
        obj.estimate()
    for method in ("count", "estimate_count"):
        # (a sketch's: a sequence's count is O(n), and a constant PackedIntArray of 2**62
        # items is a legitimate 60-byte file)
        if _has(obj, method) and not _has(obj, "__getitem__"):
            for x in PROBES:
                try:
                    getattr(obj, method)(x)
                except TypeError:
                    pass   # a probe of a type the sketch does not count
    if _has(obj, "__contains__") and not _has(obj, "__iter__"):
        for x in PROBES:
            try:
                _ = x in obj
            except TypeError:
                pass


def mutate(rng: random.Random, data: bytes, max_size: int, byte_mutate) -> bytes:
    """The structured mutator: an aligned field set to an edge value, or byte mutations."""
    if data and rng.randrange(3) == 0:
        b = bytearray(data)
        width = 8 if len(b) >= 8 and rng.random() < 0.5 else 4
        if len(b) >= width:
            pos = rng.randrange(len(b) // width) * width
            value = rng.choice((EDGES8 if width == 8 else EDGES4)
                               + [len(b), len(b) + 1, len(b) // width])
            b[pos:pos + width] = (value % (1 << (8 * width))).to_bytes(width, "little")
        return bytes(b)
    return byte_mutate(data, max_size)


def _noise(rng):
    """A stand-in for libFuzzer's byte mutations when atheris is not running."""
    def byte_mutate(data: bytes, max_size: int) -> bytes:
        b = bytearray(data)
        op = rng.randrange(4)
        if op == 0 and b:
            for _ in range(rng.randint(1, 4)):
                b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        elif op == 1 and b:
            del b[rng.randrange(len(b)):]
        elif op == 2:
            b[rng.randrange(len(b) + 1):0] = bytes(rng.randrange(256)
                                                   for _ in range(rng.randint(1, 16)))
        elif b:
            i, j = sorted(rng.randrange(len(b)) for _ in range(2))
            b[i:j] = b[j:] [:j - i]
        return bytes(b[:max_size])
    return byte_mutate


def smoke(n: int, seed: int = 0, only=None) -> dict:
    """Every target over its seeds and ``n`` mutations each, in this process, no atheris."""
    rng = random.Random(seed)
    stats = {}
    for kind, t in targets().items():
        if only and kind not in only:
            continue
        one = opener(kind, t)
        counts = {"refused": 0, "opened": 0, "refused later": 0}
        for s in t["seeds"]:
            counts[one(s)] += 1
        for _ in range(n):
            data = mutate(rng, rng.choice(t["seeds"]), 1 << 16, _noise(rng))
            counts[one(data)] += 1
        stats[kind] = counts
    return stats


def replay() -> dict:
    """Every saved finding through its target: each must now open or be refused."""
    ts = targets()
    out = {}
    if not os.path.isdir(REGRESSIONS):
        return out
    slugs = {_slug(k): k for k in ts}
    for d in sorted(os.listdir(REGRESSIONS)):
        kind = slugs.get(d)
        if kind is None:
            raise SystemExit(f"{REGRESSIONS}/{d}: no target of that name")
        one = opener(kind, ts[kind])
        for f in sorted(os.listdir(os.path.join(REGRESSIONS, d))):
            with open(os.path.join(REGRESSIONS, d, f), "rb") as fh:
                out[f"{d}/{f}"] = one(fh.read())
    return out


def run_one(kind: str, libfuzzer_args: list) -> None:
    """Run ``kind`` under atheris (this process; libFuzzer takes over its argv)."""
    import atheris

    with atheris.instrument_imports(include=["lowram"]):
        import lowram  # noqa: F401
        import lowram.sketches  # noqa: F401
    t = targets()[kind]
    one = opener(kind, t)
    rng = random.Random()

    def test(data: bytes) -> None:
        one(data)

    def custom(data: bytes, max_size: int, seed: int) -> bytes:
        rng.seed(seed)
        return mutate(rng, data, max_size, atheris.Mutate)

    # the corpus persists between runs (libFuzzer adds what reached new code), seeded once
    corpus = os.path.join(os.environ.get("LOWRAM_FUZZ_CORPUS")
                          or os.path.join(tempfile.gettempdir(), "lowram-fuzz"), _slug(kind))
    os.makedirs(corpus, exist_ok=True)
    for i, s in enumerate(t["seeds"]):
        with open(os.path.join(corpus, f"seed{i}"), "wb") as fh:
            fh.write(s)
    art = os.path.join(REGRESSIONS, _slug(kind)) + os.sep
    os.makedirs(art, exist_ok=True)   # libFuzzer writes findings there (run_all removes it empty)
    args = [sys.argv[0], *libfuzzer_args, f"-artifact_prefix={art}", corpus]
    atheris.Setup(args, test, custom_mutator=custom)
    atheris.Fuzz()   # libFuzzer ends the process


def run_all(runs: int, timeout: int, rss_mb: int, only=None) -> list:
    """Every target in its own process for ``runs`` inputs; one row per target."""
    rows = []
    for kind in targets():
        if only and kind not in only:
            continue
        art = os.path.join(REGRESSIONS, _slug(kind))
        before = set(os.listdir(art)) if os.path.isdir(art) else set()
        t0 = time.time()
        proc = subprocess.run([sys.executable, __file__, kind, f"-runs={runs}",
                               f"-timeout={timeout}", f"-rss_limit_mb={rss_mb}",
                               "-print_final_stats=1"], capture_output=True, text=True)
        after = set(os.listdir(art)) if os.path.isdir(art) else set()
        new = sorted(after - before)
        done = re.findall(r"#(\d+)\s+DONE\s+cov: (\d+) ft: (\d+)", proc.stderr)
        last = re.findall(r"#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+)", proc.stderr)
        n, cov, ft = map(int, (done or last or [("0", "0", "0")])[-1])
        rows.append({"target": kind, "inputs": n, "coverage": cov, "features": ft,
                     "crashes": sum(f.startswith("crash-") for f in new),
                     "hangs": sum(f.startswith("timeout-") for f in new),
                     "ooms": sum(f.startswith("oom-") for f in new),
                     "exit": proc.returncode, "seconds": round(time.time() - t0, 1)})
        if os.path.isdir(art) and not os.listdir(art):
            os.rmdir(art)
        print(json.dumps(rows[-1]), flush=True)
    return rows


def table(rows: list) -> str:
    head = "| target | inputs | coverage (edges) | features | crashes | hangs | ooms | s |"
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['target']} | {r['inputs']:,} | {r['coverage']:,} | "
                     f"{r['features']:,} | {r['crashes']} | {r['hangs']} | {r['ooms']} | "
                     f"{r['seconds']:,} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and not argv[0].startswith("-"):     # one target: the rest is libFuzzer's
        run_one(argv[0], argv[1:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", action="store_true", help="the targets and their seeds")
    ap.add_argument("--all", action="store_true", help="run every target under atheris")
    ap.add_argument("--runs", type=int, default=10_000, help="inputs per target (--all)")
    ap.add_argument("--timeout", type=int, default=10, help="seconds per input (--all)")
    ap.add_argument("--rss-mb", type=int, default=3072, help="memory cap per target (--all)")
    ap.add_argument("--only", nargs="*", help="targets to run (--all, --smoke)")
    ap.add_argument("--table", action="store_true", help="print the README table (--all)")
    ap.add_argument("--smoke", type=int, metavar="N", help="every target, N mutations, no atheris")
    ap.add_argument("--replay", action="store_true", help="replay the saved findings")
    args = ap.parse_args(argv)
    if args.list:
        for kind, t in targets().items():
            print(f"{kind:24} {t['class']:20} {len(t['seeds'])} seeds, "
                  f"{sum(map(len, t['seeds'])):,} bytes")
    elif args.smoke is not None:
        print(json.dumps(smoke(args.smoke, only=args.only)))
    elif args.replay:
        print(json.dumps(replay()))
    elif args.all:
        rows = run_all(args.runs, args.timeout, args.rss_mb, args.only)
        if args.table:
            print(table(rows))
        bad = sum(r["crashes"] + r["hangs"] + r["ooms"] for r in rows)
        return 1 if bad else 0
    else:
        ap.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
