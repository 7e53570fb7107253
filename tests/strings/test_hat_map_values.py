"""MutableStringMap's value layouts: the kind a map takes up and widens to, what a failed batch
leaves, the arena and the object list reclaiming what replaced values took, files and pickle
of every kind, and nbytes against resident memory. (The differential state machines per
layout live in test_hat_map.py.)"""

from __future__ import annotations

import copy
import math
import pickle
import sys

import numpy as np
import pytest

from lowram import FormatError
from lowram._fileformat import unpack
from lowram.strings import MutableStringMap, StringMap

from hat_trie_cases import RSS_PREAMBLE, run_python

KIND_OF = [(1, "int"), (1.5, "float"), (True, "bool"), (None, "none"), ("x", "str"),
           (b"x", "bytes"), ((1,), "object"), (2**64, "object")]


@pytest.mark.parametrize("value, kind", KIND_OF, ids=repr)
def test_the_first_value_decides_the_layout(value, kind):
    m = MutableStringMap(a=value)
    assert m.value_kind == kind
    assert type(m["a"]) is type(value) and m["a"] == value
    m["b"] = value
    assert m.value_kind == kind
    m.clear()
    assert m.value_kind == "int"
    m["c"] = "s"   # an emptied map takes up the next kind
    assert m.value_kind == "str"


def test_another_kind_widens_to_objects_keeping_every_value():
    m = MutableStringMap((f"k{i}", f"v{i}") for i in range(5000))
    it = iter(m.items())
    assert next(it) == ("k0", "v0")
    m["k1"] = 7   # widens; a live iterator goes on, as dict's does after a value change
    assert next(it) == ("k1", 7)
    m["int"] = 7
    assert m.value_kind == "object"
    assert m["k4999"] == "v4999" and m["int"] == 7 and len(m) == 5001
    assert dict(m) == {**{f"k{i}": f"v{i}" for i in range(5000)}, "k1": 7, "int": 7}
    m._check()


def test_numpy_scalars_and_memoryviews_are_taken_as_python_values():
    m = MutableStringMap(a=np.int64(3), b=np.int8(-1))
    assert m.value_kind == "int" and type(m["a"]) is int and m == {"a": 3, "b": -1}
    f = MutableStringMap(a=np.float32(0.5), b=np.float64(1.25))
    assert f.value_kind == "float" and type(f["a"]) is float
    assert MutableStringMap(a=np.bool_(True))["a"] is True
    assert type(MutableStringMap(a=np.str_("x"))["a"]) is str
    assert MutableStringMap(a=memoryview(b"xy"))["a"] == b"xy"
    big = MutableStringMap(a=np.uint64(2**64 - 1))
    assert big["a"] == 2**64 - 1 and big.value_kind == "object"


def test_special_values_round_trip():
    m = MutableStringMap(neg=-0.0, inf=math.inf, nan=math.nan)
    assert math.copysign(1, m["neg"]) == -1 and m["inf"] == math.inf and math.isnan(m["nan"])
    s = MutableStringMap(a="\ud800 lone", b="", c="é" * 1000)
    for other in (pickle.loads(pickle.dumps(s)), MutableStringMap.from_bytes(s.to_bytes()),
                  StringMap(s), s.copy()):
        assert other["a"] == "\ud800 lone" and other["b"] == "" and other["c"] == "é" * 1000


def test_objects_are_kept_by_reference_and_copies_are_shallow():
    shared = [1]
    m = MutableStringMap(a=shared, b=shared)
    assert m["a"] is shared and m.pop("b") is shared
    assert m.copy()["a"] is shared and copy.copy(m)["a"] is shared
    deep = copy.deepcopy(m)
    assert deep["a"] == shared and deep["a"] is not shared
    assert m.setdefault("c", shared) is shared


@pytest.mark.parametrize("start", [{"keep": "x", "other": "y"}, {"keep": 1.5},
                                   {"keep": b"b"}, {"keep": 3}])
def test_a_failed_batch_leaves_items_and_layout_as_they_were(start):
    m = MutableStringMap(start)
    kind = m.value_kind
    with pytest.raises(TypeError, match="keys must be str"):
        m.update([("keep", (9,)), ("new", None), (5, 1)])   # widens, then fails
    assert m == start and m.value_kind == kind
    assert [type(v) for v in m.values()] == [type(v) for _, v in sorted(start.items())]
    m._check()


def test_replaced_values_are_reclaimed():
    m = MutableStringMap()
    keys = [f"k{i}" for i in range(100)]
    for round_ in range(2000):   # 200,000 writes of 100-byte values over 100 keys
        for k in keys:
            m[k] = f"{round_:04d}" * 25
    assert m["k7"] == "1999" * 25
    # live values: 100 x 101 arena bytes; waste is dropped once it passes half the arena
    assert m.nbytes - MutableStringMap(dict.fromkeys(keys, 0)).nbytes < 64 * 1024 + 4 * 10_100
    o = MutableStringMap(dict.fromkeys(keys, (0,)))
    for round_ in range(2000):
        for k in keys:
            o[k] = (round_,)
        del o[keys[round_ % 100]]
        o[keys[round_ % 100]] = (round_,)
    assert o._stats()["objects"] <= 100 + (1 << 16)
    assert o["k5"] == (1999,)


@pytest.mark.parametrize("values", [{"a": "x", "b": ""}, {"a": 0.5}, {"a": True, "b": False},
                                    {"a": None}, {"a": b"\x00"}, {"a": 1, "b": "x"}])
def test_files_keep_every_kind(values, tmp_path):
    m = MutableStringMap(values)
    path = tmp_path / "m.lowram"
    m.save(path)
    back = MutableStringMap.load(path, allow_pickle=True)
    assert back == values and back.value_kind == m.value_kind
    assert [type(v) for v in back.values()] == [type(v) for v in m.values()]
    assert unpack(m.to_bytes()).version == 2
    assert unpack(MutableStringMap(a=1).to_bytes()).version == 1   # ints: format 1, as before


def test_unpicklable_values_fail_on_save():   # the allow_pickle guard: test_map_values.py
    with pytest.raises(TypeError, match="pickle refused"):
        MutableStringMap(a=lambda: 0).to_bytes()


def test_damaged_format_2_payloads_raise_format_errors():
    from lowram._fileformat import pack

    good = bytes(unpack(MutableStringMap(a="x", b="yy").to_bytes()).payload)
    damaged = [good[:cut] for cut in range(len(good))]
    damaged += [good[:i] + bytes([good[i] ^ 0xFF]) + good[i + 1:] for i in range(len(good))]
    for payload in damaged:
        try:
            m = MutableStringMap.from_bytes(pack("MutableStringMap", 2, payload))
        except (FormatError, ValueError):
            continue
        m._check()
        list(m.items())


def test_increment_on_maps_of_other_kinds_adds_as_python_does():
    m = MutableStringMap(a=1.5, b=2.5)
    assert m.increment(["a", "c", "c"]) == 1
    assert m == {"a": 2.5, "b": 2.5, "c": 2}
    s = MutableStringMap(a="x")
    with pytest.raises(TypeError):
        s.increment(["a"])
    assert s == {"a": "x"}


def test_nbytes_follows_resident_memory():
    proc = run_python("""
        base = rss()
        m = MutableStringMap((k, k[::-1] * 3) for k in keys)
        grown = rss() - base
        print(grown, m.nbytes, sum(len(k) * 3 for k in keys))
    """, preamble=RSS_PREAMBLE)
    assert proc.returncode == 0, proc.stderr
    grown, held, value_bytes = map(int, proc.stdout.split())
    assert held > value_bytes   # the arena is counted
    assert abs(grown - held) < 0.2 * held + (1 << 20), (grown, held)


def test_init_again_starts_the_values_over():
    m = MutableStringMap(a="x" * 100_000, b=(1,))
    m.__init__(c="y")
    assert m == {"c": "y"} and m.value_kind == "str" and m._stats()["arena_bytes"] == 2
    m._check()


def test_sizeof_is_total():
    m = MutableStringMap(a="x" * 1000)
    assert sys.getsizeof(m) > 1000 + m._stats()["bytes"]
