"""Measuring what N worker processes cost together when they open one saved structure.

Each of ``n`` "spawn" workers (nothing inherited) warms up (imports, tiny instances, the
word file streamed), reports, opens a structure with an opener and touches all of it, and
waits; the parent reads the workers' proportional set size (``Pss`` in
``/proc/PID/smaps_rollup``: a page shared by k processes counts 1/k in each) before and
after. Used by ``benchmarks/bench_sharing.py`` and by the tests; Linux only.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import statistics
import time

from .. import corpora
from ..lists import PackedIntArray
from ..sketches import BloomFilter
from ..strings import StringSet

__all__ = ["START_METHOD", "measure_growth", "open_bloom", "open_packed", "open_set",
           "open_stringset", "pss_bytes", "warm_up"]

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
            try:
                what, pid, check = to_parent.get(timeout=1.0)
            except queue.Empty:
                dead = [p.exitcode for p in procs if p.exitcode is not None]
                if dead:
                    raise RuntimeError(f"a worker exited (status {dead[0]}) before "
                                       f"reporting {stage!r}") from None
                if time.monotonic() > deadline:
                    raise TimeoutError(f"workers did not report {stage!r} in {timeout} s")
                continue
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
