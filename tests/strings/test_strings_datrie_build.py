"""The datrie backend's own build (``backends/_datriebuild.pyx``): the bytes it lays out from
sorted keys are libdatrie's format, read by libdatrie itself (the datrie package is the
oracle) and by lowram's reader, with the same keys and data; libdatrie can go on inserting
into a trie it loaded from them (the free list is its own)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowram import StringSet
from lowram.strings.backends._datriebuild import build_datrie
from lowram.strings.backends._datriedic import DatrieDict

datrie = pytest.importorskip("datrie")

# a small alphabet makes long shared prefixes, states with many children and deep tails
keys_st = st.lists(st.one_of(st.text("abcé中😀", min_size=1, max_size=12),
                             st.builds(lambda n, t: "p" * n + t, st.integers(0, 60),
                                       st.text("xyz", max_size=3))),
                   max_size=150)


def load_with_libdatrie(data: bytes, tmp_path):
    path = tmp_path / "t.datrie"
    path.write_bytes(data)
    return datrie.BaseTrie.load(str(path))


@given(keys_st, st.lists(st.text("abcxyzé", min_size=1, max_size=6), max_size=10))
@settings(max_examples=150, deadline=None)
def test_libdatrie_reads_what_the_build_writes(tmp_path_factory, keys, more):
    want = sorted({k for k in keys if k})
    data = build_datrie(want, range(len(want)))
    ours = DatrieDict(data, len(want))
    assert list(ours.iter_keys("")) == want
    assert [ours.value_of(k) for k in want] == list(range(len(want)))
    trie = load_with_libdatrie(data, tmp_path_factory.mktemp("t"))
    assert sorted(trie.items()) == list(zip(want, range(len(want))))
    # libdatrie inserts into it (characters outside its alphabet it refuses, as always)
    alphabet = set("".join(want))
    added = [m for m in more if set(m) <= alphabet]
    for i, m in enumerate(added):
        trie[m] = 1000 + i
    expect = dict(zip(want, range(len(want))))
    expect.update({m: 1000 + i for i, m in enumerate(added)})
    assert dict(trie.items()) == expect


def test_a_large_set_builds_in_one_pass_and_matches_the_library(tmp_path):
    rng = random.Random(3)
    words = sorted({"".join(rng.choice("abcdefghij") for _ in range(rng.randint(1, 14)))
                    for _ in range(50000)})
    data = build_datrie(words)
    trie = load_with_libdatrie(data, tmp_path)
    assert len(trie) == len(words) and all(w in trie for w in words[::97])
    s = StringSet(words, backend="datrie")
    assert list(s) == words and "zz" not in s
    # about the size libdatrie's own inserts leave
    lib = datrie.BaseTrie(alphabet="abcdefghij")
    for w in words:
        lib[w] = 0
    lib.save(str(tmp_path / "lib.datrie"))
    assert len(data) <= 1.2 * (tmp_path / "lib.datrie").stat().st_size


def test_refusals():
    with pytest.raises(ValueError, match="at most 255"):
        build_datrie(sorted(chr(0x100 + i) for i in range(256)))
    with pytest.raises(ValueError, match="32,767"):
        build_datrie(["a", "a" * 40000])
    assert DatrieDict(build_datrie([])).count() == 0
