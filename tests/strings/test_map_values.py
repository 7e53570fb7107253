"""Values of every kind in StringMap (each backend): differential tests against dict, kinds
kept on the way out, files (mapped or read), pickle, the pickle guard, honest nbytes, and
damaged value stores refused with an exception."""

from __future__ import annotations

import math
import os
import pickle
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowram.strings import MutableStringMap, StringMap, backends
from lowram.strings._values import KINDS, ValueStore, classify

sys.path.insert(0, os.path.dirname(__file__))  # the shared strategies of test_strings.py
from test_strings import keys_strategy as keys, refuses  # noqa: E402

BACKENDS = backends.names("map")
plain_values = st.one_of(
    st.integers(-2**63, 2**63 - 1), st.integers(-2**80, 2**80),
    st.floats(allow_nan=False), st.booleans(), st.none(),
    st.text(max_size=12), st.binary(max_size=12),
    st.tuples(st.integers(), st.text(max_size=3)),
    st.frozensets(st.integers(0, 9), max_size=3),
)
numpy_values = st.one_of(
    st.integers(-2**63, 2**63 - 1).map(np.int64), st.integers(0, 255).map(np.uint8),
    st.floats(allow_nan=False, width=32).map(np.float32), st.booleans().map(np.bool_),
    st.text(max_size=5).map(np.str_),
)


def python_value(v):
    """What a map gives back for ``v``: numpy scalars as their Python values."""
    if isinstance(v, np.generic):
        return str(v) if isinstance(v, np.str_) else v.item()
    return v


def typed(pairs):
    return [(k, type(v), v) for k, v in pairs]


def same_items(m, d):
    want = sorted((k, python_value(v)) for k, v in d.items())
    assert typed(m.items()) == typed(want)
    assert m == dict(want)


uniform = st.sampled_from([st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=False),
                           st.booleans(), st.none(), st.text(max_size=12),
                           st.binary(max_size=12), st.tuples(st.integers())])


@given(data=st.data())
@settings(max_examples=40, deadline=None)
@pytest.mark.parametrize("name", BACKENDS)
def test_values_of_one_kind(name, data):
    d = data.draw(st.dictionaries(keys, data.draw(uniform), max_size=15))
    if refuses(name, d):
        return
    m = StringMap(d, backend=name)
    same_items(m, d)
    kinds = {classify(v)[0] for v in d.values()}
    assert m.value_kind == (kinds.pop() if len(kinds) == 1 else "mixed" if kinds else "int")


@given(d=st.dictionaries(keys, st.one_of(plain_values, numpy_values), max_size=20),
       probes=st.lists(keys, max_size=4))
@settings(max_examples=60, deadline=None)
@pytest.mark.parametrize("name", BACKENDS)
def test_mixed_values_match_dict(name, d, probes):
    if refuses(name, d):
        return
    m = StringMap(d, backend=name)
    same_items(m, d)
    for p in probes:
        assert m.get(p, "missing") == python_value(d.get(p, "missing"))
    assert m.get_many(list(d) + probes, 0) == [python_value(d.get(k, 0)) for k in list(d) + probes]
    for copy in (pickle.loads(pickle.dumps(m)),
                 StringMap.from_bytes(m.to_bytes(), allow_pickle=True)):
        same_items(copy, d)
        assert copy.value_kind == m.value_kind


@pytest.mark.parametrize("name", BACKENDS)
def test_each_kind_is_stored_compactly(name):
    n = 3000
    words = [f"w{i:05d}" for i in range(n)]
    cases = {
        "int": ([i % 100 for i in range(n)], "int8"),
        "float": ([i / 4 for i in range(n)], "float32"),      # exact in float32
        "bool": ([i % 3 == 0 for i in range(n)], None),
        "none": ([None] * n, None),
        "str": ([w[::-1] for w in words], None),
        "bytes": ([w.encode() for w in words], None),
    }
    for kind, (values, dtype) in cases.items():
        m = StringMap(dict(zip(words, values)), backend=name)
        assert m.value_kind == kind
        store = m._values
        if dtype:
            assert store.array.dtype == dtype
        size = store.nbytes()
        if kind == "bool":
            assert size < n // 8 + 200
        if kind == "none":
            assert size == 0
        if kind in ("str", "bytes"):
            assert size <= sum(len(w) for w in words) + 4 * n + 200
        assert m == dict(zip(words, values))
    m = StringMap({"a": 0.1, "b": 2.0}, backend=name)
    assert m._values.array.dtype == "float64" and m["a"] == 0.1   # not exact in float32
    m = StringMap({"a": -0.0, "b": float("inf"), "c": float("nan")}, backend=name)
    assert m._values.array.dtype == "float32"
    assert math.copysign(1, m["a"]) == -1 and m["b"] == math.inf and math.isnan(m["c"])


@pytest.mark.parametrize("name", BACKENDS)
def test_objects_are_kept_by_reference(name):
    shared = [1, 2]
    m = StringMap({"a": shared, "b": shared, "c": (3,), "d": 1}, backend=name)
    assert m["a"] is shared and m["b"] is shared and m.value_kind == "mixed"
    # nbytes counts the references and each distinct object once (shallow)
    objects = m._values.parts[KINDS.index("object")]
    assert objects.nbytes() == objects.array.__sizeof__() + sys.getsizeof(shared) + \
        sys.getsizeof((3,))


def test_unpicklable_values_fail_on_save_with_a_clear_error():
    m = StringMap({"a": lambda: 1, "b": 2})
    assert m["b"] == 2 and callable(m["a"])
    with pytest.raises(TypeError, match="pickle refused"):
        m.to_bytes()


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("mmap", [True, False])
def test_files_keep_every_kind(name, mmap, tmp_path):
    d = {"": "empty", "i": 7, "f": 0.25, "t": True, "n": None, "s": "ünï", "b": b"\x00\xff"}
    path = tmp_path / "m.lowram"
    StringMap(d, backend=name).save(path)
    m = StringMap.load(path, mmap=mmap)
    same_items(m, d)
    for kind_values in ({"a": "x", "b": "yz"}, {"a": 1.5}, {"a": True, "b": False},
                        {"a": None}, {"": 1.5, "a": "x"}):
        StringMap(kind_values, backend=name).save(path)
        same_items(StringMap.load(path, mmap=mmap), kind_values)


@pytest.mark.parametrize("name", BACKENDS + ["MutableStringMap"])
def test_pickled_objects_open_only_when_allowed(name, tmp_path):
    cls = MutableStringMap if name == "MutableStringMap" else StringMap
    build = cls if cls is MutableStringMap else (lambda d: StringMap(d, backend=name))
    d = {"a": (1, 2), "b": 3}
    m = build(d)
    with pytest.raises(ValueError, match="allow_pickle=True"):
        cls.from_bytes(m.to_bytes())
    m.save(tmp_path / "m.lowram")
    with pytest.raises(ValueError, match="allow_pickle=True"):
        cls.load(tmp_path / "m.lowram")
    assert cls.load(tmp_path / "m.lowram", allow_pickle=True) == d
    assert pickle.loads(pickle.dumps(m)) == d   # a pickle is trusted already
    plain = build({"a": "x", "b": 1})
    assert cls.from_bytes(plain.to_bytes()) == plain   # nothing pickled: no flag


def test_value_kind_with_the_empty_key():
    assert StringMap({"": 1, "a": 2}).value_kind == "int"
    assert StringMap({"": "x", "a": 2}).value_kind == "mixed"
    assert StringMap({"": "x"}).value_kind == "str"
    assert StringMap({}).value_kind == "int"


@pytest.mark.parametrize("values", [[1, "a", None, 2.5, True, b"b", (1,)], ["x", "yy"],
                                    [1.5, -0.0], [True, False, True], [None, None], [2**70]])
def test_damaged_value_stores_raise(values):
    # every truncation and every single-byte change either opens to some store or raises
    # ValueError: never a crash, never an index past the data
    blob = ValueStore.build(values).to_bytes()
    assert [ValueStore.from_bytes(blob, allow_pickle=True)[i]
            for i in range(len(values))] == values
    damaged = [blob[:cut] for cut in range(len(blob))]
    for at in range(len(blob)):
        for bit in (0x01, 0x80, 0xFF):
            damaged.append(blob[:at] + bytes([blob[at] ^ bit]) + blob[at + 1:])
    for data in damaged:
        try:
            store = ValueStore.from_bytes(data, allow_pickle=True)
        except (ValueError, pickle.UnpicklingError, EOFError):
            continue
        except Exception as exc:   # pickle may raise others on a damaged pickle
            if not any(k == "object" for k in _kinds(values)):
                raise AssertionError(f"{type(exc).__name__} from a damaged store") from exc
            continue
        for i in range(min(len(store), 64)):   # a damaged "none" count may be huge
            store[i]


def _kinds(values):
    return {classify(v)[0] for v in values}


def test_permuted_stores_follow_the_order():
    rng = np.random.default_rng(5)
    values = [1, "a", None, 2.5, True, b"b", (1,), "ccc", 7, False] * 30
    order = rng.permutation(len(values))
    for store in (ValueStore.build(values), ValueStore.build([str(v) for v in values]),
                  ValueStore.build([i % 2 == 0 for i in range(len(values))])):
        moved = store.permuted(order)
        for j in range(len(values)):
            assert moved[int(order[j])] == store[j]


def test_from_arrow_keeps_the_column_kind():
    pa = pytest.importorskip("pyarrow")
    pd = pytest.importorskip("pandas")
    keys = pa.array(["b", "a", "", "b"])
    cases = [
        (pa.array([1, 2, 3, 4]), "int", {"": 3, "a": 2, "b": 4}),
        (pa.array([0.5, 1.5, 2.5, 3.5]), "float", {"": 2.5, "a": 1.5, "b": 3.5}),
        (pa.array([True, False, True, False]), "bool", {"": True, "a": False, "b": False}),
        (pa.array(["w", "x", "y", "z"]), "str", {"": "y", "a": "x", "b": "z"}),
        (pa.array(["w", "x", "y", "z"], pa.large_string()), "str",
         {"": "y", "a": "x", "b": "z"}),
        (pa.array(["w", "x", "y", "z"]).dictionary_encode(), "str",
         {"": "y", "a": "x", "b": "z"}),
        (pa.array([b"w", b"x", b"\xff", b"z"]), "bytes", {"": b"\xff", "a": b"x", "b": b"z"}),
        (pd.Series(["w", "x", "y", "z"]), "str", {"": "y", "a": "x", "b": "z"}),
        (pd.Series([0.5, 1.5, 2.5, 3.5]), "float", {"": 2.5, "a": 1.5, "b": 3.5}),
    ]
    for values, kind, want in cases:
        m = StringMap.from_arrow(keys, values)
        assert m.value_kind == kind
        same_items(m, want)
        # the same answers as building from the Python lists
        assert m == StringMap(dict(zip(keys.to_pylist(), list(values.tolist()
                                                             if hasattr(values, "tolist")
                                                             else values.to_pylist()))))
    with pytest.raises(ValueError):
        StringMap.from_arrow(keys, pa.array(["w", None, "y", "z"]))


def test_sorted_keys_that_are_not_utf8_are_refused_at_open(tmp_path):
    # a crafted file with a valid checksum: keys' bytes not UTF-8, or an offset inside a
    # character, are refused when the file opens (they used to fail on first iteration)
    from lowram import FormatError
    from lowram._fileformat import pack, unpack

    m = StringMap({"aé": 1, "b": 2}, backend="sorted")
    env = unpack(m.to_bytes())
    payload = bytes(env.payload)
    at = payload.index("é".encode())
    for bad in (payload[:at] + b"\xff" + payload[at + 1:],        # not UTF-8
                payload[:at] + b"\xa9" + payload[at + 1:]):        # a stray continuation
        data = pack(env.kind, env.version, bad)
        with pytest.raises(FormatError, match="UTF-8"):
            StringMap.from_bytes(data)
        (tmp_path / "m.lowram").write_bytes(data)
        with pytest.raises(FormatError, match="UTF-8"):
            StringMap.load(tmp_path / "m.lowram", mmap=True)
    surrogate = StringMap({"\ud800": 1, "a": 2}, backend="sorted")   # kept by surrogatepass
    assert StringMap.from_bytes(surrogate.to_bytes()) == {"\ud800": 1, "a": 2}


def test_an_index_naming_a_missing_value_is_a_format_error():
    from lowram import FormatError

    m = StringMap({"a": 1, "b": 2, "c": 3}, backend="sorted")
    m._values = ValueStore.build([1])   # as a crafted file's index past its values reads
    with pytest.raises(FormatError, match="damaged"):
        m["c"]
    with pytest.raises(FormatError, match="damaged"):
        list(m.items())
    with pytest.raises(FormatError, match="damaged"):
        m.prefixes("c")
