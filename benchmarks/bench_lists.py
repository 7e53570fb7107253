"""Typed lists against list, array.array and numpy: bytes per item and operation speed.

One process run measures every structure on the same data:

* RAM: resident-set growth of a build in a fresh subprocess (``isolated_memory``), medians of
  ``--repeat`` runs, on the generated ``random-ints-10M`` corpus (10M ints in [0, 1e6)) and
  the bundled 663,473-word ``english-words`` list;
* speed: ``append`` in a Python loop, ``extend`` from an ndarray, ``x[i]`` at random indices
  (a C loop calling the container's own ``__getitem__``), a ``sum`` through a numpy view, and
  ``sort`` of a copy (random ints, normal floats, English words; ``list.sort`` and numpy's
  stable sort beside), medians of ``time_op`` samples, with the ratio lowram/peer.

Run: ``python benchmarks/bench_lists.py`` (``--quick`` uses the 1M-int corpus).
"""

from __future__ import annotations

import argparse
import array
import sys

import numpy as np

from _common import optional, print_table, write_results
from lowram import BitList, FloatList, IntList, PackedIntArray, StrList
from lowram._native._loops import getitem_all
from lowram.corpora import Corpus
from lowram.measure import isolated_memory, time_op

bitarray = optional("bitarray")


# ---------------------------------------------------------------- builders (module level)

def build_list(items):
    return list(items)


def build_array_q(items):
    return array.array("q", items)


def build_numpy_int64(items):
    return np.fromiter(items, dtype=np.int64)


def build_intlist(items):
    return IntList(items)


def build_packed(items):
    return PackedIntArray.from_iterable(items)


def build_float_list(items):
    return [float(v) for v in items]


def build_array_d(items):
    return array.array("d", (float(v) for v in items))


def build_floatlist(items):
    return FloatList(items)


def build_bool_list(items):
    return [bool(v & 1) for v in items]


def build_bitlist(items):
    return BitList(v & 1 for v in items)


def build_numpy_bool(items):
    return np.fromiter((v & 1 for v in items), dtype=np.bool_)


def build_str_list(items):
    return list(items)


def build_numpy_str(items):
    return np.array(list(items))


def build_strlist(items):
    return StrList(items)


RAM_CASES = [
    # (what, corpus, [(structure, builder, peer-of)])
    ("ints", "random-ints-10M", [("list", build_list), ("array('q')", build_array_q),
                                 ("numpy int64", build_numpy_int64),
                                 ("IntList", build_intlist),
                                 ("PackedIntArray", build_packed)]),
    ("floats", "random-ints-1M", [("list", build_float_list), ("array('d')", build_array_d),
                                  ("FloatList", build_floatlist)]),
    ("bits", "random-ints-1M", [("list", build_bool_list), ("numpy bool", build_numpy_bool),
                                ("BitList", build_bitlist)]),
    ("words", "english-words", [("list", build_str_list), ("numpy str", build_numpy_str),
                                ("StrList", build_strlist)]),
]


def ram_rows(repeat: int, quick: bool) -> list[dict]:
    rows = []
    for what, corpus_name, builders in RAM_CASES:
        if quick and corpus_name == "random-ints-10M":
            corpus_name = "random-ints-1M"
        corpus = Corpus.bundled(corpus_name)
        figures = {}
        for name, builder in builders:
            m = isolated_memory(builder, corpus, repeat=repeat)
            figures[name] = m.bytes_per_item
            rows.append({"section": "ram", "data": f"{what}: {corpus_name}", "structure": name,
                         "items": m.items, "bytes_per_item": m.bytes_per_item,
                         "growth_mb": m.growth / 1e6 if m.growth is not None else None,
                         "runs": list(m.runs)})
        base = figures.get("list")
        for row in rows[-len(builders):]:
            bpi = row["bytes_per_item"]
            row["ratio_vs_list"] = bpi / base if bpi is not None and base else None
    return rows


# ---------------------------------------------------------------- speed

def append_loop(cls, n):
    x = cls()
    add = x.append
    for v in range(n):
        add(v)
    return x


def speed_rows(n: int) -> list[dict]:
    rows = []

    def add(op, name, timing, peer_ns=None, peer=None):
        rows.append({"section": "speed", "op": op, "structure": name,
                     "ns_per_item": timing.median_ns, "iqr_ns": timing.iqr_ns,
                     "peer": peer,
                     "rate_vs_peer": (peer_ns / timing.median_ns) if peer_ns else None})

    # append in a Python loop
    ref = time_op(append_loop, list, n, ops=n, repeat=7)
    add("append loop", "list", ref)
    add("append loop", "array('q')", time_op(append_loop, lambda: array.array("q"), n, ops=n,
                                             repeat=7), ref.median_ns, "list")
    add("append loop", "IntList", time_op(append_loop, IntList, n, ops=n, repeat=7),
        ref.median_ns, "list")
    add("append loop", "FloatList", time_op(append_loop, FloatList, n, ops=n, repeat=7),
        ref.median_ns, "list")

    # extend from an ndarray: a new container holding base + arr
    rng = np.random.default_rng(0)
    base_np = rng.integers(0, 10**6, n)
    arr = rng.integers(0, 10**6, n)
    base = IntList(base_np)

    def intlist_extend():
        x = base.copy()
        x.extend(arr)

    def int32_concat():
        np.concatenate([base_np.astype(np.int32, copy=False), arr])

    cat = time_op(np.concatenate, [base_np, arr], ops=n, repeat=7)
    add("extend from ndarray", "np.concatenate", cat)
    add("extend from ndarray", "IntList copy+extend", time_op(intlist_extend, ops=n, repeat=7),
        cat.median_ns, "np.concatenate")
    lst = base_np.tolist()

    def list_extend():
        x = lst.copy()
        x.extend(arr)

    add("extend from ndarray", "list copy+extend", time_op(list_extend, ops=n, repeat=3),
        cat.median_ns, "np.concatenate")

    # x[i] at random indices, in a C loop calling each container's __getitem__
    idx = rng.integers(0, n, 200_000).tolist()
    containers = {"list": lst, "array('q')": array.array("q", lst), "numpy int64": base_np,
                  "IntList": base, "PackedIntArray": PackedIntArray.from_iterable(base_np)}
    ref = time_op(getitem_all, lst, idx, ops=len(idx), repeat=7)
    for name, c in containers.items():
        t = ref if name == "list" else time_op(getitem_all, c, idx, ops=len(idx), repeat=7)
        add("x[i]", name, t, None if name == "list" else ref.median_ns,
            None if name == "list" else "list")
    floats = [float(v) for v in lst]
    ref = time_op(getitem_all, floats, idx, ops=len(idx), repeat=7)
    add("x[i] floats", "list", ref)
    add("x[i] floats", "FloatList", time_op(getitem_all, FloatList(floats), idx,
                                             ops=len(idx), repeat=7), ref.median_ns, "list")

    # sort a copy (the copy is in every contender's time); random data, so no run is sorted
    ints = IntList(arr)
    ints_list = arr.tolist()
    ref = time_op(lambda: ints_list.copy().sort(), ops=n, repeat=5)
    add("sort ints", "list.sort", ref)
    add("sort ints", "IntList.sort", time_op(lambda: ints.copy().sort(), ops=n, repeat=5),
        ref.median_ns, "list.sort")
    add("sort ints", "numpy stable sort",
        time_op(lambda: np.sort(arr, kind="stable"), ops=n, repeat=5), ref.median_ns,
        "list.sort")
    normal = rng.standard_normal(n)
    floats_list, floats_fl = normal.tolist(), FloatList(normal)
    ref = time_op(lambda: floats_list.copy().sort(), ops=n, repeat=5)
    add("sort floats", "list.sort", ref)
    add("sort floats", "FloatList.sort", time_op(lambda: floats_fl.copy().sort(), ops=n,
                                                 repeat=5), ref.median_ns, "list.sort")
    add("sort floats", "numpy stable sort",
        time_op(lambda: np.sort(normal, kind="stable"), ops=n, repeat=5), ref.median_ns,
        "list.sort")

    words = list(Corpus.bundled("english-words"))[:200_000]
    swords = StrList(words)
    shuffled = [words[i] for i in rng.permutation(len(words))]
    sshuffled = StrList(shuffled)

    def append_words(cls):
        x = cls()
        add_ = x.append
        for w in words:
            add_(w)
    ref = time_op(append_words, list, ops=len(words), repeat=5)
    add("append loop words", "list", ref)
    add("append loop words", "StrList", time_op(append_words, StrList, ops=len(words),
                                                repeat=5), ref.median_ns, "list")
    ref = time_op(lambda: shuffled.copy().sort(), ops=len(words), repeat=5)
    add("sort words", "list.sort", ref)
    add("sort words", "StrList.sort", time_op(lambda: sshuffled.copy().sort(),
                                              ops=len(words), repeat=5), ref.median_ns,
        "list.sort")
    widx = rng.integers(0, len(words), 100_000).tolist()
    ref = time_op(getitem_all, words, widx, ops=len(widx), repeat=5)
    add("x[i] words", "list", ref)
    add("x[i] words", "StrList", time_op(getitem_all, swords, widx, ops=len(widx), repeat=5),
        ref.median_ns, "list")

    # reductions: sum() over items vs a numpy view of the same buffer
    ref = time_op(sum, lst, ops=n, repeat=5)
    add("sum", "sum(list)", ref)
    add("sum", "sum(IntList)", time_op(sum, base, ops=n, repeat=5), ref.median_ns, "sum(list)")
    add("sum", "np.asarray(IntList).sum()",
        time_op(lambda: np.asarray(base).sum(), ops=n, repeat=7), ref.median_ns, "sum(list)")
    add("sum", "numpy int64 .sum()", time_op(base_np.sum, ops=n, repeat=7), ref.median_ns,
        "sum(list)")
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1M ints instead of 10M")
    parser.add_argument("--repeat", type=int, default=3, help="isolated builds per figure")
    parser.add_argument("--n", type=int, default=1_000_000, help="items in speed tests")
    parser.add_argument("--skip-ram", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    if not args.skip_ram:
        ram = ram_rows(args.repeat, args.quick)
        print_table(ram, ["data", "structure", "items", "bytes_per_item", "growth_mb",
                          "ratio_vs_list"], title="RAM: RSS growth of an isolated build")
        rows += ram
    speed = speed_rows(args.n)
    print_table(speed, ["op", "structure", "ns_per_item", "iqr_ns", "peer", "rate_vs_peer"],
                title="Speed (rate_vs_peer > 1: lowram faster)")
    rows += speed
    missing = [] if bitarray else ["bitarray (BitList backend)"]
    path = write_results("bench_lists", rows, peers=("bitarray",),
                         notes=("missing peers: " + ", ".join(missing)) if missing else "")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
