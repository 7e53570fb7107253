"""Arrow and pandas input of the string structures, against the same data as Python lists.

StringSet(column) goes through ``_sortedkeys.collect_column`` (hash dedup in C, then the
distinct keys sorted); StringMap.from_arrow picks the last value of each key from the rows
collect_column returns; MutableStringSet/Map read the column in blocks from the buffers
(``lowram._arrow.text_blocks``) and code each key in C. Every path must give exactly what
the same strs as Python objects give, refuse nulls and bad bytes with ValueError naming the
row, and leave a container as it was when it refuses.
"""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")

from lowram.strings import (MutableStringMap, MutableStringSet, StringMap,  # noqa: E402
                            StringSet, backends)
from lowram.strings._gather import collect  # noqa: E402
from lowram.strings._sortedkeys import collect_column  # noqa: E402

BACKENDS = backends.names()
HAS_VIEW = hasattr(pa, "string_view")
INT64_MAX = 2 ** 63 - 1

# ------------------------------------------------------------------ data

# the edges of the HAT-trie key code's ranges (strings/hat/pykey.h) and of UTF-8's lengths
EDGE_CHARS = ("\x00\x01\x7f\x80\xff\u0100\u03ff\u0400\u045f\u0460\u07ff\u0800\u105f\u1060"
              "\ud7ff\ue000\uffff\U00010000\U0001f600\U000f105f\U000f1060\U0010ffff"
              "éїж中")
# no lone surrogates: an Arrow string is strict UTF-8 (pa.array refuses them)
chars = st.one_of(st.characters(blacklist_categories=("Cs",)), st.sampled_from(EDGE_CHARS))
short_words = st.text(chars, max_size=8)
long_words = st.text(chars, min_size=1, max_size=5).map(lambda s: s * (301 // len(s) + 1))
words_pool = st.lists(st.one_of(short_words, short_words, short_words, long_words,
                                st.just(""), st.just("\x00")), max_size=12)
# many duplicates: the words are drawn from a small pool
word_lists = words_pool.flatmap(
    lambda pool: st.lists(st.sampled_from(pool), max_size=60) if pool else st.just([]))


def _encoded(words):
    return [w.encode("utf-8") for w in words]


def _chunked(words, typ=None, parts=3):
    """words as a ChunkedArray of ``parts`` chunks, one of them empty when there is room."""
    typ = typ or pa.string()
    n = len(words)
    cuts = sorted({0, n, n // 3, n // 3, (2 * n) // 3}) if n else [0, 0]
    chunks = [pa.array(words[a:b], typ) for a, b in zip(cuts, cuts[1:])]
    chunks.insert(1, pa.array([], typ))   # a zero-length chunk in the middle
    return pa.chunked_array(chunks, typ)


def _sliced(words):
    """words as a slice of a longer array (its offsets do not start at 0)."""
    padded = ["pad-left"] * 3 + list(words) + ["pad-right"] * 2
    return pa.array(padded, pa.string()).slice(3, len(words))


#: name -> words -> a column holding exactly ``words``
FORMS = {
    "array": lambda w: pa.array(w, pa.string()),
    "large_string": lambda w: pa.array(w, pa.large_string()),
    "binary": lambda w: pa.array(_encoded(w), pa.binary()),
    "large_binary": lambda w: pa.array(_encoded(w), pa.large_binary()),
    "dictionary": lambda w: pa.array(w, pa.string()).dictionary_encode(),
    "chunked": _chunked,
    "chunked_large": lambda w: _chunked(w, pa.large_string()),
    "sliced": _sliced,
    "table": lambda w: pa.table({"k": _chunked(w)}),
    "record_batch": lambda w: pa.record_batch({"k": pa.array(w, pa.string())}),
    "pandas_pyarrow": lambda w: pd.Series(w, dtype="string[pyarrow]"),
    "pandas_object": lambda w: pd.Series(w, dtype=object),
    "pandas_arrowdtype": lambda w: pd.Series(w, dtype=pd.ArrowDtype(pa.string())),
    "pandas_str": lambda w: pd.Series(w, dtype="str"),   # pandas 3's default for strings
    "pandas_index": lambda w: pd.Index(w, dtype="string[pyarrow]"),
}
if HAS_VIEW:
    FORMS["string_view"] = lambda w: pa.array(w, pa.string_view())
    FORMS["binary_view"] = lambda w: pa.array(_encoded(w), pa.binary_view())
forms = st.sampled_from(sorted(FORMS))


def outcome(build):
    """What ``build()`` gives, or the type and message of the error it raises."""
    try:
        return ("ok", build())
    except (ValueError, TypeError) as exc:
        return ("error", type(exc), str(exc))


def set_state(s):
    return type(s).__name__, s.backend, len(s), list(s), "" in s


def mset_state(s):
    return len(s), list(s)


def map_state(m):
    return list(m.items())


def last_rows(words):
    last = {}
    for i, w in enumerate(words):
        last[w] = i
    return last


# ------------------------------------------------------------------ differential

@given(words=word_lists, form=forms)
@settings(max_examples=60)
def test_stringset_from_column_equals_from_list_on_every_backend(words, form):
    col = FORMS[form](words)
    for backend in BACKENDS + ["auto"]:
        got = outcome(lambda: set_state(StringSet(col, backend=backend)))
        want = outcome(lambda: set_state(StringSet(words, backend=backend)))
        assert got == want, backend
    s = StringSet(col)
    assert s == StringSet(words) == set(words)


def test_backends_that_refuse_nul_refuse_it_from_a_column_too():
    words = ["a", "\x00", "b\x00c"]
    col = pa.array(words)
    for backend in ("dawg", "datrie"):
        with pytest.raises(ValueError) as from_list:
            StringSet(words, backend=backend)
        with pytest.raises(ValueError) as from_col:
            StringSet(col, backend=backend)
        assert str(from_col.value) == str(from_list.value)


def test_auto_backend_picks_the_same_for_a_column():
    words = [f"word{i}" for i in range(2000)] + ["\U0001f600" * 3, ""]
    for col in (pa.array(words), _chunked(words), pd.Series(words, dtype="string[pyarrow]")):
        s = StringSet(col)
        assert s.backend == StringSet(words).backend == "dawg"   # the smallest here
        assert list(s) == sorted(set(words))


@given(words=word_lists, form=forms, seed=st.lists(short_words, max_size=6))
@settings(max_examples=60)
def test_mutable_set_from_column_equals_from_list(words, form, seed):
    col = FORMS[form](words)
    assert mset_state(MutableStringSet(col)) == mset_state(MutableStringSet(words))
    assert MutableStringSet(col) == set(words)
    a, b = MutableStringSet(seed), MutableStringSet(seed)
    assert a.add_many(col) == b.add_many(words)
    assert mset_state(a) == mset_state(b)
    assert a.add_many(col) == 0   # all there now


@given(words=word_lists, form=forms, seed=st.lists(short_words, max_size=6))
@settings(max_examples=60)
def test_mutable_map_counted_and_increment_equal_the_list_paths(words, form, seed):
    col = FORMS[form](words)
    counted = MutableStringMap.counted(col)
    assert dict(counted.items()) == Counter(words)
    assert map_state(counted) == map_state(MutableStringMap.counted(words))
    a = MutableStringMap({k: 7 for k in seed})
    b = MutableStringMap({k: 7 for k in seed})
    assert a.increment(col, by=3) == b.increment(words, by=3)
    assert map_state(a) == map_state(b)
    assert a.increment(col, by=-2) == b.increment(words, by=-2) == 0
    assert map_state(a) == map_state(b)


@given(words=word_lists, form=forms, data=st.data())
@settings(max_examples=60)
def test_stringmap_from_arrow_int_values_last_wins(words, form, data):
    typ = data.draw(st.sampled_from(["int8", "int16", "int32", "int64", "uint8", "uint16",
                                     "uint32", "uint64"]))
    info = np.iinfo(np.dtype(typ))
    values = data.draw(st.lists(st.integers(int(info.min), int(info.max)),
                                min_size=len(words), max_size=len(words)))
    keys = FORMS[form](words)
    vals = pa.array(values, getattr(pa, typ)())
    if data.draw(st.booleans()):   # values chunked differently from the keys
        vals = pa.chunked_array([vals.slice(0, len(values) // 2), vals.slice(len(values) // 2)])
    got = StringMap.from_arrow(keys, vals)
    want = StringMap(dict(zip(words, values)))
    assert got == want == dict(zip(words, values))
    assert list(got.items()) == list(want.items())
    assert got.value_kind == "int"
    assert all(type(v) is int for v in got.values())


@given(words=word_lists, data=st.data())
@settings(max_examples=40)
def test_stringmap_from_arrow_text_values_last_wins(words, data):
    # string columns give str values, binary columns bytes, as their to_pylist() does
    texts = data.draw(st.lists(short_words, min_size=len(words), max_size=len(words)))
    vform = data.draw(st.sampled_from(["array", "large_string", "binary", "chunked",
                                       "sliced", "dictionary"]))
    column = FORMS[vform](texts)
    got = StringMap.from_arrow(pa.array(words, pa.string()), column)
    want = dict(zip(words, column.to_pylist()))
    assert got == StringMap(want) == want
    assert [type(v) for v in got.values()] == [type(v) for v in StringMap(want).values()]
    assert got.value_kind == ("bytes" if vform == "binary" else "str")   # even when empty


@pytest.mark.parametrize("backend", BACKENDS)
def test_stringmap_from_arrow_on_every_backend(backend):
    words = ["b", "", "a", "b", "", "é", "z" * 400]
    values = [1, 2, 3, 4, 5, 6, 7]
    want = outcome(lambda: map_state(StringMap(dict(zip(words, values)), backend=backend)))
    got = outcome(lambda: map_state(StringMap.from_arrow(pa.array(words), pa.array(values),
                                                         backend=backend)))
    assert got == want
    assert got[1] == [("", 5), ("a", 3), ("b", 4), ("z" * 400, 7), ("é", 6)]


def test_stringmap_from_arrow_details():
    # duplicates and "" keep their last value
    m = StringMap.from_arrow(pa.array(["", "x", "", "x", "y"]), pa.array([1, 2, 3, 4, 5]))
    assert dict(m.items()) == {"": 3, "x": 4, "y": 5}
    # only "" keys
    assert dict(StringMap.from_arrow(pa.array(["", ""]), pa.array([1, -1])).items()) == {"": -1}
    assert dict(StringMap.from_arrow(pa.array([""]), pa.array(["v"])).items()) == {"": "v"}
    assert dict(StringMap.from_arrow(pa.array([""]), pa.array([b"v"])).items()) == {"": b"v"}
    # uint64 values above 2**63 stay exact; negative int8 values stay negative
    big = StringMap.from_arrow(pa.array(["a", "b"]), pa.array([2 ** 63, 2 ** 64 - 1], pa.uint64()))
    assert dict(big.items()) == {"a": 2 ** 63, "b": 2 ** 64 - 1}
    neg = StringMap.from_arrow(pa.array(["a", "b"]), pa.array([-128, 127], pa.int8()))
    assert dict(neg.items()) == {"a": -128, "b": 127}
    # empty columns
    assert len(StringMap.from_arrow(pa.array([], pa.string()), pa.array([], pa.int64()))) == 0
    assert len(StringMap.from_arrow(pa.array([], pa.string()), pa.array([], pa.string()))) == 0
    # sliced values, one-column tables/batches, pandas on both sides
    vals = pa.array(range(100)).slice(10, 3)
    assert dict(StringMap.from_arrow(pa.array(["a", "b", "a"]), vals).items()) == {"a": 12, "b": 11}
    m = StringMap.from_arrow(pa.table({"k": ["a", "b"]}), pa.record_batch({"v": [1, 2]}))
    assert dict(m.items()) == {"a": 1, "b": 2}
    m = StringMap.from_arrow(pd.Series(["a", "b", "a"], index=[9, 8, 7]), pd.Series([1, 2, 3]))
    assert dict(m.items()) == {"a": 3, "b": 2}
    # str values from a string column, bytes from a binary one
    m = StringMap.from_arrow(pa.array(["k", "j"]), pa.array(["é", "\x00"]))
    assert dict(m.items()) == {"k": "é", "j": "\x00"}
    m = StringMap.from_arrow(pa.array(["k", "j"]), pa.array(["é".encode(), b"\xff"]))
    assert dict(m.items()) == {"k": "é".encode(), "j": b"\xff"}


# ------------------------------------------------------------------ input forms

FORM_WORDS = ([f"w{i % 37}" + "é" * (i % 3) for i in range(150)]
              + ["", "x" * 400, "\x00", "\U0001f600", "中文"])


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_input_form_is_read_as_its_words(form):
    col = FORMS[form](FORM_WORDS)
    assert StringSet(col) == StringSet(FORM_WORDS)
    assert list(StringSet(col, backend="sorted")) == sorted(set(FORM_WORDS))
    assert mset_state(MutableStringSet(col)) == mset_state(MutableStringSet(FORM_WORDS))
    assert dict(MutableStringMap.counted(col).items()) == Counter(FORM_WORDS)
    m = StringMap.from_arrow(col, pa.array(range(len(FORM_WORDS))))
    assert m == dict(zip(FORM_WORDS, range(len(FORM_WORDS))))
    keys, has_empty, rows, empty_row = collect_column(col)
    last = last_rows(FORM_WORDS)
    assert list(keys) == sorted(set(FORM_WORDS) - {""})
    assert rows.tolist() == [last[k] for k in keys]
    assert has_empty and empty_row == last[""]


def test_slices_count_rows_from_the_slice_start():
    base = pa.array([f"k{i % 10}" for i in range(200)])
    for start, length in ((3, 50), (0, 0), (199, 1), (57, 143)):
        words = base.to_pylist()[start:start + length]
        col = base.slice(start, length)
        keys, _, rows, _ = collect_column(col)
        last = last_rows(words)
        assert rows.tolist() == [last[k] for k in keys]
        assert StringSet(col) == set(words)
        assert dict(MutableStringMap.counted(col).items()) == Counter(words)


def test_zero_chunk_and_empty_columns():
    for col in (pa.chunked_array([], pa.string()), pa.chunked_array([], pa.large_binary()),
                pa.array([], pa.string()), pa.array([], pa.string()).dictionary_encode(),
                pa.array([], pa.null()), pa.chunked_array([], pa.null()),
                pd.Series([], dtype="string[pyarrow]"), pd.Series([], dtype=object),
                pa.table({"k": pa.chunked_array([], pa.string())})):
        assert len(StringSet(col)) == 0
        assert len(MutableStringSet(col)) == 0
        assert MutableStringSet(["a"]).add_many(col) == 0
        assert len(MutableStringMap.counted(col)) == 0
        keys, has_empty, rows, empty_row = collect_column(col)
        assert len(keys) == 0 and not has_empty and rows.size == 0 and empty_row == -1


def test_pandas_series_with_several_arrow_chunks():
    chunked = _chunked(FORM_WORDS)
    series = pd.Series(pd.arrays.ArrowExtensionArray(chunked))
    assert StringSet(series) == set(FORM_WORDS)
    assert dict(MutableStringMap.counted(series).items()) == Counter(FORM_WORDS)
    sliced = pd.Series(FORM_WORDS, dtype="string[pyarrow]").iloc[3:50]
    assert StringSet(sliced) == set(FORM_WORDS[3:50])


def test_multi_column_table_and_batch_are_refused():
    for obj in (pa.table({"a": ["x"], "b": ["y"]}), pa.record_batch({"a": ["x"], "b": ["y"]})):
        for build in (StringSet, MutableStringSet, MutableStringMap.counted,
                      MutableStringSet(["k"]).add_many, MutableStringMap({"k": 1}).increment,
                      collect_column, lambda o: StringMap.from_arrow(o, pa.array([1]))):
            with pytest.raises(TypeError, match="one column"):
                build(obj)
    with pytest.raises(TypeError, match="no column"):
        StringSet(pa.table({}))


def test_collect_reads_columns_from_their_buffers():
    keys, has_empty = collect(pa.array(["b", "", "a", "b"]))
    assert list(keys) == ["a", "b"] and has_empty
    keys, has_empty = collect(pd.Series(["b", "a"], dtype="string[pyarrow]"))
    assert list(keys) == ["a", "b"] and not has_empty


# ------------------------------------------------------------------ bad input

def _bad_offsets_array(offsets, data, typ=None):
    """A string array whose offsets pyarrow's cheap validation lets through."""
    typ = typ or pa.string()
    dtype = np.int64 if typ in (pa.large_string(), pa.large_binary()) else np.int32
    offs = np.asarray(offsets, dtype)
    return pa.Array.from_buffers(typ, len(offs) - 1,
                                 [None, pa.py_buffer(offs.tobytes()), pa.py_buffer(data)])


#: name -> (a bad last chunk, the ValueError's text): the good chunks come before it
BAD_CHUNKS = {
    "null": (lambda: pa.array(["ok", None, "x", None]), r"has 2 in a chunk \(first at row 71\)"),
    "not_utf8": (lambda: pa.array([b"ok", b"\xff\xfe"], pa.binary()), r"row 71 is not UTF-8"),
    "surrogate": (lambda: pa.array([b"ok", b"\xed\xa0\x80"], pa.binary()), r"row 71 is not UTF-8"),
    "overlong": (lambda: pa.array([b"\xc0\xaf"], pa.binary()), r"row 70 is not UTF-8"),
    "truncated": (lambda: pa.array([b"ok", b"ab\xe4\xb8"], pa.binary()), r"row 71 is not UTF-8"),
    "decreasing_offsets": (lambda: _bad_offsets_array([0, 2, 1], b"abc"),
                           r"corrupt string column: row 71 spans bytes 2\.\.1"),
    "offsets_past_data": (lambda: _bad_offsets_array([0, 9, 3], b"abc"),
                          r"corrupt string column: row 70 spans bytes 0\.\.9"),
    "bad_utf8_in_string_array": (lambda: _bad_offsets_array([0, 1, 3], b"a\xff\xfe"),
                                 r"row 71 is not UTF-8"),
    "large_decreasing": (lambda: _bad_offsets_array([0, 2, 1], b"abc", pa.large_string()),
                         r"corrupt string column: row 71 spans bytes 2\.\.1"),
}
GOOD_ROWS = [f"new{i}" for i in range(70)]


def _bad_chunked(name):
    """70 good new keys, then the bad chunk (the good ones cast to its type)."""
    bad = BAD_CHUNKS[name][0]()
    good = pa.array(GOOD_ROWS, pa.string())
    if pa.types.is_binary(bad.type):
        good = pa.array(_encoded(GOOD_ROWS), pa.binary())
    elif bad.type != pa.string():
        good = good.cast(bad.type)
    return pa.chunked_array([good.slice(0, 30), good.slice(30), bad])


@pytest.mark.parametrize("name", sorted(BAD_CHUNKS))
def test_bad_last_chunk_refused_and_containers_unchanged(name):
    col = _bad_chunked(name)
    match = BAD_CHUNKS[name][1]
    seed = ["keep", "new5", "", "\U0001f600"]

    s = MutableStringSet(seed)
    before = mset_state(s)
    with pytest.raises(ValueError, match=match):
        s.add_many(col)
    assert mset_state(s) == before and not any(w in s for w in GOOD_ROWS if w != "new5")
    s.add("after")   # still usable
    assert "after" in s

    # "new5" at INT64_MAX: were the good chunks counted before the bad one is found, the
    # increment would stop on an OverflowError instead (the column is checked whole first)
    m = MutableStringMap({"keep": 1, "new5": INT64_MAX, "": -3})
    before = map_state(m)
    with pytest.raises(ValueError, match=match):
        m.increment(col)
    with pytest.raises(ValueError, match=match):
        m.increment(col, by=5)
    assert map_state(m) == before

    for build in (StringSet, MutableStringSet, MutableStringMap.counted, collect_column,
                  lambda c: StringSet(c, backend="marisa"),
                  lambda c: StringMap.from_arrow(c, pa.array(range(len(c))))):
        with pytest.raises(ValueError, match=match):
            build(col)


@pytest.mark.parametrize("name", sorted(BAD_CHUNKS))
def test_bad_values_column_refused(name):
    col = _bad_chunked(name)
    keys = pa.array([f"k{i}" for i in range(len(col))])
    if pa.types.is_binary(col.type) and name != "null":
        # bytes values need not be UTF-8: a binary values column is taken as it is
        m = StringMap.from_arrow(keys, col)
        assert [m[f"k{i}"] for i in range(len(col))] == col.to_pylist()
        return
    with pytest.raises(ValueError, match=BAD_CHUNKS[name][1]):
        StringMap.from_arrow(keys, col)


def test_null_messages_name_count_and_first_row():
    with pytest.raises(ValueError, match=r"has 1 in a chunk \(first at row 0\)"):
        StringSet(pa.array([None, "a"]))
    with pytest.raises(ValueError, match=r"has 3 in a chunk \(first at row 5\)"):
        MutableStringSet(pa.chunked_array([["a", "b", "c"], ["d", "e", None, None, None]]))
    with pytest.raises(ValueError, match="drop_null"):
        MutableStringMap.counted(pd.Series(["a", None], dtype="string[pyarrow]"))
    for series in (pd.Series(["a", None], dtype=object),
                   pd.Series(["a", float("nan")], dtype=object),
                   pd.Series(["a", pd.NA], dtype="string[python]")):
        with pytest.raises(ValueError, match=r"first at row 1"):
            StringSet(series)
    # a dictionary whose index is valid but points at a null dictionary value
    dict_null = pa.DictionaryArray.from_arrays(pa.array([0, 1, 0], pa.int32()),
                                               pa.array(["a", None]))
    with pytest.raises(ValueError, match=r"first at row 1"):
        StringSet(dict_null)
    # an all-null column of Arrow's null type
    with pytest.raises(ValueError, match=r"has 2 in a chunk"):
        MutableStringSet(pa.array([None, None]))
    with pytest.raises(ValueError, match=r"keys holds no null|StringMap holds no null"):
        StringMap.from_arrow(pa.array(["a", None]), pa.array([1, 2]))
    with pytest.raises(ValueError, match=r"StringMap values holds no null"):
        StringMap.from_arrow(pa.array(["a", "b"]), pa.array([1, None]))


def test_first_bad_row_of_many_is_named():
    words = [b"ok"] * 5 + [b"\x80"] + [b"ok"] * 5 + [b"\xff"]
    with pytest.raises(ValueError, match=r"row 5 is not UTF-8 \(b'\\x80'\)"):
        StringSet(pa.array(words, pa.binary()))
    # a sliced binary array: the row is counted from the slice
    with pytest.raises(ValueError, match=r"row 2 is not UTF-8"):
        StringSet(pa.array(words, pa.binary()).slice(3))
    # a long bad row is shown cut at 40 bytes
    with pytest.raises(ValueError) as info:
        StringSet(pa.array([b"x" * 100 + b"\xff"], pa.binary()))
    assert "x" * 41 not in str(info.value)


def test_corrupt_offsets_in_a_sliced_array():
    offs = np.array([0, 1, 3, 2], np.int32)
    arr = pa.Array.from_buffers(pa.string(), 2, [None, pa.py_buffer(offs.tobytes()),
                                                 pa.py_buffer(b"a\xc3\xa9")], offset=1)
    with pytest.raises(ValueError, match=r"row 1 spans bytes 3\.\.2"):
        StringSet(arr)
    with pytest.raises(ValueError, match="corrupt"):
        MutableStringMap.counted(arr)
    huge = _bad_offsets_array([0, 2 ** 62, 3], b"abc", pa.large_string())
    with pytest.raises(ValueError, match="corrupt"):
        MutableStringSet(huge)
    negative = _bad_offsets_array([0, -2 ** 31, 3], b"abc")
    with pytest.raises(ValueError, match="corrupt"):
        StringSet(negative)


def test_overflow_in_a_column_increment_rolls_back():
    # the columnar increment's undo log (the error is found while keys are being added)
    col = pa.chunked_array([["fresh", "b", "a"], ["other", "a", "later"]])
    m = MutableStringMap({"a": INT64_MAX - 1, "b": 10})
    before = map_state(m)
    with pytest.raises(OverflowError, match="does not fit in int64"):
        m.increment(col)
    assert map_state(m) == before
    # from an empty map (no undo log: the map is cleared)
    m = MutableStringMap()
    with pytest.raises(OverflowError):
        m.increment(pa.array(["x", "y", "x", "x"]), by=2 ** 62)
    assert len(m) == 0 and list(m.items()) == []
    m.increment(pa.array(["x"]))
    assert dict(m.items()) == {"x": 1}


# ------------------------------------------------------------------ streams

def _reader(*batches, schema=None):
    schema = schema or pa.schema([("k", pa.string())])
    return pa.RecordBatchReader.from_batches(schema, list(batches))


def _batch(words):
    return pa.record_batch([pa.array(words, pa.string())], names=["k"])


def test_a_record_batch_reader_is_read():
    words = ["b", "a", "b", "c"]
    assert StringSet(_reader(_batch(words[:2]), _batch(words[2:]))) == set(words)


def test_streams_equal_their_words():
    words = [f"s{i % 500}" for i in range(3000)] + ["", "é" * 301]
    batches = [_batch(words[i:i + 700]) for i in range(0, len(words), 700)]
    assert StringSet(_reader(*batches)) == StringSet(words)
    assert mset_state(MutableStringSet(_reader(*batches))) == mset_state(MutableStringSet(words))
    assert dict(MutableStringMap.counted(_reader(*batches)).items()) == Counter(words)
    keys, has_empty, rows, empty_row = collect_column(_reader(*batches))
    last = last_rows(words)
    assert rows.tolist() == [last[k] for k in keys] and empty_row == last[""]
    assert len(StringSet(_reader())) == 0
    with pytest.raises(TypeError, match="one column"):
        StringSet(_reader(schema=pa.schema([("a", pa.string()), ("b", pa.string())])))


@pytest.mark.parametrize("bad", [["x", None], [b"ok", b"\xff"]], ids=["null", "not_utf8"])
def test_stream_with_a_bad_later_batch_rolls_back_mutable_structures(bad):
    # the good batches are used before the bad one is read: the undo logs must remove them
    schema = pa.schema([("k", pa.binary() if isinstance(bad[0], bytes) else pa.string())])

    def stream():
        good = [f"new{i}" for i in range(70_000)]   # more than one block of 65,536 rows
        as_type = (lambda w: pa.array(w, schema.field(0).type))
        first = pa.record_batch([as_type(_encoded(good) if isinstance(bad[0], bytes) else good)],
                                schema=schema)
        last = pa.record_batch([pa.array(bad, schema.field(0).type)], schema=schema)
        return _reader(first, last, schema=schema)

    s = MutableStringSet(["keep", "new7", ""])
    before = mset_state(s)
    with pytest.raises(ValueError, match="row 70001"):
        s.add_many(stream())
    assert mset_state(s) == before and "new8" not in s

    with pytest.raises(ValueError, match="row 70001"):
        MutableStringSet(stream())   # nothing half-built is returned
    empty_set = MutableStringSet()   # no undo log: the set is cleared
    with pytest.raises(ValueError, match="row 70001"):
        empty_set.add_many(stream())
    assert len(empty_set) == 0 and list(empty_set) == []

    m = MutableStringMap({"keep": 1, "new7": 5})
    before = map_state(m)
    with pytest.raises(ValueError, match="row 70001"):
        m.increment(stream(), by=2)
    assert map_state(m) == before and "new8" not in m

    empty = MutableStringMap()
    with pytest.raises(ValueError):
        empty.increment(stream())
    assert len(empty) == 0

    with pytest.raises(ValueError):
        StringSet(stream())
    with pytest.raises(ValueError):
        MutableStringMap.counted(stream())


# ------------------------------------------------------------------ wrong types

@pytest.mark.parametrize("col", [
    pa.array([1, 2]), pa.array([1.5]), pa.array([True, False]),
    pa.array([1, 2]).dictionary_encode(), pa.chunked_array([[1], [2]]),
    pa.table({"k": [1, 2]}), pd.Series([1, 2]), pd.Series([True]),
    pa.array([[1, 2]]), pa.scalar("a"),
], ids=lambda c: type(c).__name__)
def test_a_column_that_is_not_text_is_a_type_error(col):
    def _rows(c):
        return len(c) if hasattr(c, "__len__") else 1

    for build in (StringSet, MutableStringSet, MutableStringMap.counted,
                  MutableStringSet(["k"]).add_many, MutableStringMap({"k": 1}).increment,
                  collect_column, lambda c: StringMap.from_arrow(c, pa.array([1] * _rows(c)))):
        with pytest.raises(TypeError, match="column of strings|as a column|no structure"):
            build(col)


def test_from_arrow_refusals():
    t = pa.table({"k": ["a"]})
    with pytest.raises(TypeError, match="stream as its keys"):
        StringMap.from_arrow(pa.RecordBatchReader.from_batches(t.schema, t.to_batches()),
                             pa.array([1]))
    with pytest.raises(TypeError, match="stream as its values"):
        StringMap.from_arrow(pa.array(["a"]),
                             pa.RecordBatchReader.from_batches(t.schema, t.to_batches()))
    with pytest.raises(ValueError, match="got 2 keys and 1 values"):
        StringMap.from_arrow(pa.array(["a", "b"]), pa.array([1]))
    with pytest.raises(ValueError, match="got 0 keys and 1 values"):
        StringMap.from_arrow(pa.chunked_array([], pa.string()), pa.array([1]))
    for values, want in ((pa.array([1.0]), 1.0), (pa.array([1.0], pa.float32()), 1.0),
                         (pd.Series([1.5]), 1.5), (pa.array([True]), True)):
        got = StringMap.from_arrow(pa.array(["a"]), values)["a"]   # taken since values of
        assert got == want and type(got) is type(want)            # any kind are
    with pytest.raises(TypeError):
        StringMap.from_arrow(pa.array([1]), pa.array([1]))
    with pytest.raises(TypeError):
        StringMap.from_arrow(pa.array(["a"]), pa.array([[1]]))


def test_from_arrow_binary_values_need_not_be_utf8():
    m = StringMap.from_arrow(pa.array(["a", "b"]), pa.array([b"\xff", b"\x00\x80"]))
    assert dict(m.items()) == {"a": b"\xff", "b": b"\x00\x80"}
    assert StringMap({"a": b"\xff"})["a"] == b"\xff"   # what the dict path holds


def test_mutable_set_update_takes_a_column():
    s = MutableStringSet(["a"])
    s.update(pa.array(["b", "c"]), ["d"])
    assert list(s) == ["a", "b", "c", "d"]


def test_mutable_set_update_with_a_bad_column_leaves_it_unchanged():
    # whatever update does with a column today, a refused one leaves the set as it was
    s = MutableStringSet(["a", "b"])
    with pytest.raises((TypeError, ValueError)):
        s.update(["c"], _bad_chunked("null"))
    assert list(s) == ["a", "b"]


def test_empty_array_with_an_empty_offsets_buffer():
    empty = pa.Array.from_buffers(pa.string(), 0, [None, pa.py_buffer(b""), pa.py_buffer(b"")])
    empty.validate(full=True)
    assert len(StringSet(empty)) == 0


def test_from_arrow_takes_an_empty_object_series():
    keys = pd.Series([], dtype=object)
    assert len(StringSet(keys)) == 0   # the set path accepts it
    assert len(StringMap.from_arrow(keys, pa.array([], pa.int64()))) == 0


# ------------------------------------------------------------------ collect_column

def test_collect_column_rows_are_the_last_rows():
    words = ["b", "", "a", "b", "", "c", "a", "é", "b"]
    keys, has_empty, rows, empty_row = collect_column(pa.array(words))
    assert list(keys) == ["a", "b", "c", "é"]
    assert rows.tolist() == [6, 8, 5, 7]
    assert has_empty and empty_row == 4
    assert rows.dtype == np.int64
    keys, has_empty, rows, empty_row = collect_column(pa.array(["x", "x"]))
    assert list(keys) == ["x"] and rows.tolist() == [1]
    assert not has_empty and empty_row == -1
    keys, has_empty, rows, empty_row = collect_column(pa.array(["", ""]))
    assert list(keys) == [] and rows.tolist() == [] and has_empty and empty_row == 1


@given(words=word_lists, form=forms)
@settings(max_examples=60)
def test_collect_column_matches_python(words, form):
    keys, has_empty, rows, empty_row = collect_column(FORMS[form](words))
    last = last_rows(words)
    assert list(keys) == sorted(set(words) - {""})
    assert rows.tolist() == [last[k] for k in keys]
    assert has_empty == ("" in last) and empty_row == last.get("", -1)


def test_collect_column_with_100k_distinct_keys():
    # 100,000 distinct keys: the hash table (2,048 slots at first) doubles seven times, the
    # key arrays (1,024) and the byte buffer (4 KB) grow many times, and the column spans
    # two blocks of 65,536 rows
    rng = random.Random(5)
    distinct = [f"key-{i}-{'é' * (i % 4)}{chr(0x4e00 + i % 500)}" for i in range(100_000)]
    words = distinct + rng.sample(distinct, 30_000)
    rng.shuffle(words)
    col = _chunked(words)
    keys, has_empty, rows, empty_row = collect_column(col)
    assert list(keys) == sorted(set(words))
    last = last_rows(words)
    assert rows.tolist() == [last[k] for k in keys]
    assert not has_empty and empty_row == -1
    assert StringSet(col, backend="sorted") == set(words)
    assert MutableStringSet(col) == set(words)
    assert dict(MutableStringMap.counted(col).items()) == Counter(words)
