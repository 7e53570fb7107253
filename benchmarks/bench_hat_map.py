"""MutableStringMap (lowram's HAT-trie, str -> int64) against dict, in one run.

For each word list (the bundled 663,473 English words; /usr/share/dict/ukrainian when
present, reported missing otherwise): resident memory per word in an isolated subprocess
(each word mapped to a distinct int, its index: the dict then holds an int object per word
beyond the small-int cache, the map 8 bytes), ``m[k]`` for hits, ``m.get(k)`` for misses,
``m[k] = v`` into an empty map, all over shuffled keys through a C-level ``map`` so the loop
costs both structures alike. Lookups are timed on queries parsed anew from UTF-8 text before
each round (``get_*_ns``: dict hashes each one) and on the same str objects every round
(``get_*_stored_ns``: for hits, the dict's own key objects, so it matches by identity on a
cached hash); see bench_hat_trie.py. Counting: the 1,475,082 bundled WordNet gloss tokens counted by
``MutableStringMap.counted`` (``increment`` over the stream), ``collections.Counter``
and a ``dict.get`` loop, with the RSS of the resulting counts. Timings are interleaved across
structures round by round; medians and the ratio map / dict are reported.

    python benchmarks/bench_hat_map.py
"""

from __future__ import annotations

import argparse
import collections
import itertools
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import print_table, write_results  # noqa: E402
from bench_hat_trie import interleaved, load_words, parser_of, queries  # noqa: E402

from lowram import corpora  # noqa: E402
from lowram.measure import isolated_memory  # noqa: E402
from lowram.strings import MutableStringMap  # noqa: E402

# ---------------------------------------------------------------- builders (run in subprocesses)

def build_map(items):
    return MutableStringMap(zip(items, itertools.count()))


def build_dict(items):
    return dict(zip(items, itertools.count()))


def count_map(tokens):
    return MutableStringMap.counted(tokens)  # increment() over the stream, one C loop


def count_counter(tokens):
    return collections.Counter(tokens)


def count_dict(tokens):
    d = {}
    get = d.get
    for t in tokens:
        d[t] = get(t, 0) + 1
    return d


BUILDERS = {"MutableStringMap": build_map, "dict": build_dict}
COUNTERS = {"MutableStringMap": count_map, "Counter": count_counter, "dict.get loop": count_dict}


def drain(iterator):
    collections.deque(iterator, 0)


def compare(name, rounds, ram_repeat):
    words, source = load_words(name)
    if words is None:
        print(f"{name}: missing; skipped")
        return [{"corpus": name, "structure": s, "missing": True} for s in BUILDERS]
    shuffled, hits, misses = queries(words)
    del words
    values = list(range(len(shuffled)))
    built = {n: BUILDERS[n](shuffled) for n in BUILDERS}
    assert built["MutableStringMap"] == built["dict"]

    get_hit = {n: (lambda q, m=built[n]: drain(map(m.__getitem__, q))) for n in built}
    get_miss = {n: (lambda q, m=built[n]: drain(map(m.get, q))) for n in built}
    t_hit = interleaved(get_hit, rounds, setup=parser_of(hits))
    t_miss = interleaved(get_miss, rounds, setup=parser_of(misses))
    t_hit_stored = interleaved(get_hit, rounds, setup=lambda: hits)
    t_miss_stored = interleaved(get_miss, rounds, setup=lambda: misses)

    def setter(cls):
        def run():
            m = cls()
            drain(map(m.__setitem__, shuffled, values))
        return run

    t_set = interleaved({"MutableStringMap": setter(MutableStringMap), "dict": setter(dict)},
                        max(3, rounds // 2))
    del built
    rows = []
    for n in BUILDERS:
        ram = isolated_memory(BUILDERS[n], source, repeat=ram_repeat)
        rows.append({
            "corpus": name, "structure": n, "words": len(shuffled),
            "bytes_per_word": ram.bytes_per_item, "rss_runs": list(ram.runs),
            "get_hit_ns": t_hit[n] / len(hits) * 1e9,
            "get_miss_ns": t_miss[n] / len(misses) * 1e9,
            "get_hit_stored_ns": t_hit_stored[n] / len(hits) * 1e9,
            "get_miss_stored_ns": t_miss_stored[n] / len(misses) * 1e9,
            "set_new_ns": t_set[n] / len(shuffled) * 1e9,
        })
    ratio(rows, ("bytes_per_word", "get_hit_ns", "get_miss_ns", "get_hit_stored_ns",
                 "get_miss_stored_ns", "set_new_ns"))
    return rows


def counting(rounds, ram_repeat):
    source = corpora.Corpus.bundled("wordnet-tokens")
    tokens = list(source)
    results = {n: COUNTERS[n](tokens) for n in COUNTERS}
    assert results["MutableStringMap"] == results["Counter"] == results["dict.get loop"]
    distinct = len(results["Counter"])
    del results
    t = interleaved({n: (lambda f=COUNTERS[n]: f(tokens)) for n in COUNTERS},
                    max(3, rounds // 2))
    rows = []
    for n in COUNTERS:
        ram = isolated_memory(COUNTERS[n], source, repeat=ram_repeat)
        rows.append({
            "corpus": "wordnet-tokens", "structure": n, "tokens": len(tokens),
            "distinct": distinct, "count_tokens_per_s": len(tokens) / t[n],
            "bytes_per_distinct": ram.growth / distinct, "rss_runs": list(ram.runs),
        })
    ratio(rows, ("count_tokens_per_s", "bytes_per_distinct"))
    return rows


def ratio(rows, keys):
    """Add map/peer ratios to each peer row (the map's row comes first)."""
    hat = rows[0]
    for row in rows[1:]:
        for key in keys:
            if hat.get(key) and row.get(key):
                row[f"map/{key}"] = hat[key] / row[key]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds (median)")
    parser.add_argument("--ram-repeat", type=int, default=3, help="isolated builds (median)")
    parser.add_argument("--corpora", default="english,ukrainian")
    args = parser.parse_args()
    rows = []
    for name in args.corpora.split(","):
        rows += compare(name, args.rounds, args.ram_repeat)
    print_table(rows, ["corpus", "structure", "bytes_per_word", "get_hit_ns", "get_miss_ns",
                       "set_new_ns", "map/bytes_per_word", "map/get_hit_ns",
                       "map/get_miss_ns", "map/get_hit_stored_ns", "map/get_miss_stored_ns",
                       "map/set_new_ns"],
                "MutableStringMap vs dict (str -> distinct int)")
    counts = counting(args.rounds, args.ram_repeat)
    print_table(counts, ["corpus", "structure", "tokens", "distinct", "count_tokens_per_s",
                         "bytes_per_distinct", "map/count_tokens_per_s",
                         "map/bytes_per_distinct"],
                "counting tokens: MutableStringMap.counted vs Counter vs dict")
    path = write_results("bench_hat_map", rows + counts, peers=(),
                         notes="bytes_per_word: isolated RSS growth / words (median of "
                               "ram_repeat subprocesses), values are the words' indices. "
                               "Times: medians of interleaved rounds over shuffled keys, "
                               "driven by map()/deque() in C for both structures; get_*_ns: "
                               "queries decoded anew from UTF-8 text before each round, "
                               "get_*_stored_ns: the same str objects every round (hits: the "
                               "dict's own keys). Counting: "
                               "MutableStringMap.counted(stream), Counter(stream); "
                               "bytes_per_distinct: isolated RSS of the counts / distinct "
                               "tokens.")
    print(path)


if __name__ == "__main__":
    main()
