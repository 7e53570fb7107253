"""A refused operation changes nothing: a state machine with injected failures, for every
mutable container.

Each container runs beside its builtin model (``list``, ``set``, ``dict``, ``Counter``). A
step applies one mutating method; its argument is either clean (the container must then
agree with the model) or poisoned: an iterable that raises half way through, a value whose
``__index__``, ``__float__``, ``__eq__`` or ``__hash__`` raises, a ``str`` subclass whose
``__eq__`` raises. A poisoned step must raise (or, where the builtin would not look at the
poison either, succeed), and when it raises the container must hold exactly what it held
before, item for item. ``CONTAINERS`` is the table; a mutable public class missing from it
fails ``test_every_mutable_container_is_in_the_table``.

The allocator fails too: ``test_allocation_failures_change_nothing`` builds ``failmalloc.c``
(an allocation hook that makes the k-th malloc, calloc or realloc after arming return NULL)
and runs these machines again in a child process with it preloaded. There every step is also
replayed on a copy of the container once per allocation the step makes, with that one
allocation failing: each replay either raises and leaves the copy as it was, or succeeds
and agrees with the model, and none may crash the interpreter.
"""

from __future__ import annotations

import copy
import ctypes
import os
import shlex
import subprocess
import sys
import sysconfig
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

import lowram


#: set in the child process that test_allocation_failures_change_nothing starts
_ARMED = os.environ.get("LOWRAM_TEST_FAILMALLOC") == "1"
if _ARMED:
    _hook = ctypes.CDLL(None)   # the preloaded failmalloc.c
    _hook.failmalloc_arm.argtypes = [ctypes.c_long]
    _hook.failmalloc_disarm.restype = ctypes.c_long

#: replays of one step, at most (a step over 8 items makes far fewer allocations)
_MAX_ALLOCATIONS = 5000


class Injected(Exception):
    """The failure a poisoned argument raises."""


class RaisingIter:
    """Yields ``items[:at]``, then raises Injected."""

    def __init__(self, items, at):
        self.items, self.at = list(items), at

    def __iter__(self):
        yield from self.items[:self.at]
        raise Injected("iterable failed half way")


class BadIndex:
    def __index__(self):
        raise Injected("__index__")

    def __int__(self):
        raise Injected("__int__")

    def __float__(self):
        raise Injected("__float__")

    def __bool__(self):
        raise Injected("__bool__")

    def __eq__(self, other):
        raise Injected("__eq__")

    def __hash__(self):
        raise Injected("__hash__")


class BadStr(str):
    """A str whose comparisons raise (lowram reads its characters; a builtin would call
    these)."""

    def __eq__(self, other):
        raise Injected("__eq__")

    def __hash__(self):
        raise Injected("__hash__")


INTS = st.integers(-(2**63), 2**63 - 1)
SMALL = st.integers(-50, 50)
FLOATS = st.floats(allow_nan=False, width=64)
WORDS = st.text(alphabet="abcé\x00😀", max_size=4)
BITS = st.booleans()


def _list_ops(item):
    """The mutating methods of a list of ``item``: (name, args strategy, apply)."""
    items = st.lists(item, max_size=8)
    pos = st.integers(-12, 12)
    return [
        ("append", st.tuples(item), lambda c, a: c.append(*a)),
        ("extend", st.tuples(items), lambda c, a: c.extend(*a)),
        ("insert", st.tuples(pos, item), lambda c, a: c.insert(*a)),
        ("setitem", st.tuples(pos, item), lambda c, a: c.__setitem__(*a)),
        ("setslice", st.tuples(pos, pos, items),
         lambda c, a: c.__setitem__(slice(a[0], a[1]), a[2])),
        ("delitem", st.tuples(pos), lambda c, a: c.__delitem__(*a)),
        ("pop", st.tuples(pos), lambda c, a: c.pop(*a)),
        ("remove", st.tuples(item), lambda c, a: c.remove(*a)),
        ("iadd", st.tuples(items), lambda c, a: c.__iadd__(*a)),
        ("imul", st.tuples(st.integers(-1, 3)), lambda c, a: c.__imul__(*a)),
        ("reverse", st.tuples(), lambda c, a: c.reverse()),
        ("sort", st.tuples(), lambda c, a: c.sort()),
        ("clear", st.tuples(), lambda c, a: c.clear()),
    ]


def _set_ops(item):
    items = st.lists(item, max_size=8)
    return [
        ("add", st.tuples(item), lambda c, a: c.add(*a)),
        ("discard", st.tuples(item), lambda c, a: c.discard(*a)),
        ("remove", st.tuples(item), lambda c, a: c.remove(*a)),
        ("update", st.tuples(items), lambda c, a: c.update(*a)),
        ("difference_update", st.tuples(items), lambda c, a: c.difference_update(*a)),
        ("intersection_update", st.tuples(items), lambda c, a: c.intersection_update(*a)),
        ("symmetric_difference_update", st.tuples(items),
         lambda c, a: c.symmetric_difference_update(*a)),
        ("pop", st.tuples(), lambda c, a: c.pop() if len(c) else None),
        ("clear", st.tuples(), lambda c, a: c.clear()),
    ]


def _map_ops(key, value):
    pairs = st.lists(st.tuples(key, value), max_size=8)
    return [
        ("setitem", st.tuples(key, value), lambda c, a: c.__setitem__(*a)),
        ("delitem", st.tuples(key), lambda c, a: c.__delitem__(*a)),
        ("pop", st.tuples(key), lambda c, a: c.pop(*a)),
        ("update", st.tuples(pairs), lambda c, a: c.update(*a)),
        ("setdefault", st.tuples(key, value), lambda c, a: c.setdefault(*a)),
        ("popitem", st.tuples(), lambda c, a: c.popitem() if len(c) else None),
        ("clear", st.tuples(), lambda c, a: c.clear()),
    ]


def _counter_ops(key):
    keys = st.lists(key, max_size=8)
    counts = st.integers(-5, 5)
    return [
        ("update", st.tuples(keys), lambda c, a: c.update(*a)),
        ("subtract", st.tuples(keys), lambda c, a: c.subtract(*a)),
        ("setitem", st.tuples(key, counts), lambda c, a: c.__setitem__(*a)),
        ("delitem", st.tuples(key), lambda c, a: c.__delitem__(*a)),
        ("pop", st.tuples(key), lambda c, a: c.pop(*a)),
        ("clear", st.tuples(), lambda c, a: c.clear()),
    ]


#: name -> (make from items, model from items, items strategy, ops, the poison a scalar gets)
CONTAINERS = {
    "IntList": (lowram.IntList, list, st.lists(INTS, max_size=8), _list_ops(INTS), BadIndex),
    "FloatList": (lowram.FloatList, list, st.lists(FLOATS, max_size=8), _list_ops(FLOATS),
                  BadIndex),
    "StrList": (lowram.StrList, list, st.lists(WORDS, max_size=8), _list_ops(WORDS), None),
    "BitList": (lowram.BitList, list, st.lists(BITS, max_size=8), _list_ops(BITS), BadIndex),
    "IntSet": (lowram.IntSet, set, st.lists(SMALL, max_size=8), _set_ops(SMALL), BadIndex),
    "MutableStringSet": (lowram.MutableStringSet, set, st.lists(WORDS, max_size=8),
                         _set_ops(WORDS), BadStr),
    "IntMap": (lowram.IntMap, dict, st.dictionaries(SMALL, INTS, max_size=8),
               _map_ops(SMALL, INTS), BadIndex),
    "MutableStringMap": (lowram.MutableStringMap, dict, st.dictionaries(WORDS, INTS, max_size=8),
                         _map_ops(WORDS, INTS), BadStr),
    "StringCounter": (lowram.StringCounter, Counter, st.lists(WORDS, max_size=8),
                      _counter_ops(WORDS), BadStr),
}


def _content(c):
    """What a container holds, comparable with its model's (order kept where it counts)."""
    if isinstance(c, (list, lowram.IntList, lowram.FloatList, lowram.StrList, lowram.BitList)):
        return [(type(x).__name__ if isinstance(x, bool) else "", x) for x in c]
    if isinstance(c, (set, lowram.IntSet, lowram.MutableStringSet)):
        return sorted(c, key=repr)
    return sorted(((k, c[k]) for k in c), key=repr)


def _poison(args, scalar, data):
    """``args`` with one part poisoned (None when nothing can be)."""
    spots = [i for i, a in enumerate(args) if isinstance(a, list)
             or (scalar is not None and not isinstance(a, list))]
    if not spots:
        return None
    i = data.draw(st.sampled_from(spots))
    a = list(args)
    if isinstance(a[i], list):
        at = data.draw(st.integers(0, len(a[i])))
        a[i] = RaisingIter(a[i], at)
    elif scalar is BadStr:
        if not isinstance(a[i], str):
            return None
        a[i] = BadStr(a[i])
    else:
        a[i] = scalar()
    return tuple(a)


@pytest.mark.parametrize("name", sorted(CONTAINERS))
def test_refused_steps_change_nothing(name):
    make, model_of, items, ops, scalar = CONTAINERS[name]

    class Machine(RuleBasedStateMachine):
        @initialize(start=items)
        def start(self, start):
            self.c = make(start)
            self.m = model_of(start)

        @rule(data=st.data())
        def step(self, data):
            opname, args_st, apply = data.draw(st.sampled_from(ops), label="op")
            args = data.draw(args_st, label="args")
            poisoned = data.draw(st.booleans(), label="poisoned")
            if poisoned:
                bad = _poison(args, scalar, data)
                if bad is not None:
                    before = _content(self.c)
                    try:
                        apply(self.c, bad)
                    except Exception:   # noqa: BLE001: any refusal; the content is the test
                        assert _content(self.c) == before, (opname, "changed by a refusal")
                    else:
                        # the poison was never looked at (no key matched, a slice of zero
                        # items...): the model follows what the container did
                        self.m = model_of(dict(self.c.items()) if isinstance(self.m, dict)
                                          else self.c)
                    return
            if _ARMED:
                _replay_with_failing_allocations(self.c, self.m, opname, apply, args)
            if opname == "popitem" or (opname == "pop" and isinstance(self.m, set)):
                # which item goes is the container's choice, as it is set's: the model
                # loses the same one
                got = apply(self.c, args)
                if got is not None:
                    if isinstance(self.m, set):
                        self.m.remove(got)
                    else:
                        assert self.m.pop(got[0]) == got[1]
                assert _content(self.c) == _content(self.m), opname
                return
            try:
                want = apply(self.m, args)
                raised = None
            except Exception as e:   # noqa: BLE001: the builtin's refusal is the oracle
                raised = type(e)
            before = _content(self.c)
            if raised is None:
                got = apply(self.c, args)
                if opname in ("pop", "setdefault") and want is not self.m:
                    assert got == want, (opname, args)
            else:
                with pytest.raises(Exception) as info:
                    apply(self.c, args)
                assert isinstance(info.value, (raised, ValueError, TypeError, OverflowError)), \
                    (opname, args, raised, info.value)
                assert _content(self.c) == before, (opname, "changed by a refusal")
            assert _content(self.c) == _content(self.m), (opname, args)

    Machine.TestCase.settings = settings(max_examples=100 if _ARMED else 30,
                                         stateful_step_count=10, deadline=None,
                                         suppress_health_check=[HealthCheck.too_slow])
    Machine.TestCase().runTest()


def _replay_with_failing_allocations(c, m, opname, apply, args):
    """Apply the step to a copy of ``c`` once per allocation it makes, that allocation
    failing: a refusal leaves the copy as it was; a success agrees with the model."""
    chosen = opname == "popitem" or (opname == "pop" and isinstance(m, set))
    want = copy.copy(m)
    try:
        apply(want, args)
    except Exception:   # noqa: BLE001: the builtin refuses; the container must too, unchanged
        want = None
    before = _content(c)
    for k in range(_MAX_ALLOCATIONS):
        c2 = copy.copy(c)
        assert _content(c2) == before
        _hook.failmalloc_arm(k)
        try:
            apply(c2, args)
            raised = None
        except Exception as e:   # noqa: BLE001: MemoryError, or the step's own refusal
            raised = e
        finally:
            _hook.failmalloc_disarm()
        fired = _hook.failmalloc_fired()
        if raised is not None or want is None:
            assert raised is not None, (opname, args, k, "succeeded where the builtin refused")
            assert _content(c2) == before, (opname, args, k, type(raised).__name__,
                                            "changed by a refusal")
        elif chosen:
            assert len(c2) == len(want), (opname, k)
        else:
            assert _content(c2) == _content(want), (opname, args, k, "wrong after a failed "
                                                   "allocation was recovered from")
        if not fired:
            SEEN[0] = k
            return
    raise AssertionError(f"{opname} made over {_MAX_ALLOCATIONS} allocations")


#: allocations the last replay made (the last replay ran with none failing)
SEEN = [0]


#: a batch past the tables' bulk paths (1,024 keys) and through several growths
_BULK = {
    "IntList": list(range(-1000, 1000)),
    "FloatList": [i / 7 for i in range(2000)],
    "StrList": [f"w{i}é" * (i % 5) for i in range(2000)],
    "BitList": [i % 3 == 0 for i in range(40000)],   # 5 KB: past the small-object allocator
    "IntSet": [i * 7919 - 2**40 * (i % 2) for i in range(2000)],
    "MutableStringSet": [f"k{i}" for i in range(2000)],
    "IntMap": {i * 31: i - 1000 for i in range(2000)},
    "MutableStringMap": {f"k{i}": i for i in range(2000)},
    "StringCounter": [f"k{i % 700}" for i in range(2000)],
}

if _ARMED:
    @pytest.mark.parametrize("name", sorted(CONTAINERS))
    def test_allocation_failures_in_a_bulk_batch(name):
        """A batch of 2,000 items (40,000 bits) into a container holding a few, once per
        allocation the batch makes, that allocation failing."""
        make, model_of, _, ops, _ = CONTAINERS[name]
        start = ([1, 2, 3] if name not in ("StrList", "MutableStringSet", "StringCounter",
                                           "MutableStringMap") else ["a", "b", "k1"])
        if name == "BitList":
            start = [True, False]
        if name == "FloatList":
            start = [0.5, 1.5]
        if name in ("IntMap", "MutableStringMap"):
            start = dict.fromkeys(start, 7)
        opname = "extend" if name.endswith("List") else "update"
        apply = next(a for n, _, a in ops if n == opname)
        _replay_with_failing_allocations(make(start), model_of(start), opname, apply,
                                         (_BULK[name],))
        assert SEEN[0] >= 1, f"{name}: the hook saw no allocation of the batch"


@pytest.mark.skipif(_ARMED or not sys.platform.startswith("linux"),
                    reason="the hook interposes glibc's malloc")
def test_allocation_failures_change_nothing(tmp_path):
    """Every state machine above again, in a child process where one allocation of a step
    fails, each in turn (``_replay_with_failing_allocations``). A crash of the child, an
    unchecked NULL, is a failure of this test with the child's output."""
    cc = shlex.split(sysconfig.get_config_var("CC") or "cc")
    hook = tmp_path / "libfailmalloc.so"
    subprocess.run([*cc, "-O2", "-shared", "-fPIC", "-o", str(hook),
                    str(Path(__file__).with_name("failmalloc.c"))], check=True)
    env = dict(os.environ, LD_PRELOAD=str(hook), LOWRAM_TEST_FAILMALLOC="1")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "-p", "no:randomly", __file__, "-k", "refused_steps or bulk_batch"],
                       env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, (r.returncode, r.stdout[-4000:], r.stderr[-4000:])
    assert f"{2 * len(CONTAINERS)} passed" in r.stdout, r.stdout[-2000:]


def test_every_mutable_container_is_in_the_table():
    mutable = {name for name in lowram.__all__
               if isinstance(getattr(lowram, name), type)
               and any(hasattr(getattr(lowram, name), m)
                       for m in ("append", "add", "__setitem__", "update"))
               and not issubclass(getattr(lowram, name), BaseException)}
    static = {"StringSet", "StringMap", "PackedIntArray", "SortedIntSet"}
    sketches = {n for n in mutable if hasattr(getattr(lowram, n), "estimate")
                or n in ("BloomFilter", "ScalableBloomFilter", "CountMinSketch",
                         "MorrisCounter")}
    assert mutable - static - sketches <= set(CONTAINERS), sorted(mutable - static - sketches
                                                                   - set(CONTAINERS))
