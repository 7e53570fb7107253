"""lowram's compressed dictionary (the ``compact`` backend) against marisa and dawg on every
word list at hand: bytes per key, lookups against ``set``, and what ``auto`` picks.

Corpora: the bundled English words and WordNet glosses, Debian's Ukrainian list (when
installed at /usr/share/dict/ukrainian), and generated ones (seeded): Cyrillic, CJK and Arabic
words, emoji keys, URLs, paths with long shared prefixes, and ``user/NNNNNNNNNN/NNN`` ids.
For each: ``nbytes`` per key of each backend (native memory included; checked against
resident-set growth by ``tests/strings/test_strings_size.py`` and ``lowram-report``), the
ratio to marisa, hit and miss time of ``in`` from a C loop (10,000 queries each, best of 5,
the structures timed in turn in one run) and its ratio to a ``frozenset``'s, ``contains_many``
on the hits and misses shuffled together against a Python loop of the same structure's ``in``
(best of 5 each), and the backend ``auto`` picks.

    python benchmarks/bench_dictionaries.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import time

from _common import print_table, write_results

from lowram import StringSet
from lowram._native._loops import contains_count
from lowram.corpora import bundled_path, read_lines

UKRAINIAN = "/usr/share/dict/ukrainian"
BACKENDS = ("compact", "marisa", "dawg")


def _words(rng, alphabet, n, lo, hi, prefixes=("",)):
    out = set()
    while len(out) < n:
        out.add(rng.choice(prefixes) + "".join(rng.choice(alphabet)
                                               for _ in range(rng.randint(lo, hi))))
    return list(out)


def generated(n):
    """Seeded synthetic corpora: name -> list of distinct keys."""
    rng = random.Random(2026)
    cyr_syll = [c + v for c in "бвгджзклмнпрстфхцчшщ" for v in "аеиоуюяіїє"]
    cjk = [chr(0x4E00 + i) for i in range(0, 3000, 1)]
    arabic = [chr(c) for c in range(0x0627, 0x064B)]
    emoji = [chr(c) for c in range(0x1F600, 0x1F650)] + [chr(c) for c in range(0x1F300, 0x1F340)]
    domains = [f"{w}.{t}" for w in ("example", "shop", "news", "data", "api", "cdn", "blog")
               for t in ("com", "org", "net", "io")]
    sections = ["products", "articles", "users", "search", "static/img", "v1/items", "tags"]
    out = {
        "generated Cyrillic words": _words(rng, cyr_syll, n, 2, 5,
                                           ("", "", "пере", "при", "за", "роз", "най")),
        "generated CJK words": _words(rng, cjk, n, 2, 4),
        "generated Arabic words": _words(rng, arabic, n, 3, 7, ("", "ال", "وال", "بال")),
        "generated emoji keys": list({f"{rng.choice(emoji)}{rng.choice(emoji)}-"
                                      f"{rng.randrange(10 ** 6)}" for _ in range(n)}),
        "generated URLs": list({f"https://{rng.choice(domains)}/{rng.choice(sections)}/"
                                f"{rng.randrange(10 ** 7)}?ref={rng.randrange(100)}"
                                for _ in range(n)}),
        "generated paths, long shared prefixes": list({
            f"/warehouse/events/year=2026/month={rng.randrange(1, 13):02d}/day="
            f"{rng.randrange(1, 29):02d}/part-{rng.randrange(10 ** 5):05d}-"
            f"{rng.getrandbits(64):016x}.parquet" for _ in range(n)}),
        "generated user ids": list({f"user/{rng.randrange(10 ** 10):010d}/"
                                    f"{rng.randrange(1000):03d}" for _ in range(n)}),
    }
    return out


def corpora(n_generated, limit):
    yield "english-words (bundled)", list(dict.fromkeys(read_lines(bundled_path("english-words"))))
    yield "wordnet glosses (bundled)", list(dict.fromkeys(
        read_lines(bundled_path("wordnet-tokens"))))
    if os.path.exists(UKRAINIAN):
        words = list(dict.fromkeys(read_lines(UKRAINIAN)))
        yield "ukrainian (wukrainian)", words[:limit] if limit else words
    yield from generated(n_generated).items()


def best_ns(obj, queries, repeat=5):
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter_ns()
        contains_count(obj, queries)
        dt = (time.perf_counter_ns() - t0) / len(queries)
        best = dt if best is None or dt < best else best
    return best


def best_of(fn, repeat=5):
    """The least wall time of ``repeat`` calls of fn, ns."""
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter_ns()
        fn()
        dt = time.perf_counter_ns() - t0
        best = dt if best is None or dt < best else best
    return best


def measure(label, words, rows, rng):
    words = [w for w in words if w]
    hits = [(w + ".")[:-1] for w in rng.sample(words, min(10_000, len(words)))]
    held = set(words)
    misses = []
    for w in rng.sample(words, min(10_000, len(words))):
        i = rng.randrange(len(w))
        m = w[:i] + chr(ord(w[i]) ^ 1) + w[i + 1:]
        if m not in held:
            misses.append(m)
    base = frozenset(words)
    built = {}
    for name in BACKENDS:
        try:
            built[name] = StringSet(words, backend=name)
        except ValueError as exc:
            rows.append({"corpus": label, "structure": name, "keys": len(words),
                         "problem": str(exc)[:60]})
    auto = StringSet(words).backend
    set_hit = best_ns(base, hits)
    set_miss = best_ns(base, misses)
    marisa = built.get("marisa")
    batch = hits + misses
    rng.shuffle(batch)
    for name, s in built.items():
        hit = best_ns(s, hits)
        miss = best_ns(s, misses)
        many = best_of(lambda: s.contains_many(batch)) / len(batch)
        loop = best_of(lambda: [q in s for q in batch]) / len(batch)
        rows.append({
            "corpus": label, "structure": name, "keys": len(words),
            "key_bytes": sum(len(w.encode("utf-8", "surrogatepass")) for w in words) / len(words),
            "B_per_key": s.nbytes / len(words),
            "vs_marisa": s.nbytes / marisa.nbytes if marisa is not None else None,
            "hit_ns": hit, "miss_ns": miss, "hit_vs_set": hit / set_hit,
            "miss_vs_set": miss / set_miss, "set_hit_ns": set_hit, "set_miss_ns": set_miss,
            "contains_many_ns": many, "py_loop_in_ns": loop, "loop/contains_many": loop / many,
            "auto_picks": auto, "smallest": name == min(built, key=lambda k: built[k].nbytes),
        })
        print(rows[-1], flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20k generated keys, 200k Ukrainian")
    args = ap.parse_args()
    n = 20_000 if args.quick else 200_000
    rng = random.Random(7)
    rows = []
    for label, words in corpora(n, 200_000 if args.quick else None):
        measure(label, words, rows, rng)
    print_table(rows, ["corpus", "structure", "keys", "key_bytes", "B_per_key", "vs_marisa",
                       "hit_ns", "miss_ns", "hit_vs_set", "miss_vs_set", "loop/contains_many",
                       "auto_picks", "smallest", "problem"],
                "compact vs marisa vs dawg, every corpus")
    path = write_results("bench_dictionaries", rows, peers=("marisa_trie", "dawg"))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
