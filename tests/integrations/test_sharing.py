"""Worker processes share a memory-mapped structure: N copies cost about one.

Spawned workers (nothing inherited) each open the same saved file and touch all of it; the
total proportional set size (Pss) of the workers grows by about one copy for a mapped
StringSet and BloomFilter, against N copies for a builtin set each worker builds. The
machinery is lowram.measure._sharing (benchmarks/bench_sharing.py runs 1 to 8 workers on
more data).
"""

from __future__ import annotations

import os

import pytest

import mp_helpers
from lowram import BloomFilter, StringMap, StringSet, corpora
from lowram.measure import _sharing

bench = _sharing

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/smaps_rollup"),
                                reason="needs /proc/PID/smaps_rollup (Linux 4.14+)")

MB = 1_000_000


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sharing")
    words_path = corpora.Corpus.bundled("english-words").path
    words = list(corpora.read_lines(words_path))
    StringSet(words, backend="marisa").save(folder / "words.marisa")
    StringMap(zip(words, range(len(words))), backend="marisa").save(folder / "words.map")
    bf = BloomFilter(capacity=2_000_000, error_rate=0.01)
    bf.update(words)
    bf.save(folder / "words.bloom")
    few = folder / "few-words.txt"
    few.write_text("\n".join(words[::len(words) // 50_000][:50_000]) + "\n", encoding="utf-8")
    return {"marisa": str(folder / "words.marisa"), "bloom": str(folder / "words.bloom"),
            "map": str(folder / "words.map"),
            "words": words_path, "few": str(few), "n_words": len(words)}


def test_pss_reader_reads_this_process():
    mine = bench.pss_bytes(os.getpid())
    assert mine["Pss"] > 1 * MB and mine["Pss"] >= mine["Pss_Anon"] > 0


def test_three_workers_share_one_mapped_stringset_and_bloom_filter(saved):
    # the filter answers 50,000 words (a plain-text file: no decompressor buffers in the
    # measurement); 350,000 probes into 585 pages of bits touch every page
    args = (saved["marisa"], saved["bloom"], saved["few"])
    opener = mp_helpers.open_mapped_stringset_and_bloom
    one, _, checks1 = bench.measure_growth(opener, args, 1, warm_path=saved["few"])
    three, _, checks3 = bench.measure_growth(opener, args, 3, warm_path=saved["few"])
    expect = (saved["n_words"], 50_000)  # every key found by the trie, every word by the filter
    assert checks1 == [expect] and checks3 == [expect] * 3
    files = os.path.getsize(saved["marisa"]) + os.path.getsize(saved["bloom"])
    # one copy is the two files, resident as mapped pages (Pss_File), not copied to the heap
    assert 0.9 * files <= one["Pss"] <= files + 1 * MB, (one, files)
    assert one["Pss_Anon"] < 0.5 * MB, one
    # three workers: still about one copy (bound: two copies plus 1 MB of slack for the
    # workers' own small allocations); three unshared copies would be 3 x ~4.3 MB
    assert three["Pss"] <= 2 * one["Pss"] + 1 * MB, (three, one)
    assert three["Pss_Anon"] < 1.5 * MB, three


def test_three_workers_share_one_mapped_stringmap(saved):
    # the keys (marisa trie) and the int32 values are read from the map: ~4.5 MB of file
    n = saved["n_words"]
    opener = mp_helpers.open_mapped_stringmap
    one, _, checks1 = bench.measure_growth(opener, (saved["map"],), 1, warm_path=saved["few"])
    three, _, checks3 = bench.measure_growth(opener, (saved["map"],), 3,
                                             warm_path=saved["few"])
    expect = (n, n * (n - 1) // 2)
    assert checks1 == [expect] and checks3 == [expect] * 3
    size = os.path.getsize(saved["map"])
    assert 0.9 * size <= one["Pss"] <= size + 1 * MB, (one, size)
    assert one["Pss_Anon"] < 0.5 * MB, one  # a read (unmapped) load would be ~size here
    assert three["Pss"] <= 2 * one["Pss"] + 1 * MB, (three, one)
    assert three["Pss_Anon"] < 1.5 * MB, three


def test_three_workers_with_their_own_set_cost_three_copies(saved):
    args = (saved["few"],)
    one, _, checks1 = bench.measure_growth(mp_helpers.open_own_set, args, 1,
                                           warm_path=saved["few"])
    three, _, checks3 = bench.measure_growth(mp_helpers.open_own_set, args, 3,
                                             warm_path=saved["few"])
    assert checks1 == [50_000] and checks3 == [50_000] * 3
    # 50,000 str objects (~64 B each) and a 2**17-slot table (16 B a slot): ~5 MB a copy
    assert one["Pss"] > 3 * MB, one
    assert three["Pss"] >= 2.5 * one["Pss"], (three, one)


def test_workers_are_spawned_not_forked():
    assert bench.START_METHOD in ("spawn", "forkserver")
    assert bench.__name__ == "lowram.measure._sharing"  # importable by a spawned worker
