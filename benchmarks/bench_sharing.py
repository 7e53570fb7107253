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
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time

import numpy as np  # noqa: F401  (imported by every worker, the baseline included)

import lowram
from lowram import BloomFilter, PackedIntArray, StringSet, corpora

try:
    from _common import print_table, write_results
except ImportError:  # imported from elsewhere (the tests) for the worker machinery only
    print_table = write_results = None

__all__ = ["pss_bytes", "measure_growth", "warm_up", "open_stringset", "open_packed",
           "open_bloom", "open_set"]

START_METHOD = "spawn"  # nothing inherited: each worker imports and opens on its own


def pss_bytes(pid: int) -> dict:
    """Proportional set size of process ``pid``: ``{"Pss": .., "Pss_Anon": .., "Pss_File":
    ..}`` in bytes, from ``/proc/PID/smaps_rollup`` (each shared page divided by its sharers).
    """
    out = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("Pss", "Pss_Anon", "Pss_File"):
                out[key] = int(rest.split()[0]) * 1024
    if "Pss" not in out:
        raise RuntimeError(f"no Pss line in /proc/{pid}/smaps_rollup")
    return out


# ---------------------------------------------------------------- openers (run in workers)
# Each opens ``path`` and touches every page of the structure, returning the object (kept
# alive while the worker waits) and a check value sent back to the parent.

def warm_up(words_path=None):
    """The baseline: load every module and code path the openers use, on tiny instances,
    and stream the word file twice (its decompressor's buffers are the lookups' input cost,
    not the structure's). Twice, because glibc's malloc serves a large block with mmap and
    returns it on free the first time, then raises its mmap threshold: the second time the
    block comes from the heap and stays resident after it is freed (about 6.6 MB here).
    """
    small = (StringSet(["a", "b"], backend="marisa"), PackedIntArray.from_iterable([1, 2]),
             BloomFilter(10, 0.1), {"a"})
    for _ in range(2):
        for _ in corpora.read_lines(words_path or corpora.Corpus.bundled("english-words").path):
            pass
    return small


def open_stringset(path):
    """Map a saved StringSet; iterate every key and look each one up."""
    s = StringSet.load(path, mmap=True)
    found = sum(1 for w in s if w in s)
    return s, found


def open_packed(path):
    """Map a saved PackedIntArray; read every item in order, and 100,000 pseudo-random ones."""
    a = PackedIntArray.load(path, mmap=True)
    total = sum(a)
    n, x = len(a), 1
    for _ in range(100_000 if n else 0):  # an LCG: no index array, no extra module
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        total += a[x % n]
    return a, total


def open_bloom(path, words_path):
    """Map a saved BloomFilter; look up every word of ``words_path`` (streamed, not kept)."""
    bf = BloomFilter.load(path, mmap=True)
    found = sum(1 for w in corpora.read_lines(words_path) if w in bf)
    return bf, found


def open_set(path, words_path):
    """Build an unshared builtin set from ``words_path``; look up every word."""
    s = set(corpora.read_lines(words_path))
    found = sum(1 for w in s if w in s)
    return s, found


def _worker(opener, args, to_parent, go, release, warm_path):
    small = warm_up(warm_path)
    to_parent.put(("baseline", os.getpid(), None))
    go.wait()
    obj, check = opener(*args)
    to_parent.put(("holding", os.getpid(), check))
    release.wait()
    del obj, small


_FIELDS = ("Pss", "Pss_Anon", "Pss_File")


def _total_pss(pids) -> dict:
    sizes = [pss_bytes(pid) for pid in pids]
    return {k: sum(s.get(k, 0) for s in sizes) for k in _FIELDS}


def _run_group(opener, args, n: int, warm_path=None, timeout: float = 300.0):
    """Start ``n`` workers; total Pss once all are warmed up (the baseline), then once all
    hold the structure ``opener(*args)`` opened and touched. Both read in the same processes.
    """
    ctx = mp.get_context(START_METHOD)
    to_parent, go, release = ctx.Queue(), ctx.Event(), ctx.Event()
    procs = [ctx.Process(target=_worker, args=(opener, args, to_parent, go, release,
                                               warm_path), daemon=True) for _ in range(n)]
    for p in procs:
        p.start()
    deadline = time.monotonic() + timeout

    def gather(stage):
        got = []
        while len(got) < n:
            what, pid, check = to_parent.get(timeout=max(1.0, deadline - time.monotonic()))
            assert what == stage, (what, stage)
            got.append((pid, check))
        assert {pid for pid, _ in got} == {p.pid for p in procs}
        return [check for _, check in got]

    try:
        gather("baseline")
        base = _total_pss(p.pid for p in procs)
        go.set()
        checks = gather("holding")
        held = _total_pss(p.pid for p in procs)
    finally:
        release.set()
        go.set()
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.kill()
                p.join()
    return base, held, checks


def measure_growth(opener, args, n: int, repeat: int = 1, warm_path=None):
    """Median over ``repeat`` runs of the total Pss growth of ``n`` workers from their
    baseline (modules loaded, nothing opened) to holding the structure.

    Returns ``(growth, baseline_per_worker, checks)``; ``growth`` maps "Pss", "Pss_Anon"
    (private heap) and "Pss_File" (mapped files) to bytes. ``warm_path``: the word file
    the baseline streams (default: the bundled English words).
    """
    runs, bases, checks = [], [], None
    for _ in range(repeat):
        base, held, checks = _run_group(opener, args, n, warm_path)
        runs.append({k: held[k] - base[k] for k in _FIELDS})
        bases.append(base["Pss"] / n)
    growth = {k: statistics.median(r[k] for r in runs) for k in _FIELDS}
    return growth, statistics.median(bases), checks


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
