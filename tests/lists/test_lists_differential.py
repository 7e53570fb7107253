"""Differential tests: every typed list against ``list``, driven by one state machine.

The same :class:`ListMachine` runs once per class under test (the class and its item
strategy are swapped in by parametrisation); after every step the lowram list must equal the
``list`` model and pass its ``_check()`` invariants. A step that makes ``list`` raise must
make the lowram list raise the same exception type and leave it unchanged.
"""

from __future__ import annotations

import copy
import pickle

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from lowram import BitList, FloatList, IntList, StrList

INT64 = st.integers(-(2**63), 2**63 - 1)
INTS = st.one_of(st.integers(-128, 127), st.integers(-(2**15), 2**15), st.integers(-(2**31), 2**31),
                 INT64, st.booleans())
FLOATS = st.one_of(st.floats(allow_nan=False), st.integers(-(2**53), 2**53))
BITS = st.booleans()
STRS = st.one_of(st.text(max_size=8),
                 st.sampled_from(["", "\x00", "\ud800", "a\udfffb", "\U0001F600", "e\u0301",
                                  "ж", "中文"]))

CASES = {
    # class: (item strategy, bad items with the exception each raises, sort key)
    "IntList": (IntList, INTS, [(1.5, TypeError), ("3", TypeError), (None, TypeError),
                                (2**63, OverflowError), (-(2**63) - 1, OverflowError)], abs),
    "FloatList": (FloatList, FLOATS, [("3", TypeError), (None, TypeError), (1j, TypeError),
                                      (10**400, OverflowError)], abs),
    "BitList": (BitList, BITS, [(2, ValueError), (-1, ValueError), (1.0, TypeError),
                                ("1", TypeError), (None, TypeError)], lambda b: not b),
    "StrList": (StrList, STRS, [(1, TypeError), (b"x", TypeError), (None, TypeError)], len),
}

IDX = st.integers(-12, 12)
STEP = st.sampled_from([None, 1, 2, 3, -1, -2])


def run_machine(name):
    cls, items, bad, sort_key = CASES[name]

    class ListMachine(RuleBasedStateMachine):
        @initialize(values=st.lists(items, max_size=10))
        def start(self, values):
            self.model = list(values)
            self.subject = cls(values)

        def same(self, op):
            """Apply ``op`` to the model and the subject; same result or same exception."""
            try:
                expected = op(self.model)
            except Exception as exc:  # noqa: BLE001 - the model's exception type is the spec
                before = list(self.subject)
                with pytest.raises(type(exc)):
                    op(self.subject)
                assert list(self.subject) == before, "unchanged after a failed operation"
                return None
            got = op(self.subject)
            if isinstance(expected, list):
                assert type(got) is cls and list(got) == expected
            else:
                assert got == expected
            return got

        @invariant()
        def agrees(self):
            self.subject._check()
            assert len(self.subject) == len(self.model)
            assert list(self.subject) == self.model
            assert self.subject == self.model and self.model == self.subject

        @rule(v=items)
        def append(self, v):
            self.same(lambda x: x.append(v))

        @rule(vs=st.lists(items, max_size=6))
        def extend(self, vs):
            self.same(lambda x: x.extend(vs))

        @rule(i=IDX, v=items)
        def insert(self, i, v):
            self.same(lambda x: x.insert(i, v))

        @rule(i=IDX)
        def pop(self, i):
            self.same(lambda x: x.pop(i))

        @rule()
        def pop_last(self):
            self.same(lambda x: x.pop())

        @rule(v=items)
        def remove(self, v):
            self.same(lambda x: x.remove(v))

        @rule(i=IDX, v=items)
        def setitem(self, i, v):
            def op(x):
                x[i] = v
            self.same(op)

        @rule(i=IDX)
        def getitem(self, i):
            self.same(lambda x: x[i])

        @rule(a=st.none() | IDX, b=st.none() | IDX, step=STEP)
        def getslice(self, a, b, step):
            self.same(lambda x: x[a:b:step])

        @rule(a=st.none() | IDX, b=st.none() | IDX, step=STEP, vs=st.lists(items, max_size=6))
        def setslice(self, a, b, step, vs):
            def op(x):
                x[a:b:step] = vs
            self.same(op)

        @rule(a=st.none() | IDX, b=st.none() | IDX, step=STEP)
        def delslice(self, a, b, step):
            def op(x):
                del x[a:b:step]
            self.same(op)

        @rule(i=IDX)
        def delitem(self, i):
            def op(x):
                del x[i]
            self.same(op)

        @rule(v=items, a=IDX, b=IDX)
        def index(self, v, a, b):
            self.same(lambda x: x.index(v, a, b))

        @rule(v=items)
        def count_and_contains(self, v):
            self.same(lambda x: x.count(v))
            self.same(lambda x: v in x)

        @rule()
        def reverse(self):
            self.same(lambda x: x.reverse())
            assert list(reversed(self.subject)) == list(reversed(self.model))

        @rule(rev=st.booleans(), keyed=st.booleans())
        def sort(self, rev, keyed):
            key = sort_key if keyed else None
            self.same(lambda x: x.sort(key=key, reverse=rev))

        @rule(vs=st.lists(items, max_size=5))
        def add_and_iadd(self, vs):
            assert list(self.subject + vs) == self.model + vs
            assert list(vs + self.subject) == vs + self.model
            self.model += vs
            self.subject += vs

        @precondition(lambda self: len(self.model) < 40)
        @rule(n=st.integers(-1, 3))
        def mul_and_imul(self, n):
            assert list(self.subject * n) == self.model * n
            assert list(n * self.subject) == n * self.model
            self.model *= n
            self.subject *= n

        @rule(vs=st.lists(items, max_size=6))
        def ordering(self, vs):
            other = cls(vs)
            for a, b in ((self.model, vs),):
                assert (self.subject < other) == (a < b) == (self.subject < vs)
                assert (self.subject <= other) == (a <= b)
                assert (self.subject > vs) == (a > b)
                assert (self.subject >= vs) == (a >= b)
                assert (self.subject == other) == (a == b)
                assert (self.subject != vs) == (a != b)

        @rule()
        def copies(self):
            for dup in (self.subject.copy(), copy.copy(self.subject),
                        copy.deepcopy(self.subject),
                        pickle.loads(pickle.dumps(self.subject))):
                assert type(dup) is cls and dup == self.subject
                dup._check()

        @rule(bad=st.sampled_from(bad), i=IDX)
        def bad_input(self, bad, i):
            value, error = bad
            before = list(self.subject)
            attempts = [
                lambda x: x.append(value),
                lambda x: x.extend(self.model[:3] + [value]),
                lambda x: x.insert(i, value),
                lambda x: x.__iadd__([value]),
                lambda x: x.__setitem__(slice(i, None), self.model[:2] + [value]),
            ]
            if self.model:
                attempts.append(lambda x: x.__setitem__(i % len(self.model), value))
            for attempt in attempts:
                with pytest.raises(error):
                    attempt(self.subject)
                assert list(self.subject) == before

        @precondition(lambda self: len(self.model) < 30)
        @rule()
        def clear(self):
            self.same(lambda x: x.clear())

        @rule()
        def shrink(self):
            self.subject.shrink_to_fit()
            info = self.subject.buffer_info()
            assert info.length == len(self.model)
            assert info.capacity >= info.length

    ListMachine.TestCase().runTest()


@pytest.mark.parametrize("name", sorted(CASES))
def test_behaves_like_list(name):
    run_machine(name)
