"""The StringSet/StringMap backend table: lookups, the ``auto`` rule, and that a backend
added as docs/architecture.md says (one module + one table line) is a full backend: the
fronts, files, the report and the generic suites all take it."""

from __future__ import annotations

import os

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


def test_auto_rule():
    small = [f"k{i}" for i in range(backends.AUTO_SMALL - 1)]
    big = sorted(f"k{i}" for i in range(backends.AUTO_SMALL))
    assert backends.choose("auto", small).name == "builtin"
    assert backends.choose("auto", big).name == "marisa"
    # marisa refuses lone surrogates: auto falls back to compact, never to a refusing backend
    assert backends.choose("auto", big + ["\ud800x"]).name == "compact"
    assert backends.choose("auto", big + ["\ud800x"], "map").__name__ == "CompactIndex"
    assert backends.choose("auto", big, "map").__name__ == "MarisaIndex"
    assert StringSet(big).backend == "marisa" and StringMap(dict.fromkeys(big, 1)).backend == "marisa"


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
