"""Sketches fed Arrow and pandas columns, against the same items as Python lists.

A column's strings are hashed from the Arrow buffers (``_native._text.hash_spans``) and its
integers from the number buffer (``_native._hash._column_hashes``), with no Python object
per item; ``HyperLogLog(hash="redis")`` makes each item as a Redis client sends it
(``sketches.redis_hll._column_items``). Either way the state must equal, byte for byte, that
of the sketch fed the Python list. A bad column (nulls, bad bytes, corrupt offsets) is
refused with ValueError; unless it is a stream, it is checked whole first, so the sketch is
unchanged.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")

from lowram.sketches import (BloomFilter, CountMinSketch, HyperLogLog,  # noqa: E402
                             KMinValues, LogLog, ScalableBloomFilter, SuperLogLog)

HAS_VIEW = hasattr(pa, "string_view")

#: name -> a new empty sketch (small parameters: the state is compared byte for byte)
SKETCHES = {
    "hll": lambda: HyperLogLog(10),
    "hll_seeded": lambda: HyperLogLog(12, seed=987654321),
    "redis_hll": lambda: HyperLogLog(14, hash="redis"),
    "loglog": lambda: LogLog(8),
    "superloglog": lambda: SuperLogLog(8, seed=3),
    "kmv": lambda: KMinValues(32),
    "bloom": lambda: BloomFilter(500, 0.01),
    "bloom_tiny": lambda: BloomFilter(4, 0.2, seed=11),
    "scalable_bloom": lambda: ScalableBloomFilter(16, 0.01),
    "cms": lambda: CountMinSketch(64, 3),
    "cms_conservative": lambda: CountMinSketch(64, 3, seed=5, conservative=True),
}
HASHED = [name for name in SKETCHES if name != "redis_hll"]   # through hash_chunks

INT_TYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]

# ------------------------------------------------------------------ data

EDGE_CHARS = ("\x00\x7f\x80\u07ff\u0800\uffff\U00010000\U0010ffff\u0400\u1060"
              "é😀中")
chars = st.one_of(st.characters(blacklist_categories=("Cs",)), st.sampled_from(EDGE_CHARS))
short_words = st.text(chars, max_size=8)
long_words = st.text(chars, min_size=1, max_size=5).map(lambda s: s * (301 // len(s) + 1))
words_pool = st.lists(st.one_of(short_words, short_words, long_words, st.just(""),
                                st.just("\x00")), max_size=12)
word_lists = words_pool.flatmap(
    lambda pool: st.lists(st.sampled_from(pool), max_size=60) if pool else st.just([]))


def _encoded(words):
    return [w.encode("utf-8") for w in words]


def _chunked(values, typ):
    n = len(values)
    cuts = sorted({0, n, n // 3, (2 * n) // 3})
    chunks = [pa.array(values[a:b], typ) for a, b in zip(cuts, cuts[1:])]
    chunks.insert(1, pa.array([], typ))
    return pa.chunked_array(chunks, typ)


def _sliced(values, typ, pad):
    return pa.array([pad] * 3 + list(values) + [pad] * 2, typ).slice(3, len(values))


TEXT_FORMS = {
    "array": lambda w: pa.array(w, pa.string()),
    "large_string": lambda w: pa.array(w, pa.large_string()),
    "binary": lambda w: pa.array(_encoded(w), pa.binary()),
    "large_binary": lambda w: pa.array(_encoded(w), pa.large_binary()),
    "dictionary": lambda w: pa.array(w, pa.string()).dictionary_encode(),
    "chunked": lambda w: _chunked(w, pa.string()),
    "sliced": lambda w: _sliced(w, pa.string(), "pad"),
    "table": lambda w: pa.table({"k": _chunked(w, pa.string())}),
    "record_batch": lambda w: pa.record_batch({"k": pa.array(w, pa.string())}),
    "pandas_pyarrow": lambda w: pd.Series(w, dtype="string[pyarrow]"),
    "pandas_object": lambda w: pd.Series(w, dtype=object),
    "pandas_arrowdtype": lambda w: pd.Series(w, dtype=pd.ArrowDtype(pa.string())),
    "pandas_str": lambda w: pd.Series(w, dtype="str"),   # pandas 3's default for strings
    "pandas_index": lambda w: pd.Index(w, dtype="string[pyarrow]"),
}
if HAS_VIEW:
    TEXT_FORMS["string_view"] = lambda w: pa.array(w, pa.string_view())

INT_FORMS = {
    "array": lambda v, t: pa.array(v, getattr(pa, t)()),
    "chunked": lambda v, t: _chunked(v, getattr(pa, t)()),
    "sliced": lambda v, t: _sliced(v, getattr(pa, t)(), 1),
    "table": lambda v, t: pa.table({"k": _chunked(v, getattr(pa, t)())}),
    "record_batch": lambda v, t: pa.record_batch({"k": pa.array(v, getattr(pa, t)())}),
    "pandas_numpy": lambda v, t: pd.Series(np.array(v, dtype=t)),
    "pandas_nullable": lambda v, t: pd.Series(v, dtype=t.capitalize().replace("Ui", "UI")),
    "pandas_arrowdtype": lambda v, t: pd.Series(v, dtype=pd.ArrowDtype(getattr(pa, t)())),
}


def state(sketch):
    return sketch.to_bytes()


def fed(name, items, prefill=()):
    sketch = SKETCHES[name]()
    if prefill:
        sketch.update(list(prefill))
    sketch.update(items)
    return sketch


# ------------------------------------------------------------------ differential

@given(words=word_lists, form=st.sampled_from(sorted(TEXT_FORMS)),
       prefill=st.lists(short_words, max_size=5))
@settings(max_examples=100)
def test_string_column_gives_the_state_of_the_list(words, form, prefill):
    col = TEXT_FORMS[form](words)
    for name in SKETCHES:
        assert state(fed(name, col, prefill)) == state(fed(name, words, prefill)), name


@given(data=st.data(), form=st.sampled_from(sorted(INT_FORMS)),
       typ=st.sampled_from(INT_TYPES))
@settings(max_examples=100)
def test_int_column_gives_the_state_of_the_list(data, form, typ):
    info = np.iinfo(np.dtype(typ))
    edges = st.sampled_from([int(info.min), int(info.max), 0, 1, -1 if info.min else 2])
    values = data.draw(st.lists(st.one_of(st.integers(int(info.min), int(info.max)), edges),
                                max_size=50))
    col = INT_FORMS[form](values, typ)
    for name in SKETCHES:
        assert state(fed(name, col)) == state(fed(name, values)), (name, typ)


def test_uint64_above_2_63_and_negative_ints():
    big = [2 ** 63, 2 ** 63 + 1, 2 ** 64 - 1, 0]
    neg = [-1, -128, 127, -(2 ** 63), 2 ** 63 - 1]
    for name in SKETCHES:
        assert state(fed(name, pa.array(big, pa.uint64()))) == state(fed(name, big))
        assert state(fed(name, np.array(big, np.uint64))) == state(fed(name, big))
        for typ in ("int8", "int64"):
            info = np.iinfo(np.dtype(typ))
            vals = [v for v in neg if info.min <= v <= info.max]
            assert state(fed(name, pa.array(vals, getattr(pa, typ)()))) == state(fed(name, vals))
    # an int hashes as its 8-byte value, so int8 -1 and int64 -1 and uint64 2**64-1 agree
    # with each other for lowram's hash (not for Redis, which hashes the decimal digits)
    a = fed("hll", pa.array([-1], pa.int8()))
    assert state(a) == state(fed("hll", pa.array([2 ** 64 - 1], pa.uint64())))
    r = fed("redis_hll", pa.array([-1], pa.int8()))
    assert state(r) != state(fed("redis_hll", pa.array([2 ** 64 - 1], pa.uint64())))
    assert state(r) == state(fed("redis_hll", [-1]))


def test_columns_longer_than_a_hash_chunk():
    # 70,000 rows: several blocks of 16,384 hashes and of Redis' 65,536 items
    words = [f"w{i % 40_000}é" for i in range(70_000)]
    ints = list(range(-35_000, 35_000))
    for name in SKETCHES:
        want = state(fed(name, words))
        assert state(fed(name, pa.array(words))) == want, name
        assert state(fed(name, _chunked(words, pa.large_string()))) == want, name
        assert state(fed(name, pa.array(ints))) == state(fed(name, ints)), name


def test_queries_take_columns_too():
    words = ["a", "b", "é", "", "zz" * 200]
    probes = ["a", "nope", "é", "", "zz" * 200, "x"]
    bf = BloomFilter(100, 0.01)
    bf.update(pa.array(words))
    assert bf.contains_many(pa.array(probes)).tolist() == bf.contains_many(probes).tolist()
    assert bf.contains_many(pa.array([1, 2])).tolist() == bf.contains_many([1, 2]).tolist()
    sbf = ScalableBloomFilter(4, 0.01)
    sbf.update(pa.chunked_array([words[:2], words[2:]]))
    assert sbf.contains_many(pa.array(probes)).tolist() == sbf.contains_many(probes).tolist()
    cms = CountMinSketch(64, 3)
    cms.update(pa.array(words + words[:2]))
    assert cms.count_many(pa.array(probes)).tolist() == cms.count_many(probes).tolist()
    assert cms.count("a") == 2 and len(bf.contains_many(pa.chunked_array([], pa.string()))) == 0


@pytest.mark.parametrize("name", sorted(SKETCHES))
def test_empty_columns_change_nothing(name):
    for col in (pa.array([], pa.string()), pa.chunked_array([], pa.string()),
                pa.chunked_array([], pa.int64()), pa.array([], pa.uint64()),
                pa.table({"k": pa.array([], pa.string())}), pd.Series([], dtype="int64"),
                pd.Series([], dtype="string[pyarrow]")):
        sketch = fed(name, ["seed"])
        before = state(sketch)
        sketch.update(col)
        assert state(sketch) == before


# ------------------------------------------------------------------ bad input

def _bad_offsets_array(offsets, data, typ=None):
    typ = typ or pa.string()
    dtype = np.int64 if typ == pa.large_string() else np.int32
    offs = np.asarray(offsets, dtype)
    return pa.Array.from_buffers(typ, len(offs) - 1,
                                 [None, pa.py_buffer(offs.tobytes()), pa.py_buffer(data)])


# more than one chunk of hashes (16,384) and of Redis items (65,536) before the bad row
GOOD = [f"g{i}" for i in range(70_000)]

#: name -> (the chunked column, its good items, the ValueError's text)
BAD_COLUMNS = {
    "text_null": (lambda: pa.chunked_array([GOOD[:20_000], GOOD[20_000:], ["x", None]]),
                  r"has 1 in a chunk \(first at row 70001\)"),
    "not_utf8": (lambda: pa.chunked_array([_encoded(GOOD), [b"ok", b"\xff"]], pa.binary()),
                 r"row 70001 is not UTF-8"),
    "surrogate_bytes": (lambda: pa.chunked_array([_encoded(GOOD), [b"\xed\xb0\x80"]],
                                                 pa.binary()), r"row 70000 is not UTF-8"),
    "corrupt_offsets": (lambda: pa.chunked_array([pa.array(GOOD),
                                                  _bad_offsets_array([0, 2, 1], b"abc")]),
                        r"corrupt string column: row 70001"),
    "bad_utf8_in_string": (lambda: pa.chunked_array([pa.array(GOOD),
                                                     _bad_offsets_array([0, 1, 2], b"a\x80")]),
                           r"row 70001 is not UTF-8"),
    "large_corrupt": (lambda: pa.chunked_array([pa.array(GOOD, pa.large_string()),
                                                _bad_offsets_array([0, 3, 1], b"abc",
                                                                   pa.large_string())]),
                      r"corrupt string column: row 70001"),
    "int_null": (lambda: pa.chunked_array([list(range(70_000)), [1, None, 3]]),
                 r"has 1 in a chunk \(first at row 70001\)"),
    "uint64_null": (lambda: pa.chunked_array([[2 ** 64 - 1] * 70_000, [None]], pa.uint64()),
                    r"first at row 70000"),
}


@pytest.mark.parametrize("bad", sorted(BAD_COLUMNS))
@pytest.mark.parametrize("name", sorted(SKETCHES))
def test_bad_last_chunk_leaves_every_sketch_unchanged(name, bad):
    make, match = BAD_COLUMNS[bad]
    sketch = fed(name, ["seed", "other", 5])
    before = state(sketch)
    with pytest.raises(ValueError, match=match):
        sketch.update(make())
    assert state(sketch) == before
    sketch.update(["after"])   # still usable
    assert state(sketch) != before


def test_bad_columns_are_refused_by_queries_too():
    bf, cms = BloomFilter(100, 0.01), CountMinSketch(64, 3)
    for make, match in BAD_COLUMNS.values():
        with pytest.raises(ValueError, match=match):
            bf.contains_many(make())
        with pytest.raises(ValueError, match=match):
            cms.count_many(make())


def test_null_messages():
    with pytest.raises(ValueError, match=r"has 2 in a chunk \(first at row 1\).*drop_null"):
        HyperLogLog(8).update(pa.array(["a", None, None]))
    with pytest.raises(ValueError, match=r"first at row 1"):
        HyperLogLog(8).update(pd.Series([1, None], dtype="Int64"))
    with pytest.raises(ValueError, match=r"first at row 2"):
        HyperLogLog(14, hash="redis").update(pd.Series(["a", "b", None], dtype=object))
    with pytest.raises(ValueError, match="RedisHyperLogLog"):
        HyperLogLog(14, hash="redis").update(pa.array([b"\xff"], pa.binary()))


# ------------------------------------------------------------------ streams

def _reader(*batches):
    return pa.RecordBatchReader.from_batches(batches[0].schema, list(batches))


def test_a_record_batch_reader_is_read():
    t = pa.table({"k": ["a", "b", "c"]})
    sketch = HyperLogLog(10)
    sketch.update(_reader(*t.to_batches(max_chunksize=1)))
    assert state(sketch) == state(fed("hll", ["a", "b", "c"]))


@pytest.mark.parametrize("name", sorted(SKETCHES))
def test_good_streams_equal_their_items(name):
    words = [f"s{i}" for i in range(5000)] + ["", "é" * 301]
    t = pa.table({"k": words})
    assert state(fed(name, _reader(*t.to_batches(max_chunksize=999)))) == state(fed(name, words))
    ints = pa.table({"k": pa.array(range(-100, 3000), pa.int16())})
    assert state(fed(name, _reader(*ints.to_batches(max_chunksize=700)))) == \
        state(fed(name, list(range(-100, 3000))))
    two = pa.table({"a": ["x"], "b": ["y"]})
    with pytest.raises(TypeError, match="one column"):
        fed(name, _reader(*two.to_batches()))
    nothing = pa.RecordBatchReader.from_batches(pa.schema([("k", pa.string())]), [])
    assert state(fed(name, nothing)) == state(SKETCHES[name]())


@pytest.mark.parametrize("bad", ["null", "not_utf8", "int_null"])
@pytest.mark.parametrize("name", sorted(SKETCHES))
def test_stream_with_a_bad_later_batch(name, bad):
    """What ``lowram._arrow.is_stream`` documents: a stream is checked batch by batch, so a
    bad batch is found only once the batches before it were used. The sketches that hash
    through ``hash_chunks`` keep what the good batches added (they have no undo log); the
    Redis HyperLogLog hashes every item before it sets a register, so it stays unchanged.
    Either way the error names the bad row, counted across batches."""
    good = [f"g{i}" for i in range(70_000)]   # more than one chunk of each kind
    if bad == "null":
        batches = [pa.record_batch({"k": good}), pa.record_batch({"k": ["x", None]})]
    elif bad == "not_utf8":
        batches = [pa.record_batch({"k": pa.array(_encoded(good), pa.binary())}),
                   pa.record_batch({"k": pa.array([b"x", b"\xc3"], pa.binary())})]
    else:
        good = list(range(70_000))
        batches = [pa.record_batch({"k": good}), pa.record_batch({"k": [1, None]})]
    sketch = fed(name, ["seed"])
    before = state(sketch)
    with pytest.raises(ValueError, match="row 70001"):
        sketch.update(_reader(*batches))
    if name == "redis_hll":
        assert state(sketch) == before
    else:
        assert state(sketch) == state(fed(name, good, prefill=["seed"]))
        assert state(sketch) != before


# ------------------------------------------------------------------ wrong types

@pytest.mark.parametrize("col", [
    pa.array([1.5, 2.0]), pa.array([1.5], pa.float32()), pa.array([1], pa.float16()),
    pa.chunked_array([[1.5], [2.5]]), pd.Series([1.5, 2.0]), pa.table({"k": [0.5]}),
    pa.array([True, False]), pd.Series([True, False]), pa.chunked_array([[True]]),
    pa.array([[1, 2]]), pa.array([{"a": 1}]), pa.scalar("a"),
], ids=lambda c: f"{type(c).__name__}")
@pytest.mark.parametrize("name", sorted(SKETCHES))
def test_columns_of_other_types_are_type_errors(name, col):
    sketch = fed(name, ["seed"])
    before = state(sketch)
    with pytest.raises(TypeError):
        sketch.update(col)
    assert state(sketch) == before


def test_type_error_messages():
    with pytest.raises(TypeError, match="strings or integers, not of floats"):
        HyperLogLog(8).update(pa.array([1.5]))
    with pytest.raises(TypeError, match="strings or integers, not of bools"):
        CountMinSketch(8, 2).update(pa.array([True]))
    with pytest.raises(TypeError, match="RedisHyperLogLog hashes columns of strings or "
                                        "integers, not of floats"):
        HyperLogLog(14, hash="redis").update(pd.Series([0.5]))
    with pytest.raises(TypeError, match="takes one column, and this Table has 2"):
        KMinValues(8).update(pa.table({"a": [1], "b": [2]}))
    with pytest.raises(TypeError, match="takes one column, and this RecordBatch has 2"):
        BloomFilter(8).update(pa.record_batch({"a": ["x"], "b": ["y"]}))


@pytest.mark.parametrize("name", sorted(SKETCHES))
def test_dictionary_encoded_int_column(name):
    values = [1, 2, 1, 300, -5, 300]
    col = pa.array(values).dictionary_encode()
    assert state(fed(name, col)) == state(fed(name, values))
    assert state(fed(name, pa.chunked_array([col.slice(0, 2), col.slice(2)]))) == \
        state(fed(name, values))
    with pytest.raises(ValueError, match="first at row 1"):
        fed(name, pa.array([1, None]).dictionary_encode())


@pytest.mark.parametrize("col", [pa.array([]), pd.Series([], dtype=object)],
                         ids=["pa.array([])", "empty object Series"])
def test_empty_null_typed_column_changes_nothing(col):
    sketch = HyperLogLog(8)
    sketch.update(col)
    assert state(sketch) == state(HyperLogLog(8))


def test_all_null_column_is_the_null_value_error():
    with pytest.raises(ValueError, match="holds no null"):
        HyperLogLog(8).update(pa.array([None, None]))


def test_a_full_stage_does_not_open_another_for_an_item_it_holds():
    # found by test_int_column_gives_the_state_of_the_list: 16 distinct ints fill the first
    # stage; a 0 that followed, one at a time or in a later chunk, opened a second stage
    vals = [0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6, 7, -7, 8] + [0] * 8
    batch = ScalableBloomFilter(16, 0.01)
    batch.update(vals)
    one = ScalableBloomFilter(16, 0.01)
    for v in vals:
        one.add(v)
    col = _chunked(vals, pa.int8())
    chunked = ScalableBloomFilter(16, 0.01)
    chunked.update(col)
    assert len(batch) == len(one) == len(chunked) == 16
    assert one.to_bytes() == batch.to_bytes() == chunked.to_bytes()
