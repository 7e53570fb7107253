"""StringSet backends against the raw libraries they wrap, in one run on the same data.

For each corpus (the bundled English word list, and Debian's Ukrainian list when installed at
/usr/share/dict/ukrainian) and each structure: resident-set growth in a fresh subprocess
(B/key; each build streams the words from the file, as a user's would), build time,
``deep_size`` (what ``__sizeof__`` reports) against that growth, hit and miss lookup ns (C
loop; lowram and its like-for-like raw object timed alternately, ratio = median of per-round
ratios, because the shared machine's speed drifts between rounds), ``contains_many`` per key
against a Python loop of ``in`` on the raw library (``loop_over``; for ``sorted`` and
``compact``, which wrap no library, a loop over the StringSet itself) beside that loop's time over the raw
library's own ``in`` run from C (``loop/raw_c_loop``: the most a batch that still calls the
library once per key could gain), and a prefix query (all keys under 200
random 3-character prefixes). Lookup queries are 10,000 hits sampled at random (shuffled,
fresh ``str`` objects); misses are sampled words with one character changed. ``huge_pages``:
how many pages of the builtin backend's frozenset table were moved onto transparent huge pages
(-1: the kernel refused some). The raw ``frozenset`` of ``in_vs_raw`` stays on small pages, as
a user's would; ``in_vs_huge_raw`` compares with a frozenset moved onto huge pages too
(``raw_huge_pages``), which leaves the wrapper's own cost.

Run: ``nice python benchmarks/bench_strings.py [--quick]`` (``--quick``: 100k keys per corpus).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import os
import random
import statistics
import sys
import tempfile

from _common import optional, print_table, write_results

from lowram.corpora import bundled_path, read_lines
from lowram.measure import deep_size, isolated_memory, time_op
from lowram._native._loops import contains_count
from lowram.strings import StringSet
from lowram.strings import _report
from lowram.strings._core import set_table_huge_pages

UKRAINIAN = "/usr/share/dict/ukrainian"


# -- builders run in the isolated subprocess (module level, so the worker finds them)
def raw_marisa_label(iterable):
    """The raw trie lowram's marisa backend holds: LABEL_ORDER, so keys iterate sorted."""
    import marisa_trie

    return marisa_trie.Trie(iterable, order=marisa_trie.LABEL_ORDER)


def raw_completion_dawg_reopened(iterable):
    """The raw object lowram's dawg backend holds: a CompletionDAWG reopened from bytes."""
    import dawg

    built = dawg.CompletionDAWG(sorted(set(iterable)), input_is_sorted=True)
    data = built.tobytes()
    del built
    return dawg.CompletionDAWG().frombytes(data)


def raw_frozenset(iterable):
    return frozenset(iterable)


STRUCTURES = [
    # name, builder, raw partner name (like-for-like object), raw prefix-query
    ("StringSet[marisa]", _report.backend.marisa, "marisa_trie.Trie(LABEL_ORDER)"),
    ("StringSet[dawg]", _report.backend.dawg, "CompletionDAWG reopened"),
    ("StringSet[datrie]", _report.backend.datrie, "datrie.BaseTrie"),
    ("StringSet[sorted]", _report.backend.sorted, None),
    ("StringSet[compact]", _report.backend.compact, None),
    ("StringSet[builtin]", _report.backend.builtin, "frozenset"),
    ("marisa_trie.Trie(LABEL_ORDER)", raw_marisa_label, None),
    ("marisa_trie.Trie", _report.raw_marisa, None),
    ("CompletionDAWG reopened", raw_completion_dawg_reopened, None),
    ("dawg2.CompletionDAWG", _report.raw_completion_dawg, None),
    ("dawg2.DAWG", _report.raw_dawg, None),
    ("datrie.BaseTrie", _report.raw_datrie, None),
    ("frozenset", raw_frozenset, None),
]
PEERS = {"marisa": "marisa_trie", "dawg": "dawg", "datrie": "datrie"}


def misses_for(words, n, rng):
    present = set(words)
    alphabet = sorted({c for w in words[:5000] for c in w})
    out = []
    while len(out) < n:
        w = list(rng.choice(words))
        w[rng.randrange(len(w))] = rng.choice(alphabet)
        cand = "".join(w) + rng.choice(["", rng.choice(alphabet)])
        if cand not in present:
            out.append(cand)
    return out


def alternating(fn_a, fn_b, ops, rounds):
    """Median per-op ns of ``fn_a()`` and ``fn_b()`` and the median of their per-round ratio.

    The shared machine's speed drifts by tens of percent within seconds; timing the two in
    short alternating samples (order swapped every round) and taking the median ratio
    cancels most of it.
    """
    number = max(1, time_op(fn_b, repeat=1).number // 4)
    ta, tb, ratios = [], [], []
    for r in range(rounds):
        order = (fn_a, fn_b) if r % 2 else (fn_b, fn_a)
        t = {fn: time_op(fn, ops=ops, repeat=3, number=number).median_ns for fn in order}
        ta.append(t[fn_a])
        tb.append(t[fn_b])
        ratios.append(t[fn_a] / t[fn_b])
    return statistics.median(ta), statistics.median(tb), statistics.median(ratios)


def python_loop(raw, queries):
    return [q in raw for q in queries]


def prefix_query(obj, prefixes):
    n = 0
    keys = obj.keys
    for p in prefixes:
        n += len(list(keys(p)))
    return n


def measure_corpus(label, source, words, args, rows):
    rng = random.Random(0)
    # fresh str objects, as a user's queries would be (not the very objects a set stores)
    hits = [w.encode("utf-8").decode("utf-8") for w in rng.sample(words, min(10_000, len(words)))]
    misses = misses_for(words, len(hits), rng)
    prefixes = [w[:3] for w in rng.sample(words, 200) if len(w) >= 3]
    built = {}
    for name, builder, partner in STRUCTURES:
        module = next((m for k, m in PEERS.items() if k in name.lower()), None)
        if module and optional(module) is None:
            rows.append({"corpus": label, "structure": name, "problem": f"{module} missing"})
            continue
        row = {"corpus": label, "structure": name, "keys": len(words)}
        print(f"{label}: {name}", file=sys.stderr, flush=True)
        try:
            iso = isolated_memory(builder, source, repeat=args.repeat)
        except Exception as exc:  # a peer that cannot hold the corpus is reported, not faked
            row["problem"] = str(exc).splitlines()[-1][:120]
            rows.append(row)
            continue
        row["rss_bytes"] = iso.growth
        row["B_per_key"] = iso.growth / len(words)
        row["build_s"] = iso.build_seconds
        obj = builder(iter(words))
        built[name] = obj
        if isinstance(obj, StringSet):
            row["deep_size"] = deep_size(obj)
            row["deep/rss"] = row["deep_size"] / iso.growth
            if hasattr(obj._backend, "huge_pages"):  # builtin: its table's huge pages
                row["huge_pages"] = obj._backend.huge_pages
        row["hit_ns"] = time_op(contains_count, obj, hits, ops=len(hits), repeat=5).median_ns
        row["miss_ns"] = time_op(contains_count, obj, misses, ops=len(misses),
                                 repeat=5).median_ns
        if hasattr(obj, "keys") and not isinstance(obj, frozenset):
            try:
                row["prefix_ms"] = time_op(prefix_query, obj, prefixes, repeat=3).median_ns / 1e6
            except Exception as exc:
                row["problem"] = f"prefix query: {exc}"[:120]
        row["partner"] = partner
        rows.append(row)
    # ratios against the like-for-like raw object, measured alternately
    by_name = {r["structure"]: r for r in rows if r["corpus"] == label}
    for name, _builder, partner in STRUCTURES:
        if partner is None and name.startswith("StringSet[") and name in built:
            # lowram's own backend (no raw library): its batch against a loop over itself
            obj = built[name]
            cm, loop, ratio = alternating(functools.partial(obj.contains_many, hits),
                                          functools.partial(python_loop, obj, hits),
                                          len(hits), args.rounds)
            by_name[name].update({"contains_many_ns": cm, "py_loop_raw_ns": loop,
                                  "loop/contains_many": 1 / ratio,
                                  "loop_over": "itself (no raw library)"})
            continue
        if partner is None or name not in built or partner not in built:
            continue
        row, raw_row = by_name[name], by_name[partner]
        low, raw = built[name], built[partner]
        row["ram_vs_raw"] = row["rss_bytes"] / raw_row["rss_bytes"]
        row["ram_over_raw_bytes"] = row["rss_bytes"] - raw_row["rss_bytes"]
        n = len(hits)
        row["in_ns"], row["raw_in_ns"], row["in_vs_raw"] = alternating(
            functools.partial(contains_count, low, hits),
            functools.partial(contains_count, raw, hits), n, args.rounds)
        if getattr(low._backend, "huge_pages", 0) > 0:
            # the builtin backend's table is on huge pages and the raw frozenset's is not:
            # against a frozenset moved onto them too, what is left is the wrapper's cost
            raw_huge = frozenset(words)
            row["raw_huge_pages"] = set_table_huge_pages(raw_huge)
            _, row["huge_raw_in_ns"], row["in_vs_huge_raw"] = alternating(
                functools.partial(contains_count, low, hits),
                functools.partial(contains_count, raw_huge, hits), n, args.rounds)
            del raw_huge
        cm, loop, ratio = alternating(functools.partial(low.contains_many, hits),
                                      functools.partial(python_loop, raw, hits), n,
                                      args.rounds)
        row["contains_many_ns"] = cm
        row["py_loop_raw_ns"] = loop
        row["loop/contains_many"] = 1 / ratio
        row["loop_over"] = partner
        # the ceiling for a batch that calls the library once per key: the Python loop's
        # time over the library's own lookup run from C (``raw_in_ns``)
        row["loop/raw_c_loop"] = loop / row["raw_in_ns"]
    for row in by_name.values():
        row.update(targets(row, by_name.get(row.get("partner"))))
    built.clear()


def targets(row, raw_row) -> dict:
    """Which of the issue's wrapper targets this row meets (absent: not measurable here).

    RAM <= raw + 1% + 4 KB; ``in`` <= 1.10x the raw library; ``contains_many`` >= 2x faster
    per key than a Python loop of ``in`` on the raw library.
    """
    out = {}
    if "ram_over_raw_bytes" in row and raw_row is not None:
        out["ram_ok"] = row["ram_over_raw_bytes"] <= 0.01 * raw_row["rss_bytes"] + 4096
    if "in_vs_raw" in row:
        out["in_ok"] = row["in_vs_raw"] <= 1.10
    if "loop/contains_many" in row:
        out["contains_many_ok"] = row["loop/contains_many"] >= 2.0
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k keys per corpus")
    parser.add_argument("--repeat", type=int, default=1, help="isolated builds per structure")
    parser.add_argument("--rounds", type=int, default=15, help="alternating timing rounds")
    args = parser.parse_args()
    limit = 100_000 if args.quick else None
    sources = [("english-words", bundled_path("english-words"))]
    notes = []
    if os.path.exists(UKRAINIAN):
        sources.append(("ukrainian (wukrainian)", UKRAINIAN))
    else:
        notes.append(f"{UKRAINIAN} missing (apt-get install wukrainian): non-Latin list skipped")
    rows: list = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, path in sources:
            words = list(dict.fromkeys(itertools.islice(read_lines(path), limit)))
            if limit is not None:  # the isolated builds stream the same words from a file
                path = os.path.join(tmp, "words.txt")
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write("\n".join(words) + "\n")
            measure_corpus(label, path, words, args, rows)
    columns = ["corpus", "structure", "B_per_key", "build_s", "deep/rss", "hit_ns", "miss_ns",
               "prefix_ms", "ram_vs_raw", "ram_over_raw_bytes", "in_vs_raw",
               "contains_many_ns", "py_loop_raw_ns", "loop/contains_many", "loop/raw_c_loop",
               "huge_pages", "in_vs_huge_raw",
               "ram_ok", "in_ok",
               "contains_many_ok", "problem"]
    print_table(rows, columns, title="StringSet backends vs raw libraries")
    for note in notes:
        print(note)
    path = write_results("bench_strings", rows, peers=("marisa_trie", "dawg", "datrie",
                                                         "dawg_python"),
                         notes="; ".join(notes) or "")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
