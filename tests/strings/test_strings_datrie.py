"""lowram's reader of libdatrie's format against datrie itself, and against crafted files.

The differential suites in test_strings.py / test_strings_map.py already run the ``datrie``
backend against ``frozenset`` and ``dict``; here the reader (``DatrieDict``) is compared with
``datrie.BaseTrie`` on the very bytes that trie wrote, its exports are read back by datrie,
malformed structures are refused at open, and crafted files (damaged, then given a valid
checksum) are opened and queried in a subprocess, so that a crash fails a test, not the run.
"""

from __future__ import annotations

import struct
import tempfile
import textwrap

import pytest

from subprocess_runner import run_ok
from hypothesis import given
from hypothesis import strategies as st

datrie = pytest.importorskip("datrie")

from lowram import FormatError, StringMap, StringSet  # noqa: E402
from lowram.strings.backends._datriedic import DatrieDict  # noqa: E402


def raw_trie(keys, values=None):
    """A ``datrie.BaseTrie`` over ``keys`` (alphabet in code-point order) and its bytes."""
    trie = datrie.BaseTrie(alphabet="".join(sorted({c for k in keys for c in k})) or "a")
    for i, key in enumerate(keys):
        trie[key] = i if values is None else values[i]
    with tempfile.TemporaryFile() as fh:
        trie.write(fh)
        fh.seek(0)
        return trie, fh.read()


def probes(keys):
    """Queries around ``keys``: the keys, their prefixes, extensions, and NUL variants."""
    out = set(keys)
    for k in keys:
        out.update(k[:i] for i in range(len(k)))
        out.update([k + "a", k + "é", k + "\x00", "\x00" + k, k[:1] + "\x00" + k[1:]])
    return sorted(out)


def same_as_raw(keys, values=None):
    trie, data = raw_trie(keys, values)
    d = DatrieDict(data)
    queries = probes(keys)
    for q in queries:
        want = "\x00" not in q and q in trie  # datrie reads a query as NUL-terminated
        assert (q in d) == want, q
        assert d.value_of(q) == (trie[q] if want else -1), q
        if "\x00" not in q:
            assert d.has_prefix(q) == trie.has_keys_with_prefix(q), q
            assert list(d.iter_keys(q)) == sorted(trie.keys(q)), q
            assert list(d.iter_keys(q, True)) == sorted(trie.items(q)), q
            assert [q[:n] for n in d.prefix_lengths(q)] == trie.prefixes(q), q
            assert [(q[:n], v) for n, v in d.prefix_lengths(q, True)] == trie.prefix_items(q)
    want = [("\x00" not in q and q in trie) for q in queries] + [False] * 3
    for lanes in (-1, 0, 1):  # by size, the plain loop, the eight-lane walk
        assert d.contains_many(queries + [1, None, b"a"], lanes).tolist() == want
    assert list(d.iter_keys()) == sorted(trie.keys()) == sorted(keys)
    assert d.count() == len(trie) == len(keys)
    assert d.nbytes >= len(data)
    return d


def _keys_from(words):
    # a key set drawn from one script's words, within datrie's 255-character alphabet
    return st.lists(st.sampled_from(words), max_size=40, unique=True).map(_fit)


def _fit(keys):
    out, chars = [], set()
    for k in keys:
        if k and "\x00" not in k and len(chars | set(k)) <= 255:
            chars |= set(k)
            out.append(k)
    return out


@given(data=st.data())
def test_reader_matches_datrie_on_scripts(data, script_words, english_sample):
    pools = {"english": english_sample, **script_words}
    name = data.draw(st.sampled_from(sorted(pools)))
    keys = data.draw(_keys_from(pools[name]))
    # shared prefixes and suffixes in the tail: prefixes and extensions of drawn keys
    extra = data.draw(st.lists(st.sampled_from(keys), max_size=10)) if keys else []
    keys = _fit(sorted(set(keys) | {k[: len(k) // 2] for k in extra} | {k + k[-1:] for k in extra}))
    same_as_raw(keys)


@given(st.lists(st.text(st.characters(min_codepoint=1, max_codepoint=0x10FFFF,
                                      exclude_categories=("Cs",)), min_size=1, max_size=8),
                max_size=30, unique=True))
def test_reader_matches_datrie_on_any_text(keys):
    same_as_raw(_fit(keys))


def test_reader_values_and_mixed_scripts(script_words):
    keys = sorted({w for words in script_words.values() for w in words[:3]} |
                  {"a", "ab", "abc", "abd", "b", "😀", "😀😀", "e\u0301"})
    keys = _fit(keys)
    values = [(-1) ** i * i * 1000 for i in range(len(keys))]
    d = same_as_raw(keys, values)
    assert [d.value_of(k) for k in keys] == values


def test_empty_trie():
    trie, data = raw_trie([])
    d = DatrieDict(data)
    assert "a" not in d and list(d.iter_keys()) == [] and d.count() == 0
    assert not d.has_prefix("a") and d.prefix_lengths("abc") == []
    assert d.contains_many(["a", ""]).tolist() == [False, False]


def test_value_limit_hides_ids_past_the_store():
    trie, data = raw_trie(["a", "b", "c"], [0, 7, -3])
    d = DatrieDict(data, 3)
    assert "a" in d and "b" not in d and "c" not in d and d.value_of("b") == -1
    assert list(d.iter_keys("", True)) == [("a", 0)] and d.count() == 1
    assert d.prefix_lengths("bcd") == [] and not d.has_prefix("b")
    for lanes in (0, 1):
        assert d.contains_many(["a", "b", "c"], lanes).tolist() == [True, False, False]


def test_memoryview_buffer_is_kept():
    trie, data = raw_trie(["x", "xy"])
    d = DatrieDict(memoryview(bytearray(data)))
    assert "xy" in d and bytes(d.buffer) == data


# -- export: datrie reads what lowram writes ----------------------------------------------

def test_export_loads_in_datrie(tmp_path, script_words):
    keys = _fit(["", "a", "ab", "é", "😀x", "z" * 300] + script_words["sample-cyrillic"][:200])
    s = StringSet(keys, backend="datrie")
    s.export(tmp_path / "s.datrie")
    t = datrie.BaseTrie.load(str(tmp_path / "s.datrie"))
    assert sorted(t.keys()) == sorted(k for k in keys if k)
    loaded = StringSet.load(s.save(tmp_path / "s.lowram") or tmp_path / "s.lowram")
    loaded.export(tmp_path / "again.datrie")
    assert (tmp_path / "again.datrie").read_bytes() == (tmp_path / "s.datrie").read_bytes()
    m = StringMap({k: 10 * i for i, k in enumerate(keys)}, backend="datrie")
    m._index.export(tmp_path / "m.datrie")
    t = datrie.BaseTrie.load(str(tmp_path / "m.datrie"))
    # the trie maps each key to its id in the value store (sorted order, "" kept aside)
    assert [t[k] for k in sorted(k for k in keys if k)] == list(range(len(t)))


# -- malformed structures are refused when opened ----------------------------------------

def _sections(data):
    nranges = struct.unpack_from(">i", data, 4)[0]
    da = 8 + 8 * nranges
    ncells = struct.unpack_from(">i", data, da + 4)[0]
    return nranges, da, ncells, da + 8 * ncells


def _put(data, fmt, pos, *values):
    out = bytearray(data)
    struct.pack_into(fmt, out, pos, *values)
    return bytes(out)


def test_malformed_structures_raise_format_error():
    trie, data = raw_trie(["ab", "abc", "b", "xyz"])
    nranges, da, ncells, tail = _sections(data)
    bad = {
        "alphabet signature": _put(data, ">I", 0, 0),
        "negative ranges": _put(data, ">i", 4, -1),
        "ranges past the end": _put(data, ">i", 4, 10**6),
        "reversed range": _put(data, ">ii", 8, 0x7A, 0x61),
        "range with NUL": _put(data, ">i", 8, 0),
        "range past Unicode": _put(data, ">i", 8 + 8 * nranges - 4, 0x110000),
        "over 255 characters": _put(data, ">ii", 8, 0x100, 0x300),
        "double-array signature": _put(data, ">I", da, 1),
        "cells past the end": _put(data, ">i", da + 4, 10**7),
        "negative cells": _put(data, ">i", da + 4, -5),
        "too few cells": _put(data, ">i", da + 4, 2),
        "tail signature": _put(data, ">I", tail, 0),
        "negative tails": _put(data, ">i", tail + 8, -1),
        "tails past the end": _put(data, ">i", tail + 8, 10**6),
        "tail length past the end": _put(data, ">h", tail + 12 + 8, 30000),
        "negative tail length": _put(data, ">h", tail + 12 + 8, -2),
        "trailing bytes": data + b"\0",
        "empty": b"",
    }
    if nranges >= 2:
        bad["overlapping ranges"] = _put(data, ">i", 16, 0x61)
    for what, blob in bad.items():
        with pytest.raises(FormatError):
            DatrieDict(blob)
            pytest.fail(what)
    for n in range(len(data)):
        with pytest.raises(FormatError):
            DatrieDict(data[:n])
    DatrieDict(data)  # the original opens


# -- crafted files: damaged, re-packed with a valid checksum, opened and queried ---------

FUZZ_SCRIPT = textwrap.dedent(r"""
    import os, random, struct, sys, tempfile
    from lowram import FormatError, StringMap, StringSet
    from lowram._fileformat import pack, unpack
    from lowram.corpora import Corpus

    seed, trials = int(sys.argv[1]), int(sys.argv[2])
    backend = sys.argv[3] if len(sys.argv) > 3 else "datrie"
    rng = random.Random(seed)
    keys = ["", "a", "ab", "abc", "abd", "b", "ba", "bé", "é", "😀", "😀x", "zz" * 20,
            "car", "cart", "carton", "do", "dog", "x\u0301"]
    probes = sorted({k[:i] for k in keys for i in range(len(k) + 1)} |
                    {k + "t" for k in keys} | {"a\x00b", "q", "\udc80"})
    words = keys + [w for i, w in enumerate(Corpus.bundled("english-words")) if i % 3000 == 0]
    samples = [("set", StringSet(keys, backend=backend).to_bytes()),
               ("map", StringMap({k: i * 11 for i, k in enumerate(keys)},
                                 backend=backend).to_bytes()),
               ("set", StringSet(words, backend=backend).to_bytes()),
               ("map", StringMap({k: i for i, k in enumerate(words)},
                                 backend=backend).to_bytes())]

    def backend_region(kind, payload):
        if kind == "set":
            pad = struct.unpack_from("<QB3xI", payload)[2]
            return 16 + pad, len(payload)
        pad_index, n_index = payload[11], struct.unpack_from("<Q", payload, 16)[0]
        return 32 + pad_index, 32 + pad_index + n_index

    def exercise(obj):
        n = len(obj)
        for q in probes:
            q in obj
            obj.has_prefix(q)
            obj.prefixes(q)
            obj.longest_prefix(q, None)
            for i, k in enumerate(obj.keys(q)):
                if i > 100000:
                    raise AssertionError("iteration does not end")
        if kind == "set":
            obj.contains_many(probes + [1])
            if backend == "datrie":
                obj._backend.impl.contains_many(probes + [1], 1)  # the eight-lane walk
        for i, k in enumerate(obj.keys() if kind == "set" else obj.items()):
            if i > 100000:
                raise AssertionError("iteration does not end")
        if kind == "map":
            for q in probes:
                obj.get(q)
                if q in obj:
                    obj[q]

    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "f.lowram")
    outcomes = {"refused": 0, "answered": 0}
    for trial in range(trials):
        kind, blob = samples[trial % len(samples)]
        env = unpack(blob)
        payload = bytearray(env.payload)
        lo, hi = backend_region(kind, payload)
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(lo, hi)
            payload[i] = rng.choice([rng.randrange(256), payload[i] ^ 0x80, 0, 0xFF])
        crafted = pack(env.kind, env.version, bytes(payload))
        with open(path, "wb") as fh:
            fh.write(crafted)
        cls = StringSet if kind == "set" else StringMap
        for mmap in (True, False):
            try:
                obj = cls.load(path, mmap=mmap)
            except FormatError:
                outcomes["refused"] += 1
                continue
            exercise(obj)
            outcomes["answered"] += 1
            del obj
    print(outcomes["refused"], outcomes["answered"])
""")


TRIALS = 1500  # per seed: about 3 s here


@pytest.mark.parametrize("seed", [1, 2])
def test_crafted_files_never_crash(seed):
    out = run_ok(FUZZ_SCRIPT, str(seed), str(TRIALS), env={"PYTHONFAULTHANDLER": "1"})
    refused, answered = map(int, out.split())
    assert refused + answered == 2 * TRIALS
    assert refused > 0 and answered > 0  # both paths were exercised


# -- keys the format cannot hold -----------------------------------------------------------

def test_keys_past_the_int16_suffix_length_are_refused():
    # libdatrie writes a tail suffix's length as an int16: a longer key would come back as
    # other keys, so it is refused before the build (the suffix never holds a key's first
    # character, so 32,768 characters still fit)
    longest = "a" * 32768
    s = StringSet([longest, "b"], backend="datrie")
    assert longest in s and list(s) == [longest, "b"]
    for n in (32769, 70000):
        with pytest.raises(ValueError, match="longer than the 32,768 characters"):
            StringSet(["a" * n, "b"], backend="datrie")
        with pytest.raises(ValueError, match="longer than the 32,768 characters"):
            StringMap({"a" * n: 1}, backend="datrie")
    with pytest.raises(ValueError, match="'\\\\x00'"):
        StringSet(["a\x00", "b" * 40000], backend="datrie")  # the first problem is named


def test_cycles_through_the_root_end():
    # root (state 2) made its own child by "a": check[2] = 2 and base[2] + 1 = 2. A walk
    # may loop through the root (bounded by the query), iteration must not revisit it
    trie, data = raw_trie(["a", "ab", "b"])
    nranges, da, ncells, tail = _sections(data)
    looped = _put(data, ">ii", da + 8 * 2, 1, 2)
    d = DatrieDict(looped)
    assert list(d.iter_keys()) == [] and d.count() == 0
    assert "a" * 50 not in d and d.prefix_lengths("a" * 50) == []
    assert isinstance(d.has_prefix("aaaa"), bool)  # a walk, not a search: no answer owed
    assert list(d.iter_keys("aaa")) == []
    for lanes in (0, 1):
        assert d.contains_many(["a" * 20, "b"], lanes).tolist() == [False, False]


def test_a_writable_buffer_is_copied_so_it_cannot_change_after_the_checks():
    # the checks at open hold for the bytes as they were: a bytearray edited afterwards (a
    # tail block now claiming 32,767 characters) must not be read past its end
    keys = ["ab", "abc", "b"]
    trie, data = raw_trie(keys)
    for wrap in (lambda b: b, lambda b: memoryview(b).toreadonly()):
        buf = bytearray(data)
        d = DatrieDict(wrap(buf))  # a read-only view of a bytearray is writable all the same
        struct.pack_into(">h", buf, len(buf) - 2, 0x7FFF)  # the last block: empty suffix
        assert list(d.iter_keys()) == keys and d.count() == 3
        assert bytes(d.buffer) == data and memoryview(d.buffer).readonly
    ro = memoryview(data)
    assert DatrieDict(ro).buffer is ro  # a read-only buffer is used in place


@pytest.mark.parametrize("call", [
    lambda d: d.has_prefix(None), lambda d: d.prefix_lengths(None),
    lambda d: d.iter_keys(None), lambda d: d.iter_keys(None, True)])
def test_none_is_not_read_as_a_str(call):
    # None passed the str-typed arguments and its object memory was read as a str's
    d = DatrieDict(raw_trie(["ab", "abc", "b"])[1])
    with pytest.raises(TypeError):
        call(d)
