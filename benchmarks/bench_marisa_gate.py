"""What the marisa backend's gate costs at open: ``check_marisa`` beside marisa-trie's own
``frombytes`` and ``map`` on the same payloads, in one run.

Payloads: the bundled English words, Debian's word lists when installed (``/usr/share/dict``),
synthetic URLs and keys sharing long prefixes, at several sizes. For each: the payload's size,
the best of ``--repeat`` timings of the check, of ``BinaryTrie().frombytes`` (which copies the
payload into marisa's vectors) and of ``BinaryTrie().map`` (which does not), the check's
throughput and its time as a ratio of each. JSON to ``benchmarks/results/marisa_gate.json``.

    python benchmarks/bench_marisa_gate.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import glob
import os
import time

import marisa_trie
from _common import print_table, write_results

from lowram.corpora import bundled_path, read_lines
from lowram.strings.backends._marisacheck import check_marisa, key_bound


def corpora():
    english = list(read_lines(bundled_path("english-words")))
    yield "english (bundled)", english
    seen = set()
    for path in sorted(glob.glob("/usr/share/dict/*")):
        real = os.path.realpath(path)
        if path.endswith("README.select-wordlist") or real in seen:
            continue   # "words" is a link to one of the others
        seen.add(real)
        try:
            with open(path, encoding="utf-8") as fh:
                words = [w.rstrip("\n") for w in fh]
        except (UnicodeDecodeError, IsADirectoryError):
            continue
        yield f"{path.rsplit('/', 1)[1]} (/usr/share/dict)", words
    yield "urls (synthetic)", [f"https://host{i % 97}.example/a/{i // 7}/item-{i}.html"
                               for i in range(1_000_000)]
    yield "shared prefixes (synthetic)", [f"{'p' * 60}/{i:08d}" for i in range(1_000_000)]


def best(fn, repeat):
    out = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t0)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rows = []
    for name, words in corpora():
        keys = sorted({w.encode("utf-8", "surrogatepass") for w in words if w})
        data = marisa_trie.BinaryTrie(keys, order=marisa_trie.LABEL_ORDER).tobytes()
        assert check_marisa(data) == len(keys)
        check = best(lambda: check_marisa(data), args.repeat)
        read = best(lambda: marisa_trie.BinaryTrie().frombytes(data), args.repeat)
        mapped = best(lambda: marisa_trie.BinaryTrie().map(data), args.repeat)
        rows.append({"corpus": name, "keys": len(keys), "payload_MB": len(data) / 1e6,
                     "check_ms": check * 1e3, "check_MB_s": len(data) / check / 1e6,
                     "frombytes_ms": read * 1e3, "map_ms": mapped * 1e3,
                     "check_vs_frombytes": check / read, "check_vs_map": check / mapped,
                     # the backend's key-length limit against what these links can restore
                     "longest_key": max(map(len, keys)), "key_bound": key_bound(data),
                     "backend_limit": (1 << 16) + 64 * len(data)})
    cols = ["corpus", "keys", "payload_MB", "check_ms", "check_MB_s", "frombytes_ms", "map_ms",
            "check_vs_frombytes", "check_vs_map", "longest_key", "key_bound", "backend_limit"]
    print_table(rows, cols, "marisa payloads: the gate's check beside marisa-trie's own open")
    print(f"wrote {write_results('marisa_gate', rows, peers=('marisa_trie',))}")


if __name__ == "__main__":
    main()
