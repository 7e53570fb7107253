"""The ``compact`` backend's store (front-coded buckets) against a sorted list: rank, select,
bounds, every bucket size; its files refused when crafted; fuzzed files never crash. The
generic StringSet/StringMap suites run over it through the backend table."""

from __future__ import annotations

import ast
import bisect
import os
import struct
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowram import StringMap, StringSet
from lowram.strings._sortedkeys import SortedKeys
from lowram.strings.backends._compact import CompactKeys
from subprocess_runner import run_ok

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TESTS_DIR)  # the crafted-file script of the datrie tests
from test_strings_datrie import FUZZ_SCRIPT  # noqa: E402

# every code point (lone surrogates and NUL included), and runs that share long prefixes
keys_st = st.lists(st.one_of(st.text(min_size=1, max_size=12),
                             st.text("ab\x00é😀", min_size=1, max_size=30),
                             st.builds(lambda n, t: "p" * n + t, st.integers(0, 300),
                                       st.text("xyz", max_size=3))),
                   max_size=200)


def utf8(s: str) -> bytes:
    return s.encode("utf-8", "surrogatepass")


@given(keys_st, st.lists(st.text(max_size=14), max_size=30), st.sampled_from([1, 2, 3, 16, 64]))
@settings(max_examples=200, deadline=None)
def test_rank_select_and_bounds_match_a_sorted_list(keys, probes, bucket):
    want = sorted(set(k for k in keys if k), key=utf8)
    s = CompactKeys.build(want, bucket)
    assert len(s) == len(want) and list(s) == want
    assert [s.key_at(i) for i in range(len(want))] == want
    assert [s.index_of(k) for k in want] == list(range(len(want)))
    byte_keys = [utf8(k) for k in want]
    for q in probes + [k[:-1] for k in want[:20]] + [k + "\x00" for k in want[-5:]]:
        b = utf8(q)
        lo = bisect.bisect_left(byte_keys, b)
        assert s.lower_bound(b) == lo
        assert (q in s) == (q in set(want)) == s.has_bytes(b)
        assert s.index_of(q) == (lo if q in set(want) else -1)
        end = lo
        while end < len(byte_keys) and byte_keys[end].startswith(b):
            end += 1
        assert s.prefix_end(lo, b) == end
        assert list(s.iter_range(lo, end)) == want[lo:end]
    assert s.contains_many(want + ["\udc80zz", 3]).tolist() == [True] * len(want) + [
        "\udc80zz" in set(want), False]
    for i in (-1, len(want)):
        with pytest.raises(IndexError):
            s.key_at(i)
    again = CompactKeys.from_buffer(s.to_bytes())
    assert list(again) == want and again.to_bytes() == s.to_bytes()
    # from the sorted backend's store: the same bytes, no str made per key
    sk = SortedKeys.build(want)
    assert CompactKeys.build(sk, bucket).to_bytes() == s.to_bytes()
    wide = SortedKeys(sk.buffer, np.asarray(sk.offsets, dtype=np.uint64))
    assert CompactKeys.build(wide, bucket).to_bytes() == s.to_bytes()


def payload(n, nb, data, offsets, bucket=16, width=4):
    head = struct.pack("<QQQII", n, nb, len(data), bucket, width)
    dtype = np.uint32 if width == 4 else np.uint64
    return head + np.array(offsets, dtype=dtype).tobytes() + data


@pytest.mark.parametrize("blob, reason", [
    (payload(2, 1, b"\x02ab\x31c", [0, 5]), "bad shared length"),    # shares 3 of 2
    (payload(2, 1, b"\x02ab\x11a", [0, 5]), "not after the key before"),   # "aa" after "ab"
    (payload(2, 1, b"\x02ab\x20", [0, 4]), "bad length"),            # "ab" twice
    (payload(2, 1, b"\x02ab\x15c", [0, 5]), "bad length"),           # runs past the end
    (payload(2, 1, b"\x02ab\x1f", [0, 4]), "bad length"),            # its varint cut off
    (payload(2, 1, b"\x02ab\xf1\xff", [0, 5]), "bad length"),        # and the shared one
    (payload(1, 1, b"\x02abX", [0, 4]), "bytes past its keys"),
    (payload(3, 1, b"\x01b\x00\x01a", [0, 5], bucket=2), "buckets for 3 keys"),
    (payload(2, 2, b"\x01b\x01a", [0, 2, 4], bucket=1), "not after the last"),
    (payload(1, 1, b"\x01a", [0, 3]), "do not span"),
    (payload(1, 1, b"\x01a", [1, 2]), "do not span"),
    (payload(1, 1, b"\x02ab", [0, 3], width=2), "offset width"),
    (payload(1, 1, b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", [0, 11]), "bad length"),
    (payload(1, 1, b"\x02ab", [0, 3])[:-1], "length does not match"),
])
def test_crafted_payloads_are_refused(blob, reason):
    with pytest.raises(ValueError, match=reason):
        CompactKeys.from_buffer(blob)


@pytest.mark.parametrize("data", [b"\x02\xff\xfe", b"\x02\xc3\x28", b"\x03\xe0\x80\x80",
                                  b"\x04\xf4\x90\x80\x80", b"\x01\xc3"])
def test_a_key_that_is_not_utf8_is_refused(data):
    with pytest.raises(ValueError, match="not UTF-8"):
        CompactKeys.from_buffer(payload(1, 1, data, [0, len(data)]))


def test_new_bytes_that_end_a_shared_character_are_checked_with_it():
    # "é" is C3 A9: the second key shares C3 and adds A9 (fine) or 28 (not a character)
    ok = payload(2, 1, b"\x02\xc3\xa8\x11\xa9", [0, 5])
    assert list(CompactKeys.from_buffer(ok)) == ["è", "é"]
    with pytest.raises(ValueError, match="not UTF-8"):
        CompactKeys.from_buffer(payload(2, 1, b"\x02\xc3\xa8\x11\xc0", [0, 5]))
    # the shared bytes end in a lead byte and the new ones start a character of their own:
    # C3 then C3 A9 is "é" after a cut one (found by benchmarks/fuzz_compact.py)
    with pytest.raises(ValueError, match="not UTF-8"):
        CompactKeys.from_buffer(payload(2, 1, b"\x02\xc3\xa9\x12\xc3\xa9", [0, 6]))
    # a lone surrogate (ED A0 80) is a key, as surrogatepass writes it
    assert list(CompactKeys.from_buffer(payload(1, 1, b"\x03\xed\xa0\x80", [0, 4]))) == ["\ud800"]


def test_what_was_checked_cannot_change_after():
    keys = sorted("a" * 40 + str(i) for i in range(64))
    blob = CompactKeys.build(keys, 4).to_bytes()
    s = CompactKeys.from_buffer(bytearray(blob))
    with pytest.raises(ValueError, match="read-only"):
        s.offsets[1] = 2 ** 31
    built = CompactKeys.build(["a", "b"])
    with pytest.raises(ValueError, match="read-only"):
        built.offsets[0] = 7
    writable = bytearray(blob)
    kept = CompactKeys.from_buffer(writable)
    writable[-5:] = b"\xff" * 5   # the caller's buffer changes; the checked copy does not
    assert list(kept) == keys


def test_front_and_files():
    words = [f"user/{i:07d}/{i % 13}" for i in range(5000)]
    s = StringSet(words + [""], backend="compact")
    assert s.backend == "compact" and len(s) == 5001 and "" in s and "user/0000042/3" in s
    assert list(s.keys("user/000004")) == sorted(w for w in words if w.startswith("user/000004"))
    assert StringSet.from_bytes(s.to_bytes()) == s
    m = StringMap({w: i for i, w in enumerate(words)}, backend="compact")
    assert m["user/0004999/7"] == 4999 and m.get("user/x") is None
    # the keys are front-coded: far fewer bytes than their UTF-8
    assert s._backend.impl.nbytes < sum(map(len, words)) / 2


@pytest.mark.parametrize("seed", [3])
def test_crafted_files_never_crash(seed):
    trials = 1000
    out = run_ok(FUZZ_SCRIPT, str(seed), str(trials), "compact",
                 env={"PYTHONFAULTHANDLER": "1"})
    refused, answered = map(int, out.split())
    assert refused + answered == 2 * trials
    assert refused > 0 and answered > 0


def test_the_structured_fuzzer_runs_clean():
    """benchmarks/fuzz_compact.py (structured mutations of real payloads, each one that opens
    checked against the keys it opened to), a short run: it must find nothing and try both
    outcomes."""
    script = os.path.join(os.path.dirname(os.path.dirname(TESTS_DIR)), "benchmarks",
                          "fuzz_compact.py")
    out = run_ok(f"import runpy, sys; sys.argv = [{script!r}, '--n', '600', '--seed', '5', "
                 f"'--guard']; sys.path.insert(0, {os.path.dirname(script)!r}); "
                 f"runpy.run_path({script!r}, run_name='__main__')")
    stats = ast.literal_eval(out.splitlines()[-1])
    assert stats["inputs"] == 600 and stats["refused"] > 0 and stats["opened"] > 0
    assert "notes" not in stats
