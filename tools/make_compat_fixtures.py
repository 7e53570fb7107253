"""Write the backward-compatibility fixtures in ``tests/compat/data/``.

Every public structure of lowram is built small and deterministically, then written the ways
this version of lowram writes it: ``save(path)`` (the same bytes as ``to_bytes()``, checked
here) for each structure that has it, and pickles at protocols 2 and 5. ``expected.json``
records, for each file, how it is opened and what the opened object must answer (contents
for lists, sets and maps; parameters, estimates, memberships and counts for sketches), with
the lowram version and the git commit that wrote them. ``tests/compat/test_fixtures.py``
opens them all with whatever lowram is installed.

Run it with an *installed* lowram (a wheel, not the source tree), from the repository root:

    python tools/make_compat_fixtures.py

It replaces the files it wrote before. Fixtures are a record of old formats: regenerate
them only on purpose (a deliberate new format, keeping the old files that must still open).
A new structure adds its group alone, leaving every other file as it is:

    python tools/make_compat_fixtures.py --only counters
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import platform
import subprocess
import sys
from pathlib import Path

import lowram

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "compat" / "data"
PROTOCOLS = (2, 5)

# keys with non-ASCII text, a shared-prefix chain and the empty key; every backend holds them
WORDS = ["", "a", "app", "apple", "apply", "banana", "band", "bandana", "café", "naïve",
         "Привіт", "привіт", "über", "日本", "日本語", "🎉party", "zebra"]
# keys only the backends that hold every str (sorted, builtin, compact) can hold
EVERY_STR = ["nul\x00inside", "lone\udc80surrogate", "\U0010ffff"]
EVERY_STR_BACKENDS = ("sorted", "builtin", "compact")
ABSENT = ["ap", "apples", "b", "bandanas", "cafe", "naive", "привет", "日", "zebras", "\x00"]
PREFIX_QUERIES = ["", "a", "app", "ban", "日本", "zz"]
PREFIXES_OF = ["apples", "bandanas", "日本語です", "x"]
BACKENDS = ("marisa", "dawg", "datrie", "sorted", "builtin")
INT_VALUES_BY_BACKEND = {  # each ValueStore int type once
    "marisa": (-128, 127),
    "dawg": (-32768, 32767),
    "datrie": (-2**31, 2**31 - 1),
    "sorted": (-2**63, 2**63 - 1),
    "builtin": (0, 2**64 - 1),
    "compact": (-2**31, 2**32 - 1),
}
ITEMS = [f"item-{i}" for i in range(3000)]  # sketch inputs (str)
PROBES = [f"item-{i}" for i in range(0, 40)] + [f"other-{i}" for i in range(40)]


# -------------------------------------------------------------- encoding for JSON

def fhex(x: float) -> str:
    """A float exactly, NaN, infinities and -0.0 included."""
    return x.hex() if math.isfinite(x) else repr(x)


def enc(v):
    """A map value as JSON keeping its type: ints, floats, bools, str and None as they are,
    bytes as {"hex": ...}, tuples as {"tuple": [...]}."""
    if isinstance(v, bytes):
        return {"hex": v.hex()}
    if isinstance(v, tuple):
        return {"tuple": [enc(x) for x in v]}
    return v


# -------------------------------------------------------------- the fixture set

class Writer:
    """Collects ``structures``: name -> class, check, and the files that hold it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.structures: dict[str, dict] = {}

    def _entry(self, name, cls, check, file, opener, kwargs=None, via=None):
        s = self.structures.setdefault(name, {"class": cls, "check": check, "files": []})
        assert s["class"] == cls and s["check"] == check, name
        e = {"file": file, "open": opener}
        if kwargs:
            e["kwargs"] = kwargs
        if via:
            e["via"] = via
        s["files"].append(e)

    def pickles(self, name, cls, obj, check):
        for proto in PROTOCOLS:
            file = f"{name}.p{proto}.pickle"
            blob = pickle.dumps(obj, protocol=proto)
            assert type(pickle.loads(blob)) is type(obj)
            (self.folder / file).write_bytes(blob)
            self._entry(name, cls, check, file, "pickle")

    def saved(self, name, cls, obj, check, openers, via=None):
        """``obj.save()`` to ``name.lowram``; ``openers``: (how, kwargs) pairs."""
        file = f"{name}.lowram"
        path = self.folder / file
        obj.save(path)
        assert path.read_bytes() == obj.to_bytes(), f"{name}: save() is not to_bytes()"
        for how, kwargs in openers:
            self._entry(name, cls, check, file, how, kwargs, via)

    def both(self, name, cls, obj, check, openers, via=None):
        self.saved(name, cls, obj, check, openers, via)
        self.pickles(name, cls, obj, check)


BYTES_OPENERS = [("load", None), ("from_bytes", None)]
MMAP_OPENERS = [("load", None), ("load", {"mmap": False}), ("load", {"mmap": True}),
                ("from_bytes", None)]
#: files holding pickled objects open only with allow_pickle=True
PICKLED_OPENERS = [("load", {"allow_pickle": True}), ("from_bytes", {"allow_pickle": True})]
MMAP_PICKLED_OPENERS = PICKLED_OPENERS + [("load", {"mmap": True, "allow_pickle": True})]
#: values of every kind a map holds, mixed (tuples and a big int are kept by reference)
MIXED_VALUES = [0, -1, 2**63 - 1, 2**70, 0.5, -0.0, float("inf"), True, False, None, "",
                "é\U0001f600", b"", b"\x00\xff", (1, "a")]


def lists(w: Writer):
    from lowram import BitList, FloatList, IntList, PackedIntArray, StrList

    ints = {
        "int8": [0, 1, -1, 127, -128, 42, 7, 7],
        "int16": [0, -32768, 32767, 300, -1],
        "int32": [-2**31, 2**31 - 1, 70000, 0],
        "int64": [-2**63, 2**63 - 1, 10**12, -5, 0],
        "empty": [],
    }
    for tag, values in ints.items():
        x = IntList(values)
        if tag != "empty":
            assert x.dtype == tag, (tag, x.dtype)
        w.pickles(f"intlist_{tag}", "IntList", x,
                  {"items": values, "dtype": x.dtype, "fixed": False})
    for dtype, values in (("int32", [1, 2, 3, -4]), ("int64", [5, -6])):
        x = IntList(values, dtype=dtype)
        w.pickles(f"intlist_fixed_{dtype}", "IntList", x,
                  {"items": values, "dtype": dtype, "fixed": True})

    floats = [0.0, -0.0, 1.5, 0.1, -3e38, 1e-45, math.pi, math.inf, -math.inf, math.nan]
    for dtype, extra in (("float64", [-2.5e300, 5e-324]), ("float32", [])):
        x = FloatList(floats + extra, dtype=dtype)
        assert x.dtype == dtype
        w.pickles(f"floatlist_{dtype}", "FloatList", x,
                  {"items_hex": [fhex(v) for v in x.tolist()], "dtype": dtype})

    bits = [bool((i * 7) % 3 == 0 or i % 5 == 1) for i in range(21)]  # not a whole byte
    w.pickles("bitlist", "BitList", BitList(bits), {"items": bits})
    w.pickles("bitlist_empty", "BitList", BitList(), {"items": []})

    strs = ["hello", "", "héllo", "Привіт", "日本語", "emoji 🎉", "nul\x00inside",
            "lone\udc80surrogate", "hello"]
    w.pickles("strlist", "StrList", StrList(strs), {"items": strs})
    w.pickles("strlist_empty", "StrList", StrList(), {"items": []})

    packed = {
        "small": [-5, 0, 3, 1000, 7, -5, 99999, 12],
        "wide": [-2**63, 2**63 - 1, 0, 1],
        "constant": [42] * 10,
        "empty": [],
    }
    for tag, values in packed.items():
        a = PackedIntArray.from_iterable(values)
        check = {"items": values, "bits": a.bits, "reference": a.reference}
        w.both(f"packed_{tag}", "PackedIntArray", a, check, MMAP_OPENERS)


def list_files(w: Writer):
    """The growable lists' files (``save``/``load``/``from_bytes``), added after their
    pickles; each opened read and mapped."""
    from lowram import BitList, FloatList, IntList, StrList

    for name, values, dtype in (("int16", [0, -32768, 32767, 300, -1], None),
                                ("fixed_int64", [5, -6, 2**62], "int64"),
                                ("empty", [], None)):
        x = IntList(values, dtype=dtype)
        w.saved(f"intlist_file_{name}", "IntList", x,
                {"items": values, "dtype": x.dtype, "fixed": dtype is not None},
                MMAP_OPENERS)
    floats = [0.0, -0.0, 1.5, 0.1, math.pi, math.inf, -math.inf, math.nan]
    for dtype in ("float64", "float32"):
        x = FloatList(floats, dtype=dtype)
        w.saved(f"floatlist_file_{dtype}", "FloatList", x,
                {"items_hex": [fhex(v) for v in x.tolist()], "dtype": dtype}, MMAP_OPENERS)
    bits = [bool((i * 5) % 3 == 0 or i % 7 == 2) for i in range(29)]   # not a whole byte
    w.saved("bitlist_file", "BitList", BitList(bits), {"items": bits}, MMAP_OPENERS)
    strs = ["hello", "", "héllo", "Привіт", "日本語", "emoji 🎉", "nul\x00inside",
            "lone\udc80surrogate"]
    w.saved("strlist_file", "StrList", StrList(strs), {"items": strs}, MMAP_OPENERS)


def set_check(s):
    return {
        "backend": s.backend,
        "keys": list(s),
        "absent": ABSENT,
        "keys_with_prefix": {p: list(s.keys(p)) for p in PREFIX_QUERIES},
        "prefixes": {q: s.prefixes(q) for q in PREFIXES_OF},
    }


def map_check(m, **fields) -> dict:
    """What a StringMap or MutableStringMap fixture must read back: ``fields``, then its
    items, absent keys and prefix queries, each value typed by :func:`enc`."""
    return {**fields, "items": [[k, enc(v)] for k, v in m.items()], "absent": ABSENT,
            "items_with_prefix": {p: [[k, enc(v)] for k, v in m.items(p)]
                                  for p in PREFIX_QUERIES},
            "prefixes": {q: [[k, enc(v)] for k, v in m.prefixes(q)] for q in PREFIXES_OF}}


def strings(w: Writer):
    string_backends(w, BACKENDS)
    mutable_strings(w)


def compact(w: Writer):
    """The ``compact`` backend's files (a group of its own: it came after the others)."""
    string_backends(w, ("compact",))


def string_backends(w: Writer, backends):
    from lowram import StringMap, StringSet

    for backend in backends:
        keys = WORDS + (EVERY_STR if backend in EVERY_STR_BACKENDS else [])
        s = StringSet(keys, backend=backend)
        assert s.backend == backend and set(s) == set(keys)
        w.both(f"stringset_{backend}", "StringSet", s, set_check(s), MMAP_OPENERS)

    for backend in backends:
        keys = WORDS + (EVERY_STR if backend in EVERY_STR_BACKENDS else [])
        lo, hi = INT_VALUES_BY_BACKEND[backend]
        values = [lo, hi] + [(i * 37) % 100 - (50 if lo < 0 else 0) for i in range(len(keys) - 2)]
        m = StringMap(dict(zip(keys, values)), backend=backend)
        assert m.backend == backend and m.value_kind == "int"
        w.both(f"stringmap_{backend}_int", "StringMap", m,
               map_check(m, backend=backend, value_kind="int"), MMAP_OPENERS)

        blobs = [b"", b"\x00\xff", "é".encode()] + [bytes([i]) * (i % 4) for i in range(len(keys))]
        m = StringMap(dict(zip(keys, blobs)), backend=backend)
        assert m.value_kind == "bytes"
        w.both(f"stringmap_{backend}_bytes", "StringMap", m,
               map_check(m, backend=backend, value_kind="bytes"), MMAP_OPENERS)

    for backend in backends:   # format 3: str, float and mixed values
        keys = WORDS + (EVERY_STR if backend in EVERY_STR_BACKENDS else [])
        kinds = {
            "str": ([f"v{i}" + "é" * (i % 3) for i in range(len(keys))], MMAP_OPENERS),
            "float": ([i / 3 for i in range(len(keys))], MMAP_OPENERS),
            "mixed": ([MIXED_VALUES[i % len(MIXED_VALUES)] for i in range(len(keys))],
                      MMAP_PICKLED_OPENERS),
        }
        for kind, (values, openers) in kinds.items():
            m = StringMap(dict(zip(keys, values)), backend=backend)
            assert m.value_kind == kind, (backend, kind, m.value_kind)
            w.both(f"stringmap_{backend}_{kind}", "StringMap", m,
                   map_check(m, backend=backend, value_kind=kind), openers)



def mutable_strings(w: Writer):
    from lowram import MutableStringMap, MutableStringSet

    keys = WORDS + [k for k in EVERY_STR if "\udc80" not in k]  # no lone surrogates here
    s = MutableStringSet(keys)
    check = {"keys": list(s), "absent": ABSENT,
             "keys_with_prefix": {p: list(s.keys(p)) for p in PREFIX_QUERIES},
             "prefixes": {q: s.prefixes(q) for q in PREFIXES_OF}}
    w.both("mutablestringset", "MutableStringSet", s, check, BYTES_OPENERS)
    w.both("mutablestringset_empty", "MutableStringSet", MutableStringSet(),
           {"keys": [], "absent": ABSENT, "keys_with_prefix": {}, "prefixes": {}},
           BYTES_OPENERS)

    values = [-2**63, 2**63 - 1, 0, -1, 63, 64, -64, -65] + list(range(100, 100 + len(keys)))
    m = MutableStringMap(zip(keys, values))
    w.both("mutablestringmap", "MutableStringMap", m, map_check(m), BYTES_OPENERS)
    counted = MutableStringMap.counted("the cat sat on the mat and the dog sat too".split())
    check = {"items": [[k, v] for k, v in counted.items()], "absent": ABSENT,
             "items_with_prefix": {}, "prefixes": {}}
    w.both("mutablestringmap_counted", "MutableStringMap", counted, check, BYTES_OPENERS)
    for kind, values, openers in (   # format 2: values of other kinds
            ("str", [f"v{i}" for i in range(len(keys))], BYTES_OPENERS),
            ("float", [i / 3 for i in range(len(keys))], BYTES_OPENERS),
            ("object", [MIXED_VALUES[i % len(MIXED_VALUES)] for i in range(len(keys))],
             PICKLED_OPENERS)):
        m = MutableStringMap(zip(keys, values))
        assert m.value_kind == kind
        w.both(f"mutablestringmap_{kind}", "MutableStringMap", m, map_check(m), openers)


def counters(w: Writer):
    from lowram import StringCounter

    c = StringCounter("the cat sat on the mat and the dog sat too".split())
    c.update({"café": 3, "Привіт": -2, "日本語": 2**40, "lone\udc80surrogate": 1, "": 0})
    del c["mat"]
    c["mat"] = 7   # removed, then inserted again: now last in order
    check = {"items": [[k, v] for k, v in c.items()], "absent": ABSENT}
    w.both("stringcounter", "StringCounter", c, check, BYTES_OPENERS)
    w.both("stringcounter_empty", "StringCounter", StringCounter(),
           {"items": [], "absent": ABSENT}, BYTES_OPENERS)


def registers(sk):
    regs = sk.registers()
    return {str(i): int(regs[i]) for i in range(len(regs)) if regs[i]}


def register_check(sk):
    check = {"p": sk.p, "seed": sk.seed, "estimate": sk.estimate(), "len": len(sk),
             "is_sparse": sk.is_sparse, "registers": registers(sk)}
    if isinstance(sk, lowram.HyperLogLog):
        check["estimate_classic"] = sk.estimate("classic")
        check["hash_name"] = sk.hash_name
    return check


def sketches(w: Writer):
    from lowram import (BloomFilter, CountMinSketch, HyperLogLog, KMinValues, LogLog,
                        MorrisCounter, ScalableBloomFilter, SuperLogLog)

    hll = HyperLogLog(8)
    hll.update(ITEMS[:20])
    assert hll.is_sparse
    w.both("hyperloglog_p8_sparse", "HyperLogLog", hll, register_check(hll), BYTES_OPENERS)
    hll = HyperLogLog(8, seed=7)
    hll.update(ITEMS[:2000])
    assert not hll.is_sparse
    w.both("hyperloglog_p8_dense", "HyperLogLog", hll, register_check(hll), BYTES_OPENERS)
    hll = HyperLogLog(4, seed=2**64 - 1)
    hll.update(range(100))
    w.both("hyperloglog_p4_maxseed", "HyperLogLog", hll, register_check(hll), BYTES_OPENERS)

    # Redis' HyperLogLog exists at p=14 only: kept sparse (under 1 KB). HyperLogLog.load
    # reads only "HyperLogLog" files, so the file is opened through the class that
    # HyperLogLog(hash="redis") makes, and through HyperLogLog.from_bytes.
    redis = HyperLogLog(14, hash="redis")
    redis.update(ITEMS[:100] + [7, b"raw"])
    assert redis.is_sparse
    via = {"p": 14, "hash": "redis"}
    w.saved("hyperloglog_redis", "HyperLogLog", redis, register_check(redis),
            [("load", None)], via=via)
    w._entry("hyperloglog_redis", "HyperLogLog", register_check(redis),
             "hyperloglog_redis.lowram", "from_bytes")
    w.pickles("hyperloglog_redis", "HyperLogLog", redis, register_check(redis))

    for cls, name in ((LogLog, "loglog"), (SuperLogLog, "superloglog")):
        sk = cls(8, seed=3)
        sk.update(ITEMS[:1000])
        w.both(f"{name}_p8", cls.__name__, sk, register_check(sk), BYTES_OPENERS)
        sk = cls(6)
        sk.update(ITEMS[:10])
        w.both(f"{name}_p6_small", cls.__name__, sk, register_check(sk), BYTES_OPENERS)

    for tag, k, n, seed in (("exact", 32, 20, 0), ("full", 32, 1000, 3)):
        kmv = KMinValues(k, seed=seed)
        kmv.update(ITEMS[:n])
        check = {"k": k, "seed": seed, "estimate": kmv.estimate(), "len": len(kmv),
                 "hashes": [int(h) for h in kmv.hashes()]}
        w.both(f"kminvalues_{tag}", "KMinValues", kmv, check, BYTES_OPENERS)

    bf = BloomFilter(100, 0.01, seed=11)
    bf.update(ITEMS[:60])
    bf.add(12345)
    bf.add(b"bytes")
    probes = PROBES + [12345, b"bytes", 54321]
    check = {"capacity": 100, "error_rate": 0.01, "seed": 11, "size": bf.size,
             "hashes": bf.hashes, "estimate": bf.estimate(),
             "probes": [enc(p) for p in probes], "contains": [p in bf for p in probes]}
    assert all(check["contains"][:40])
    w.both("bloomfilter", "BloomFilter", bf, check,
           [("load", None), ("load", {"mmap": True}), ("from_bytes", None)])

    sbf = ScalableBloomFilter(50, 0.01, seed=5)
    sbf.update(ITEMS[:300])
    assert sbf.stages > 1
    check = {"initial_capacity": 50, "error_rate": 0.01, "ratio": sbf.ratio,
             "growth": sbf.growth, "seed": 5, "stages": sbf.stages, "len": len(sbf),
             "capacity": sbf.capacity, "false_positive_rate": sbf.false_positive_rate,
             "probes": [enc(p) for p in PROBES], "contains": [p in sbf for p in PROBES]}
    w.both("scalablebloomfilter", "ScalableBloomFilter", sbf, check, BYTES_OPENERS)

    zipf = [ITEMS[i % (1 + i % 17)] for i in range(2000)]
    for conservative in (False, True):
        cms = CountMinSketch(64, 4, seed=9, conservative=conservative)
        cms.update(zipf)
        cms.add("heavy", 100_000)
        queries = ITEMS[:20] + ["heavy", "never-seen"]
        check = {"width": 64, "depth": 4, "seed": 9, "conservative": conservative,
                 "total": cms.total, "queries": queries,
                 "counts": [cms.count(q) for q in queries]}
        tag = "conservative" if conservative else "plain"
        w.both(f"countminsketch_{tag}", "CountMinSketch", cms, check, BYTES_OPENERS)

    for tag, base, seed, n in (("base2", 2.0, 1, 1000), ("base1_1", 1.1, 5, 500)):
        mc = MorrisCounter(base, seed=seed)
        mc.increment(n)
        later = mc.copy()  # the seeded random stream goes on where it stopped
        later.increment(10_000)
        check = {"base": base, "seed": seed, "counter": mc.counter, "estimate": mc.estimate(),
                 "counter_after_increment_10000": later.counter}
        w.both(f"morriscounter_{tag}", "MorrisCounter", mc, check, BYTES_OPENERS)


def hash_values():
    items = ["", "lowram", "日本語", b"\x00\xff", 0, -1, 2**64 - 1, 12345]
    return [{"item": enc(x), "seed": seed, "hash64": lowram.hash64(x, seed)}
            for x in items for seed in (0, 1, 2**64 - 1)]


def dumps(obj, levels: int, indent: str = "") -> str:
    """JSON with dicts laid out one key a line for ``levels`` levels, compact below."""
    if levels == 0 or not isinstance(obj, dict) or not obj:
        return json.dumps(obj, ensure_ascii=True, separators=(", ", ": "))
    inner = indent + " "
    body = ",\n".join(f"{inner}{json.dumps(k)}: {dumps(v, levels - 1, inner)}"
                      for k, v in obj.items())
    return "{\n" + body + "\n" + indent + "}"


def git_commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def ints(w: Writer):
    from lowram import IntMap, IntSet, SortedIntSet

    edges = [0, 1, -1, 2**31 - 1, -2**31, 2**31, 2**40, -2**63, 2**63 - 1, 2**63, 2**64 - 1]
    for name, keys in (("intset", edges + list(range(-500, 500, 3))),
                       ("intset_narrow", list(range(-300, 300, 7))), ("intset_empty", [])):
        s = IntSet(keys, seed=2024)
        w.both(name, "IntSet", s, {"keys": list(s), "seed": s.seed,
                                   "absent": [3, -3, 2**62, 2**64 - 2]}, MMAP_OPENERS)
    for name, keys in (("sortedintset", [k for k in edges if k < 2**63]
                        + list(range(-500, 500, 3))),
                       ("sortedintset_upper", [1, 2**63, 2**64 - 1] + list(range(10, 900, 9))),
                       ("sortedintset_empty", [])):
        s = SortedIntSet(keys)
        w.both(name, "SortedIntSet", s, {"keys": list(s), "absent": [3, -3, 2**62, 2**64 - 2]},
               MMAP_OPENERS)
    for name, items, kind in (
            ("intmap", {k: (k * 7) % 1000 - 500 for k in edges + list(range(-500, 500, 3))},
             "int"),
            ("intmap_wide", {k: (2**62 if k % 2 else -2**62) + k for k in range(-300, 300, 7)},
             "int"),
            ("intmap_float", {k: k / 4 for k in edges}, "float"),
            ("intmap_empty", {}, "float")):
        m = IntMap(items, seed=2024, value_kind=kind)
        w.both(name, "IntMap", m, {"items": [[k, fhex(v) if kind == "float" else v]
                                             for k, v in m.items()],
                                   "seed": m.seed, "value_kind": kind,
                                   "absent": [3, -3, 2**62, 2**64 - 2]}, MMAP_OPENERS)


#: the fixture groups, in the order they are written
GROUPS = {"lists": lists, "list_files": list_files, "strings": strings, "compact": compact,
          "counters": counters, "sketches": sketches, "ints": ints}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=sorted(GROUPS),
                    help="write this group's files and entries only, keeping every other")
    args = ap.parse_args()
    where = os.path.dirname(lowram.__file__)
    if Path(where).resolve().is_relative_to(ROOT / "src"):
        sys.exit(f"lowram is imported from the source tree ({where}); install a wheel first")
    DATA.mkdir(parents=True, exist_ok=True)
    written_by = {"lowram": lowram.__version__, "git_commit": git_commit(),
                  "python": platform.python_version(), "byteorder": sys.byteorder,
                  "pickle_protocols": list(PROTOCOLS)}
    w = Writer(DATA)
    if args.only:
        doc = json.loads((DATA / "expected.json").read_text(encoding="ascii"))
        GROUPS[args.only](w)
        for name, entry in w.structures.items():
            entry["written_by"] = written_by   # newer than the file's written_by
        doc["structures"].update(w.structures)
        w.structures = doc["structures"]
    else:
        for old in DATA.iterdir():
            if old.suffix in (".pickle", ".lowram", ".json"):
                old.unlink()
        for group in GROUPS.values():
            group(w)
        doc = {
            "written_by": written_by,
            "float_encoding": "items_hex: float.hex(), or 'inf', '-inf', 'nan'",
            "bytes_encoding": "{\"hex\": ...}",
            "structures": w.structures,
            "hash64": hash_values(),
        }
    text = dumps(doc, levels=4)
    assert json.loads(text) == json.loads(json.dumps(doc))
    (DATA / "expected.json").write_text(text + "\n", encoding="ascii")
    files = sorted({f["file"] for s in w.structures.values() for f in s["files"]})
    checks = sum(len(s["files"]) for s in w.structures.values())
    total = sum((DATA / f).stat().st_size for f in files)
    biggest = max(files, key=lambda f: (DATA / f).stat().st_size)
    print(f"lowram {lowram.__version__} from {where}: {len(files)} files, {total:,} bytes "
          f"(largest {biggest}, {(DATA / biggest).stat().st_size:,}), "
          f"{len(w.structures)} structures, {checks} checks -> {DATA}")


if __name__ == "__main__":
    main()
