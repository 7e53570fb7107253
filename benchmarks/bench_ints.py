"""IntSet, IntMap and SortedIntSet against set, dict, Counter, cykhash, pyroaring and numpy,
in one run.

Data: ``--n`` distinct random ints (default 10M) below 2**31 and below 2**62, in random
order (the issue's two universes). Per universe and structure:

* bytes per item: resident-set growth of the structure built in a fresh subprocess (median of
  ``--ram-repeat``), IntSet both from an array (``IntSet(a)``) and one ``add`` at a time from
  fresh int objects; ``set`` from the stream of fresh ints (its int objects count: a set of
  ints holds them); cykhash ``Int64Set_from_buffer``; pyroaring ``BitMap`` (below 2**31) or
  ``BitMap64``; ``np.unique`` (a sorted int64 array). The array a builder reads is made in
  the subprocess and freed before the reading;
* build from a numpy int64 array: ``IntSet(a)`` against ``Int64Set_from_buffer(a)``, pyroaring
  from the array, ``np.unique(a)``, ``set(a.tolist())``;
* batch lookup of ``--n`` random queries (about half present below 2**31): ``contains_many``
  against cykhash ``isin_int64`` and ``np.isin`` on the sorted array;
* from Python, with fresh int objects in random order: ``x in s`` (through a C-level ``map``
  of ``operator.contains``, which calls each class's ``in`` slot directly) and ``s.add(x)``
  into an empty set, against ``set``;
* patterned keys: ``contains_many`` of multiples of 2**20 and of a sequential run, each held
  in a set of its own, against random keys of the same count (a ratio near 1: no degradation);
* IntMap from int to int64 (random values): bytes per item built from arrays
  (``update(keys, values)``) and one ``m[k] = v`` at a time, against ``dict`` and cykhash
  ``Int64toInt64Map_from_buffers``; ``get_many`` against cykhash ``Int64toInt64Map_to``;
* counting ``--n`` ints with ``--n``/10 distinct: ``IntMap.counted(array)`` against
  ``collections.Counter`` of the list and ``np.unique(return_counts=True)``;
* SortedIntSet: bytes per item (isolated, built from the array) against the Elias-Fano bound
  2 + log2(U/n) bits, pyroaring and a sorted numpy array; ``x in s`` from Python; ``a & b``
  of the set and another of ``--n`` ints (half shared) against pyroaring's ``&`` and
  ``np.intersect1d(assume_unique=True)`` of the sorted arrays.

Times are medians of rounds interleaved across structures; ratio columns are peer time /
IntSet time for speed (above 1: IntSet faster) and IntSet bytes / peer bytes for memory::

    python benchmarks/bench_ints.py [--n 10000000]
"""

from __future__ import annotations

import argparse
import collections
import itertools
import operator
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import optional, print_table, write_results  # noqa: E402
from bench_hat_trie import interleaved  # noqa: E402

from lowram.ints import IntMap, IntSet, SortedIntSet  # noqa: E402
from lowram.measure import isolated_memory  # noqa: E402

cykhash = optional("cykhash")
pyroaring = optional("pyroaring")

UNIVERSES = {"2**31": 2 ** 31, "2**62": 2 ** 62}


def random_ints(n: int, high: int, seed: int) -> np.ndarray:
    """n distinct ints below high, in random order."""
    rng = np.random.default_rng(seed)
    if high <= 2 ** 32:
        out = rng.choice(high, size=n, replace=False).astype(np.int64)
    else:
        out = np.unique(rng.integers(0, high, size=n + n // 100 + 16))
        while len(out) < n:
            out = np.unique(np.concatenate([out, rng.integers(0, high, size=n)]))
        out = out[:n]
    rng.shuffle(out)
    return out


# The isolated builders get ``iter((path,))`` (a plain tuple pickles into the subprocess) and
# read their data there from the .npy file the parent wrote: the whole array (freed before the
# reading), or fresh int objects a block at a time (so no list of them stays behind).

def spec_array(path):
    return np.load(path)


def read_blocks(path, size=1 << 16):
    """The .npy file's array a block at a time, read (not mapped: the pages of a mapped file
    would count in the resident set measured)."""
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        shape, _, dtype = read_header(f)
        left = shape[0]
        while left > 0:
            block = np.fromfile(f, dtype=dtype, count=min(size, left))
            left -= len(block)
            yield block


def spec_ints(path):
    for block in read_blocks(path):
        yield from block.tolist()


def spec_pairs(path):
    for keys, values in zip(read_blocks(path), read_blocks(path.replace(".npy", ".values.npy"))):
        yield from zip(keys.tolist(), values.tolist())


def build_intset_array(spec):
    (path,) = spec
    a = spec_array(path)
    out = IntSet(a)
    del a
    return out


def build_intset_add(spec):
    (path,) = spec
    out = IntSet()
    add = out.add
    for x in spec_ints(path):
        add(x)
    return out


def build_set(spec):
    (path,) = spec
    return set(spec_ints(path))


def spec_values(path):
    return np.load(path.replace(".npy", ".values.npy"))


def build_intmap_arrays(spec):
    (path,) = spec
    k, v = spec_array(path), spec_values(path)
    out = IntMap()
    out.update(k, v)
    del k, v
    return out


def build_intmap_setitem(spec):
    (path,) = spec
    out = IntMap()
    for key, value in spec_pairs(path):
        out[key] = value
    return out


def build_dict(spec):
    (path,) = spec
    return dict(spec_pairs(path))


def build_sorted_intset(spec):
    (path,) = spec
    a = spec_array(path)
    out = SortedIntSet(a)
    del a
    return out


def build_cykhash_map(spec):
    (path,) = spec
    k, v = spec_array(path), spec_values(path)
    out = cykhash.Int64toInt64Map_from_buffers(k, v)
    del k, v
    return out


def build_cykhash(spec):
    (path,) = spec
    a = spec_array(path)
    out = cykhash.Int64Set_from_buffer(a)
    del a
    return out


def build_roaring(spec):
    (path,) = spec
    a = spec_array(path)
    if a.max() < 2 ** 32:
        out = pyroaring.BitMap(a.astype(np.uint32))
    else:
        out = pyroaring.BitMap64(a.astype(np.uint64))
    del a
    return out


def build_sorted(spec):
    (path,) = spec
    a = spec_array(path)
    out = np.unique(a)
    del a
    return out


RAM_BUILDERS = {
    "IntSet (array)": build_intset_array,
    "IntSet (add)": build_intset_add,
    "set": build_set,
    "cykhash Int64Set": build_cykhash if cykhash else None,
    "pyroaring": build_roaring if pyroaring else None,
    "sorted numpy int64": build_sorted,
}

MAP_BUILDERS = {
    "IntMap (arrays)": build_intmap_arrays,
    "IntMap (setitem)": build_intmap_setitem,
    "dict": build_dict,
    "cykhash Int64toInt64Map": build_cykhash_map if cykhash else None,
}


def drain(iterator):
    collections.deque(iterator, 0)


def measure_universe(label, high, args):
    n = args.n
    a = random_ints(n, high, 1)
    path = os.path.join(args.tmp, f"bench_ints_{n}_{label.replace('**', '^')}.npy")
    np.save(path, a)
    np.save(path.replace(".npy", ".values.npy"),
            np.random.default_rng(7).integers(-2**62, 2**62, n))
    q = np.where(np.random.default_rng(2).random(n) < 0.5, a,
                 random_ints(n, high, 3))           # about half hits
    rows = {}
    for name, builder in RAM_BUILDERS.items():
        row = rows.setdefault(name, {"structure": name, "universe": label, "n": n})
        if builder is None:
            continue
        ram = isolated_memory(builder, (path,), repeat=args.ram_repeat, warmup=0,
                              timeout=1800)
        row["bytes_per_item"] = None if ram.growth is None else ram.growth / n
        row["rss_runs"] = list(ram.runs)

    s = IntSet(a)
    assert len(s) == n
    srt = np.unique(a)
    builds = {"IntSet": lambda: IntSet(a), "sorted numpy int64": lambda: np.unique(a)}
    lookups = {"IntSet": lambda: s.contains_many(q),
               "sorted numpy int64": lambda: np.isin(q, srt, assume_unique=False)}
    if cykhash:
        ck = cykhash.Int64Set_from_buffer(a)
        res = np.empty(n, dtype=np.uint8)
        builds["cykhash Int64Set"] = lambda: cykhash.Int64Set_from_buffer(a)
        lookups["cykhash Int64Set"] = lambda: cykhash.isin_int64(q, ck, res)
        cykhash.isin_int64(q, ck, res)
        assert (res.astype(bool) == s.contains_many(q)).all()
    if pyroaring:
        if high <= 2 ** 32:
            builds["pyroaring"] = lambda: pyroaring.BitMap(a.astype(np.uint32))
        else:
            builds["pyroaring"] = lambda: pyroaring.BitMap64(a.astype(np.uint64))
    t_build = interleaved(builds, args.rounds)
    t_look = interleaved(lookups, args.rounds)
    t_build_set = interleaved({"set": lambda: set(a.tolist())}, max(1, args.rounds // 2))

    # from Python: fresh int objects, random order
    m = min(n, args.py_n)
    fresh = a[:m].tolist()
    qfresh = q[:m].tolist()
    pyset = set(a.tolist())

    def add_into(make):
        def run():
            target = make()
            drain(map(target.add, fresh))
        return run

    t_in = interleaved({
        "IntSet": lambda: drain(map(operator.contains, itertools.repeat(s), qfresh)),
        "set": lambda: drain(map(operator.contains, itertools.repeat(pyset), qfresh))},
        args.rounds)
    t_add = interleaved({"IntSet": add_into(IntSet), "set": add_into(set)}, args.rounds)
    del pyset

    # patterned keys, each in a set of its own, against random keys of the same count
    count = min(n, 1 << 20)
    patterns = {"random": random_ints(count, high, 4),
                "multiples of 2**20": np.arange(count, dtype=np.int64) << 20 if high > 2 ** 40
                else (np.arange(count, dtype=np.int64) % (1 << 11)) << 20,
                "sequential": np.arange(count, dtype=np.int64) + 10 ** 6}
    t_pat = {}
    for pname, keys in patterns.items():
        keys = np.unique(keys)
        ps = IntSet(keys)
        t_pat[pname] = interleaved({"x": lambda: ps.contains_many(keys)}, args.rounds)["x"] / len(keys)

    ours = rows["IntSet (array)"]
    ours["build_s"] = t_build["IntSet"]
    ours["contains_many_ns"] = t_look["IntSet"] / n * 1e9
    ours["in_ns"] = t_in["IntSet"] / m * 1e9
    ours["add_ns"] = t_add["IntSet"] / m * 1e9
    for pname, per in t_pat.items():
        ours[f"pattern_ns/{pname}"] = per * 1e9
        ours[f"pattern_ratio/{pname}"] = per / t_pat["random"]
    rows["set"].update(build_s=t_build_set["set"], in_ns=t_in["set"] / m * 1e9,
                       add_ns=t_add["set"] / m * 1e9)
    for name in builds:
        if name != "IntSet":
            rows[name]["build_s"] = t_build[name]
    for name in lookups:
        if name != "IntSet":
            rows[name]["contains_many_ns"] = t_look[name] / n * 1e9
    rows["IntSet (add)"]["add_ns"] = ours["add_ns"]
    measure_maps(rows, path, a, n, label, args)
    measure_sorted(rows, path, a, high, n, label, args)
    for row in rows.values():
        if row is ours:
            continue
        base = rows["IntMap (arrays)"] if row.get("map") else ours
        if row is base or row.get("sorted"):
            continue
        for key in ("build_s", "contains_many_ns", "in_ns", "add_ns", "get_many_ns"):
            if row.get(key) and base.get(key):
                row[f"speedup/{key}"] = row[key] / base[key]
        if row.get("bytes_per_item") and base.get("bytes_per_item"):
            row["ratio/bytes_per_item"] = base["bytes_per_item"] / row["bytes_per_item"]
    return list(rows.values())


def measure_maps(rows, path, keys, n, label, args):
    """IntMap from int to int64 against dict and cykhash: memory, build, get_many."""
    values = np.load(path.replace(".npy", ".values.npy"))
    for name, builder in MAP_BUILDERS.items():
        row = rows.setdefault(name, {"structure": name, "universe": label, "n": n, "map": True})
        if builder is None:
            continue
        ram = isolated_memory(builder, (path,), repeat=args.ram_repeat, warmup=0, timeout=1800)
        row["bytes_per_item"] = None if ram.growth is None else ram.growth / n
        row["rss_runs"] = list(ram.runs)

    def build_map():
        m = IntMap()
        m.update(keys, values)
        return m
    m = build_map()
    assert (m.get_many(keys) == values).all()
    q = np.where(np.random.default_rng(8).random(n) < 0.5, keys, random_ints(n, 2**62, 9))
    builds = {"IntMap (arrays)": build_map}
    gets = {"IntMap (arrays)": lambda: m.get_many(q, 0)}
    if cykhash:
        ck = cykhash.Int64toInt64Map_from_buffers(keys, values)
        out = np.empty(n, dtype=np.int64)
        builds["cykhash Int64toInt64Map"] = lambda: cykhash.Int64toInt64Map_from_buffers(
            keys, values)
        gets["cykhash Int64toInt64Map"] = lambda: cykhash.Int64toInt64Map_to(
            ck, q, out, False, 0)
    t_build = interleaved(builds, args.rounds)
    t_get = interleaved(gets, args.rounds)
    for name in builds:
        rows[name]["build_s"] = t_build[name]
        rows[name]["get_many_ns"] = t_get[name] / n * 1e9


def measure_sorted(rows, path, a, high, n, label, args):
    """SortedIntSet: memory against the Elias-Fano bound, in, and intersection."""
    import math
    row = rows.setdefault("SortedIntSet", {"structure": "SortedIntSet", "universe": label,
                                           "n": n, "sorted": True})
    ram = isolated_memory(build_sorted_intset, (path,), repeat=args.ram_repeat, warmup=0,
                          timeout=1800)
    row["bytes_per_item"] = None if ram.growth is None else ram.growth / n
    row["rss_runs"] = list(ram.runs)
    row["ef_bound_bytes_per_item"] = (2 + math.log2(high / n)) / 8
    if row["bytes_per_item"]:
        row["ratio/ef_bound"] = row["bytes_per_item"] / row["ef_bound_bytes_per_item"]
    s = SortedIntSet(a)
    row["nbytes_per_item"] = s.nbytes / n
    srt = s.to_numpy()
    other_vals = np.concatenate([srt[::2], random_ints(n - len(srt[::2]), high, 21)])
    o = SortedIntSet(other_vals)
    osrt = o.to_numpy()
    want = len(np.intersect1d(srt, osrt, assume_unique=True))
    assert len(s & o) == want
    fresh = a[: min(n, args.py_n)].tolist()
    t_in = interleaved({"SortedIntSet": lambda: drain(map(operator.contains,
                                                          itertools.repeat(s), fresh))},
                       args.rounds)
    row["in_ns"] = t_in["SortedIntSet"] / len(fresh) * 1e9
    inter = {"SortedIntSet": lambda: s & o,
             "np.intersect1d": lambda: np.intersect1d(srt, osrt, assume_unique=True)}
    if pyroaring and high <= 2 ** 32:
        ra, rb = pyroaring.BitMap(srt.astype(np.uint32)), pyroaring.BitMap(osrt.astype(np.uint32))
        assert len(ra & rb) == want
        inter["pyroaring"] = lambda: ra & rb
    elif pyroaring:
        ra = pyroaring.BitMap64(srt.astype(np.uint64))
        rb = pyroaring.BitMap64(osrt.astype(np.uint64))
        inter["pyroaring"] = lambda: ra & rb
    t_and = interleaved(inter, args.rounds)
    row["and_ms"] = t_and["SortedIntSet"] * 1e3
    for name, secs in t_and.items():
        row[f"and_ms/{name}"] = secs * 1e3
        row[f"speedup/and/{name}"] = secs / t_and["SortedIntSet"]


def measure_counting(args):
    """IntMap.counted against Counter and np.unique on n ints with n/10 distinct."""
    n = args.n
    rng = np.random.default_rng(11)
    pool = random_ints(max(1, n // 10), 2**31, 12)
    x = pool[rng.integers(0, len(pool), n)]
    items = x.tolist()
    c = IntMap.counted(x)
    ref = collections.Counter(items)
    assert len(c) == len(ref) and all(c[k] == v for k, v in list(ref.items())[:1000])
    u, counts = np.unique(x, return_counts=True)
    assert len(u) == len(c)
    t = interleaved({"IntMap.counted": lambda: IntMap.counted(x),
                     "np.unique(return_counts=True)": lambda: np.unique(x, return_counts=True),
                     "Counter": lambda: collections.Counter(items)}, max(1, args.rounds // 2))
    rows = []
    for name, secs in t.items():
        rows.append({"structure": name, "universe": "counting", "n": n,
                     "distinct": len(c), "count_s": secs,
                     "speedup/count_s": secs / t["IntMap.counted"]})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="distinct ints")
    parser.add_argument("--py-n", type=int, default=2_000_000,
                        help="ints for the from-Python in/add timings")
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds (median)")
    parser.add_argument("--ram-repeat", type=int, default=1, help="isolated builds (median)")
    parser.add_argument("--tmp", default="/tmp", help="where the data's .npy files go")
    args = parser.parse_args()

    rows = []
    for label, high in UNIVERSES.items():
        part = measure_universe(label, high, args)
        rows += part
        print_table([r for r in part if not r.get("map") and not r.get("sorted")],
                    ["structure", "bytes_per_item", "ratio/bytes_per_item", "build_s",
                     "speedup/build_s", "contains_many_ns", "speedup/contains_many_ns",
                     "in_ns", "speedup/in_ns", "add_ns", "speedup/add_ns"],
                    f"{args.n:,} distinct random ints below {label}")
        print_table([r for r in part if r.get("sorted")],
                    ["structure", "bytes_per_item", "nbytes_per_item", "ef_bound_bytes_per_item",
                     "ratio/ef_bound", "in_ns", "and_ms", "speedup/and/pyroaring",
                     "speedup/and/np.intersect1d"],
                    f"SortedIntSet, {args.n:,} ints below {label}")
        print_table([r for r in part if r.get("map")],
                    ["structure", "bytes_per_item", "ratio/bytes_per_item", "build_s",
                     "speedup/build_s", "get_many_ns", "speedup/get_many_ns"],
                    f"int -> random int64, {args.n:,} keys below {label}")
        ours = part[0]
        print("patterned keys, contains_many ns per key (ratio to random keys):",
              {k.split("/", 1)[1]: round(v, 2) for k, v in ours.items()
               if k.startswith("pattern_ratio/")})
        print()
    counting = measure_counting(args)
    rows += counting
    print_table(counting, ["structure", "n", "distinct", "count_s", "speedup/count_s"],
                "counting")
    path = write_results("bench_ints", rows, peers=("cykhash", "pyroaring"), notes=(
        "bytes_per_item: isolated RSS growth of the structure (fresh subprocess, median of "
        "ram_repeat) / n; IntSet (array) is IntSet(a), IntSet (add) one add at a time from "
        "fresh ints, set is set(stream of fresh ints). Times: medians of interleaved rounds; "
        "build_s from a numpy int64 array (set: set(a.tolist()), the list made inside the "
        "timing); contains_many_ns per query over n queries, about half hits (cykhash: "
        "isin_int64; numpy: np.isin on the sorted array); in_ns/add_ns from Python with fresh "
        "int objects in random order over py_n ints, via map(s.__contains__)/map(s.add) into "
        "an empty set. speedup/x: the peer's x / IntSet's x (above 1: IntSet faster). "
        "ratio/bytes_per_item: IntSet (array) bytes / the peer's. pattern_ratio: contains_many "
        "time per key on 2**20 patterned keys held in their own IntSet / on random keys. "
        "Map rows (map: true): int -> random int64 values; IntMap (arrays) is "
        "update(keys, values), IntMap (setitem) one m[k] = v at a time, dict built from the "
        "stream of pairs; get_many_ns over n queries, about half hits (cykhash: "
        "Int64toInt64Map_to); their ratio and speedup columns are against IntMap (arrays). "
        "Counting rows: n ints drawn from n/10 distinct below 2**31; count_s is "
        "IntMap.counted(array), np.unique(return_counts=True) of the array, Counter of the "
        "list (made beforehand); speedup/count_s: the row's time / IntMap.counted's. "
        "SortedIntSet rows (sorted: true): bytes_per_item isolated RSS built from the array, "
        "nbytes_per_item its own count, ef_bound_bytes_per_item (2 + log2(U/n)) / 8; in_ns "
        "from Python as IntSet's; and_ms: s & o where o holds every other value of s and as "
        "many random ones; speedup/and/x: x's time / SortedIntSet's (pyroaring's & of two "
        "BitMaps, BitMap64 below 2**62; np.intersect1d of the sorted arrays)."))
    print(path)


if __name__ == "__main__":
    main()
