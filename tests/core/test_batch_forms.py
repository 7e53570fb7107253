"""Every batch method of every class, fed every input form, gives the list's answers.

A batch method (``contains_many``, ``update``, ``add_many``, ``increment``, ``count_many``,
a constructor) may read a column through a buffer path in C and a list through another; a
form that falls into the wrong one answers wrong (``contains_many`` once iterated an Arrow
array, got ``pyarrow.StringScalar`` objects and answered False for every row). This walks
every (class, batch method, input form) triple and compares each with the list route: the
same answers for a query, an equal container for an update. A null in a column is refused
with ValueError by every route that reads columns, and the container is left as it was.
"""

from __future__ import annotations

import numpy as np
import pytest

from lowram import (BloomFilter, CountMinSketch, HyperLogLog, KMinValues, MutableStringMap,
                    MutableStringSet, ScalableBloomFilter, StringCounter, StringMap, StringSet)
from lowram.strings import backends

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")

STORED = ["apple", "banana", "", "é", "日本", "zebra", "apple2"]
QUERIES = ["apple", "x", "", "é", "日本語", "zebra", "banana", "ban", "apple"]


def _forms():
    """input form name -> a function of a list of str giving that form."""
    forms = {
        "list": list,
        "tuple": tuple,
        "generator": lambda items: (x for x in items),
        "numpy str": lambda items: np.array(items, dtype=str),
        "numpy object": lambda items: np.array(items, dtype=object),
        "arrow string": lambda items: pa.array(items, pa.string()),
        "arrow large_string": lambda items: pa.array(items, pa.large_string()),
        "arrow dictionary": lambda items: pa.array(items).dictionary_encode(),
        "arrow chunked": lambda items: pa.chunked_array([items[:3], [], items[3:]],
                                                        pa.string()),
        "arrow sliced": lambda items: pa.array(["pad"] + items + ["pad"])[1:-1],
        "pandas object": lambda items: pd.Series(items, dtype=object),
        "pandas string": lambda items: pd.Series(items, dtype="string"),
        "pandas string[pyarrow]": lambda items: pd.Series(items, dtype="string[pyarrow]"),
        "pandas category": lambda items: pd.Series(items, dtype="category"),
        "arrow table": lambda items: pa.table({"k": items}),
    }
    if hasattr(pa, "string_view"):
        forms["arrow string_view"] = lambda items: pa.array(items, pa.string_view())
    return forms


FORMS = _forms()

#: (name, make the container, the method's call on it, query (True) or change (False))
QUERY = True
CASES = {}
for _b in backends.names():
    CASES[f"StringSet[{_b}].contains_many"] = (
        lambda b=_b: StringSet(STORED, backend=b), lambda c, x: c.contains_many(x), QUERY)
    CASES[f"StringSet[{_b}](...)"] = (
        lambda: None, lambda c, x, b=_b: StringSet(x, backend=b), QUERY)
    CASES[f"StringMap[{_b}].get_many"] = (
        lambda b=_b: StringMap({k: i for i, k in enumerate(STORED)}, backend=b),
        lambda c, x: c.get_many(x, -1), QUERY)
CASES.update({
    "MutableStringSet.contains_many": (lambda: MutableStringSet(STORED),
                                       lambda c, x: c.contains_many(x), QUERY),
    "MutableStringSet.update": (lambda: MutableStringSet(["keep"]),
                                lambda c, x: c.update(x), not QUERY),
    "MutableStringSet.add_many": (lambda: MutableStringSet(["keep"]),
                                  lambda c, x: c.add_many(x), not QUERY),
    "MutableStringSet(...)": (lambda: None, lambda c, x: MutableStringSet(x), QUERY),
    "MutableStringMap.increment": (lambda: MutableStringMap({"apple": 5}),
                                   lambda c, x: c.increment(x, 2), not QUERY),
    "MutableStringMap.counted": (lambda: None, lambda c, x: MutableStringMap.counted(x),
                                 QUERY),
    "MutableStringMap.get_many": (lambda: MutableStringMap({k: i for i, k in enumerate(STORED)}),
                                  lambda c, x: c.get_many(x, -1), QUERY),
    "StringCounter(...)": (lambda: None, lambda c, x: StringCounter(x), QUERY),
    "StringCounter.update": (lambda: StringCounter(["keep", "apple"]),
                             lambda c, x: c.update(x), not QUERY),
    "StringCounter.subtract": (lambda: StringCounter(["keep", "apple"]),
                               lambda c, x: c.subtract(x), not QUERY),
    "StringCounter.get_many": (lambda: StringCounter(STORED + STORED[:3]),
                               lambda c, x: c.get_many(x, -1), QUERY),
    "BloomFilter.contains_many": (lambda: _filled(BloomFilter(1000, 0.01)),
                                  lambda c, x: c.contains_many(x), QUERY),
    "BloomFilter.update": (lambda: BloomFilter(1000, 0.01), lambda c, x: c.update(x),
                           not QUERY),
    "ScalableBloomFilter.contains_many": (lambda: _filled(ScalableBloomFilter(4, 0.01)),
                                          lambda c, x: c.contains_many(x), QUERY),
    "CountMinSketch.count_many": (lambda: _filled(CountMinSketch(512, 4)),
                                  lambda c, x: c.count_many(x), QUERY),
    "CountMinSketch.update": (lambda: CountMinSketch(512, 4), lambda c, x: c.update(x),
                              not QUERY),
    "HyperLogLog.update": (lambda: HyperLogLog(10), lambda c, x: c.update(x), not QUERY),
    "KMinValues.update": (lambda: KMinValues(16), lambda c, x: c.update(x), not QUERY),
})


def _filled(sketch):
    sketch.update(STORED)
    return sketch


def _result(value):
    """What to compare: an array as a list, a container as its items, a sketch as bytes."""
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (int, float, list)):
        return value   # a count, or get_many's answers in order
    if isinstance(value, StringCounter):
        return list(value.items())   # insertion order is part of the answer
    if hasattr(value, "to_bytes") and not isinstance(value, (StringSet, MutableStringSet,
                                                             MutableStringMap, StringMap)):
        return value.to_bytes()
    if isinstance(value, MutableStringMap):
        return dict(value.items())
    return sorted(value)


def _container(container):
    return None if container is None else _result(container)


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_form_answers_as_the_list(case, form):
    make, call, query = CASES[case]
    items = QUERIES
    expected_container, subject = make(), make()
    expected = call(expected_container, list(items))
    got = call(subject, FORMS[form](list(items)))
    assert _result(got) == _result(expected), (case, form)
    assert _container(subject) == _container(expected_container), (case, form)


COLUMN_FORMS = [f for f in sorted(FORMS) if f.startswith(("arrow", "pandas string"))]


@pytest.mark.parametrize("form", COLUMN_FORMS)
@pytest.mark.parametrize("case", sorted(c for c in CASES if not c.endswith("(...)")
                                        and "counted" not in c))
def test_a_null_is_refused_and_changes_nothing(case, form):
    make, call, query = CASES[case]
    column = FORMS[form](["apple", None, "x"])
    container = make()
    before = _container(container)
    with pytest.raises(ValueError, match="null"):
        call(container, column)
    assert _container(container) == before


@pytest.mark.parametrize("null", [None, float("nan"), np.float64("nan"), "NA", "NaT"])
@pytest.mark.parametrize("case", ["StringSet[builtin].contains_many",
                                  "StringSet[marisa].contains_many",
                                  "MutableStringSet.contains_many", "MutableStringMap.get_many",
                                  "StringCounter.get_many", "StringMap[sorted].get_many"])
def test_an_object_series_answers_as_its_list_and_refuses_every_null(case, null):
    """A pandas object Series is read as the list of its objects (mixed kinds answer as the
    list does); each kind of null pandas counts (None, NaN, pd.NA, NaT) is refused."""
    make, call, _ = CASES[case]
    mixed = ["apple", 5, b"apple", "x", "zebra"]
    assert _result(call(make(), pd.Series(mixed, dtype=object))) == _result(call(make(), mixed))
    null = {"NA": pd.NA, "NaT": pd.NaT}.get(null, null)
    with pytest.raises(ValueError, match="null"):
        call(make(), pd.Series(["apple", null], dtype=object))
