"""What keeps the lists whole under threads, tested one rule at a time and deterministically
(the mixed run of every op is tests/core/test_threads.py):

* an extend that fails undoes only its own items: if another hand (the iterable's code,
  another thread) changed the list meanwhile, what was appended stays, as with ``list``;
* a method that makes a new object first and reads the list's length after: on Python
  3.10/3.11 an allocation may run the garbage collector, and a finalizer may change the list
  (on 3.12+ the collector waits for the interpreter loop, and the case is a no-op);
* another thread waits for a sort, as for ``list.sort``, and sees the list before or after.

Cases that could crash run in a subprocess.
"""

from __future__ import annotations

import pickle
import threading

import pytest

from lowram import BitList, FloatList, IntList, StrList
from subprocess_runner import run_ok

LISTS = {"IntList": (IntList, [1, 2, 3], 1000), "FloatList": (FloatList, [1.5, 2.5], 7.25),
         "StrList": (StrList, ["a", "bc"], "zz"), "BitList": (BitList, [True], False)}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_failed_extend_alone_is_undone(name):
    cls, items, extra = LISTS[name]
    x = cls(items)

    def gen():
        yield extra
        yield extra
        raise KeyError("boom")
    with pytest.raises(KeyError):
        x.extend(gen())
    assert x.tolist() == list(items)


@pytest.mark.parametrize("name", ["IntList", "FloatList", "StrList"])
def test_failed_extend_keeps_another_hands_change(name):
    cls, items, extra = LISTS[name]
    x, model = cls(items), list(items)

    def gen(target):
        yield extra
        target.append(extra)   # another hand: the iterable's own code
        yield extra
        raise KeyError("boom")
    for subject in (x, model):
        with pytest.raises(KeyError):
            subject.extend(gen(subject))
    assert x.tolist() == model == list(items) + [extra] * 3


@pytest.mark.parametrize("name", ["IntList", "FloatList", "StrList"])
@pytest.mark.parametrize("op", ["copy", "tolist", "slice", "pickle", "repr"])
@pytest.mark.parametrize("change", ["grow", "clear"])
def test_a_finalizer_that_changes_the_list_during_an_allocation(name, op, change):
    out = run_ok(f"""
        import gc, pickle, sys
        from lowram import IntList, FloatList, StrList
        cls = {name}
        item = {LISTS[name][2]!r}
        x = cls([item] * 1000)
        before = x.tolist()

        class Finalizer:
            def __init__(self):
                self.me = self   # a cycle: only the collector frees it
            def __del__(self):
                if "{change}" == "grow":
                    x.extend([item] * 100_000)
                else:
                    x.clear()
        ops = {{"copy": lambda: x.copy(), "tolist": lambda: x.tolist(),
               "slice": lambda: x[::1], "pickle": lambda: pickle.loads(pickle.dumps(x)),
               "repr": lambda: eval(repr(x))}}
        ran = []
        gc.collect()
        Finalizer()
        gc.set_threshold(1)   # the next tracked allocation collects, running __del__
        got = ops["{op}"]()
        ran.append(len(x) != 1000)
        gc.set_threshold(700)
        if sys.version_info < (3, 12):   # the collection ran inside the op
            assert ran[0], "the finalizer did not run"
        got = list(got)
        after = x.tolist()
        # a consistent moment: the list as it was, or as the finalizer left it
        assert got == before or got == after, (len(got), len(before), len(after))
        assert all(v == item for v in got)
        print("ok")
    """)
    assert out == "ok"


@pytest.mark.parametrize("name", ["IntList", "FloatList", "StrList"])
def test_sort_is_one_step_for_other_threads(name):
    cls = LISTS[name][0]
    values = {"IntList": list(range(200_000, 0, -1)),
              "FloatList": [float(v) for v in range(200_000, 0, -1)],
              "StrList": [f"{v:07d}" for v in range(200_000, 0, -1)]}[name]
    x = cls(values)
    seen, stop = [], threading.Event()

    def watch():   # reads only: each read must be a whole list, sorted or not yet
        while not stop.is_set():
            seen.append(pickle.loads(pickle.dumps(x)).tolist())
    t = threading.Thread(target=watch)
    t.start()
    try:
        for _ in range(3):
            x.sort()
            x.sort(reverse=True)
    finally:
        stop.set()
        t.join()
    assert seen
    for snapshot in seen:
        assert snapshot == values or snapshot == sorted(values), "a half-sorted list was read"
