#!/usr/bin/env python3
"""Threads against one shared lowram container: every value read is checked.

Eight threads (``--threads``) share one container and mix reads, writes, batch calls,
iteration, copies, pickles and Arrow round trips on it for ``--seconds``; every
``--round`` seconds the threads move to a fresh container, so the early life of one (a list
widening its item type, a sketch leaving its sparse form) happens under load again. Each
op checks what it reads: an item of a list must be one of the values the run stores (a torn
read shows as a value never stored), a map's value must be its key's, a sketch's estimate a
finite non-negative number. After the run, the containers' own invariant checks
(``_check()``) and a read-back of every item run on the last container.

Run one kind per process, so that a crash ends only that run::

    python tools/thread_stress.py IntList --seconds 5
    python tools/thread_stress.py --list

It prints one JSON object: the kind, ops run (per op), ops refused the way the builtin
would refuse them (``pop`` from an empty list, ``remove`` of an absent item, a set changed
during iteration), and the failures: ``torn`` reads, ``errors`` (any other exception) and
``check`` (an invariant broken at the end). Exit status: 0 clean, 1 failures, 2 a thread
still running ``--grace`` seconds after the stop (a hang; every thread's stack goes to
stderr). A crash of the interpreter is the process dying by a signal.

``KINDS`` is the table of what runs: one entry per mutable public class of lowram (and one
per sketch kind of ``lowram.sketches._base.KINDS``). ``tests/core/test_threads.py`` runs
every entry for a few seconds and checks that the table covers every mutable class;
``benchmarks/stress_threads.py`` is the long run.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import math
import os
import pickle
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import lowram
from lowram.sketches._base import KINDS as SKETCH_KINDS

try:
    import pyarrow as pa
except ImportError:  # the Arrow ops are left out
    pa = None

#: a list is trimmed back when it grows past this many items
LIMIT = 3000


class Torn(AssertionError):
    """A read returned a value that no thread ever stored."""


@dataclass
class Kind:
    """How to stress one container: ``make`` builds a fresh one; ``ops`` maps an op name to
    ``(op(container, rng), exceptions it may raise as the builtin would)``; ``verify``
    checks a container at the end (raising on a broken invariant)."""

    make: Callable[[], object]
    ops: dict = field(default_factory=dict)
    verify: Callable[[object], None] | None = None


KINDS: dict[str, Kind] = {}


def _kind(name):
    def register(build):
        KINDS[name] = build()
        return build
    return register


# ---------------------------------------------------------------- shared list ops


def _list_ops(pool, valid, make_other, bad_item, np_batches, arrow_ok=True):
    """The ops of a list of ``pool`` items: ``valid(value)`` says whether a read is one of
    them, ``make_other(items)`` builds another list of the same class, ``np_batches(rng)``
    gives ndarrays to extend by (or None), ``bad_item`` is an item the list refuses."""

    def pick(rng, k=1):
        return [pool[rng.randrange(len(pool))] for _ in range(k)]

    def check_all(values, what):
        for v in values:
            if not valid(v):
                raise Torn(f"{what} gave {v!r}, never stored")

    def trim(x):
        n = len(x)
        if n > LIMIT:
            del x[:n // 2]

    def append(x, rng):
        x.append(pick(rng)[0])
        trim(x)

    def extend_list(x, rng):
        x.extend(pick(rng, rng.randrange(1, 40)))
        trim(x)

    def extend_gen(x, rng):
        items = pick(rng, 30)

        def gen():
            for i, v in enumerate(items):
                if i % 7 == 3:
                    time.sleep(0)   # hand the GIL to another thread mid-extend
                yield v
        x.extend(gen())
        trim(x)

    def extend_bad(x, rng):
        x.extend(pick(rng, 10) + [bad_item])

    def extend_same_class(x, rng):
        x.extend(make_other(pick(rng, 25)))
        trim(x)

    def extend_self(x, rng):
        if len(x) < LIMIT // 2:
            x.extend(x)

    def iadd(x, rng):
        x += pick(rng, 5)
        trim(x)

    def imul(x, rng):
        if len(x) < LIMIT // 3:
            x *= 2

    def insert(x, rng):
        x.insert(rng.randrange(-10, len(x) + 10), pick(rng)[0])
        trim(x)

    def pop(x, rng):
        check_all([x.pop()], "pop()")

    def pop_at(x, rng):
        check_all([x.pop(rng.randrange(-len(x) - 2, len(x) + 2))], "pop(i)")

    def remove(x, rng):
        x.remove(pick(rng)[0])

    def delitem(x, rng):
        del x[rng.randrange(-len(x) - 2, len(x) + 2)]

    def delslice(x, rng):
        a = rng.randrange(0, len(x) + 3)
        del x[a:a + rng.randrange(0, 30)]

    def delext(x, rng):
        a = rng.randrange(0, len(x) + 3)
        del x[a:a + 60:rng.choice((2, 3, -2))]

    def setitem(x, rng):
        x[rng.randrange(-len(x) - 2, len(x) + 2)] = pick(rng)[0]

    def setslice(x, rng):
        a = rng.randrange(0, len(x) + 3)
        x[a:a + rng.randrange(0, 10)] = pick(rng, rng.randrange(0, 12))

    def setext(x, rng):
        n = len(x)
        targets = len(range(0, n, 3))
        x[::3] = pick(rng, targets)   # ValueError when the length moved meanwhile

    def sort(x, rng):
        x.sort(reverse=rng.random() < 0.5)

    def sort_key(x, rng):
        x.sort(key=lambda v: (time.sleep(0) if rng.random() < 0.001 else None, repr(v))[1])

    def reverse(x, rng):
        x.reverse()

    def clear(x, rng):
        if rng.random() < 0.05:
            x.clear()

    def shrink(x, rng):
        x.shrink_to_fit()
        x.buffer_info()
        sys.getsizeof(x)

    def getitem(x, rng):
        check_all([x[rng.randrange(-len(x) - 1, len(x) + 1)]], "x[i]")

    def getslice(x, rng):
        a = rng.randrange(0, len(x) + 1)
        check_all(x[a:a + 50], "x[a:b]")
        check_all(x[::-7], "x[::-7]")

    def iterate(x, rng):
        check_all(iter(x), "iteration")

    def reversed_(x, rng):
        check_all(reversed(x), "reversed()")

    def contains(x, rng):
        v = pick(rng)[0]
        _ = v in x
        x.count(v)
        x.index(v)   # ValueError when absent

    def tolist(x, rng):
        check_all(x.tolist(), "tolist()")

    def copy(x, rng):
        y = x.copy()
        check_all(y, "copy()")
        _ = (x == y, x == list(y), x < y)

    def pickled(x, rng):
        check_all(pickle.loads(pickle.dumps(x)), "pickle")

    def concat(x, rng):
        check_all(x + make_other(pick(rng, 3)), "x + y")
        check_all(x * 2 if len(x) < LIMIT else x, "x * 2")
        _ = repr(x)

    ops = {
        "append": (append, ()), "extend(list)": (extend_list, ()),
        "extend(generator)": (extend_gen, ()), "extend(bad item)": (extend_bad, (TypeError,)),
        "extend(same class)": (extend_same_class, ()), "extend(self)": (extend_self, ()),
        "+=": (iadd, ()), "*=": (imul, ()), "insert": (insert, ()),
        "pop()": (pop, (IndexError,)), "pop(i)": (pop_at, (IndexError,)),
        "remove": (remove, (ValueError,)), "del x[i]": (delitem, (IndexError,)),
        "del x[a:b]": (delslice, ()), "del x[a:b:k]": (delext, ()),
        "x[i] = v": (setitem, (IndexError,)), "x[a:b] = ...": (setslice, ()),
        "x[::3] = ...": (setext, (ValueError,)), "sort": (sort, ()),
        # as list.sort: another thread adding items while the key runs is refused
        "sort(key)": (sort_key, (ValueError,)), "reverse": (reverse, ()),
        "clear": (clear, ()), "shrink_to_fit": (shrink, ()),
        "x[i]": (getitem, (IndexError,)), "x[a:b]": (getslice, ()),
        "iterate": (iterate, ()), "reversed": (reversed_, ()),
        "in/count/index": (contains, (ValueError,)), "tolist": (tolist, ()),
        "copy/==": (copy, ()), "pickle": (pickled, ()), "+ * repr": (concat, ()),
    }
    if np_batches is not None:
        def extend_np(x, rng):
            x.extend(np_batches(rng))
            trim(x)
        ops["extend(ndarray)"] = (extend_np, ())
    if pa is not None and arrow_ok:
        def arrow(x, rng):
            column = x.to_arrow()
            check_all(column.to_pylist(), "to_arrow()")
            check_all(type(x).from_arrow(column), "from_arrow()")
        ops["to_arrow/from_arrow"] = (arrow, ())
    return ops


def _list_verify(valid):
    def verify(x):
        x._check()
        for v in x:
            if not valid(v):
                raise Torn(f"the list holds {v!r}, never stored")
    return verify


# ---------------------------------------------------------------- the lists

INTS = [v for i in range(-200, 200) for v in (i, i * 1_000_003, i * 2**40 + 7)]
INT_SET = set(INTS)


def _int_batches(rng):
    arr = np.array([INTS[rng.randrange(len(INTS))] for _ in range(40)], dtype=np.int64)
    if rng.random() < 0.5:
        small = np.array([rng.randrange(-200, 200) for _ in range(40)])
        return small.astype(rng.choice((np.int8, np.int16, np.int32)))
    return arr


@_kind("IntList")
def _intlist():
    valid = INT_SET.__contains__
    return Kind(lambda: lowram.IntList(INTS[:50]),
                _list_ops(INTS, valid, lowram.IntList, "x", _int_batches) | {
                    "min/max": (lambda x, rng: [_check_in(valid, x.min_value(), "min"),
                                                _check_in(valid, x.max_value(), "max")],
                                (ValueError,))},
                _list_verify(valid))


FLOATS = [i * 0.25 for i in range(-400, 400)] + [1e300, -1e300, math.inf, -math.inf, -0.0]
FLOAT_SET = set(FLOATS)


def _float_valid(v):
    return type(v) is float and (v in FLOAT_SET or math.isnan(v))


def _float_batches(rng):
    arr = np.array([FLOATS[rng.randrange(len(FLOATS))] for _ in range(40)])
    return arr if rng.random() < 0.5 else np.arange(-20, 20, dtype=np.int32)


@_kind("FloatList")
def _floatlist():
    pool = FLOATS + [math.nan]
    return Kind(lambda: lowram.FloatList(FLOATS[:50]),
                _list_ops(pool, _float_valid, lowram.FloatList, "x", _float_batches) | {
                    "min/max": (lambda x, rng: [_check_in(_float_valid, x.min_value(), "min"),
                                                _check_in(_float_valid, x.max_value(), "max")],
                                (ValueError,))},
                _list_verify(_float_valid))


WORDS = [f"w{i}" for i in range(800)] + [f"ü{i}" for i in range(100)] + \
    ["", "日本語", "\U0001F600", "a\x00b"]
WORD_SET = set(WORDS)


@_kind("StrList")
def _strlist():
    valid = WORD_SET.__contains__
    return Kind(lambda: lowram.StrList(WORDS[:50]),
                _list_ops(WORDS, valid, lowram.StrList, 5, None), _list_verify(valid))


@_kind("BitList")
def _bitlist():
    def valid(v):
        return type(v) is bool

    def batches(rng):
        return np.array([rng.random() < 0.5 for _ in range(40)])
    return Kind(lambda: lowram.BitList([True, False] * 25),
                _list_ops([True, False, 1, 0], valid, lowram.BitList, "x", batches),
                _list_verify(valid))


def _check_in(valid, value, what):
    if not valid(value):
        raise Torn(f"{what} gave {value!r}, never stored")


# ---------------------------------------------------------------- string set and map

KEYS = [f"k{i}" for i in range(600)] + [f"kü{i}" for i in range(50)] + ["", "日本"]
KEY_SET = set(KEYS)


def _keys(rng, k):
    return [KEYS[rng.randrange(len(KEYS))] for _ in range(k)]


def _check_keys(keys, what):
    for k in keys:
        if k not in KEY_SET:
            raise Torn(f"{what} gave {k!r}, never stored")


@_kind("MutableStringSet")
def _mutable_set():
    def add(s, rng):
        s.add(_keys(rng, 1)[0])

    def update(s, rng):
        s.update(_keys(rng, 30))

    def update_gen(s, rng):
        s.update(k for k in _keys(rng, 30) if rng.random() < 0.99 or time.sleep(0))

    def update_np(s, rng):
        s.update(np.array(_keys(rng, 30)))

    def update_bad(s, rng):
        s.update(_keys(rng, 10) + [5])

    def discard(s, rng):
        for k in _keys(rng, 10):
            s.discard(k)

    def remove(s, rng):
        s.remove(_keys(rng, 1)[0])

    def pop(s, rng):
        _check_keys([s.pop()], "pop()")

    def algebra(s, rng):
        other = set(_keys(rng, 40))
        op = rng.randrange(4)
        if op == 0:
            s |= lowram.MutableStringSet(other)
        elif op == 1:
            s -= lowram.MutableStringSet(set(_keys(rng, 5)))
        elif op == 2:
            s ^= lowram.MutableStringSet(other)
        else:
            s &= lowram.MutableStringSet(set(KEYS) - set(_keys(rng, 5)))

    def clear(s, rng):
        if rng.random() < 0.05:
            s.clear()

    def contains(s, rng):
        keys = _keys(rng, 20)
        _ = [k in s for k in keys]
        hits = s.contains_many(keys)
        if len(hits) != len(keys):
            raise Torn(f"contains_many gave {len(hits)} answers for {len(keys)} keys")
        if pa is not None:
            s.contains_many(pa.array(keys))

    def iterate(s, rng):
        _check_keys(iter(s), "iteration")

    def prefixes(s, rng):
        _check_keys(s.keys(prefix="k1"), "keys(prefix)")
        _ = s.has_prefix("k2"), s.longest_prefix("k12345", None)

    def copies(s, rng):
        _check_keys(s.copy(), "copy()")
        _check_keys(pickle.loads(pickle.dumps(s)), "pickle")
        _check_keys(lowram.MutableStringSet.from_bytes(s.to_bytes()), "to_bytes()")
        _ = (s == set(s), len(s), s.nbytes, sys.getsizeof(s))

    def frozen(s, rng):
        _check_keys(s.freeze(), "freeze()")

    def named(s, rng):
        other = _keys(rng, 20)
        _check_keys(s.union(other), "union()")
        _check_keys(s.intersection(other), "intersection()")
        _ = s.issubset(KEYS), s.isdisjoint(other)

    ops = {
        "add": (add, ()), "update(list)": (update, ()), "update(generator)": (update_gen, ()),
        "update(ndarray)": (update_np, ()), "update(bad item)": (update_bad, (TypeError,)),
        "discard": (discard, ()), "remove": (remove, (KeyError,)), "pop": (pop, (KeyError,)),
        "|= -= ^= &=": (algebra, ()), "clear": (clear, ()), "in/contains_many": (contains, ()),
        "iterate": (iterate, (RuntimeError,)), "keys(prefix)": (prefixes, (RuntimeError,)),
        "copy/pickle/bytes": (copies, (RuntimeError,)), "freeze": (frozen, (RuntimeError,)),
        "union/intersection": (named, (RuntimeError,)),
    }

    def verify(s):
        _check_keys(s, "the final set")
        if len(list(s)) != len(s):
            raise Torn("len() differs from the keys iterated")
    return Kind(lambda: lowram.MutableStringSet(KEYS[:100]), ops, verify)


def _value(key):
    """The value a map's fixed key always holds (counter keys start with 'c')."""
    return len(key) * 100_000 + sum(map(ord, key))


def _text_value(key):
    """The str a str-valued map's fixed key always holds."""
    return key[::-1] * 3


def _map_kind(_value, widen=False):
    counters = [f"c{i}" for i in range(50)]

    def check_item(k, v, what):
        if k in KEY_SET:
            if v != _value(k):
                raise Torn(f"{what} gave {k!r}: {v!r}, never stored (expected {_value(k)})")
        elif k in counters:
            if type(v) is not int or v < 1:
                raise Torn(f"{what} gave counter {k!r}: {v!r}")
        elif widen and k == "t":
            if v != ("a", "tuple"):
                raise Torn(f"{what} gave {k!r}: {v!r}, never stored")
        else:
            raise Torn(f"{what} gave key {k!r}, never stored")

    def setitem(m, rng):
        k = _keys(rng, 1)[0]
        m[k] = _value(k)

    def update(m, rng):
        m.update({k: _value(k) for k in _keys(rng, 30)})

    def update_pairs(m, rng):
        m.update((k, _value(k)) for k in _keys(rng, 30) if rng.random() < 0.99 or time.sleep(0))

    def update_bad(m, rng):
        m.update([(k, _value(k)) for k in _keys(rng, 10)] + [("zz", (1,)), (5, "a bad key")])

    def set_object(m, rng):
        if widen and rng.random() < 0.2:
            m["t"] = ("a", "tuple")

    def increment(m, rng):
        m.increment([counters[rng.randrange(len(counters))] for _ in range(20)],
                    rng.randrange(1, 5))

    def delitem(m, rng):
        del m[_keys(rng, 1)[0]]

    def pop(m, rng):
        k = _keys(rng, 1)[0]
        v = m.pop(k, None)
        if v is not None:
            check_item(k, v, "pop()")

    def popitem(m, rng):
        check_item(*m.popitem(), "popitem()")

    def setdefault(m, rng):
        k = _keys(rng, 1)[0]
        check_item(k, m.setdefault(k, _value(k)), "setdefault()")

    def get(m, rng):
        for k in _keys(rng, 10):
            v = m.get(k)
            if v is not None:
                check_item(k, v, "get()")
            if k in m:
                try:
                    check_item(k, m[k], "m[k]")
                except KeyError:
                    pass   # deleted by another thread between the two reads

    def items(m, rng):
        for k, v in m.items():
            check_item(k, v, "items()")

    def values_keys(m, rng):
        for k in m.keys():
            if k not in KEY_SET and k not in counters and not (widen and k == "t"):
                raise Torn(f"keys() gave {k!r}")
        list(m.values())

    def clear(m, rng):
        if rng.random() < 0.05:
            m.clear()

    def copies(m, rng):
        for k, v in m.copy().items():
            check_item(k, v, "copy()")
        for k, v in pickle.loads(pickle.dumps(m)).items():
            check_item(k, v, "pickle")
        for k, v in lowram.MutableStringMap.from_bytes(m.to_bytes(), allow_pickle=True).items():
            check_item(k, v, "to_bytes()")
        _ = (m == dict(m.items()), len(m), m.nbytes, sys.getsizeof(m))

    def frozen(m, rng):
        for k, v in m.freeze().items():
            check_item(k, v, "freeze()")

    ops = {
        "m[k] = v": (setitem, ()), "update(dict)": (update, ()),
        "update(pairs)": (update_pairs, ()), "update(bad key)": (update_bad, (TypeError,)),
        "m[k] = object": (set_object, ()),
        "increment": (increment, ()), "del m[k]": (delitem, (KeyError,)), "pop": (pop, ()),
        "popitem": (popitem, (KeyError,)), "setdefault": (setdefault, ()),
        "get/in/m[k]": (get, ()), "items": (items, (RuntimeError,)),
        "keys/values": (values_keys, (RuntimeError,)), "clear": (clear, ()),
        "copy/pickle/bytes": (copies, (RuntimeError,)), "freeze": (frozen, (RuntimeError,)),
    }

    def verify(m):
        for k, v in m.items():
            check_item(k, v, "the final map")
        if len(list(m.keys())) != len(m):
            raise Torn("len() differs from the keys iterated")
    return Kind(lambda: lowram.MutableStringMap({k: _value(k) for k in KEYS[:100]}), ops,
                verify)


INT_KEYS = sorted({v for i in range(-300, 300)
                   for v in (i, i * 1_000_003, i * 2**40 + 7, 2**64 - 1 - abs(i))})
INT_KEY_SET = set(INT_KEYS)


def _ints(rng, k):
    return [INT_KEYS[rng.randrange(len(INT_KEYS))] for _ in range(k)]


def _check_ints(values, what):
    for v in values:
        if v not in INT_KEY_SET:
            raise Torn(f"{what} gave {v!r}, never stored")


@_kind("IntSet")
def _int_set():
    def add(s, rng):
        s.add(_ints(rng, 1)[0])

    def update(s, rng):
        s.update(_ints(rng, 30))

    def update_gen(s, rng):
        s.update(k for k in _ints(rng, 30) if rng.random() < 0.99 or time.sleep(0))

    def update_np(s, rng):
        s.update(np.array([v for v in _ints(rng, 3000) if v < 2**63], dtype=np.int64))

    def update_bad(s, rng):
        s.update(_ints(rng, 10) + ["x"])

    def discard(s, rng):
        for k in _ints(rng, 10):
            s.discard(k)

    def remove(s, rng):
        s.remove(_ints(rng, 1)[0])

    def pop(s, rng):
        _check_ints([s.pop()], "pop()")

    def algebra(s, rng):
        other = lowram.IntSet(_ints(rng, 40))
        op = rng.randrange(4)
        if op == 0:
            s |= other
        elif op == 1:
            s -= other
        elif op == 2:
            s ^= other
        else:
            s &= lowram.IntSet(INT_KEY_SET - set(_ints(rng, 5)))

    def clear(s, rng):
        if rng.random() < 0.05:
            s.clear()

    def contains(s, rng):
        keys = _ints(rng, 20)
        _ = [k in s for k in keys]
        hits = s.contains_many(np.array([k for k in keys if k < 2**63], dtype=np.int64))
        if len(hits) != sum(k < 2**63 for k in keys):
            raise Torn("contains_many gave a wrong number of answers")

    def iterate(s, rng):
        _check_ints(iter(s), "iteration")

    def copies(s, rng):
        _check_ints(s.copy(), "copy()")
        _check_ints(pickle.loads(pickle.dumps(s)), "pickle")
        _check_ints(lowram.IntSet.from_bytes(s.to_bytes()), "to_bytes()")
        _ = (s == set(s), len(s), s.nbytes, sys.getsizeof(s), repr(s))

    def arrays(s, rng):
        try:
            _check_ints(s.to_numpy().tolist(), "to_numpy()")
        except OverflowError:   # negative ints beside ints from 2**63 up
            pass

    def named(s, rng):
        other = _ints(rng, 20)
        _check_ints(s.union(other), "union()")
        _check_ints(s.intersection(other), "intersection()")
        _ = s.issubset(INT_KEYS), s.isdisjoint(other)

    ops = {
        "add": (add, ()), "update(list)": (update, ()), "update(generator)": (update_gen, ()),
        "update(ndarray)": (update_np, ()), "update(bad item)": (update_bad, (TypeError,)),
        "discard": (discard, ()), "remove": (remove, (KeyError,)), "pop": (pop, (KeyError,)),
        "|= -= ^= &=": (algebra, ()), "clear": (clear, ()), "in/contains_many": (contains, ()),
        "iterate": (iterate, (RuntimeError,)), "copy/pickle/bytes": (copies, ()),
        "to_numpy": (arrays, ()), "union/intersection": (named, ()),
    }

    def verify(s):
        s._check()
        _check_ints(s, "the final set")
        if len(list(s)) != len(s):
            raise Torn("len() differs from the keys iterated")
    return Kind(lambda: lowram.IntSet(INT_KEYS[:100]), ops, verify)


def _int_value(k):
    """The value an IntMap stress run stores for key k (a read of anything else is torn)."""
    return (k * 7919) % 2**40 - 2**39


def _check_int_items(items, what):
    # increments in flight on other threads (each +1 then -1, with resets between) leave a
    # value at most one per thread away from the one stored; a key removed between a bump's
    # check and its increments is made again by them, from 0
    for k, v in items:
        if k not in INT_KEY_SET or min(abs(v - _int_value(k)), abs(v)) > 8:
            raise Torn(f"{what} gave {k!r}: {v!r}, never stored")


@_kind("IntMap")
def _int_map():
    def put(m, rng):
        k = _ints(rng, 1)[0]
        m[k] = _int_value(k)

    def update(m, rng):
        m.update({k: _int_value(k) for k in _ints(rng, 30)})

    def update_gen(m, rng):
        m.update((k, _int_value(k)) for k in _ints(rng, 30) if rng.random() < 0.99 or time.sleep(0))

    def update_np(m, rng):
        ks = np.array([k for k in _ints(rng, 3000) if k < 2**63], dtype=np.int64)
        m.update(ks, np.array([_int_value(k) for k in ks.tolist()], dtype=np.int64))

    def update_bad(m, rng):
        m.update([(k, _int_value(k)) for k in _ints(rng, 10)] + [(1, "x")])

    def delete(m, rng):
        for k in _ints(rng, 10):
            m.pop(k, None)

    def remove(m, rng):
        del m[_ints(rng, 1)[0]]

    def popitem(m, rng):
        _check_int_items([m.popitem()], "popitem()")

    def bump(m, rng):
        k = _ints(rng, 1)[0]
        if k in m:
            m.increment(k, 1)
            m.increment(k, -1)

    def clear(m, rng):
        if rng.random() < 0.05:
            m.clear()

    def reads(m, rng):
        keys = _ints(rng, 20)
        for k in keys:
            v = m.get(k)
            if v is not None:
                _check_int_items([(k, v)], "get()")
        ks = np.array([k for k in keys if k < 2**63], dtype=np.int64)
        got = m.get_many(ks, 0)
        _check_int_items([(k, v) for k, v in zip(ks.tolist(), got.tolist()) if v != 0],
                         "get_many()")

    def iterate(m, rng):
        _check_int_items(m.items(), "items()")

    def copies(m, rng):
        _check_int_items(m.copy().items(), "copy()")
        _check_int_items(pickle.loads(pickle.dumps(m)).items(), "pickle")
        _check_int_items(lowram.IntMap.from_bytes(m.to_bytes()).items(), "to_bytes()")
        _ = (len(m), m.nbytes, sys.getsizeof(m), repr(m), m.most_common(3))

    ops = {
        "m[k] = v": (put, ()), "update(dict)": (update, ()), "update(generator)": (update_gen, ()),
        "update(arrays)": (update_np, ()), "update(bad item)": (update_bad, (TypeError,)),
        "pop": (delete, ()), "del": (remove, (KeyError,)), "popitem": (popitem, (KeyError,)),
        "increment": (bump, (KeyError,)), "clear": (clear, ()), "get/get_many": (reads, ()),
        "iterate": (iterate, (RuntimeError,)), "copy/pickle/bytes": (copies, (RuntimeError,)),
    }

    def verify(m):
        m._check()
        _check_int_items(m.items(), "the final map")
        if len(list(m)) != len(m):
            raise Torn("len() differs from the keys iterated")
    return Kind(lambda: lowram.IntMap({k: _int_value(k) for k in INT_KEYS[:100]}), ops, verify)


@_kind("MutableStringMap")
def _mutable_map():
    return _map_kind(_value)


@_kind("MutableStringMap/str values")
def _mutable_map_of_str():
    # values in the map's arena; counters and an occasional tuple widen it to objects, and a
    # clear lets the next value choose again: every layout change races the readers
    return _map_kind(_text_value, widen=True)


@_kind("StringCounter")
def _string_counter():
    counters = [f"c{i}" for i in range(50)]

    def check_item(k, v, what):
        if k in KEY_SET:
            if v != _value(k):
                raise Torn(f"{what} gave {k!r}: {v!r}, never stored (expected {_value(k)})")
        elif k in counters:   # only ever added to (subtract({k: 0}) inserts a 0)
            if type(v) is not int or v < 0:
                raise Torn(f"{what} gave counter {k!r}: {v!r}")
        else:
            raise Torn(f"{what} gave key {k!r}, never stored")

    def pick(rng, n):
        return [counters[rng.randrange(len(counters))] for _ in range(n)]

    def setitem(c, rng):
        k = _keys(rng, 1)[0]
        c[k] = _value(k)

    def add_in_place(c, rng):
        c[pick(rng, 1)[0]] += rng.randrange(1, 5)

    def update_list(c, rng):
        c.update(pick(rng, 40))

    def update_gen(c, rng):
        c.update(k for k in pick(rng, 40) if rng.random() < 0.99 or time.sleep(0))

    def update_mapping(c, rng):
        c.update({k: rng.randrange(1, 3) for k in pick(rng, 10)}, c0=1)

    def update_column(c, rng):
        import pyarrow as pa
        c.update(pa.chunked_array([pick(rng, 20), pick(rng, 20)]))

    def update_bad(c, rng):
        c.update(pick(rng, 10) + [5])

    def subtract_zero(c, rng):
        c.subtract({k: 0 for k in pick(rng, 5)})

    def delitem(c, rng):
        del c[_keys(rng, 1)[0]]

    def pop(c, rng):
        k = _keys(rng, 1)[0]
        v = c.pop(k, None)
        if v is not None:
            check_item(k, v, "pop()")

    def popitem(c, rng):
        check_item(*c.popitem(), "popitem()")

    def setdefault(c, rng):
        k = _keys(rng, 1)[0]
        check_item(k, c.setdefault(k, _value(k)), "setdefault()")

    def get(c, rng):
        for k in _keys(rng, 10) + pick(rng, 5):
            v = c.get(k)
            if v is not None:
                check_item(k, v, "get()")
            v = c[k]
            if v:
                check_item(k, v, "c[k]")

    def items(c, rng):
        for k, v in c.items():
            check_item(k, v, "items()")

    def ranked(c, rng):
        for k, v in c.most_common(rng.choice([None, 1, 5])):
            check_item(k, v, "most_common()")
        _ = c.total()

    def algebra(c, rng):
        other = lowram.StringCounter(pick(rng, 10))
        for result in (c + other, c | other, c & other, +c):
            for k, v in result.items():
                if k not in KEY_SET and k not in counters:
                    raise Torn(f"an operator gave key {k!r}")
        c += other

    def clear(c, rng):
        if rng.random() < 0.05:
            c.clear()

    def copies(c, rng):
        for k, v in c.copy().items():
            check_item(k, v, "copy()")
        for k, v in pickle.loads(pickle.dumps(c)).items():
            check_item(k, v, "pickle")
        for k, v in lowram.StringCounter.from_bytes(c.to_bytes()).items():
            check_item(k, v, "to_bytes()")
        _ = (c == dict(c.items()), len(c), c.nbytes, sys.getsizeof(c))

    ops = {
        "c[k] = v": (setitem, ()), "c[k] += n": (add_in_place, ()),
        "update(list)": (update_list, ()), "update(generator)": (update_gen, ()),
        "update(mapping)": (update_mapping, ()), "update(arrow)": (update_column, ()),
        "update(bad item)": (update_bad, (TypeError,)), "subtract": (subtract_zero, ()),
        "del c[k]": (delitem, ()), "pop": (pop, ()), "popitem": (popitem, (KeyError,)),
        "setdefault": (setdefault, ()), "get/c[k]": (get, ()),
        "items": (items, (RuntimeError,)), "most_common/total": (ranked, (RuntimeError,)),
        "+ | & +=": (algebra, (RuntimeError,)), "clear": (clear, ()),
        "copy/pickle/bytes": (copies, (RuntimeError,)),
    }

    def verify(c):
        for k, v in c.items():
            check_item(k, v, "the final counter")
        if len(list(c.keys())) != len(c):
            raise Torn("len() differs from the keys iterated")
    return Kind(lambda: lowram.StringCounter({k: _value(k) for k in KEYS[:100]}), ops, verify)


# ---------------------------------------------------------------- sketches

#: a small instance of each sketch kind (``lowram.sketches._base.KINDS``)
SKETCH_SAMPLES = {
    "HyperLogLog": lambda: lowram.HyperLogLog(10),
    "HyperLogLog/redis": lambda: lowram.HyperLogLog(14, hash="redis"),
    "LogLog": lambda: lowram.LogLog(10),
    "SuperLogLog": lambda: lowram.SuperLogLog(10),
    "KMinValues": lambda: lowram.KMinValues(64),
    "BloomFilter": lambda: lowram.BloomFilter(2000, 0.01),
    "ScalableBloomFilter": lambda: lowram.ScalableBloomFilter(100, 0.01),
    "CountMinSketch": lambda: lowram.CountMinSketch(200, 4),
    "MorrisCounter": lambda: lowram.MorrisCounter(),
}


class _Clears:
    """How many clears each container has begun and ended (an add checked between two
    equal even readings had no clear in its way)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._n: dict = {}

    def read(self, c) -> int:
        return self._n.get(id(c), 0)

    def bump(self, c) -> None:
        with self._lock:
            self._n[id(c)] = self._n.get(id(c), 0) + 1


def _sketch_kind(make):
    clears = _Clears()

    def read(s, check=True):
        for name in ("estimate", "total", "counter"):
            if hasattr(s, name):
                v = getattr(s, name)
                v = v() if callable(v) else v
                # (a saturated Bloom filter's estimate is inf)
                if not (isinstance(v, (int, float)) and not math.isnan(v) and v >= 0):
                    raise Torn(f"{name} gave {v!r}")
        if check:
            s._check()   # the sketch's own invariants (counts agree, hashes sorted, ...)

    def add_check(s, rng):
        # no false negative: an item just added is found (Bloom, Count-Min), or at least
        # the sketch is no longer empty, unless a clear ran meanwhile
        item = f"c{rng.randrange(10**9)}"
        before = clears.read(s)
        s.add(item)
        if isinstance(s, lowram.MorrisCounter):
            return   # (counts with a probability: nothing to check)
        found = (item in s) if hasattr(s, "contains_many") or hasattr(s, "count_many") \
            else bool(s)
        if not found and before == clears.read(s) and before % 2 == 0:
            raise Torn(f"{item!r} was added and is not in the sketch")

    def add(s, rng):
        s.add(f"x{rng.randrange(10**6)}")

    def update(s, rng):
        s.update([f"x{rng.randrange(10**6)}" for _ in range(200)])

    def update_np(s, rng):
        s.update(np.array([rng.randrange(10**9) for _ in range(500)], dtype=np.int64))

    def update_gen(s, rng):
        s.update(f"g{i}" for i in range(rng.randrange(100)) if i % 17 or time.sleep(0) is None)

    def update_arrow(s, rng):
        s.update(pa.array([f"x{rng.randrange(10**6)}" for _ in range(300)]))

    def query(s, rng):
        read(s, check=False)
        item = f"x{rng.randrange(10**6)}"
        if hasattr(s, "contains_many"):
            _ = item in s
            s.contains_many([item, "y"])
        if hasattr(s, "count_many"):
            if s.count(item) < 0:
                raise Torn("a negative count")
            s.count_many([item, "y"])

    def merge(s, rng):
        other = s.copy()
        other.update([f"m{rng.randrange(10**6)}" for _ in range(50)])
        s.merge(other)
        s |= other
        read(s | other)
        s.merge(s)

    def copies(s, rng):
        read(s.copy())
        read(pickle.loads(pickle.dumps(s)))
        read(type(s).from_bytes(s.to_bytes()))
        _ = (s == s.copy(), sys.getsizeof(s), s.nbytes_serialized)

    def clear(s, rng):
        if rng.random() < 0.02 and hasattr(s, "clear"):
            clears.bump(s)
            try:
                s.clear()
            finally:
                clears.bump(s)

    ops = {"add": (add, ()), "add, then find it": (add_check, ()),
           "update(list)": (update, ()), "update(ndarray)": (update_np, ()),
           "update(generator)": (update_gen, ()), "query": (query, ()),
           "merge/|": (merge, ()), "copy/pickle/bytes": (copies, ()), "clear": (clear, ())}
    if pa is not None:
        ops["update(arrow)"] = (update_arrow, ())
    return Kind(make, ops, read)


for _name, _make in SKETCH_SAMPLES.items():
    KINDS[_name] = _sketch_kind(_make)


# ---------------------------------------------------------------- the run


@dataclass
class Tally:
    ops: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    torn: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, bucket, op, exc):
        with self.lock:
            bucket.append(f"{op}: {type(exc).__name__}: {exc}"[:300])


def run(kind_name: str, seconds: float, threads: int = 8, round_s: float = 0.5,
        seed: int | None = None, grace: float = 60.0, only=None) -> dict:
    """Stress one kind (with only the ops named in ``only``, if given); return the
    summary (see the module docstring)."""
    kind = KINDS[kind_name]
    names = sorted(n for n in kind.ops if not only or n in only)
    holder = [kind.make()]
    stop = threading.Event()
    tally = Tally()
    base_seed = random.randrange(2**32) if seed is None else seed

    def worker(k):
        rng = random.Random(base_seed * 1000 + k)
        local, refused = Counter(), Counter()
        first = names[k::threads]   # between them, the threads run every op at least once
        while first or not stop.is_set():
            name = first.pop() if first else names[rng.randrange(len(names))]
            op, allowed = kind.ops[name]
            c = holder[0]
            try:
                op(c, rng)
            except Torn as exc:
                tally.fail(tally.torn, name, exc)
            except allowed:
                refused[name] += 1
            except Exception as exc:  # noqa: BLE001 - every other exception is a failure
                tally.fail(tally.errors, name, exc)
            local[name] += 1
        with tally.lock:
            tally.ops.update(local)
            tally.refused.update(refused)

    pool = [threading.Thread(target=worker, args=(k,), daemon=True, name=f"stress-{k}")
            for k in range(threads)]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)   # switch threads often: more interleavings per second
    start = time.perf_counter()
    try:
        for t in pool:
            t.start()
        while time.perf_counter() - start < seconds:
            time.sleep(min(round_s, max(0.0, seconds - (time.perf_counter() - start))))
            if time.perf_counter() - start < seconds:
                holder[0] = kind.make()
        stop.set()
        deadline = time.perf_counter() + grace
        for t in pool:
            t.join(max(0.0, deadline - time.perf_counter()))
    finally:
        sys.setswitchinterval(switch)
    hung = [t.name for t in pool if t.is_alive()]
    check = None
    if not hung and kind.verify is not None:
        try:
            kind.verify(holder[0])
        except Exception as exc:  # noqa: BLE001
            check = f"{type(exc).__name__}: {exc}"[:300]
    return {
        "kind": kind_name, "seconds": round(time.perf_counter() - start, 2),
        "threads": threads, "seed": base_seed, "python": sys.version.split()[0],
        "ops": sum(tally.ops.values()), "refused": sum(tally.refused.values()),
        "torn": len(tally.torn), "errors": len(tally.errors), "check": check, "hung": hung,
        "per_op": {n: [tally.ops[n], tally.refused[n]] for n in names},
        "examples": (tally.torn + tally.errors)[:10],
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kind", nargs="?", help="a name of KINDS (see --list)")
    ap.add_argument("--list", action="store_true", help="print the kinds and exit")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--round", type=float, default=0.5, dest="round_s",
                    help="seconds before the threads move to a fresh container")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--grace", type=float, default=60.0,
                    help="seconds a thread may take to finish its op after the stop")
    ap.add_argument("--ops", nargs="+", default=None, metavar="OP",
                    help="run only these ops of the kind (to narrow a failure down)")
    args = ap.parse_args(argv)
    if args.list:
        print("\n".join(KINDS))
        return 0
    if args.kind not in KINDS:
        ap.error(f"unknown kind {args.kind!r}; one of: {', '.join(KINDS)}")
    faulthandler.enable()
    summary = run(args.kind, args.seconds, args.threads, args.round_s, args.seed, args.grace,
                  args.ops)
    print(json.dumps(summary), flush=True)
    if summary["hung"]:
        faulthandler.dump_traceback(all_threads=True)
        os._exit(2)   # the hung threads cannot be joined
    return 1 if summary["torn"] or summary["errors"] or summary["check"] else 0


if __name__ == "__main__":
    sys.exit(main())
