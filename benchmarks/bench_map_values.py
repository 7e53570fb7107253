"""StringMap and MutableStringMap with values of each kind against dict, in one run.

The keys: the bundled 663,473 English words. The values, per kind: ``str`` (each word ->
its reverse, the issue's lemma-like case), ``float`` (a weight in [0, 1) that float32 cannot
hold exactly), ``int`` (the word's index) and ``mixed`` (a third each int, str and None).
Per (kind, structure):

* resident memory per word, built in a fresh subprocess (median of ``--ram-repeat``);
* the bytes the values alone take (``ValueStore.nbytes`` of a StringMap; the arena or the
  object list of a MutableStringMap, from ``nbytes`` less the same map of ints, which holds
  8 value bytes per key in the trie), beside the values' own UTF-8 size for ``str``: the
  target is StringMap's str values within their UTF-8 size + 4 bytes each;
* ``m[k]`` for every word, queried with words parsed anew from UTF-8 text each round (so
  dict hashes each one), through a C-level ``map``; the ratio is lowram / dict.

    python benchmarks/bench_map_values.py
"""

from __future__ import annotations

import argparse
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import print_table, write_results  # noqa: E402
from bench_hat_trie import interleaved, parser_of  # noqa: E402

from lowram import corpora  # noqa: E402
from lowram.measure import isolated_memory  # noqa: E402
from lowram.strings import MutableStringMap, StringMap  # noqa: E402


def value_str(i, w):
    return w[::-1]


def value_float(i, w):
    return (i * 0.6180339887498949) % 1.0


def value_int(i, w):
    return i


def value_mixed(i, w):
    return (i, w[::-1], None)[i % 3]


KINDS = {"str": value_str, "float": value_float, "int": value_int, "mixed": value_mixed}


def _pairs(words, kind):
    value = KINDS[kind]
    return ((w, value(i, w)) for i, w in enumerate(words))


BUILD = {"dict": dict,
         "marisa": lambda pairs: StringMap(pairs, backend="marisa"),
         "sorted": lambda pairs: StringMap(pairs, backend="sorted"),
         "hat": MutableStringMap}


def _builder(structure, kind):
    def build(words):
        return BUILD[structure](_pairs(words, kind))
    build.__name__ = build.__qualname__ = f"{structure}_{kind}"
    return build


# isolated_memory runs a builder in a fresh subprocess by its module-level name, as
# "bench_map_values:<structure>_<kind>"
for _structure in BUILD:
    for _kind in KINDS:
        globals()[f"{_structure}_{_kind}"] = _builder(_structure, _kind)


STRUCTURES = {"dict": "dict", "StringMap (marisa)": "marisa", "StringMap (sorted)": "sorted",
              "MutableStringMap": "hat"}


def value_bytes(structure, built, words):
    """Bytes the values alone take, or None for dict (its values are objects)."""
    if isinstance(built, StringMap):
        return built._values.nbytes() + (built._empty.nbytes() if built._empty else 0)
    if isinstance(built, MutableStringMap):
        return built.nbytes - MutableStringMap.fromkeys(words, 0).nbytes + 8 * len(words)
    return None


def drain(iterator):
    collections.deque(iterator, 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds (median)")
    parser.add_argument("--ram-repeat", type=int, default=3, help="isolated builds (median)")
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args()
    source = corpora.Corpus.bundled("english-words")
    words = list(source)
    n = len(words)
    utf8 = sum(len(w.encode()) for w in words)
    this = sys.modules[__name__]
    rows = []
    for kind in args.kinds.split(","):
        built = {s: getattr(this, f"{p}_{kind}")(words) for s, p in STRUCTURES.items()}
        reference = built["dict"]
        for s, m in built.items():
            assert all(type(a) is type(b) and a == b for a, b in
                       zip(map(m.__getitem__, words[::97]), map(reference.__getitem__,
                                                                words[::97]))), s
        t_get = interleaved({s: (lambda q, m=m: drain(map(m.__getitem__, q)))
                             for s, m in built.items()}, args.rounds, setup=parser_of(words))
        for s, m in built.items():
            vb = value_bytes(s, m, words)
            ram = isolated_memory(f"bench_map_values:{STRUCTURES[s]}_{kind}", source,
                                  repeat=args.ram_repeat)
            row = {"values": kind, "structure": s, "words": n,
                   "value_kind": getattr(m, "value_kind", None),
                   "bytes_per_word": ram.bytes_per_item, "rss_runs": list(ram.runs),
                   "value_bytes_per_word": None if vb is None else vb / n,
                   "get_ns": t_get[s] / n * 1e9}
            if kind == "str":
                row["value_utf8_per_word"] = utf8 / n
                if vb is not None:
                    row["value_overhead_per_word"] = vb / n - utf8 / n
            rows.append(row)
        base = rows[-len(built)]
        for row in rows[-len(built) + 1:]:
            for key in ("bytes_per_word", "get_ns"):
                if row.get(key) and base.get(key):
                    row[f"ratio/{key}"] = row[key] / base[key]
        del built, reference
    print_table(rows, ["values", "structure", "value_kind", "bytes_per_word",
                       "value_bytes_per_word", "value_overhead_per_word", "get_ns",
                       "ratio/bytes_per_word", "ratio/get_ns"],
                "maps of str to values of each kind: lowram vs dict (English words)")
    path = write_results(
        "bench_map_values", rows, peers=(),
        notes="bytes_per_word: isolated RSS growth / words (median of ram_repeat "
              "subprocesses); value_bytes_per_word: the values' own bytes (StringMap's "
              "ValueStore; MutableStringMap's nbytes less a map of the same keys to 0, plus "
              "the 8 value bytes per key that both hold in the trie); "
              "value_overhead_per_word: value bytes less the values' UTF-8 (str only); "
              "get_ns: m[k] over every word parsed anew from UTF-8 each round, medians of "
              "interleaved rounds; ratios are lowram / dict.")
    print(path)


if __name__ == "__main__":
    main()
