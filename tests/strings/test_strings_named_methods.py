"""frozenset's named methods on StringSet, differentially against frozenset, per backend."""

from __future__ import annotations

import collections.abc
import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowram.strings import MutableStringMap, MutableStringSet, StringSet, backends

BACKENDS = backends.names("set")
# keys every backend holds (no "\x00", no lone surrogate, few distinct characters)
keys = st.text(alphabet="abcé中😀", max_size=4)
key_lists = st.lists(keys, max_size=12)
# the others: lists, tuples, sets, dicts, strings, StringSets, generators
others = st.one_of(key_lists, key_lists.map(tuple), key_lists.map(set),
                   key_lists.map(dict.fromkeys), keys,
                   key_lists.map(lambda w: StringSet(w, backend="builtin")))




@pytest.mark.parametrize("backend", BACKENDS)
@given(mine=key_lists, rest=st.lists(others, max_size=3), as_generator=st.booleans())
@settings(max_examples=40, deadline=None)
def test_named_methods_match_frozenset(backend, mine, rest, as_generator):
    s, f = StringSet(mine, backend=backend), frozenset(mine)

    def args():   # each call gets fresh iterables (a generator is used up by one call)
        return [iter(list(o)) if as_generator else o for o in rest]

    for name in ("union", "intersection", "difference"):
        got = getattr(s, name)(*args())
        want = getattr(f, name)(*[list(o) if as_generator else o for o in rest])
        assert isinstance(got, StringSet) and got.backend == s.backend, name
        assert got == want, name
        got._check()
    for other in rest:
        o1 = iter(list(other)) if as_generator else other
        o2 = list(other) if as_generator else other
        assert s.symmetric_difference(o1) == f.symmetric_difference(o2)
        o1 = iter(list(other)) if as_generator else other
        assert s.issubset(o1) == f.issubset(o2)
        o1 = iter(list(other)) if as_generator else other
        assert s.issuperset(o1) == f.issuperset(o2)
        o1 = iter(list(other)) if as_generator else other
        assert s.isdisjoint(o1) == f.isdisjoint(o2)


def test_no_other_is_a_copy_and_copy_is_self():
    s = StringSet(["a", "b"])
    assert s.union() == s and s.intersection() == s and s.difference() == s
    assert s.copy() is s and copy.copy(s) is s


def test_items_need_only_be_hashable_but_results_hold_str():
    s = StringSet(["a", "b"])
    assert s.intersection([1, "a", None]) == {"a"}
    assert s.difference([1, b"a"]) == {"a", "b"}
    assert not s.issubset([1]) and s.issuperset([]) and not s.issuperset([1])
    with pytest.raises(TypeError, match="unhashable"):
        s.intersection([["a"]])
    with pytest.raises(TypeError, match="str"):   # left out on purpose: str keys only
        s.union([1])
    with pytest.raises(TypeError, match="str"):
        s.symmetric_difference([1])


def test_second_init_leaves_the_set_unchanged_like_frozenset():
    s = StringSet(["a"])
    f = frozenset(["a"])
    f.__init__(["b"])   # frozenset: a no-op
    s.__init__(["b"])
    assert s == f == {"a"}


def test_weak_references_as_set_and_frozenset_take():
    import gc
    import weakref

    from lowram.strings import MutableStringSet
    for make in (lambda: MutableStringSet(["a"]), lambda: StringSet(["a"])):
        obj = make()
        ref = weakref.ref(obj)
        assert ref() is obj
        del obj
        gc.collect()
        assert ref() is None


def test_unhashable_queries_raise_type_error_as_set_and_dict_do():
    from lowram.strings import MutableStringMap, MutableStringSet
    s, m = MutableStringSet(["a"]), MutableStringMap({"a": 1})
    for builtin, ours in ((set(["a"]), s), ({"a": 1}, m)):
        for op in (lambda x: [] in x, lambda x: x.get([]) if hasattr(x, "get") else
                   x.discard([])):
            with pytest.raises(TypeError, match="unhashable"):
                op(builtin)
            with pytest.raises(TypeError, match="unhashable"):
                op(ours)
    with pytest.raises(TypeError, match="unhashable"):
        s.remove([])
    with pytest.raises(TypeError, match="unhashable"):
        set().remove([])
    assert 1 not in s and None not in s and s == {"a"}   # hashable non-str: absent


@pytest.mark.parametrize("op", ["|", "&", "-", "^", "|=", "&=", "-=", "^="])
def test_operators_take_sets_only_as_set_does(op):
    from lowram.strings import MutableStringSet
    for make in (lambda: set(["a", "b"]), lambda: MutableStringSet(["a", "b"])):
        with pytest.raises(TypeError, match="unsupported operand"):
            exec(f"x {op} ['b']", {"x": make()})
        with pytest.raises(TypeError, match="unsupported operand"):
            exec(f"y = ['b']; y {op} x", {"x": make()})
        # a set, a frozenset, a dict's keys view and a StringSet are sets: as set computes
        for other in ({"b", "c"}, frozenset({"b"}), {"b": 1}.keys(), StringSet(["b"])):
            scope = {"y": make(), "other": other}
            want = {"y": {"a", "b"}, "other": other}
            exec(f"z = y {op} other" if "=" not in op else f"y {op} other; z = y", scope)
            exec(f"z = y {op} other" if "=" not in op else f"y {op} other; z = y", want)
            assert scope["z"] == want["z"], (op, other)


# ------------------------------------------------------------------- operators refuse as frozenset's

OPERANDS = ["abc", ["a"], ("a",), iter(["a"]), {"a": 1}, 5, None, {"a"}, frozenset("a"),
            {"a": 1}.keys()]
OPERATORS = ["__and__", "__or__", "__sub__", "__xor__", "__rand__", "__ror__", "__rsub__",
             "__rxor__"]


def _outcome(call):
    try:
        result = call()
    except TypeError:
        return "TypeError"
    return "NotImplemented" if result is NotImplemented else set(result)


@pytest.mark.parametrize("op", OPERATORS)
def test_stringset_operators_take_what_frozenset_takes(op):
    """``StringSet & "abc"`` raised nothing where ``frozenset & "abc"`` is a TypeError:
    each operator answers (a set, or NotImplemented) exactly where frozenset's does."""
    s, f = StringSet(["a", "b"]), frozenset(["a", "b"])
    for other in OPERANDS:
        ours = _outcome(lambda: getattr(s, op)(other))
        theirs = _outcome(lambda: getattr(f, op)(other))
        if theirs == "NotImplemented" and isinstance(other, collections.abc.Set):
            theirs = ours   # frozenset defers to another Set type, which then answers
        assert ours == theirs, (op, other)


def test_mutable_set_looks_a_set_argument_up_as_set_does():
    """set looks a set argument up as its frozenset: absent, no TypeError; a map refuses it
    as unhashable, as dict does."""
    m, model = MutableStringSet(["a"]), {"a"}
    for call in (lambda s: {1} in s, lambda s: s.discard({1}), lambda s: frozenset() in s):
        assert call(m) == call(model)
    with pytest.raises(KeyError):
        m.remove({1})
    for call in (lambda s: [] in s, lambda s: s.discard([])):
        with pytest.raises(TypeError):
            call(m)
    with pytest.raises(TypeError):
        {1} in MutableStringMap({"a": 1})
    assert list(m) == ["a"]
