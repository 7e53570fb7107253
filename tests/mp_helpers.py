"""Picklable helpers for tests that run code in worker processes.

Test modules are imported by pytest under names other processes cannot import; this module
sits on ``sys.path`` (see conftest.py), so spawned and forkserver workers import it by name.
"""

import os
import signal


class ExplodingChunk:
    """A chunk whose iteration raises in the worker."""

    def __iter__(self):
        raise ZeroDivisionError("boom in a worker")


class KillingChunk:
    """A chunk whose iteration kills the worker process outright."""

    def __iter__(self):
        os.kill(os.getpid(), signal.SIGKILL)
        yield "never"  # pragma: no cover


# ---------------------------------------------------------------- shared memory (test_sharing)
# The measurement machinery lives in benchmarks/bench_sharing.py; these openers combine its
# openers, so one group of workers measures a mapped StringSet and a mapped BloomFilter.

def _bench_sharing():
    import sys
    folder = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "benchmarks")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import bench_sharing
    return bench_sharing


def open_mapped_stringset_and_bloom(stringset_path, bloom_path, words_path):
    """Map a saved StringSet and a saved BloomFilter; touch both wholly (see bench_sharing)."""
    bench = _bench_sharing()
    s, found_s = bench.open_stringset(stringset_path)
    b, found_b = bench.open_bloom(bloom_path, words_path)
    return (s, b), (found_s, found_b)


def open_own_set(words_path):
    """Build this process's own builtin set of the words; look each one up."""
    return _bench_sharing().open_set(words_path, words_path)


def open_mapped_stringmap(path):
    """Map a saved StringMap; read every item (touches all its pages); return the total."""
    from lowram import StringMap

    m = StringMap.load(path, mmap=True)
    return m, (len(m), sum(v for _, v in m.items("")))
