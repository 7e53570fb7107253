"""A sort key that changes the list: ValueError, and the list holds its sorted items, as for
``list.sort``; never a corrupt list."""

from __future__ import annotations

import pytest

from lowram import BitList, FloatList, IntList, StrList

CASES = [
    (IntList, [3, 1, 2], 7, lambda x: x),
    (FloatList, [3.5, 1.0, 2.25], 7.0, lambda x: x),
    (StrList, ["c", "a", "b"], "z", lambda x: x),
    (BitList, [True, False, True], False, lambda x: x),
]


@pytest.mark.parametrize("cls, items, extra, base_key", CASES,
                         ids=[c[0].__name__ for c in CASES])
@pytest.mark.parametrize("how", ["append", "clear", "pop", "setitem"])
def test_key_that_mutates_raises_like_list(cls, items, extra, base_key, how):
    def mutate(target, value):
        if how == "append":
            target.append(value)
        elif how == "clear":
            target.clear()
        elif how == "pop" and len(target):
            target.pop()
        elif how == "setitem" and len(target):
            target[0] = value

    want = list(items)
    calls = []

    def key_for(target):
        def key(x):
            if not calls:
                mutate(target, extra)
            calls.append(x)
            return base_key(x)
        return key

    def outcome(target):
        calls.clear()
        try:
            target.sort(key=key_for(target))
        except ValueError as exc:
            return str(exc).split()[-3:]   # '... modified during sort'
        return None

    expected = outcome(want)
    x = cls(items)
    assert outcome(x) == expected   # list raises only when the key adds to the (empty) list
    assert (expected is not None) == (how == "append")
    assert x.tolist() == want == sorted(items)
    if hasattr(x, "_check"):
        x._check()


@pytest.mark.parametrize("cls, items, extra, base_key", CASES,
                         ids=[c[0].__name__ for c in CASES])
def test_key_that_only_reads_sorts(cls, items, extra, base_key):
    x = cls(items)
    x.sort(key=lambda v: (len(x), base_key(v)), reverse=True)
    assert x.tolist() == sorted(items, reverse=True)
