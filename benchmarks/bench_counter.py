"""StringCounter against collections.Counter (and MutableStringMap.counted), in one run.

The stream: the 1,475,082 bundled WordNet gloss tokens (``wordnet-tokens``). Per structure:

* resident memory of the counts, built from the stream in a fresh subprocess (median of
  ``--ram-repeat``), per distinct token, beside the bytes tracemalloc sees for the same
  build in this process (StringCounter's memory is all PyMem, so tracemalloc sees it);
* counting rate from Python str (``StringCounter(tokens)`` vs ``Counter(tokens)``, the same
  list) and from an Arrow string column (``StringCounter(column)`` vs
  ``Counter(column.to_pylist())``, what a Counter user writes, and pyarrow's own
  ``pyarrow.compute.value_counts`` for reference);
* ``most_common(10)``;
* ``c[k]`` for 200,000 tokens parsed anew from UTF-8 text before each round (so Counter
  hashes each query), through a C-level ``map`` so the loop costs both alike.

Times are medians of rounds interleaved across structures; ratios are StringCounter / peer
(below 1 is faster or smaller, except rates, where above 1 is faster)::

    python benchmarks/bench_counter.py
"""

from __future__ import annotations

import argparse
import collections
import gc
import os
import random
import sys
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import optional, print_table, write_results  # noqa: E402
from bench_hat_trie import interleaved, parser_of  # noqa: E402

from lowram import MutableStringMap, StringCounter, corpora  # noqa: E402
from lowram.measure import isolated_memory  # noqa: E402

pa = optional("pyarrow")


def count_string_counter(tokens):
    return StringCounter(tokens)


def count_counter(tokens):
    return collections.Counter(tokens)


def count_map(tokens):
    return MutableStringMap.counted(tokens)


BUILDERS = {"StringCounter": count_string_counter, "Counter": count_counter,
            "MutableStringMap.counted": count_map}


def drain(iterator):
    collections.deque(iterator, 0)


def traced_bytes(builder, tokens):
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        built = builder(tokens)
        grew = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    del built
    return grew


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timing rounds (median)")
    parser.add_argument("--ram-repeat", type=int, default=3, help="isolated builds (median)")
    args = parser.parse_args()

    source = corpora.Corpus.bundled("wordnet-tokens")
    tokens = list(source)
    built = {n: BUILDERS[n](tokens) for n in BUILDERS}
    assert built["StringCounter"] == built["Counter"]
    assert dict(built["MutableStringMap.counted"].items()) == dict(built["Counter"])
    distinct = len(built["Counter"])
    sc, counter = built["StringCounter"], built["Counter"]
    assert sc.most_common(10) == counter.most_common(10)

    t_count = interleaved({n: (lambda f=BUILDERS[n]: f(tokens)) for n in BUILDERS},
                          args.rounds)
    t_top = interleaved({"StringCounter": lambda: sc.most_common(10),
                         "Counter": lambda: counter.most_common(10)}, args.rounds)
    sample = random.Random(0).sample(tokens, 200_000)
    t_get = interleaved({"StringCounter": lambda q: drain(map(sc.__getitem__, q)),
                         "Counter": lambda q: drain(map(counter.__getitem__, q)),
                         "MutableStringMap.counted": lambda q, m=built[
                             "MutableStringMap.counted"]: drain(map(m.get, q))},
                        args.rounds, setup=parser_of(sample))
    t_arrow = {}
    if pa is not None:
        column = pa.array(tokens, pa.string())
        assert StringCounter(column) == counter
        import pyarrow.compute as pc

        t_arrow = interleaved({
            "StringCounter": lambda: StringCounter(column),
            "Counter": lambda: collections.Counter(column.to_pylist()),
            "MutableStringMap.counted": lambda: MutableStringMap.counted(column),
            "pyarrow.compute.value_counts": lambda: pc.value_counts(column),
        }, args.rounds)
    del built, sc, counter

    rows = []
    for name in list(BUILDERS) + (["pyarrow.compute.value_counts"] if t_arrow else []):
        row = {"structure": name, "tokens": len(tokens), "distinct": distinct}
        if name in BUILDERS:
            ram = isolated_memory(BUILDERS[name], source, repeat=args.ram_repeat)
            row.update({
                "bytes_per_distinct": None if ram.growth is None else ram.growth / distinct,
                "rss_runs": list(ram.runs),
                "traced_bytes_per_distinct": traced_bytes(BUILDERS[name], tokens) / distinct,
                "count_str_per_s": len(tokens) / t_count[name],
                "get_ns": t_get[name] / len(sample) * 1e9,
            })
        if name in t_top:
            row["most_common_10_us"] = t_top[name] * 1e6
        if name in t_arrow:
            row["count_arrow_per_s"] = len(tokens) / t_arrow[name]
        rows.append(row)
    ours = rows[0]
    for row in rows[1:]:
        for key in ("bytes_per_distinct", "traced_bytes_per_distinct", "count_str_per_s",
                    "count_arrow_per_s", "most_common_10_us", "get_ns"):
            if ours.get(key) and row.get(key):
                row[f"ratio/{key}"] = ours[key] / row[key]
    print_table(rows, ["structure", "bytes_per_distinct", "traced_bytes_per_distinct",
                       "count_str_per_s", "count_arrow_per_s", "most_common_10_us", "get_ns"],
                f"counting {len(tokens):,} WordNet tokens ({distinct:,} distinct)")
    print_table(rows[1:], ["structure", "ratio/bytes_per_distinct", "ratio/count_str_per_s",
                           "ratio/count_arrow_per_s", "ratio/most_common_10_us",
                           "ratio/get_ns"], "StringCounter / peer")
    path = write_results("bench_counter", rows, peers=("pyarrow",), notes=(
        "bytes_per_distinct: isolated RSS growth of the counts built from the stream / "
        "distinct tokens (median of ram_repeat subprocesses); traced_bytes_per_distinct: "
        "tracemalloc growth of the same build in the benchmark's process. Rates: tokens per "
        "second, medians of interleaved rounds; count_arrow_per_s for Counter is "
        "Counter(column.to_pylist()). get_ns: c[k] over 200,000 sampled tokens decoded anew "
        "from UTF-8 before each round (MutableStringMap: m.get). ratio/x: StringCounter's x "
        "/ the peer's x."))
    print(path)


if __name__ == "__main__":
    main()
