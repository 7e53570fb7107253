"""Backward compatibility: files and pickles written by an earlier lowram open unchanged.

``data/`` holds small instances of every public structure as an earlier version wrote them
(``save()`` files, the same bytes as ``to_bytes()``, and pickles at protocols 2 and 5), made
by ``tools/make_compat_fixtures.py``; ``data/expected.json`` says how each opens and what it
must answer. Every file is opened with the *installed* lowram and its contents compared
exactly: list items, set keys, map items, sketch parameters, estimates (the same float),
memberships and counts. A pickle names the functions and classes that rebuild it, so these
tests also hold those import paths in place.
"""

from __future__ import annotations

import json
import math
import pickle
import struct
import types
from pathlib import Path

import pytest

import lowram

DATA = Path(__file__).resolve().parent / "data"
EXPECTED = json.loads((DATA / "expected.json").read_text(encoding="ascii"))
#: one case per (structure, file, way of opening it)
FIXTURES = [{"name": name, "class": s["class"], "check": s["check"], **f}
            for name, s in EXPECTED["structures"].items() for f in s["files"]]

#: names in ``lowram.__all__`` that are not structures, so need no fixture
NOT_STRUCTURES = {"FormatError", "LowramError", "MeasurementError",  # errors
                  "hash64", "hash64_many",  # functions
                  "corpora", "measure", "parallel",  # modules
                  "__version__"}


def _id(entry) -> str:
    kwargs = "".join(f"-{k}={v}" for k, v in sorted(entry.get("kwargs", {}).items()))
    return f"{entry['file']}-{entry['open']}{kwargs}"


def _dec(v):
    """Inverse of the generator's ``enc``: {"hex": ...} is bytes, {"tuple": [...]} a tuple."""
    if isinstance(v, dict):
        return tuple(map(_dec, v["tuple"])) if "tuple" in v else bytes.fromhex(v["hex"])
    return v


def _float(s: str) -> float:
    return float(s) if s in ("inf", "-inf", "nan") else float.fromhex(s)


def _same_float(a: float, b: float) -> bool:
    """Exact equality, where any NaN equals NaN and -0.0 differs from 0.0."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return struct.pack("<d", a) == struct.pack("<d", b)


def _open(entry):
    path = DATA / entry["file"]
    cls = getattr(lowram, entry["class"])
    if "via" in entry:  # a class the public constructor returns (HyperLogLog(hash="redis"))
        cls = type(cls(**entry["via"]))
    kwargs = entry.get("kwargs", {})
    how = entry["open"]
    if how == "pickle":
        with open(path, "rb") as fh:
            return pickle.load(fh)
    if how == "load":
        return cls.load(path, **kwargs)
    if how == "from_bytes":
        return cls.from_bytes(path.read_bytes(), **kwargs)
    raise AssertionError(f"unknown opener {how!r}")


# ------------------------------------------------------------------ checks by structure

def check_intlist(x, c):
    assert x.tolist() == c["items"] and list(x) == c["items"] and len(x) == len(c["items"])
    assert x.dtype == c["dtype"]
    probe = x.copy()
    if c["fixed"]:
        with pytest.raises(OverflowError):
            probe.append(2**63 - 1 if c["dtype"] != "int64" else 2**63)
    else:
        probe.append(2**62)
        assert probe.dtype == "int64" and probe[-1] == 2**62


def check_floatlist(x, c):
    want = [_float(s) for s in c["items_hex"]]
    got = x.tolist()
    assert len(got) == len(want) and x.dtype == c["dtype"]
    assert all(_same_float(a, b) for a, b in zip(got, want)), (got, want)


def check_bitlist(x, c):
    assert x.tolist() == c["items"] and len(x) == len(c["items"])
    assert all(type(b) is bool for b in x)
    assert x.count() == sum(c["items"])


def check_strlist(x, c):
    assert x.tolist() == c["items"] and list(x) == c["items"]
    assert [x[i] for i in range(len(x))] == c["items"]


def check_packedintarray(x, c):
    assert x.tolist() == c["items"] and list(x) == c["items"]
    assert x.bits == c["bits"] and x.reference == c["reference"]


def _check_string_set(s, c):
    keys = c["keys"]
    assert list(s) == keys and len(s) == len(keys)
    assert all(k in s for k in keys)
    assert not any(k in s for k in c["absent"])
    for prefix, want in c["keys_with_prefix"].items():
        assert list(s.keys(prefix)) == want, prefix
    for q, want in c["prefixes"].items():
        assert s.prefixes(q) == want, q
    hits = s.contains_many(keys + c["absent"]).tolist()
    assert hits == [True] * len(keys) + [False] * len(c["absent"])


def check_stringset(s, c):
    assert s.backend == c["backend"]
    _check_string_set(s, c)
    assert s == frozenset(c["keys"])


def check_intset(s, c):
    s._check()
    assert list(s) == c["keys"] and s.seed == c["seed"]   # same seed: same order
    assert len(s) == len(c["keys"]) and all(k in s for k in c["keys"])
    assert not any(k in s for k in c["absent"])
    s.add(12345)  # still a working mutable set
    assert 12345 in s


def check_sortedintset(s, c):
    s._check()
    assert list(s) == c["keys"] and len(s) == len(c["keys"])
    assert all(s[i] == k and s.index(k) == i for i, k in enumerate(c["keys"]))
    assert not any(k in s for k in c["absent"])


def check_intmap(m, c):
    m._check()
    items = [(k, _float(v) if c["value_kind"] == "float" else v) for k, v in c["items"]]
    assert [k for k, _ in items] == list(m) and m.seed == c["seed"]   # same seed, same order
    assert all(_same(m[k], v) for k, v in items) and len(m) == len(items)
    assert m.value_kind == c["value_kind"]
    assert not any(k in m for k in c["absent"])
    m[12345] = 1   # still a working mutable map
    assert m[12345] == 1


def check_mutablestringset(s, c):
    _check_string_set(s, c)
    s.add("new key")  # still a working mutable set
    assert "new key" in s and len(s) == len(c["keys"]) + 1


def _items(pairs):
    return [(k, _dec(v)) for k, v in pairs]


def _same(a, b) -> bool:
    return _same_float(a, b) if type(a) is float and type(b) is float else a == b


def _check_string_map(m, c):
    items = _items(c["items"])
    assert list(m.items()) == items and list(m) == [k for k, _ in items]
    assert len(m) == len(items) and dict(m) == dict(items)
    assert all(_same(m[k], v) and type(m[k]) is type(v) for k, v in items)
    assert not any(k in m for k in c["absent"])
    for k in c["absent"]:
        with pytest.raises(KeyError):
            m[k]
    for prefix, want in c["items_with_prefix"].items():
        assert list(m.items(prefix)) == _items(want), prefix
    for q, want in c["prefixes"].items():
        assert list(m.prefixes(q)) == _items(want), q


def check_stringmap(m, c):
    assert m.backend == c["backend"] and m.value_kind == c["value_kind"]
    _check_string_map(m, c)


def check_mutablestringmap(m, c):
    _check_string_map(m, c)
    m["new key"] = -7
    assert m["new key"] == -7 and len(m) == len(c["items"]) + 1


def check_stringcounter(c, want):
    items = _items(want["items"])
    assert list(c.items()) == items and len(c) == len(items)
    assert all(c[k] == v and type(c[k]) is int for k, v in items)
    assert not any(k in c for k in want["absent"]) and all(c[k] == 0 for k in want["absent"])
    c._check()
    c["new key"] += 3
    assert list(c.items())[-1] == ("new key", 3) and len(c) == len(items) + 1


def _close_estimate(got, want) -> bool:
    """An estimate computed from a sketch's state. The state itself (registers, hashes,
    counters) is compared exactly; the float made from it may differ in its last bit between
    numpy versions (the order in which ``np.dot`` sums), so it is compared to 1e-12."""
    return math.isclose(got, want, rel_tol=1e-12, abs_tol=0.0)


def _check_registers(sk, c):
    assert sk.p == c["p"] and sk.seed == c["seed"] and sk.is_sparse == c["is_sparse"]
    assert _close_estimate(sk.estimate(), c["estimate"]) and len(sk) == c["len"]
    regs = sk.registers()
    assert len(regs) == 2 ** c["p"]
    assert {str(i): int(regs[i]) for i in range(len(regs)) if regs[i]} == c["registers"]


def check_hyperloglog(sk, c):
    assert isinstance(sk, lowram.HyperLogLog) and sk.hash_name == c["hash_name"]
    _check_registers(sk, c)
    assert _close_estimate(sk.estimate("classic"), c["estimate_classic"])


check_loglog = check_superloglog = _check_registers


def check_kminvalues(sk, c):
    assert sk.k == c["k"] and sk.seed == c["seed"]
    assert _close_estimate(sk.estimate(), c["estimate"]) and len(sk) == c["len"]
    assert [int(h) for h in sk.hashes()] == c["hashes"]


def _check_membership(sk, c):
    probes = [_dec(p) for p in c["probes"]]
    assert [p in sk for p in probes] == c["contains"]
    assert sk.contains_many(probes).tolist() == c["contains"]


def check_bloomfilter(sk, c):
    assert (sk.capacity, sk.error_rate, sk.seed) == (c["capacity"], c["error_rate"], c["seed"])
    assert (sk.size, sk.hashes) == (c["size"], c["hashes"])
    assert _close_estimate(sk.estimate(), c["estimate"])
    _check_membership(sk, c)


def check_scalablebloomfilter(sk, c):
    assert (sk.initial_capacity, sk.error_rate, sk.ratio, sk.growth, sk.seed) == \
        (c["initial_capacity"], c["error_rate"], c["ratio"], c["growth"], c["seed"])
    assert (sk.stages, len(sk), sk.capacity) == (c["stages"], c["len"], c["capacity"])
    assert sk.false_positive_rate == c["false_positive_rate"]
    _check_membership(sk, c)


def check_countminsketch(sk, c):
    assert (sk.width, sk.depth, sk.seed, sk.conservative, sk.total) == \
        (c["width"], c["depth"], c["seed"], c["conservative"], c["total"])
    assert [sk.count(q) for q in c["queries"]] == c["counts"]
    assert sk.count_many(c["queries"]).tolist() == c["counts"]


def check_morriscounter(sk, c):
    assert (sk.base, sk.seed, sk.counter) == (c["base"], c["seed"], c["counter"])
    assert _close_estimate(sk.estimate(), c["estimate"])
    sk.increment(10_000)  # the saved random state: the stream goes on as it would have
    assert sk.counter == c["counter_after_increment_10000"]


# ------------------------------------------------------------------ the tests

@pytest.mark.parametrize("entry", FIXTURES, ids=[_id(e) for e in FIXTURES])
def test_fixture_opens_unchanged(entry):
    obj = _open(entry)
    cls = getattr(lowram, entry["class"])
    assert isinstance(obj, cls), f"{entry['file']} opened as {type(obj).__name__}"
    globals()[f"check_{entry['class'].lower()}"](obj, entry["check"])


def test_every_structure_has_fixtures():
    """Each structure in ``lowram.__all__`` has a pickle, and a saved file opened by each of
    ``load`` and ``from_bytes`` that it has; a new structure without fixtures fails here."""
    for name in NOT_STRUCTURES:  # the exclusions hide no structure
        obj = getattr(lowram, name)
        if isinstance(obj, type):
            assert issubclass(obj, BaseException), f"{name} is a class, not an error"
        else:
            assert isinstance(obj, (types.ModuleType, str)) or callable(obj), name
    structures = set(lowram.__all__) - NOT_STRUCTURES
    assert structures, "lowram.__all__ lists no structure"
    for name in sorted(structures):
        cls = getattr(lowram, name)
        assert isinstance(cls, type), f"lowram.{name} is neither a structure nor excluded"
        assert f"check_{name.lower()}" in globals(), f"no check for {name}"
        openers = {e["open"] for e in FIXTURES if e["class"] == name}
        want = {"pickle"} | {how for how in ("load", "from_bytes") if hasattr(cls, how)}
        assert want <= openers, f"{name}: no fixture opened by {sorted(want - openers)}"


def test_fixture_files_match_expected():
    """Every file in data/ is checked, and every checked file exists."""
    listed = {e["file"] for e in FIXTURES}
    present = {p.name for p in DATA.iterdir()} - {"expected.json"}
    assert listed == present
    assert EXPECTED["written_by"]["lowram"] and EXPECTED["written_by"]["git_commit"]


@pytest.mark.parametrize("case", EXPECTED["hash64"],
                         ids=[f"{c['item']!r}-{c['seed']}" for c in EXPECTED["hash64"]])
def test_hash64_unchanged(case):
    """The sketches' files hold hashed state: the stable hash must not move."""
    assert lowram.hash64(_dec(case["item"]), case["seed"]) == case["hash64"]


def test_float_helpers():
    assert _same_float(_float("nan"), math.nan) and not _same_float(-0.0, 0.0)
