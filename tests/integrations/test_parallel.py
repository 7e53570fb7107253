"""lowram.parallel: process-pool builds that merge to exactly the serial sketch."""

import functools
import multiprocessing
import os

import numpy as np
import pytest
from mp_helpers import (CountingSketch, ExplodingChunk, KillingChunk, RendezvousChunk,
                        WorkerPids)

from lowram import BloomFilter, CountMinSketch, HyperLogLog, KMinValues
from lowram.corpora import Corpus
from lowram.parallel import WorkerError, build_parallel, chunked

TOKENS = [f"t{i % 7919}-{i % 13}" for i in range(60_000)]

FACTORIES = {
    "hll": functools.partial(HyperLogLog, p=12, seed=9),
    "bloom": functools.partial(BloomFilter, 100_000, 0.01, seed=4),
    "cms": functools.partial(CountMinSketch, 1024, 5, seed=2),
    "cms-conservative": functools.partial(CountMinSketch, 1024, 5, seed=2, conservative=True),
    "kmv": functools.partial(KMinValues, 512),
}


def _serial(factory, chunks):
    s = factory()
    for c in chunks:
        s.update(c)
    return s


@pytest.mark.parametrize("name", ["hll", "bloom", "cms", "kmv"])
def test_parallel_equals_serial_bit_for_bit(name):
    factory = FACTORIES[name]
    chunks = list(chunked(TOKENS, 7_000))
    par = build_parallel(factory, chunks, processes=2)
    assert par.to_bytes() == _serial(factory, chunks).to_bytes()


def test_conservative_count_min_merges_to_an_upper_bound():
    # conservative update is not a linear sketch: merged counts are sums of per-chunk counts,
    # which still never under-count (documented); check the guarantee, not bit-identity
    factory = FACTORIES["cms-conservative"]
    par = build_parallel(factory, chunked(TOKENS, 7_000), processes=2)
    for token in TOKENS[:200]:
        assert par.count(token) >= TOKENS.count(token)


def test_flat_stream_with_chunksize_and_numpy_chunks():
    factory = FACTORIES["hll"]
    flat = build_parallel(factory, iter(TOKENS), processes=2, chunksize=5_000)
    assert flat == _serial(factory, [TOKENS])
    arrays = [np.arange(i, i + 50_000, dtype=np.uint64) for i in range(0, 200_000, 50_000)]
    assert build_parallel(factory, arrays, processes=2) == _serial(factory, arrays)


def test_files_and_corpora_as_chunks(tmp_path):
    paths = []
    for i in range(3):
        p = tmp_path / f"part{i}.txt"
        p.write_text("\n".join(TOKENS[i::3]) + "\n", encoding="utf-8")
        paths.append(str(p))
    factory = FACTORIES["hll"]
    assert build_parallel(factory, paths, processes=2) == _serial(factory, [TOKENS])
    cyr = Corpus.bundled("sample-cyrillic")
    assert build_parallel(factory, [cyr], processes=2) == _serial(factory, [list(cyr)])


def test_single_process_and_empty_input():
    factory = FACTORIES["hll"]
    assert build_parallel(factory, [TOKENS], processes=1) == _serial(factory, [TOKENS])
    assert build_parallel(factory, [], processes=2) == factory()


def test_worker_error_is_raised_here_and_no_pool_is_left():
    before = set(multiprocessing.active_children())
    with pytest.raises(ZeroDivisionError, match="boom in a worker"):
        build_parallel(FACTORIES["hll"], [TOKENS[:10], ExplodingChunk(), TOKENS[:10]],
                       processes=2)
    assert set(multiprocessing.active_children()) <= before


def test_killed_worker_gives_a_clear_error_and_no_pool_is_left():
    before = set(multiprocessing.active_children())
    with pytest.raises(WorkerError, match="died while sketching chunk"):
        build_parallel(FACTORIES["hll"], [TOKENS[:10], KillingChunk()], processes=2)
    assert set(multiprocessing.active_children()) <= before


def test_bad_arguments():
    with pytest.raises(ValueError, match="processes"):
        build_parallel(FACTORIES["hll"], [], processes=0)
    with pytest.raises(ValueError, match="chunk size"):
        list(chunked([1], 0))
    with pytest.raises(FileNotFoundError, match="pass chunksize="):
        build_parallel(FACTORIES["hll"], ["not-a-file-but-a-token"], processes=2)


def test_default_processes_is_the_core_count(tmp_path):
    # one chunk per core, each waiting in its worker until every core's chunk is held by a
    # distinct process: the default pool has os.cpu_count() concurrent worker processes
    cores = os.cpu_count() or 1
    chunks = [RendezvousChunk(str(tmp_path), cores, os.getpid()) for _ in range(cores)]
    pids = build_parallel(WorkerPids, chunks).pids
    if cores == 1:
        assert pids == {os.getpid()}  # processes=1 builds in this process
    else:
        assert len(pids) == cores and os.getpid() not in pids, (
            f"the default build ran its {cores} chunks in {len(pids)} process(es) "
            f"{sorted(pids)} (this one is {os.getpid()}); expected {cores} worker processes")
    result = build_parallel(FACTORIES["hll"], [TOKENS[:100]])
    assert result == _serial(FACTORIES["hll"], [TOKENS[:100]])


@pytest.mark.parametrize("processes", [2, 3])
def test_at_most_two_chunks_per_process_are_in_flight(processes):
    # the chunk source records, as each chunk is taken, how many taken chunks have not yet
    # been merged into the result (merges happen in this process, counted in tally)
    tally = {"merged": 0}
    taken = 0
    in_flight = []

    def source():
        nonlocal taken
        for i in range(12 * processes):
            taken += 1
            in_flight.append(taken - tally["merged"])
            yield [f"x{i}-{j}" for j in range(10)]

    result = build_parallel(functools.partial(CountingSketch, tally), source(),
                            processes=processes)
    assert result.items == 120 * processes and tally["merged"] == 12 * processes
    assert len(in_flight) == 12 * processes
    assert max(in_flight) <= 2 * processes, (
        f"up to {max(in_flight)} chunks were taken from the input but not yet merged; the "
        f"window is 2 * processes = {2 * processes}")


def test_int_sets_and_counts_merge_to_the_serial_build():
    """IntSet per chunk merges to the union; a counting IntMap per chunk to the serial count."""
    import collections

    from lowram import IntMap, IntSet

    rng = np.random.default_rng(4)
    chunks = [rng.integers(-5000, 5000, 20_000) for _ in range(6)] + [
        [2**63, 2**64 - 1, -2**63] * 3]
    everything = [int(x) for c in chunks for x in (c.tolist() if hasattr(c, "tolist") else c)]
    union = build_parallel(functools.partial(IntSet, seed=5), chunks, processes=2)
    assert union == set(everything) and union.seed == 5
    counts = build_parallel(functools.partial(IntMap, counting=True), chunks, processes=2)
    assert counts == collections.Counter(everything) and counts.counting
    assert build_parallel(IntMap.counted, chunks, processes=1) == counts
