"""Differential tests of StringMap against dict, rerun for every backend."""

from __future__ import annotations

import gc
import os
import pickle
import sys

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import lowram
from lowram import FormatError
from lowram._fileformat import pack, unpack
from lowram.strings import StringMap
from lowram.strings import backends

sys.path.insert(0, os.path.dirname(__file__))  # the shared strategies of test_strings.py
from test_strings import (MAPPABLE, assert_reads_from_map, file_mappings,  # noqa: E402
                          keys_strategy, refuses)

BACKENDS = backends.names("map")
int_values = st.integers(-2**63, 2**63 - 1)
bytes_values = st.binary(max_size=40)


def mappings(values):
    return st.dictionaries(keys_strategy, values, max_size=20)


def build_or_refuse(d, name):
    if refuses(name, d):
        with pytest.raises(ValueError):
            StringMap(d, backend=name)
        return None
    return StringMap(d, backend=name)


def check_same(m: StringMap, ref: dict, probes=()):
    m._check()
    assert len(m) == len(ref)
    assert list(m) == sorted(ref)
    assert list(m.items()) == sorted(ref.items())
    assert m == ref and dict(m) == ref
    for p in list(ref) + list(probes):
        assert (p in m) == (p in ref)
        assert m.get(p, "missing") == ref.get(p, "missing")


@given(d=st.one_of(mappings(int_values), mappings(bytes_values)),
       probes=st.lists(keys_strategy, max_size=6))
@settings(max_examples=40)
@pytest.mark.parametrize("name", BACKENDS)
def test_matches_dict(name, d, probes):
    m = build_or_refuse(d, name)
    if m is None:
        return
    check_same(m, d, probes)
    for p in probes:
        if p not in d:
            with pytest.raises(KeyError):
                m[p]
    assert m.backend == name


@given(d=mappings(int_values), queries=st.lists(keys_strategy, max_size=6))
@settings(max_examples=30)
@pytest.mark.parametrize("name", BACKENDS)
def test_prefix_queries_match_brute_force(name, d, queries):
    m = build_or_refuse(d, name)
    if m is None:
        return
    ref = sorted(d.items())
    for q in queries + list(d)[:3] + ["", "a", "\x00"]:
        assert list(m.keys(q)) == [k for k, _ in ref if k.startswith(q)]
        assert list(m.items(q)) == [(k, v) for k, v in ref if k.startswith(q)]
        assert m.has_prefix(q) == any(k.startswith(q) for k, _ in ref)
        expected = sorted(((k, v) for k, v in ref if q.startswith(k)), key=lambda kv: len(kv[0]))
        assert m.prefixes(q) == expected
        assert m.longest_prefix(q, None) == (expected[-1] if expected else None)


class MapMachine(RuleBasedStateMachine):
    """Rebuild a StringMap and a dict with the same updates; compare after each step."""

    name = "sorted"

    @initialize(d=mappings(int_values))
    def start(self, d):
        assume(not refuses(self.name, d))
        self.m, self.ref = StringMap(d, backend=self.name), dict(d)

    @rule(other=mappings(int_values))
    def update(self, other):
        new = {**self.ref, **other}
        if refuses(self.name, new):
            with pytest.raises(ValueError):
                StringMap({**self.m, **other}, backend=self.name)
            return
        self.m, self.ref = StringMap({**self.m, **other}, backend=self.name), new

    @rule(data=st.data())
    def drop(self, data):
        if not self.ref:
            return
        gone = data.draw(st.sets(st.sampled_from(sorted(self.ref))))
        self.m = StringMap(((k, v) for k, v in self.m.items() if k not in gone),
                           backend=self.name)
        self.ref = {k: v for k, v in self.ref.items() if k not in gone}

    @rule()
    def roundtrip(self):
        assert pickle.loads(pickle.dumps(self.m)) == self.ref
        assert StringMap.from_bytes(self.m.to_bytes()) == self.ref

    @invariant()
    def same(self):
        if hasattr(self, "m"):
            check_same(self.m, self.ref)


@pytest.mark.parametrize("name", BACKENDS)
def test_state_machine(name):
    machine = type(f"MapMachine_{name}", (MapMachine,), {"name": name})
    machine.TestCase.settings = settings(max_examples=10, stateful_step_count=5, deadline=None)
    machine.TestCase().runTest()


@pytest.mark.parametrize("name", BACKENDS)
def test_values_past_64_bits_are_kept_as_objects(name):
    # an int column holds int64, or uint64 when none is negative; other ints are references
    for d in ({"a": 2**70, "b": 1}, {"a": 2**63, "b": -1}, {"a": -2**64, "b": 2}):
        m = StringMap(d, backend=name)
        assert m == d and m.value_kind == "mixed"
        assert pickle.loads(pickle.dumps(m)) == d
    m = StringMap({"a": 2**64 - 1, "b": 0}, backend=name)
    assert m["a"] == 2**64 - 1 and m.value_kind == "int"
    assert m._values.array.dtype == "uint64"
    with pytest.raises(TypeError, match="keys must be str"):
        StringMap({1: 1}, backend=name)
    with pytest.raises(KeyError):
        m[1]
    assert 1 not in m
    with pytest.raises(TypeError):
        m.keys(1)


def test_auto_and_pairs():
    assert StringMap([("a", 1), ("a", 2)]) == {"a": 2}
    assert StringMap({f"k{i}": i for i in range(1500)}).backend == "dawg"   # the smallest
    assert StringMap({f"k{i}": i for i in range(1500)} | {"\ud800": 1}).backend == "compact"


def test_english_counts(backend_name="marisa"):
    counts = {}
    for i, (w, c) in enumerate(lowram.corpora.read_counts(
            lowram.corpora.bundled_path("english-frequencies"))):
        if i % 20 == 0:
            counts[w] = c
    for name in BACKENDS:
        m = StringMap(counts, backend=name)
        assert m == counts
        assert m.value_kind == "int"


@pytest.mark.parametrize("name", BACKENDS)
def test_save_load_and_corruption(name, tmp_path, assert_rejects_corruption):
    d = {"": 1, "a": 2, "bc": 3}
    if name in ("dawg", "datrie"):
        d = {"": 1, "a": 2, "bc": 3}
    m = StringMap(d, backend=name)
    m.save(tmp_path / "m.lowram")
    assert StringMap.load(tmp_path / "m.lowram") == d
    blob = m.to_bytes()
    assert_rejects_corruption(blob, StringMap.from_bytes)
    env = unpack(blob)
    with pytest.raises(FormatError, match="version"):
        StringMap.from_bytes(pack(env.kind, 4, env.payload))
    with pytest.raises(FormatError):
        StringMap.from_bytes(pack("StringSet/" + name, 1, env.payload))


def test_public_names():
    assert lowram.StringMap is StringMap


MAPPED = ("marisa", "dawg", "datrie", "sorted", "compact")


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("values", ["int", "bytes"])
@pytest.mark.parametrize("mmap", [True, False])
def test_load_maps_where_the_backend_can(name, values, mmap, tmp_path):
    keys = ["", "a", "ab", "é", "😀x", "z" * 1200] + [f"k{i}" for i in range(300)]
    d = {k: (i * 7919 - 10**6 if values == "int" else b"v" * (i % 5)) for i, k in
         enumerate(keys)}
    m = StringMap(d, backend=name)
    path = tmp_path / "m.lowram"
    m.save(path)
    t = StringMap.load(path, mmap=mmap)
    check_same(t, d, ["b", "a\x00", "k300"])
    store = t._values
    viewed = store.array if values == "int" else store.offsets
    assert (viewed.base is not None) == (mmap and name in MAPPED)
    if mmap and name in MAPPED:
        assert not viewed.flags.writeable
    assert abs(t.nbytes - m.nbytes) < 4096
    assert t.to_bytes() == m.to_bytes() and pickle.loads(pickle.dumps(t)) == d
    StringMap(d, backend=name).save(path)  # replaced under a mapped reader: it reads on
    assert t == d
    del t, store, viewed  # the map is released with the last view, before the folder goes


def test_mappable_index_backends_are_the_documented_ones():
    assert {name for name in BACKENDS if backends.lookup(name, "map").mmap_capable} == MAPPABLE
    assert set(MAPPED) == MAPPABLE


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="needs /proc/self/maps")
@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("mmap", [True, False])
def test_load_reads_the_keys_from_a_memory_map_of_the_file(name, mmap, tmp_path):
    # the values are checked above; this is the key index: what it reads lies in the map
    keys = ["a", "ab", "é", "😀x", "z" * 1200] + [f"k{i}" for i in range(3000)]
    d = {k: i for i, k in enumerate(keys)}
    path = tmp_path / "m.lowram"
    StringMap(d, backend=name).save(path)
    t = StringMap.load(path, mmap=mmap)
    mapped = mmap and backends.lookup(name, "map").mmap_capable
    ranges = file_mappings(path)
    assert bool(ranges) == mapped
    assert_reads_from_map(t._index, ranges, mapped)
    assert t == d and t["k42"] == 47 and "k3000" not in t
    del t
    gc.collect()
    assert file_mappings(path) == []


def test_version_1_files_still_load(tmp_path):
    import struct

    m = StringMap({"": 5, "a": 1, "bc": 300}, backend="sorted")
    index = m._index.payload()
    values = m._values.to_bytes()
    empty = m._empty.to_bytes()
    head = struct.pack("<QBBxxxxxxQQ", 3, 1, 0, len(index), len(values))  # version 1 layout
    blob = pack("StringMap/sorted", 1, head + index + values + empty)
    assert StringMap.from_bytes(blob) == {"": 5, "a": 1, "bc": 300}
    (tmp_path / "v1.lowram").write_bytes(blob)
    assert StringMap.load(tmp_path / "v1.lowram", mmap=True) == {"": 5, "a": 1, "bc": 300}


@pytest.mark.parametrize("name", MAPPED)
def test_mapped_load_rejects_corrupt_files(name, tmp_path, assert_rejects_corruption):
    blob = StringMap({"": 1, "a": 2, "bc": 3}, backend=name).to_bytes()
    path = tmp_path / "m.lowram"

    def load(data):
        path.write_bytes(data)
        return StringMap.load(path, mmap=True)

    assert_rejects_corruption(blob, load, step=3)
    with pytest.raises(FormatError):
        StringMap.load(tmp_path, mmap=True)
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(FormatError):
        StringMap.load(tmp_path / "empty", mmap=True)
