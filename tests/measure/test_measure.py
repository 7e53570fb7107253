"""The measurement layer: three RAM figures side by side, and timing."""

import logging
import mmap
import os
import subprocess
import sys
import textwrap

import marisa_trie
import pytest

from lowram import MeasurementError
from lowram.corpora import Corpus
from lowram.measure import (
    IsolatedMemory, current_rss, deep_size, isolated_memory, malloc_trim, peak_rss, reset_peak,
    time_op, timefn, traced_peak,
)

WORDS = Corpus.bundled("english-words")


def test_rss_readings():
    rss = current_rss()
    assert rss is not None and rss > 1_000_000
    assert reset_peak() is True
    before = peak_rss()
    # 50 MB of fresh pages, touched one by one: an anonymous map, not the heap, whose freed
    # and still-resident blocks (left by earlier tests) would let RSS stand still
    block = mmap.mmap(-1, 50_000_000)
    for i in range(0, len(block), mmap.PAGESIZE):
        block[i] = 1
    assert peak_rss() >= before + 45_000_000
    block.close()
    assert malloc_trim() is True


@pytest.mark.slow
def test_isolated_memory_of_a_known_size():
    # 1M int64 in a numpy array: 8,000,000 bytes of data; a list of the same ints would be ~36 MB
    # the median of three fresh processes: one reading can catch the kernel collapsing a
    # range into a huge page (a megabyte more) while the build runs
    r = isolated_memory("lowram.report.baselines:int64_ndarray", Corpus.bundled("random-ints-1M"),
                        repeat=3)
    assert r.items == 1_000_000
    assert 7_600_000 <= r.growth <= 8_600_000, r
    assert r.peak_growth >= r.growth


@pytest.mark.slow
def test_isolated_memory_sees_what_pympler_cannot():
    # the reason the layer exists: marisa-trie's memory is native, invisible to pympler
    iso = isolated_memory("marisa_trie:Trie", WORDS)
    pympler_bytes = deep_size(marisa_trie.Trie(["a", "b"]))
    assert iso.growth > 1_000_000  # ~1.9 MB measured on this corpus
    assert pympler_bytes < 1_000
    assert iso.bytes_per_item < 6


@pytest.mark.slow
def test_isolated_memory_counts_str_objects_kept_alive_and_repeats_agree():
    s = isolated_memory("builtins:set", WORDS, repeat=2)
    lst = isolated_memory("builtins:list", WORDS)
    assert s.items == lst.items == 663_473
    # a set holds the same str objects as the list plus a larger table
    assert s.growth > lst.growth > 40_000_000
    assert max(s.runs) <= 1.05 * min(s.runs)  # repeated runs agree within 5%


def test_isolated_memory_builder_failure_is_reported():
    with pytest.raises(MeasurementError, match="ZeroDivisionError|failed"):
        isolated_memory("operator:truediv", Corpus.bundled("sample-cjk"))


def test_isolated_memory_bad_arguments():
    with pytest.raises(FileNotFoundError):
        isolated_memory("builtins:list", "/no/such/file.txt")
    with pytest.raises(ValueError, match="repeat"):
        isolated_memory("builtins:list", WORDS, repeat=0)
    with pytest.raises(TypeError, match="cannot be sent to a subprocess"):
        isolated_memory(lambda it: list(it), WORDS)


def test_isolated_memory_with_builder_defined_in_a_script(tmp_path):
    script = tmp_path / "bench.py"
    script.write_text(textwrap.dedent("""
        from lowram.corpora import Corpus
        from lowram.measure import isolated_memory

        def build(items):
            return sorted(items)

        if __name__ == "__main__":
            r = isolated_memory(build, Corpus.bundled("sample-cyrillic"))
            print(r.items)
    """))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "136"


def test_isolated_memory_reads_a_file_path_as_a_stream(tmp_path):
    path = tmp_path / "w.txt"
    path.write_text("".join(f"w{i}\n" for i in range(5000)), encoding="utf-8")
    r = isolated_memory("builtins:set", os.fspath(path))
    assert r.items == 5000 and r.growth is not None


def test_bytes_per_item_missing_is_none_not_zero():
    assert IsolatedMemory(None, None, 10, 0.0, ()).bytes_per_item is None
    assert IsolatedMemory(100, 100, 0, 0.0, ()).bytes_per_item is None
    assert IsolatedMemory(100, 100, 10, 0.0, (100,)).bytes_per_item == 10


class _Container:
    """Stand-in for a lowram container: __sizeof__ counts its buffer."""

    _lowram_sizeof_is_total = True

    def __init__(self, n):
        self.buf = bytearray(n)

    def __sizeof__(self):
        return object.__sizeof__(self) + sys.getsizeof(self.buf)

    def _lowram_owned(self):
        return (self.buf,)


def test_deep_size_counts_lowram_containers_once():
    c = _Container(1_000_000)
    assert deep_size(c) == sys.getsizeof(c)
    nested = deep_size({"a": c})
    assert sys.getsizeof(c) < nested < sys.getsizeof(c) + 2_000  # buffer not counted twice


def test_deep_size_walks_python_objects():
    words = [f"word{i}" for i in range(1000)]
    assert deep_size(words) > sum(sys.getsizeof(w) for w in words)


def test_traced_peak():
    r = traced_peak(lambda: bytearray(3_000_000))
    assert len(r.result) == 3_000_000
    assert r.peak >= 3_000_000 and r.retained >= 3_000_000
    tmp = traced_peak(lambda: len(bytearray(3_000_000)))
    assert tmp.peak >= 3_000_000 and tmp.retained < 100_000


def test_time_op_reports_per_op_ns():
    t = time_op(sum, range(1000), ops=1000, repeat=5)
    assert t.repeat == 5 and t.number >= 1 and t.ops == 1000
    assert 0 < t.min_ns <= t.median_ns <= t.max_ns
    assert t.iqr_ns >= 0 and t.ops_per_second > 0
    with pytest.raises(ValueError):
        time_op(sum, [], repeat=0)
    with pytest.raises(ValueError):
        time_op(sum, [], ops=0)


def test_timefn_logs_keeps_metadata_and_can_print(caplog, capsys):
    @timefn
    def work(n):
        """Doc."""
        return n + 1

    with caplog.at_level(logging.INFO, logger="lowram.timing"):
        assert work(1) == 2
    assert "work took" in caplog.text
    assert work.__name__ == "work" and work.__doc__ == "Doc." and work.__wrapped__
    assert work.last_seconds >= 0
    assert capsys.readouterr().out == ""

    @timefn(print_result=True)
    def loud():
        return 3

    assert loud() == 3
    assert "loud took" in capsys.readouterr().out
