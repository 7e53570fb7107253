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


# ------------------------------------------------------------ pool behaviour (test_parallel)
# Sketch-like objects (update + merge) that record how build_parallel ran, not what it sketched.

class WorkerPids:
    """A "sketch" of the processes that built chunks: ``update`` adds this process's id."""

    def __init__(self):
        self.pids = set()

    def update(self, chunk):
        for _ in chunk:
            pass
        self.pids.add(os.getpid())

    def merge(self, other):
        self.pids |= other.pids


class RendezvousChunk:
    """A chunk that, in a worker, waits until ``parties`` distinct processes hold one.

    Each worker drops a file named after its pid into ``folder`` and waits for ``parties``
    such files (up to ``patience`` seconds: a bound on a broken build, not a measurement).
    So no worker can take a second chunk before ``parties`` workers have each taken one:
    ``parties`` distinct pids in the result prove ``parties`` concurrent worker processes.
    Built in the parent process itself (``processes=1``), it returns at once.
    """

    def __init__(self, folder, parties, parent, patience=30.0):
        self.folder, self.parties, self.parent, self.patience = folder, parties, parent, patience

    def __iter__(self):
        import time

        if os.getpid() == self.parent:
            return iter(())
        open(os.path.join(self.folder, str(os.getpid())), "w").close()
        deadline = time.monotonic() + self.patience
        while len(os.listdir(self.folder)) < self.parties and time.monotonic() < deadline:
            time.sleep(0.005)
        return iter(())


class CountingSketch:
    """Counts items; each ``merge`` (done in the parent) also counts itself in ``tally``.

    ``tally`` is a dict the test holds: the result sketch that ``factory()`` makes in the
    parent shares it, so ``tally["merged"]`` is how many chunk results have been merged.
    """

    def __init__(self, tally):
        self.tally = tally
        self.items = 0

    def update(self, chunk):
        self.items += sum(1 for _ in chunk)

    def merge(self, other):
        self.items += other.items
        self.tally["merged"] = self.tally.get("merged", 0) + 1


# ---------------------------------------------------------------- shared memory (test_sharing)
# The measurement machinery is lowram.measure._sharing; these openers combine its openers, so
# one group of workers measures a mapped StringSet and a mapped BloomFilter.

def open_mapped_stringset_and_bloom(stringset_path, bloom_path, words_path):
    """Map a saved StringSet and a saved BloomFilter; touch both wholly (see lowram.measure._sharing)."""
    from lowram.measure import _sharing

    s, found_s = _sharing.open_stringset(stringset_path)
    b, found_b = _sharing.open_bloom(bloom_path, words_path)
    return (s, b), (found_s, found_b)


def open_own_set(words_path):
    """Build this process's own builtin set of the words; look each one up."""
    from lowram.measure import _sharing

    return _sharing.open_set(words_path, words_path)


def open_mapped_stringmap(path):
    """Map a saved StringMap; read every item (touches all its pages); return the total."""
    from lowram import StringMap

    m = StringMap.load(path, mmap=True)
    return m, (len(m), sum(v for _, v in m.items("")))
