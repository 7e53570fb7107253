"""The compiled timing loops behave like the Python operations they drive."""

import pytest

from lowram._native import _loops


def test_contains_count_matches_python():
    container = {"a", "b", ""}
    queries = ["a", "x", "", "b", "b"]
    assert _loops.contains_count(container, queries) == sum(q in container for q in queries)
    assert _loops.contains_count(container, iter(queries)) == 4  # any iterable


def test_contains_count_propagates_errors():
    with pytest.raises(TypeError):
        _loops.contains_count({"a"}, [["unhashable"]])


def test_getitem_all_and_errors():
    assert _loops.getitem_all([1, 2, 3], [0, -1, 2]) == 3
    with pytest.raises(IndexError):
        _loops.getitem_all([1], [5])


def test_iterate_all():
    assert _loops.iterate_all(range(1000)) == 1000
    assert _loops.iterate_all([]) == 0
