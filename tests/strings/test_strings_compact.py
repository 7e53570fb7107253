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
    batch = probes + want[::-1] + [k + "\x00" for k in want[::3]] + [k[:-1] for k in want]
    assert s.contains_many(batch).tolist() == [q in set(want) for q in batch]
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
    # the coding changes the bytes stored, never the answers
    plain = CompactKeys.build(want, bucket, compress=False)
    assert plain.table == b"" and list(plain) == want
    assert [plain.lower_bound(utf8(q)) for q in probes] == [s.lower_bound(utf8(q)) for q in probes]


def test_the_symbol_table_codes_the_buckets():
    words = [f"{w}{end}" for w in ("walk", "talk", "stalk", "chalk", "balk") for end in
             ("", "s", "ed", "ing", "er", "ers", "able")]
    words = sorted(set(words * 40 + [f"x{i:05d}" for i in range(3000)]), key=utf8)
    coded = CompactKeys.build(words)
    plain = CompactKeys.build(words, compress=False)
    assert coded.table and len(coded.table) % 9 == 0
    assert len(coded.buffer) < 0.7 * len(plain.buffer)
    assert list(coded) == words and coded.key_at(17) == words[17]
    for w in words[::97]:
        assert coded.index_of(w) == words.index(w) and (w + "!") not in coded
    again = CompactKeys.from_buffer(coded.to_bytes())
    assert again.to_bytes() == coded.to_bytes() and list(again) == words


def test_keys_that_do_not_compress_are_kept_as_they_are():
    import random
    rng = random.Random(4)
    keys = sorted({bytes(rng.randrange(0x21, 0x7F) for _ in range(12)).decode()
                   for _ in range(3000)}, key=utf8)
    # random bytes front-code poorly and code no better: stored as they are, no table
    s = CompactKeys.build(keys)
    assert list(s) == keys and len(s.buffer) <= len(CompactKeys.build(keys, compress=False).buffer)


def test_a_batch_in_any_order_answers_as_in_does():
    import random
    rng = random.Random(9)
    # many buckets share their first 4 and 8 bytes, so the searches compare heads
    keys = sorted({f"prefix-{rng.choice(['aa', 'ab', 'b'])}/{rng.randrange(10 ** 6)}"
                   for _ in range(20000)}, key=utf8)
    held = set(keys)
    probes = keys[::7] + [k + "x" for k in keys[::11]] + [k[:-1] for k in keys[::13]]
    probes += ["", "prefix-", "prefix-zz", "a", "\uffff", "prefix-aa/"] + [None, 1.5]
    for bucket in (1, 4, 32):
        s = CompactKeys.build(keys, bucket)
        for order in range(3):
            rng.shuffle(probes)
            assert s.contains_many(probes).tolist() == [
                isinstance(q, str) and q in held for q in probes]
            assert [q in s for q in probes if isinstance(q, str)] == [
                q in held for q in probes if isinstance(q, str)]


@pytest.mark.parametrize("compress", [True, False])
def test_long_keys_decode_off_the_stack(compress):
    # heads of 3,000 bytes (their varint's first byte is 0xB9, past 127 a continuation byte),
    # and buckets that decode to more than the stack buffer's 4 KiB
    keys = sorted({("k" * 3000) + str(i) + "z" * (i % 7) for i in range(200)}, key=utf8)
    s = CompactKeys.build(keys, 64, compress)
    assert bool(s.table) == compress and list(s) == keys
    assert all(k in s for k in keys) and ("k" * 3000 + "9q") not in s
    assert [s.lower_bound(utf8(k) + b"\xff") for k in keys[::37]] == list(range(1, 200, 37))


def payload(n, nb, data, offsets, bucket=16, width=4, table=b""):
    head = struct.pack("<QQQIII", n, nb, len(data), bucket, width, len(table) // 9)
    dtype = np.uint32 if width == 4 else np.uint64
    return head + np.array(offsets, dtype=dtype).tobytes() + table + data


def table(*symbols: bytes) -> bytes:
    """A symbol table's bytes: the lengths, then each symbol padded to 8 bytes."""
    return bytes(len(s) for s in symbols) + b"".join(s.ljust(8, b"\0") for s in symbols)


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


AB = table(b"ab", b"\x02")   # code 0 is "ab", code 1 the length byte of a 2-byte head


@pytest.mark.parametrize("blob, reason", [
    (payload(1, 1, b"\x01\x00", [0, 2], table=AB[:-1]), "length does not match"),
    (payload(1, 1, b"\x01\x00", [0, 2], table=b"\x00" + b"\0" * 8), "symbol 0 of length 0"),
    (payload(1, 1, b"\x01\x00", [0, 2], table=b"\x09" + b"\0" * 8), "symbol 0 of length 9"),
    (payload(1, 1, b"\x01\x00", [0, 2], table=table(b"ab", b"\x02")[:2] + b"abc" + b"\0" * 13),
     "bytes past its length"),
    (payload(1, 1, b"\x01\x02", [0, 2], table=AB), "code out of place"),      # unused code
    (payload(1, 1, b"\x01\xff", [0, 2], table=AB), "code out of place"),      # escape cut
    (payload(1, 1, b"\x01\x00\x00", [0, 3], table=AB), "bytes past its keys"),
    (payload(1, 1, b"\x01", [0, 1], table=AB), "bad length"),
])
def test_crafted_symbol_tables_are_refused(blob, reason):
    assert list(CompactKeys.from_buffer(payload(1, 1, b"\x01\x00", [0, 2], table=AB))) == ["ab"]
    with pytest.raises(ValueError, match=reason):
        CompactKeys.from_buffer(blob)


def test_a_table_of_more_than_255_symbols_is_refused():
    big = payload(1, 1, b"\x01\x00", [0, 2], table=table(*[b"a"] * 256))
    with pytest.raises(ValueError, match="256 symbols"):
        CompactKeys.from_buffer(big)
    with pytest.raises(ValueError, match="symbol table of 2304 bytes"):
        CompactKeys(b"\x01\x00", np.array([0, 2], dtype=np.uint32), 1, 16, table(*[b"a"] * 256))


@pytest.mark.parametrize("data", [b"\x02\xff\xfe", b"\x02\xc3\x28", b"\x03\xe0\x80\x80",
                                  b"\x04\xf4\x90\x80\x80", b"\x01\xc3"])
def test_a_key_that_is_not_utf8_is_refused(data):
    with pytest.raises(ValueError, match="not UTF-8"):
        # the same bytes through a symbol table: code 0 is the length, each byte escaped
        coded = b"\x00" + b"".join(b"\xff" + bytes([x]) for x in data[1:])
        CompactKeys.from_buffer(payload(1, 1, coded, [0, len(coded)], table=table(data[:1])))
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
