"""StrList: exact round trips of every kind of string, bad input, pickling, memory."""

from __future__ import annotations

import pickle
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lowram import StrList

# every code point, lone surrogates included
ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=12)
TRICKY = ["", "\x00", "a\x00b", "\ud800", "\udfff", "x\udcffy", "\U0001F600",
          "\U0001F468\u200D\U0001F469\u200D\U0001F467", "e\u0301", "\u0915\u094D\u0937",
          "\uffff", "\U0010FFFF", "ß", "ﬁ"]


def test_tricky_strings_round_trip_exactly():
    s = StrList(TRICKY)
    assert s.tolist() == TRICKY and list(s) == TRICKY
    assert [s[i] for i in range(len(TRICKY))] == TRICKY
    assert pickle.loads(pickle.dumps(s)) == TRICKY
    for value in TRICKY:
        assert value in s and s.index(value) == TRICKY.index(value)
        assert s.count(value) == TRICKY.count(value)
    s._check()


@given(st.lists(ANY_TEXT, max_size=20))
def test_any_strings_round_trip(values):
    s = StrList(values)
    assert s.tolist() == values
    assert pickle.loads(pickle.dumps(s)).tolist() == values
    s._check()


def test_held_back_scripts_round_trip(script_words):
    for name, words in script_words.items():
        s = StrList(words)
        assert s.tolist() == words, name
        assert s[len(words) // 2] == words[len(words) // 2]
        for w in words[:: max(1, len(words) // 20)]:
            assert w in s and s.index(w) == words.index(w)
        s.sort()
        assert s.tolist() == sorted(words), name


def test_english_sample_sorted_order_and_lookup(english_sample):
    s = StrList(english_sample)
    assert s == english_sample
    assert english_sample[100] in s and "not-a-word-\u2603" not in s
    assert s[-1] == english_sample[-1]


@pytest.mark.parametrize("value", [1, b"x", None, 1.5, ["a"]])
def test_every_mutating_method_rejects_non_str_and_keeps_the_list(value):
    s = StrList(["a", "b", "c"])
    attempts = [
        lambda: s.append(value), lambda: s.extend(["d", value]), lambda: s.insert(1, value),
        lambda: s.__setitem__(0, value), lambda: s.__setitem__(slice(0, 2), ["x", value]),
        lambda: s.__setitem__(slice(None, None, 2), ["x", value]), lambda: s.__iadd__([value]),
        lambda: s + [value], lambda: StrList([value]),
    ]
    for attempt in attempts:
        with pytest.raises(TypeError, match="str"):
            attempt()
        assert s.tolist() == ["a", "b", "c"]
        s._check()


def test_bad_item_deep_in_a_long_extend_leaves_the_list_unchanged():
    s = StrList(["keep"])
    with pytest.raises(TypeError):
        s.extend(["w%d" % i for i in range(200_000)] + [7])
    assert s.tolist() == ["keep"] and len(s._data) == 4
    s._check()


def test_offsets_widen_with_the_text():
    s = StrList(["x" * 100])
    assert s._offsets.dtype == "int8"
    s.append("y" * 40_000)
    assert s._offsets.dtype == "int32" and s[-1] == "y" * 40_000 and s[0] == "x" * 100


def test_errors_match_list():
    s = StrList(["a"])
    with pytest.raises(IndexError):
        s[5]
    with pytest.raises(TypeError):
        s["0"]
    with pytest.raises(ValueError):
        s.index("zz")
    with pytest.raises(ValueError):
        s.remove(3)
    with pytest.raises(IndexError):
        StrList().pop()
    with pytest.raises(TypeError):
        hash(s)
    assert s != ("a",) and s == ["a"] and ["a"] == s and s < ["b"]
    assert repr(StrList(["a", "\x00"])) == "StrList(['a', '\\x00'])"


def test_sizeof_and_buffer_info_count_text_and_offsets():
    words = ["word%d" % i for i in range(10_000)]
    s = StrList(words)
    text = sum(len(w) for w in words)
    info = s.buffer_info()
    assert info.length == 10_000 and info.dtype == "utf-8"
    assert s.nbytes == text + 10_001 * 4
    assert sys.getsizeof(s) >= text + 10_001 * 4
    assert sys.getsizeof(s) < text + 10_001 * 4 + 500
    assert sys.getsizeof(s) < sys.getsizeof(words) / 2 + sum(map(sys.getsizeof, words)) / 4
