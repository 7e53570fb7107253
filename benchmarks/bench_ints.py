"""IntSet against set, cykhash, pyroaring and a sorted numpy array, in one run.

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
  of ``__contains__``, the same for both) and ``s.add(x)`` into an empty set, against ``set``;
* patterned keys: ``contains_many`` of multiples of 2**20 and of a sequential run, each held
  in a set of its own, against random keys of the same count (a ratio near 1: no degradation).

Times are medians of rounds interleaved across structures; ratio columns are peer time /
IntSet time for speed (above 1: IntSet faster) and IntSet bytes / peer bytes for memory::

    python benchmarks/bench_ints.py [--n 10000000]
"""

from __future__ import annotations

import argparse
import collections
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import optional, print_table, write_results  # noqa: E402
from bench_hat_trie import interleaved  # noqa: E402

from lowram.ints import IntSet  # noqa: E402
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

def spec_array(spec):
    (path,) = spec
    return np.load(path)


def spec_ints(spec):
    (path,) = spec
    a = np.load(path, mmap_mode="r")
    for start in range(0, len(a), 1 << 16):
        yield from a[start:start + (1 << 16)].tolist()


def build_intset_array(spec):
    a = spec_array(spec)
    out = IntSet(a)
    del a
    return out


def build_intset_add(spec):
    out = IntSet()
    add = out.add
    for x in spec_ints(spec):
        add(x)
    return out


def build_set(spec):
    return set(spec_ints(spec))


def build_cykhash(spec):
    a = spec_array(spec)
    out = cykhash.Int64Set_from_buffer(a)
    del a
    return out


def build_roaring(spec):
    a = spec_array(spec)
    if a.max() < 2 ** 32:
        out = pyroaring.BitMap(a.astype(np.uint32))
    else:
        out = pyroaring.BitMap64(a.astype(np.uint64))
    del a
    return out


def build_sorted(spec):
    a = spec_array(spec)
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


def drain(iterator):
    collections.deque(iterator, 0)


def measure_universe(label, high, args):
    n = args.n
    a = random_ints(n, high, 1)
    path = os.path.join(args.tmp, f"bench_ints_{n}_{label.replace('**', '^')}.npy")
    np.save(path, a)
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

    t_in = interleaved({"IntSet": lambda: drain(map(s.__contains__, qfresh)),
                        "set": lambda: drain(map(pyset.__contains__, qfresh))}, args.rounds)
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
    for row in rows.values():
        if row is ours:
            continue
        for key in ("build_s", "contains_many_ns", "in_ns", "add_ns"):
            if row.get(key) and ours.get(key):
                row[f"speedup/{key}"] = row[key] / ours[key]
        if row.get("bytes_per_item") and ours.get("bytes_per_item"):
            row["ratio/bytes_per_item"] = ours["bytes_per_item"] / row["bytes_per_item"]
    return list(rows.values())


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
        print_table(part, ["structure", "bytes_per_item", "ratio/bytes_per_item", "build_s",
                           "speedup/build_s", "contains_many_ns", "speedup/contains_many_ns",
                           "in_ns", "speedup/in_ns", "add_ns", "speedup/add_ns"],
                    f"{args.n:,} distinct random ints below {label}")
        ours = part[0]
        print("patterned keys, contains_many ns per key (ratio to random keys):",
              {k.split("/", 1)[1]: round(v, 2) for k, v in ours.items()
               if k.startswith("pattern_ratio/")})
        print()
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
        "time per key on 2**20 patterned keys held in their own IntSet / on random keys."))
    print(path)


if __name__ == "__main__":
    main()
