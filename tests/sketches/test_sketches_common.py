"""The interface every sketch shares: merging, operators, bytes, files, pickle, bad input.

One suite, rerun for every sketch class by parametrising the factory under test.
"""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

import lowram
from lowram import (BloomFilter, CountMinSketch, FormatError, HyperLogLog, KMinValues, LogLog,
                    MorrisCounter, ScalableBloomFilter, SuperLogLog)

# name -> (factory(seed), factory with one parameter changed, name of that parameter)
FACTORIES = {
    "hll": (lambda seed=0: HyperLogLog(10, seed=seed), lambda: HyperLogLog(11), "p"),
    "loglog": (lambda seed=0: LogLog(10, seed=seed), lambda: LogLog(9), "p"),
    "superloglog": (lambda seed=0: SuperLogLog(10, seed=seed), lambda: SuperLogLog(9), "p"),
    "kmv": (lambda seed=0: KMinValues(64, seed=seed), lambda: KMinValues(65), "k"),
    "bloom": (lambda seed=0: BloomFilter(500, 0.01, seed=seed),
              lambda: BloomFilter(501, 0.01), "size"),
    "scalable": (lambda seed=0: ScalableBloomFilter(100, 0.01, seed=seed),
                 lambda: ScalableBloomFilter(100, 0.02), "error_rate"),
    "cms": (lambda seed=0: CountMinSketch(200, 4, seed=seed),
            lambda: CountMinSketch(201, 4), "width"),
    "cms_depth": (lambda seed=0: CountMinSketch(200, 4, seed=seed),
                  lambda: CountMinSketch(200, 3), "depth"),
    "cms_conservative": (lambda seed=0: CountMinSketch(200, 4, seed=seed, conservative=True),
                         lambda: CountMinSketch(200, 5, conservative=True), "depth"),
    "morris": (lambda seed=0: MorrisCounter(2.0, seed=seed), lambda: MorrisCounter(1.5),
               "base"),
}
HASHED = [name for name in FACTORIES if name != "morris"]  # sketches keyed by a hash seed
EXACT_MERGE = ["hll", "loglog", "superloglog", "kmv", "bloom", "cms", "cms_depth"]

ITEMS = [f"w{i}" for i in range(400)] + list(range(300)) + [b"raw", "日本語"]


@pytest.fixture(params=list(FACTORIES))
def name(request):
    return request.param


def make(name, items=ITEMS, seed=0):
    sketch = FACTORIES[name][0](seed)
    sketch.update(items)
    return sketch


def test_public_names():
    for cls in (BloomFilter, CountMinSketch, HyperLogLog, KMinValues, LogLog, MorrisCounter,
                ScalableBloomFilter, SuperLogLog):
        assert cls.__name__ in lowram.__all__
        assert cls.__doc__ and ">>>" in cls.__doc__


def test_bytes_round_trip(name):
    sketch = make(name)
    blob = sketch.to_bytes()
    back = type(sketch).from_bytes(blob)
    assert back == sketch and back.to_bytes() == blob
    assert back.seed == sketch.seed
    back._check()
    assert sketch.nbytes_serialized == len(blob)


def test_pickle_keeps_seed_and_state(name):
    sketch = make(name, seed=12345)
    back = pickle.loads(pickle.dumps(sketch))
    assert back == sketch and back.seed == 12345
    assert len(pickle.dumps(sketch)) < len(sketch.to_bytes()) + 200


def test_save_and_load(name, tmp_path):
    sketch = make(name)
    path = tmp_path / "sketch.lowram"
    sketch.save(path)
    assert type(sketch).load(path) == sketch
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(FormatError):
        type(sketch).load(path)


def test_every_damage_rejected(name, assert_rejects_corruption):
    sketch = FACTORIES[name][0]()
    sketch.update(["a", "b", "c"])
    blob = sketch.to_bytes()
    step = max(1, len(blob) // 300)  # large bit arrays: every step-th byte flipped
    assert_rejects_corruption(blob, type(sketch).from_bytes, step=step)


def test_wrong_kind_rejected(name):
    other = KMinValues(8) if name != "kmv" else HyperLogLog(4)
    with pytest.raises(FormatError, match="not a"):
        type(make(name)).from_bytes(other.to_bytes())


def test_copy_is_independent(name):
    sketch = make(name, ITEMS[:50])
    dup = sketch.copy()
    assert dup == sketch
    dup.update(ITEMS[50:] * 3)
    if name != "morris":
        assert dup != sketch
    assert sketch == make(name, ITEMS[:50])


def test_merge_mismatch_names_parameter(name):
    sketch = make(name)
    before = sketch.to_bytes()
    with pytest.raises(ValueError, match=FACTORIES[name][2]):
        sketch.merge(FACTORIES[name][1]())
    with pytest.raises(ValueError, match=FACTORIES[name][2]):
        sketch | FACTORIES[name][1]()
    with pytest.raises(TypeError):
        sketch.merge(object())
    with pytest.raises(TypeError):
        sketch | 3
    assert sketch.to_bytes() == before


@pytest.mark.parametrize("name", HASHED)
def test_merge_seed_mismatch(name):
    a = make(name, seed=1)
    b = make(name, seed=2)
    with pytest.raises(ValueError, match="seed 1 != 2"):
        a.merge(b)
    good = FACTORIES[name][0](1)
    with pytest.raises(ValueError, match="seed"):
        a.merge(good, b)  # checked before any merge: a is unchanged
    assert a == make(name, seed=1)


def test_merge_mixed_types_rejected():
    with pytest.raises(TypeError, match="LogLog"):
        HyperLogLog(10).merge(LogLog(10))


@pytest.mark.parametrize("name", EXACT_MERGE)
def test_merge_of_halves_is_bit_identical(name):
    rng = np.random.default_rng(5)
    data = rng.integers(0, 2**62, 20_000)
    whole = make(name, data)
    a = make(name, data[:7_000])
    b = make(name, data[7_000:])
    assert (a | b).to_bytes() == whole.to_bytes()
    a |= b
    assert a == whole
    small = make(name, data[:100])  # merges also hold while HyperLogLog is still sparse
    c = make(name, data[:60])
    c.merge(make(name, data[60:100]))
    assert c.to_bytes() == small.to_bytes()


def test_merge_many_at_once(name):
    parts = [make(name, ITEMS[i::3]) for i in range(3)]
    first = parts[0].copy()
    first.merge(*parts[1:])
    first._check()
    if name in EXACT_MERGE:
        assert first == make(name, ITEMS)


_BUILD_HALF = """
import sys, numpy as np
from lowram import {cls}
s = {ctor}
s.update(np.random.default_rng(5).integers(0, 2**62, 20_000)[{part}])
sys.stdout.write(s.to_bytes().hex())
"""

CROSS = {
    "hll": ("HyperLogLog", "HyperLogLog(10, seed=9)"),
    "kmv": ("KMinValues", "KMinValues(64, seed=9)"),
    "bloom": ("BloomFilter", "BloomFilter(500, 0.01, seed=9)"),
    "cms": ("CountMinSketch", "CountMinSketch(200, 4, seed=9)"),
}


@pytest.mark.parametrize("name", list(CROSS))
def test_sketches_from_two_processes_merge(name):
    cls_name, ctor = CROSS[name]
    blobs = []
    for part, hashseed in (("::2", "1"), ("1::2", "2")):
        code = _BUILD_HALF.format(cls=cls_name, ctor=ctor, part=part)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env={"PYTHONHASHSEED": hashseed, "PATH": ""}).stdout
        blobs.append(bytes.fromhex(out))
    cls = getattr(lowram, cls_name)
    merged = cls.from_bytes(blobs[0]) | cls.from_bytes(blobs[1])
    whole = eval(ctor, {cls_name: cls})
    whole.update(np.random.default_rng(5).integers(0, 2**62, 20_000))
    assert merged == whole


@pytest.mark.parametrize("name", HASHED)
@pytest.mark.parametrize("bad", [[1.5], ["ok", None], [1, 2**64]])
def test_bad_items_leave_sketch_unchanged(name, bad):
    sketch = make(name, ITEMS[:20])
    before = sketch.to_bytes()
    with pytest.raises((TypeError, OverflowError), match="item"):
        sketch.update(bad)
    with pytest.raises((TypeError, OverflowError), match="item"):
        sketch.update(iter(bad))
    with pytest.raises((TypeError, OverflowError)):
        sketch.add(bad[-1])
    with pytest.raises(TypeError, match="single str"):
        sketch.update("abc")
    assert sketch.to_bytes() == before


@pytest.mark.parametrize("name", HASHED)
def test_batch_paths_agree(name):
    ints = list(range(-50, 500))
    by_list = make(name, ints)
    by_array = make(name, np.array(ints, dtype=np.int64))
    by_iter = make(name, iter(ints))
    one_by_one = FACTORIES[name][0]()
    for x in ints:
        one_by_one.add(x)
    assert by_list == by_array == by_iter == one_by_one


@pytest.mark.parametrize("name", HASHED)
def test_seed_changes_the_sketch(name):
    assert make(name, seed=1) != make(name, seed=2)
    with pytest.raises(OverflowError, match="seed"):
        FACTORIES[name][0](-1)


def test_sizeof_counts_buffers(name):
    from lowram.measure import deep_size

    sketch = make(name, range(5000))
    size = sys.getsizeof(sketch)
    assert size >= len(sketch.to_bytes()) - 64
    assert deep_size(sketch) == size


def test_clear(name):
    sketch = make(name)
    sketch.clear()
    assert sketch == FACTORIES[name][0]()


@pytest.mark.parametrize("bad", [1.5, None, 2**64, -(2**63) - 1])
@pytest.mark.parametrize("where", [0, 700, 2999])
def test_bloom_optimistic_update_rolls_back(bad, where):
    # a filter small beside the batch is updated without a checking pass and restored from a
    # copy when an item fails: the error names the item and the filter is as it was
    bf = lowram.BloomFilter(200, 0.01, seed=3)
    bf.update([f"w{i}" for i in range(50)] + [b"raw", 7, bytearray(b"x")])
    before = bf.to_bytes()
    batch = [f"t{i}" for i in range(3000)]
    batch[where] = bad
    assert bf._bits.words.nbytes <= 16 * len(batch)  # the optimistic path
    with pytest.raises((TypeError, OverflowError), match=f"item {where}"):
        bf.update(batch)
    assert bf.to_bytes() == before
    with pytest.raises((TypeError, OverflowError), match=f"item {where}"):
        bf.update(tuple(batch))
    assert bf.to_bytes() == before
    batch[where] = "fine"
    bf.update(batch)
    assert all(x in bf for x in batch)


def test_count_min_membership_and_no_sequence_iteration():
    cms = CountMinSketch(64, 3)
    cms.add("x", 2)
    assert "x" in cms and "never added" not in cms
    # __getitem__ takes any item: without __iter__ = None, iter() would fall back to the
    # sequence protocol and count cms[0], cms[1], ... forever
    with pytest.raises(TypeError):
        iter(cms)
    with pytest.raises(TypeError):
        list(cms)
