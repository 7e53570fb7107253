"""Every public class of ``lowram.__all__`` answers the basic protocols (``in``, ``iter``,
``len``, ``==``, ``hash``, ``bool``, ``repr``, pickle, copy) within a second, or refuses with
TypeError: none falls back on a default that never ends (such as the old sequence protocol
calling ``x[0]``, ``x[1]``, ... for ever)."""

from __future__ import annotations

import collections
import copy
import inspect
import pickle
import signal

import pytest

import lowram


def _samples():
    """One small instance of each public class, built the way a user would."""
    words = ["a", "b", "c"]
    made = {
        "BitList": lambda: lowram.BitList([1, 0, 1]),
        "IntList": lambda: lowram.IntList([1, 2, 3]),
        "IntSet": lambda: lowram.IntSet([1, 2, 3]),
        "IntMap": lambda: lowram.IntMap({1: 2, 3: 4}),
        "SortedIntSet": lambda: lowram.SortedIntSet([3, 1, 2]),
        "FloatList": lambda: lowram.FloatList([1.5, 2.0]),
        "StrList": lambda: lowram.StrList(words),
        "PackedIntArray": lambda: lowram.PackedIntArray.from_iterable([1, 2, 3]),
        "StringSet": lambda: lowram.StringSet(words),
        "StringMap": lambda: lowram.StringMap({"a": 1, "b": 2}),
        "MutableStringSet": lambda: lowram.MutableStringSet(words),
        "MutableStringMap": lambda: lowram.MutableStringMap({"a": 1}),
        "StringCounter": lambda: lowram.StringCounter(words),
        "BloomFilter": lambda: lowram.BloomFilter(100, 0.01),
        "ScalableBloomFilter": lambda: lowram.ScalableBloomFilter(100, 0.01),
        "CountMinSketch": lambda: lowram.CountMinSketch(64, 3),
        "HyperLogLog": lambda: lowram.HyperLogLog(8),
        "LogLog": lambda: lowram.LogLog(8),
        "SuperLogLog": lambda: lowram.SuperLogLog(8),
        "KMinValues": lambda: lowram.KMinValues(16),
        "MorrisCounter": lambda: lowram.MorrisCounter(),
    }
    out = {}
    for name, make in made.items():
        obj = make()
        if hasattr(obj, "update") and not isinstance(obj, (dict, lowram.MutableStringMap)):
            try:
                obj.update(words)
            except TypeError:
                pass
        out[name] = obj
    return out


SAMPLES = _samples()
CLASSES = sorted(name for name in lowram.__all__
                 if inspect.isclass(getattr(lowram, name))
                 and not issubclass(getattr(lowram, name), BaseException))

PROTOCOLS = {
    "in": lambda x: "a" in x,
    "iter": lambda x: [v for _, v in zip(range(10_000), iter(x))],
    "len": len,
    "==": lambda x: (x == x, x == object(), x != 5),
    "hash": hash,
    "bool": bool,
    "repr": repr,
    "pickle": lambda x: pickle.loads(pickle.dumps(x)),
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
}


def test_every_public_class_has_a_sample():
    assert sorted(SAMPLES) == CLASSES


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang()


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
@pytest.mark.parametrize("name", CLASSES)
def test_protocol_answers_in_time(name, protocol):
    obj = SAMPLES[name]
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    try:
        PROTOCOLS[protocol](obj)
    except TypeError:
        pass   # a stated refusal (unhashable, not iterable, ...)
    except _Hang:
        pytest.fail(f"{name}: {protocol} did not answer within a second")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ------------------------------------------------------------------- dir() parity

#: each public container and the builtin it replaces
BUILTIN_OF = {
    "IntList": list, "FloatList": list, "StrList": list, "BitList": list,
    "PackedIntArray": tuple, "StringSet": frozenset, "MutableStringSet": set, "IntSet": set,
    "IntMap": dict, "SortedIntSet": frozenset,
    "StringMap": dict, "MutableStringMap": dict, "StringCounter": collections.Counter,
}

#: what each leaves out of its builtin's dir() on purpose, and why
LEFT_OUT = {
    # a frozen array: no concatenation or repetition into a new packed array (pack again
    # from numpy); pickling goes through __reduce__
    "PackedIntArray": {"__add__", "__mul__", "__rmul__", "__getnewargs__"},
    # a frozen mapping: no method that changes it; dict.fromkeys builds a dict of None
    "StringMap": {"__delitem__", "__ior__", "__setitem__", "clear", "fromkeys", "pop",
                  "popitem", "setdefault", "update"},
    # a compiled class: no instance __dict__ (weak references work all the same), and
    # Counter's private helper
    "StringCounter": {"__dict__", "__module__", "__weakref__", "_keep_positive"},
}


#: what Python 3.13 records on every class written in Python (Counter is one): metadata of
#: the class statement, not API
CLASS_METADATA = {"__firstlineno__", "__static_attributes__"}


def test_every_container_has_its_builtins_names():
    from lowram.sketches._base import Sketch

    assert set(BUILTIN_OF) <= set(CLASSES)
    for name in set(CLASSES) - set(BUILTIN_OF):   # a new container names its builtin above
        assert issubclass(getattr(lowram, name), Sketch), f"{name} has no builtin listed"
    for name, builtin in BUILTIN_OF.items():
        cls = getattr(lowram, name)
        missing = set(dir(builtin)) - set(dir(cls)) - LEFT_OUT.get(name, set()) - CLASS_METADATA
        assert not missing, f"{name} lacks {sorted(missing)} of {builtin.__name__}"
        for left in LEFT_OUT.get(name, ()):
            assert left in dir(builtin), f"{name}: {left} is not a name of {builtin.__name__}"
        assert cls[str].__origin__ is cls   # __class_getitem__, as list[int]


@pytest.mark.parametrize("name", CLASSES)
def test_every_load_takes_mmap(name, tmp_path):
    """Every class that saves loads with ``mmap=True`` and ``mmap=False`` (a map where its
    format allows it, else a read), and both give back what was saved."""
    obj = SAMPLES[name]
    if not hasattr(obj, "save"):
        pytest.skip(f"{name} has no files")
    path = tmp_path / "x.lowram"
    obj.save(path)
    for mmap in (False, True):
        loaded = type(obj).load(path, mmap=mmap)
        assert type(loaded) is type(obj) and loaded.to_bytes() == obj.to_bytes(), mmap
