"""The StringSet/StringMap backend table: lookups, the ``auto`` rule, and that a backend
added as docs/architecture.md says (one module + one table line) is a full backend: the
fronts, files, the report and the generic suites all take it."""

from __future__ import annotations

import os
import random

import pytest

from lowram import StringMap, StringSet
from lowram.strings import backends
from subprocess_runner import run_ok

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_every_row_resolves_to_its_classes():
    for name, row in backends.BACKENDS.items():
        set_cls = backends.lookup(name)
        assert set_cls.__name__ == row.set_class and set_cls.name == name
        if row.map_class:
            map_cls = backends.lookup(name, "map")
            assert map_cls.__name__ == row.map_class and issubclass(map_cls, set_cls)


def test_unknown_and_wrong_type_names():
    with pytest.raises(ValueError, match=r"unknown StringSet backend 'nope'; known: auto, "):
        backends.lookup("nope")
    with pytest.raises(ValueError, match=r"unknown StringMap backend 'nope'"):
        backends.lookup("nope", "map")
    with pytest.raises(TypeError, match="backend must be a str, not int"):
        StringSet(["a"], backend=3)
    assert not backends.can_map("nope") and not backends.can_map(3)


def _sizes(keys):
    return {c: backends.lookup(c).build(keys).nbytes() for c in backends.AUTO_CANDIDATES}


def test_auto_rule():
    small = [f"k{i}" for i in range(backends.AUTO_SMALL - 1)]
    numbered = sorted(f"k{i}" for i in range(backends.AUTO_SMALL))
    assert backends.choose("auto", small).name == "builtin"
    # the smallest candidate, built on all the keys when they are few
    sizes = _sizes(numbered)
    assert backends.choose("auto", numbered).name == min(sizes, key=sizes.get) == "dawg"
    rng = random.Random(1)
    ids = sorted({f"session/{rng.getrandbits(64):016x}" for _ in range(3000)})
    sizes = _sizes(ids)
    assert backends.choose("auto", ids).name == min(sizes, key=sizes.get) == "compact"
    words = ["the", "cat", "sat", "on", "a", "mat", "dog", "ran", "far", "away"]
    sentences = sorted({" ".join(rng.choice(words) for _ in range(8)) for _ in range(3000)})
    sizes = _sizes(sentences)
    assert backends.choose("auto", sentences).name == min(sizes, key=sizes.get)
    # marisa and dawg refuse lone surrogates: auto takes compact, never a refusing backend
    assert backends.choose("auto", numbered + ["\ud800x"]).name == "compact"
    assert backends.choose("auto", numbered + ["\ud800x"], "map").__name__ == "CompactIndex"
    assert backends.choose("auto", numbered, "map").__name__ == "DawgIndex"
    assert StringSet(numbered).backend == "dawg"
    assert StringMap(dict.fromkeys(ids, 1)).backend == "compact"


def test_auto_rule_samples_many_keys_in_runs():
    keys = sorted(f"user/{i * 7919 % 10 ** 7:07d}/{i % 13}" for i in range(200000))
    sample = backends.sample_keys(keys, 4096, 16)
    assert len(sample) == 4096 and sample[:256] == keys[:256]
    assert sample[256:512] == keys[12500:12756]    # the second run starts a 16th in
    s = StringSet(reversed(keys))   # built from the gathered keys, sampled the same way
    sample = backends.auto_sample(keys)
    assert 30000 < len(sample) < 40000   # about half a MiB of keys of 14 bytes
    from lowram.strings._gather import collect
    assert list(backends.auto_sample(collect(keys)[0])) == sample   # the same keys, gathered
    sizes = _sizes(sample)
    assert s.backend == min(sizes, key=sizes.get) and list(s) == keys


def test_named_backend_refusal_names_the_key():
    with pytest.raises(ValueError, match=r"the toy backend cannot hold key 'a\\x00b'"):
        StringSet(["a\x00b"], backend="toy")


def test_toy_backend_is_in_the_table_and_works(tmp_path):
    assert "toy" in backends.names("set") and "toy" in backends.names("map")
    s = StringSet(["b", "a", "", "ab"], backend="toy")
    assert s.backend == "toy" and sorted(s) == ["", "a", "ab", "b"]
    assert list(s.keys("a")) == ["a", "ab"] and s.longest_prefix("abc") == "ab"
    s.save(tmp_path / "s.lowram")
    assert StringSet.load(tmp_path / "s.lowram") == s
    m = StringMap({"x": 1, "xy": 2}, backend="toy")
    assert m["xy"] == 2 and StringMap.from_bytes(m.to_bytes()) == m


_FRESH = """
import sys
sys.path.insert(0, sys.argv[1])
import toy_backend
toy_backend.install()                       # the one table line
from lowram.report.registry import STRUCTURES, resolve
entry = {s.name: s for s in STRUCTURES}["StringSet[toy]"]
built = resolve(entry.builder)(iter(["b", "a"]))
print(entry.family, built.backend, sorted(built))
"""


def test_the_report_takes_a_new_backend_from_the_table():
    assert run_ok(_FRESH, TESTS) == "lowram toy ['a', 'b']"
