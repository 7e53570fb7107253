"""Shared memory across worker processes: N workers open one saved file; what does it cost?

Python parallelises with processes, each with its own memory: a structure copied into 8
workers costs 8 copies. A frozen lowram structure opened with ``load(path, mmap=True)`` is
the file itself, in the page cache, and every worker maps the same physical pages.

For N = 1, 2, 4, 8 "spawn" workers (nothing inherited from this process), each worker opens
the SAME saved file, touches the whole structure (iterates it, or looks up every word), so
every page is resident, reports, and waits; this process then reads the proportional set size
(``Pss:`` in ``/proc/PID/smaps_rollup``: each shared page divided by the processes mapping it)
of the N workers. From that total it subtracts the same workers' total Pss read before they
opened anything, once they had imported the same modules, made a tiny instance of each
structure and streamed the word file (``warm_up``), and reports the growth: the RAM the N
copies of the structure cost together (split into private heap, ``anon``, and mapped file
pages, ``file_pss``). ``one copy`` is that growth at N = 1; ``ratio`` is growth / (1.2 x one copy): at most 1 meets the target "N
workers cost at most 1.2 copies"; an unshared ``set`` (each worker builds its own) costs about
N copies (ratio about N / 1.2).

Structures: a marisa ``StringSet`` of the bundled English words (663,473) opened with
``StringSet.load(path, mmap=True)``; ``PackedIntArray`` of the 10,000,000 bundled random ints
opened with ``load(path, mmap=True)``; a ``BloomFilter(2_000_000, 0.01)`` of the words opened
with ``BloomFilter.load(path, mmap=True)``; and a builtin ``set`` of the words, built by each
worker from the word file. Each figure is the median of ``--repeat`` runs.

    python benchmarks/bench_sharing.py [--repeat 1] [--workers 1 2 4 8]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

from _common import print_table, write_results

import lowram
from lowram import BloomFilter, PackedIntArray, StringSet, corpora
# the worker machinery (also used by tests/test_sharing.py)
from lowram.measure._sharing import (START_METHOD, measure_growth, open_bloom, open_packed,
                                     open_set, open_stringset)

# ---------------------------------------------------------------- the benchmark

def _build_files(folder: str) -> dict:
    words_path = corpora.Corpus.bundled("english-words").path
    words = list(corpora.read_lines(words_path))
    files = {"words": words_path}
    files["StringSet/marisa"] = os.path.join(folder, "words.marisa.lowram")
    StringSet(words, backend="marisa").save(files["StringSet/marisa"])
    files["BloomFilter"] = os.path.join(folder, "words.bloom.lowram")
    bf = BloomFilter(capacity=2_000_000, error_rate=0.01)
    bf.update(words)
    bf.save(files["BloomFilter"])
    files["PackedIntArray"] = os.path.join(folder, "ints.packed.lowram")
    PackedIntArray.from_iterable(corpora.Corpus.bundled("random-ints-10M")).save(
        files["PackedIntArray"])
    return files, len(words)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8])
    opts = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-sharing-") as folder:
        files, n_words = _build_files(folder)
        cases = [
            ("StringSet/marisa mmap", open_stringset, (files["StringSet/marisa"],), n_words),
            ("PackedIntArray mmap", open_packed, (files["PackedIntArray"],), None),
            ("BloomFilter mmap", open_bloom, (files["BloomFilter"], files["words"]), n_words),
            ("set (unshared)", open_set, (files["words"], files["words"]), n_words),
        ]
        rows = []
        for name, opener, args, expect in cases:
            one = None
            file_size = os.path.getsize(args[0])
            for n in opts.workers:
                parts, base, checks = measure_growth(opener, args, n, opts.repeat)
                growth = parts["Pss"]
                if expect is not None:
                    assert checks == [expect] * n, (name, checks)
                assert len(set(checks)) == 1, (name, checks)
                if n == 1 or one is None:
                    one = growth / n
                rows.append({
                    "structure": name, "workers": n,
                    "file_MB": round(file_size / 1e6, 2),
                    "growth_MB": round(growth / 1e6, 2),
                    "anon_MB": round(parts["Pss_Anon"] / 1e6, 2),
                    "file_pss_MB": round(parts["Pss_File"] / 1e6, 2),
                    "one_copy_MB": round(one / 1e6, 2),
                    "per_worker_MB": round(growth / n / 1e6, 2),
                    "baseline_MB": round(base / 1e6, 2),
                    "ratio": round(growth / (1.2 * one), 2) if one > 0 else None,
                    "target_met": (None if "unshared" in name
                                   else "yes" if growth <= 1.2 * one else "no"),
                })
                print(f"  {name:24} N={n}: growth {growth / 1e6:8.2f} MB "
                      f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    columns = ["structure", "workers", "file_MB", "growth_MB", "anon_MB", "file_pss_MB",
               "one_copy_MB",
               "per_worker_MB", "baseline_MB", "ratio", "target_met"]
    print_table(rows, columns, title="Total Pss growth of N spawn workers holding one "
                                     "structure (ratio = growth / (1.2 x one copy))")
    path = write_results(
        "bench_sharing", rows, peers=("numpy", "marisa_trie"),
        notes=(f"start method {START_METHOD}; Pss from /proc/PID/smaps_rollup; growth = "
               f"total Pss of N workers holding the structure minus total Pss of N workers "
               f"that opened nothing; median of {opts.repeat} run(s); lowram "
               f"{lowram.__version__}; {time.perf_counter() - started:.0f} s in all"))
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
