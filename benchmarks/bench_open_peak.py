"""Peak memory while opening a payload, against the bound 2 x its size + 1 MB.

For every saved kind of structure (``tools/fuzz.py``'s targets: one per envelope kind), three
sources of payloads are opened with ``from_bytes`` and the peak resident-set growth of the
open is read from Linux's own peak counter (``VmHWM``, reset through ``/proc/self/clear_refs``
before each open; the blob is built, and the heap trimmed with ``malloc_trim``, before the
baseline is read):

* ``real``: the structure built at three sizes (10**3, 10**5 and 10**6 items; sketches sized
  to match) and saved;
* ``lies``: each 4- and 8-byte field of the first 128 bytes of the kind's seed payloads set in
  turn to huge values (2**31 - 1, 2**32 - 1, 2**40, 2**62, 2**64 - 1), which is how a header
  claims more than the payload holds;
* ``mutated``: ``--mutations`` inputs per kind from the fuzzer's structured mutator
  (``tools.fuzz.mutate``), seeded, and every file of the fuzzer's corpus for the kind when
  ``$LOWRAM_FUZZ_CORPUS`` holds one (``--corpus``).

Each kind runs in its own child process, under a 4 GiB address-space cap, so one open cannot
disturb another's reading. A payload refused with FormatError is measured as well: the bound
is about what opening costs, whatever its answer. The table gives, per kind and source, the
inputs, how many opened, the largest peak growth, and the worst ratio of growth to the bound
(1.0 is the bound; a ratio above it is a miss and is printed with the input's size), with
that input's structure's own ``sys.getsizeof`` once open (lowram's ``__sizeof__`` counts its
native memory): a structure that is larger in memory than in its file (a hash table with
room to grow, a ``set`` of ``str``) cannot open within twice its file. The figures are
written to ``benchmarks/results/open_peak.json``.

    python benchmarks/bench_open_peak.py [--only KIND ...] [--mutations N] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

from _common import print_table, write_results

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MB = 1 << 20

CHILD = r"""
import ctypes, gc, json, os, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
sys.path.insert(0, sys.argv[3])
import fuzz
from lowram import _fileformat as ff
from lowram.errors import FormatError
kind, indir = sys.argv[1], sys.argv[2]
t = fuzz.targets()[kind]
cls = fuzz._class(t["class"])
version = max(t["versions"])
libc = ctypes.CDLL(None)

def status(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    raise RuntimeError(field)

# warm up: the first open of a kind imports and initialises what it needs, once per process
for seed in t["seeds"]:
    try:
        cls.from_bytes(ff.pack(kind, version, seed), **t["kwargs"])
    except FormatError:
        pass
rows = []
for name in sorted(os.listdir(indir)):
    source = name.split("-", 1)[0]
    with open(os.path.join(indir, name), "rb") as fh:
        payload = fh.read()
    blob = payload if source == "real" else ff.pack(kind, version, payload)
    gc.collect()
    libc.malloc_trim(0)
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    base = status("VmRSS:")
    try:
        obj = cls.from_bytes(blob, **t["kwargs"])
        answer = "opened"
    except FormatError:
        obj, answer = None, "refused"
    except MemoryError:
        obj, answer = None, "MemoryError"
    peak = status("VmHWM:")
    held = sys.getsizeof(obj) if obj is not None else None
    del obj
    rows.append({"input": name, "source": source, "bytes": len(blob), "answer": answer,
                 "growth": peak - base, "held": held})
print(json.dumps(rows))
"""

LIES = (2**31 - 1, 2**32 - 1, 2**40, 2**62, 2**64 - 1)
SIZES = (10**3, 10**5, 10**6)


def _words(n):
    return [f"{i * 2654435761 % (1 << 32):x}w{i % 97}" for i in range(n)]


def _real(kind: str, cls_name: str, n: int):
    """The kind's structure at about n items, saved (the whole envelope, as written)."""
    import numpy as np

    import lowram
    import lowram.sketches as sk

    sub = kind.split("/")[1] if "/" in kind else None
    kwargs = {"backend": sub} if cls_name in ("StringSet", "StringMap") else {}
    hll_p = min(18, max(4, n.bit_length() - 2))
    if kind == "HyperLogLog/redis":
        kwargs, hll_p = {"hash": "redis"}, 14
    words = _words(n)
    ints = np.arange(n, dtype=np.int64) * 7919 - n
    build = {
        "BitList": lambda: lowram.BitList([i % 3 == 0 for i in range(n)]),
        "FloatList": lambda: lowram.FloatList(ints / 7),
        "IntList": lambda: lowram.IntList(ints),
        "StrList": lambda: lowram.StrList(words),
        "PackedIntArray": lambda: lowram.PackedIntArray.from_iterable(ints),
        "IntSet": lambda: lowram.IntSet(ints),
        "SortedIntSet": lambda: lowram.SortedIntSet(ints),
        "IntMap": lambda: lowram.IntMap(dict(zip(ints.tolist(), range(n)))),
        "StringSet": lambda: lowram.StringSet(words, **kwargs),
        "StringMap": lambda: lowram.StringMap(dict(zip(words, range(n))), **kwargs),
        "MutableStringSet": lambda: lowram.MutableStringSet(words),
        "MutableStringMap": lambda: lowram.MutableStringMap(dict(zip(words, range(n)))),
        "StringCounter": lambda: lowram.StringCounter(words),
        "BloomFilter": lambda: _fed(sk.BloomFilter(n), words),
        "ScalableBloomFilter": lambda: _fed(sk.ScalableBloomFilter(max(n // 64, 16)), words),
        "CountMinSketch": lambda: _fed(sk.CountMinSketch(max(n // 4, 16)), words),
        "HyperLogLog": lambda: _fed(sk.HyperLogLog(hll_p, **kwargs), words),
        "LogLog": lambda: _fed(sk.LogLog(min(18, max(4, n.bit_length() - 2))), words),
        "SuperLogLog": lambda: _fed(sk.SuperLogLog(min(18, max(4, n.bit_length() - 2))),
                                    words),
        "KMinValues": lambda: _fed(sk.KMinValues(max(n // 10, 16)), words),
        "MorrisCounter": lambda: _fed(sk.MorrisCounter(), words),
    }[cls_name]
    return build().to_bytes()


def _fed(sketch, words):
    sketch.update(words)
    return sketch


def _inputs(kind: str, t: dict, outdir: str, mutations: int, corpus: str | None,
            sizes) -> None:
    import random

    import fuzz

    def put(name, data):
        with open(os.path.join(outdir, name), "wb") as fh:
            fh.write(data)

    for n in sizes:
        put(f"real-{n:08d}", _real(kind, t["class"], n))
    for s, seed in enumerate(t["seeds"]):
        for at in range(0, min(len(seed), 128), 4):
            for width in (4, 8):
                if at + width > len(seed):
                    continue
                for v in LIES:
                    if v >= 1 << (8 * width):
                        continue
                    put(f"lies-{s}-{at:03d}-{width}-{v:x}",
                        seed[:at] + v.to_bytes(width, "little") + seed[at + width:])
    rng = random.Random(kind)

    def byte_mutate(data, max_size):   # a stand-in for libFuzzer's: flips, stores, cuts
        b = bytearray(data)
        for _ in range(rng.randrange(1, 5)):
            op = rng.randrange(3)
            if op == 0 and b:
                b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
            elif op == 1 and b:
                b[rng.randrange(len(b))] = rng.randrange(256)
            elif b:
                del b[rng.randrange(len(b)):]
        return bytes(b[:max_size])

    for i in range(mutations):
        seed = rng.choice(t["seeds"])
        put(f"mutated-{i:06d}", fuzz.mutate(rng, seed, len(seed) + 64, byte_mutate))
    if corpus:
        d = os.path.join(corpus, fuzz._slug(kind))
        if os.path.isdir(d):
            for f in sorted(os.listdir(d)):
                with open(os.path.join(d, f), "rb") as fh:
                    put(f"corpus-{f}", fh.read())


def _kept(results: dict) -> dict:
    """Per kind, the inputs worth keeping in the JSON: each source's worst, and every one over
    the bound (all of them would be megabytes of rows no one reads)."""
    out = {}
    for kind, rows in results.items():
        if not isinstance(rows, list):
            out[kind] = rows
            continue
        worst = {}
        for x in rows:
            if x["ratio"] > worst.get(x["source"], {"ratio": -1})["ratio"]:
                worst[x["source"]] = x
        out[kind] = [x for x in rows if x["ratio"] > 1 or x is worst[x["source"]]]
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="kinds to measure")
    ap.add_argument("--mutations", type=int, default=300, help="mutated inputs per kind")
    ap.add_argument("--corpus", default=os.environ.get("LOWRAM_FUZZ_CORPUS"),
                    help="the fuzzer's corpus directory (one folder per target)")
    ap.add_argument("--sizes", type=int, nargs="*", default=list(SIZES),
                    help="items in the real structures")
    args = ap.parse_args(argv)
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import fuzz

    targets = fuzz.targets()
    kinds = args.only or sorted(targets)
    table, results = [], {}
    for kind in kinds:
        with tempfile.TemporaryDirectory() as d:
            _inputs(kind, targets[kind], d, args.mutations, args.corpus, args.sizes)
            r = subprocess.run([sys.executable, "-c", CHILD, kind, d,
                                os.path.join(ROOT, "tools")],
                               capture_output=True, text=True, timeout=3600)
        if r.returncode != 0:
            print(f"{kind}: the child failed ({r.returncode}): {r.stderr[-800:]}")
            results[kind] = {"error": r.stderr[-2000:], "returncode": r.returncode}
            continue
        rows = json.loads(r.stdout.strip().splitlines()[-1])
        results[kind] = rows
        for source in ("real", "lies", "mutated", "corpus"):
            mine = [x for x in rows if x["source"] == source]
            if not mine:
                continue
            for x in mine:
                x["ratio"] = x["growth"] / (2 * x["bytes"] + MB)
            worst = max(mine, key=lambda x: x["ratio"])
            table.append({"kind": kind, "source": source, "inputs": len(mine),
                          "opened": sum(x["answer"] == "opened" for x in mine),
                          "max growth MB": max(x["growth"] for x in mine) / MB,
                          "worst input bytes": worst["bytes"],
                          "its size once open": worst["held"],
                          "worst growth / bound": worst["ratio"]})
            for x in mine:
                if x["ratio"] > 1:
                    print(f"  over the bound: {kind} {x['input']}: {x['bytes']:,} bytes, "
                          f"{x['answer']}, peak growth {x['growth'] / MB:.1f} MB")
        sys.stdout.flush()
    print_table(table, ["kind", "source", "inputs", "opened", "max growth MB",
                        "worst input bytes", "its size once open", "worst growth / bound"],
                "Peak resident-set growth while opening (bound: 2 x input bytes + 1 MiB)")
    write_results("open_peak", table, notes=(
        f"bound 2 x input bytes + 1 MiB; real sizes {args.sizes}; {args.mutations} mutations "
        f"per kind; corpus {args.corpus or 'none'}; in 'inputs', per kind, each source's "
        f"worst input and every input over the bound"))
    path = os.path.join(HERE, "results", "open_peak.json")
    with open(path) as fh:
        doc = json.load(fh)
    doc["inputs"] = _kept(results)
    with open(path, "w") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
