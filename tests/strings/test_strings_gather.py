"""Keys gathered for a build (``strings/_gather.pyx``): sorted runs, spilled past a budget and
merged, give the same distinct sorted keys whatever the budget, the run size or the input's
form; an input already in order is not sorted; bad items are refused by name."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowram import StringSet
from lowram.strings._gather import Gather, KeyStream, collect, default_budget
from lowram.strings._sortedkeys import SortedKeys
from lowram.strings.backends._compact import CompactKeys


def utf8(s: str) -> bytes:
    return s.encode("utf-8", "surrogatepass")


def gathered(keys, budget=None, run_limit=None):
    g = Gather(budget, run_limit)
    g.add_keys(keys)
    return g, g.finish()


keys_st = st.lists(st.one_of(st.text(max_size=10), st.text("ab\x00é😀", max_size=20),
                             st.builds(lambda n, t: "p" * n + t, st.integers(0, 200),
                                       st.text("xyz", max_size=3))), max_size=300)


@given(keys_st, st.sampled_from([64, 200, 1000, None]))
@settings(max_examples=150, deadline=None)
def test_any_run_size_gives_the_distinct_sorted_keys(keys, run_limit):
    want = sorted({k for k in keys if k}, key=utf8)
    g, s = gathered(keys, budget=1, run_limit=run_limit)   # the smallest budget: spills
    assert list(s) == want and len(s) == len(want) and g.has_empty == ("" in keys)
    assert s.text_bytes == sum(len(utf8(k)) for k in want)
    assert s.longest == max((len(utf8(k)) for k in want), default=0)
    # the stream's bytes are the same however it was gathered
    assert bytes(s.buffer) == bytes(gathered(keys)[1].buffer)


def test_runs_past_the_budget_go_to_a_file_and_merge_back():
    rng = random.Random(3)
    keys = [f"user/{rng.randrange(10 ** 9):010d}/{rng.randrange(1000)}" for _ in range(200000)]
    keys += keys[:5000]   # repeats across runs
    g, s = gathered(keys, budget=1 << 20, run_limit=1 << 16)
    assert g.runs_made > 20 and g.spilled_bytes > 0 and g.peak_held <= g.budget
    mem_g, mem = gathered(keys)
    assert mem_g.spilled_bytes == 0 and mem_g.runs_made == 1
    assert bytes(s.buffer) == bytes(mem.buffer)
    assert list(s) == sorted(set(keys))
    # front-coded: keys that sort together share prefixes, so far fewer bytes than their text
    assert s.nbytes < 0.5 * s.text_bytes


def test_keys_in_order_are_not_sorted_again():
    keys = [f"k{i:08d}" for i in range(50000)]
    g, s = gathered(keys, run_limit=1 << 16)
    assert g.runs_made > 5 and g.runs_sorted == 0 and list(s) == keys
    g, s = gathered(keys[::-1], run_limit=1 << 16)
    assert g.runs_sorted == g.runs_made and list(s) == keys
    g, s = gathered(keys[:10] + keys[:10])   # a repeat is out of order: sorted, dropped
    assert g.runs_sorted == 1 and list(s) == keys[:10]


def test_every_input_form_gives_the_same_stream():
    words = ["pear", "apple", "", "pear", "é", "中文", "apple pie"]
    want = bytes(collect(words)[0].buffer)
    forms = [iter(words), tuple(words), np.array(words, dtype=object), np.array(words),
             pa.array(words), pa.chunked_array([words[:3], words[3:]]),
             pa.array(words, pa.large_string()), pd.Series(words, dtype="string[pyarrow]"),
             pd.Series(words)]
    for form in forms:
        s, has_empty = collect(form)
        assert bytes(s.buffer) == want and has_empty, type(form)


def test_bad_items_are_refused_by_name():
    with pytest.raises(TypeError, match="not int: 3"):
        collect(["a", 3])
    with pytest.raises(TypeError, match="not a single str"):
        collect("abc")
    with pytest.raises(ValueError, match="null"):
        collect(pa.array(["a", None]))
    g = Gather()
    g.finish()
    with pytest.raises(RuntimeError, match="called already"):
        g.finish()


def test_backends_build_from_the_stream():
    rng = random.Random(5)
    words = sorted({"".join(rng.choice("abcdeé") for _ in range(rng.randint(1, 12)))
                    for _ in range(5000)}, key=utf8)
    s, _ = collect(reversed(words))
    assert isinstance(s, KeyStream)
    assert CompactKeys.build(s).to_bytes() == CompactKeys.build(words).to_bytes()
    assert SortedKeys.build(s).to_bytes() == SortedKeys.build(words).to_bytes()
    for backend in ("compact", "sorted", "marisa", "dawg", "builtin"):
        assert list(StringSet(iter(words), backend=backend)) == words


def test_the_default_budget_is_a_share_of_the_machine():
    assert 64 << 20 <= default_budget()
    assert Gather(budget=10).budget == 1 << 20   # raised to the smallest budget


def test_string_set_takes_a_build_budget():
    rng = random.Random(8)
    keys = [f"k/{rng.randrange(10 ** 8)}" for _ in range(100000)]
    small = StringSet(keys, backend="compact", build_budget=1 << 20)
    assert small == StringSet(keys, backend="compact") and len(small) == len(set(keys))
    with pytest.raises(TypeError, match="must be an int"):
        StringSet(keys, build_budget="1G")
    with pytest.raises(ValueError, match="positive"):
        StringSet(keys, build_budget=0)


def test_the_builtin_backend_keeps_the_objects_given():
    words = [f"w{i}" for i in range(5000)] + [""]
    s = StringSet(iter(words), backend="builtin")
    ids = {id(w) for w in words}
    assert len(s) == 5001 and "" in s and all(id(k) in ids for k in s._backend.impl)
    with pytest.raises(TypeError, match="not bytes"):
        StringSet([b"a"], backend="builtin")
