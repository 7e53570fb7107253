"""MutableStringSet (lowram's HAT-trie) against set, dict and datrie, in one run.

For each word list: resident memory per word (isolated subprocess), ``x in s`` for hits and
misses (C loop, shuffled queries), inserts from a list of str, and iteration (sorted for the
tries). Timings are interleaved across structures round by round, medians reported, with the
ratio MutableStringSet / peer.

``x in s`` is timed two ways:

* ``in_hit_ns`` / ``in_miss_ns``: queries as a program meets them, str objects parsed anew from
  UTF-8 text before every round (untimed), so ``set`` hashes each one and compares it with its
  stored key: "the hash + probe in C" of the target, and our one key encoding per query.
* ``in_hit_stored_ns`` / ``in_miss_stored_ns``: the same str objects every round; for hits the
  very objects stored in the set. ``set`` then reuses each str's cached hash and, on a hit,
  matches by identity without reading the stored key, a shortcut only a query with the stored
  object itself gets.

Word lists: the bundled 663,473 English words, and /usr/share/dict/ukrainian (Debian package
wukrainian, 1.5M words, GPL: not bundled) when present, reported missing otherwise.

    python benchmarks/bench_hat_trie.py            # the comparison
    python benchmarks/bench_hat_trie.py --tune     # the burst/load grid that chose the defaults
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import optional, print_table, write_results  # noqa: E402

from lowram import corpora  # noqa: E402
from lowram._native._loops import contains_count, iterate_all  # noqa: E402
from lowram.measure import isolated_memory  # noqa: E402
from lowram.strings import MutableStringSet  # noqa: E402

UKRAINIAN = "/usr/share/dict/ukrainian"
datrie = optional("datrie")


# ---------------------------------------------------------------- builders (run in subprocesses)

def build_hat(items):
    return MutableStringSet(items)


def build_set(items):
    return set(items)


def build_dict(items):
    return dict.fromkeys(items)


def build_datrie(items):
    # datrie needs its alphabet first; the list is freed before the RSS reading. Its inserts
    # are fast in sorted order only, so the bench builds it from the sorted list.
    words = sorted(items)
    trie = datrie.Trie("".join(sorted(set("".join(words)))))
    for w in words:
        trie[w] = None
    return trie


BUILDERS = {"MutableStringSet": build_hat, "set": build_set, "dict": build_dict,
            "datrie": build_datrie}


# ---------------------------------------------------------------- timing

def interleaved(fns: dict, rounds: int, setup=None) -> dict:
    """Median seconds of each fn, timed round by round so machine drift hits all alike.

    With ``setup``, each call is ``fn(setup())`` and only ``fn`` is timed.
    """
    samples = {name: [] for name in fns}
    gc.disable()
    try:
        for _ in range(rounds):
            for name, fn in fns.items():
                arg = setup() if setup is not None else None
                t0 = time.perf_counter()
                fn(arg) if setup is not None else fn()
                samples[name].append(time.perf_counter() - t0)
                del arg
    finally:
        gc.enable()
    return {name: statistics.median(v) for name, v in samples.items()}


def queries(words):
    """(shuffled words, 200,000 hits, up to 100,000 misses: hit words + "q" not in the list)."""
    shuffled = words[:]
    random.Random(0).shuffle(shuffled)
    present = set(words)
    hits = shuffled[:200_000]
    misses = [w + "q" for w in shuffled[200_000:400_000] if w + "q" not in present][:100_000]
    return shuffled, hits, misses


def parser_of(strings):
    """A function returning new str objects equal to ``strings``, decoded from UTF-8 text as a
    tokenizer would deliver them: no hash computed yet, laid out in query order."""
    text = "\n".join(strings).encode("utf-8")
    return lambda: text.decode("utf-8").split("\n")


def datrie_alphabet_ok(words) -> bool:
    return datrie is not None and len(set("".join(words))) < 255


def load_words(name):
    if name == "english":
        return list(corpora.Corpus.bundled("english-words")), corpora.Corpus.bundled(
            "english-words")
    if not os.path.exists(UKRAINIAN):
        return None, None
    words = list(dict.fromkeys(corpora.read_lines(UKRAINIAN)))
    return words, UKRAINIAN


def compare(name, rounds, ram_repeat):
    words, source = load_words(name)
    if words is None:
        print(f"{name}: {UKRAINIAN} missing (apt-get install wukrainian); skipped")
        return [{"corpus": name, "structure": s, "missing": True} for s in BUILDERS]
    shuffled, hits, misses = queries(words)
    names = [n for n in BUILDERS if n != "datrie" or datrie_alphabet_ok(words)]
    built = {n: BUILDERS[n](shuffled) for n in names}
    for n in names:
        assert contains_count(built[n], hits) == len(hits), n
        assert contains_count(built[n], misses) == 0, n

    count = {n: (lambda q, s=built[n]: contains_count(s, q)) for n in names}
    t_hit = interleaved(count, rounds, setup=parser_of(hits))
    t_miss = interleaved(count, rounds, setup=parser_of(misses))
    t_hit_stored = interleaved(count, rounds, setup=lambda: hits)
    t_miss_stored = interleaved(count, rounds, setup=lambda: misses)
    insert_fns = {n: (lambda b=BUILDERS[n]: b(shuffled)) for n in names if n != "datrie"}
    t_insert = interleaved(insert_fns, max(3, rounds // 2))
    if "datrie" in names:
        # datrie inserts shuffled keys at a few thousand per second: timed once on 20,000
        t0 = time.perf_counter()
        build_datrie(shuffled[:20_000])
        t_insert["datrie"] = (time.perf_counter() - t0) * len(words) / 20_000
    iter_fns = {n: (lambda s=built[n]: iterate_all(s)) for n in names if n != "datrie"}
    if "datrie" in names:
        iter_fns["datrie"] = lambda s=built["datrie"]: iterate_all(s.keys())
    t_iter = interleaved(iter_fns, rounds)
    t_sorted = interleaved({n: (lambda s=built[n]: sorted(s)) for n in ("set", "dict")},
                           max(3, rounds // 2))

    rows = []
    for n in names:
        ram = isolated_memory(BUILDERS[n], source, repeat=ram_repeat)
        row = {
            "corpus": name, "structure": n, "words": len(words),
            "bytes_per_word": ram.bytes_per_item,
            "rss_runs": list(ram.runs),
            "in_hit_ns": t_hit[n] / len(hits) * 1e9,
            "in_miss_ns": t_miss[n] / len(misses) * 1e9,
            "in_hit_stored_ns": t_hit_stored[n] / len(hits) * 1e9,
            "in_miss_stored_ns": t_miss_stored[n] / len(misses) * 1e9,
            "insert_keys_per_s": len(words) / t_insert[n],
            "iter_keys_per_s": len(words) / t_iter[n],
            "sorted_iter_keys_per_s": (len(words) / t_iter[n] if n in ("MutableStringSet", "datrie")
                                       else len(words) / t_sorted[n]),
        }
        if n == "MutableStringSet":
            row["sizeof_bytes_per_word"] = sys.getsizeof(built[n]) / len(words)
        rows.append(row)
    if "datrie" not in names:
        rows.append({"corpus": name, "structure": "datrie", "missing": True})
    hat = rows[0]
    for row in rows[1:]:
        if row.get("missing"):
            continue
        for key in ("bytes_per_word", "in_hit_ns", "in_miss_ns", "in_hit_stored_ns",
                    "in_miss_stored_ns", "insert_keys_per_s", "sorted_iter_keys_per_s"):
            if hat.get(key) and row.get(key):
                row[f"hat/{key}"] = hat[key] / row[key]
    return rows


def tune(rounds):
    """The grid of burst thresholds and load factors on the English words."""
    words = list(corpora.Corpus.bundled("english-words"))
    shuffled, hits, misses = queries(words)
    reference = set(shuffled)
    rows = []
    for burst in (1024, 4096, 16384, 65536):
        for load in (4, 8, 12, 16, 32):
            s = MutableStringSet(shuffled, _burst=burst, _load=load)
            fns = {
                "set_hit": lambda: contains_count(reference, hits),
                "hit": lambda: contains_count(s, hits),
                "set_miss": lambda: contains_count(reference, misses),
                "miss": lambda: contains_count(s, misses),
                "iter": lambda: iterate_all(s),
                "insert": lambda: MutableStringSet(shuffled, _burst=burst, _load=load),
            }
            t = interleaved(fns, rounds)
            stats = s._stats()
            rows.append({
                "burst": burst, "load": load,
                "bytes_per_word": sys.getsizeof(s) / len(words),
                "nodes": stats["nodes"], "containers": stats["containers"],
                "hit/set": t["hit"] / t["set_hit"], "miss/set": t["miss"] / t["set_miss"],
                "in_hit_ns": t["hit"] / len(hits) * 1e9,
                "insert_keys_per_s": len(words) / t["insert"],
                "iter_keys_per_s": len(words) / t["iter"],
            })
            print_table(rows[-1:], list(rows[-1]))
            del s
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="run the burst/load grid")
    parser.add_argument("--rounds", type=int, default=7, help="timing rounds (median)")
    parser.add_argument("--ram-repeat", type=int, default=3, help="isolated builds (median)")
    parser.add_argument("--corpora", default="english,ukrainian")
    args = parser.parse_args()
    if args.tune:
        rows = tune(args.rounds)
        print_table(rows, list(rows[0]), "burst/load grid, 663,473 English words (shuffled)")
        path = write_results("bench_hat_trie_tune", rows, peers=("datrie",),
                             notes="bytes_per_word by __sizeof__ (checked against isolated "
                                   "RSS in tests); times interleaved, medians")
        print(path)
        return
    rows = []
    for name in args.corpora.split(","):
        rows += compare(name, args.rounds, args.ram_repeat)
    cols = ["corpus", "structure", "bytes_per_word", "in_hit_ns", "in_miss_ns",
            "insert_keys_per_s", "sorted_iter_keys_per_s", "hat/bytes_per_word",
            "hat/in_hit_ns", "hat/in_miss_ns", "hat/in_hit_stored_ns", "hat/in_miss_stored_ns"]
    print_table(rows, cols, "MutableStringSet vs set, dict, datrie")
    path = write_results("bench_hat_trie", rows, peers=("datrie",),
                         notes="bytes_per_word: isolated RSS growth / words (median of "
                               "ram_repeat subprocesses). Times: medians of interleaved "
                               "rounds; queries shuffled; 'in' via a C loop. in_*_ns: queries "
                               "decoded anew from UTF-8 text before each round (no cached hash); "
                               "in_*_stored_ns: the same str objects every round (hits: the "
                               "objects stored in the set; hashes cached). Sorted iteration "
                               "for set/dict is sorted(); the tries iterate in order.")
    print(path)


if __name__ == "__main__":
    main()
