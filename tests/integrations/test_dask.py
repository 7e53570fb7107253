"""lowram.dask: per-partition sketches on a real dask.distributed LocalCluster."""

import numpy as np
import pytest

from lowram import BloomFilter, CountMinSketch, HyperLogLog, KMinValues
from lowram import dask as ldask

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
import dask.array as da  # noqa: E402
import dask.bag as db  # noqa: E402

WORDS = [f"w{i % 3001}" for i in range(20_000)]


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _serial(sketch, items):
    sketch.update(items)
    return sketch


def test_bag_sketches_equal_the_serial_ones(client):
    bag = db.from_sequence(WORDS, npartitions=9)
    assert ldask.hyperloglog(bag, p=12, seed=3) == _serial(HyperLogLog(p=12, seed=3), WORDS)
    assert ldask.bloom_filter(bag, 5000, 0.01) == _serial(BloomFilter(5000, 0.01), WORDS)
    assert ldask.count_min(bag, 256, 4) == _serial(CountMinSketch(256, 4), WORDS)
    assert ldask.kmv(bag, 256) == _serial(KMinValues(256), WORDS)


def test_dataframe_column_and_array(client):
    pd = pytest.importorskip("pandas")
    ddf = pytest.importorskip("dask.dataframe")
    frame = ddf.from_pandas(pd.DataFrame({"word": WORDS}), npartitions=5)
    assert ldask.hyperloglog(frame["word"], p=12) == _serial(HyperLogLog(p=12), WORDS)
    ints = np.arange(100_000, dtype=np.int64) % 7777
    arr = da.from_array(ints, chunks=9_000)
    assert ldask.hyperloglog(arr, p=12) == _serial(HyperLogLog(p=12), ints)


def test_tree_reduction_depth_and_lazy_result(client):
    bag = db.from_sequence(WORDS, npartitions=40)
    lazy = ldask.hyperloglog(bag, p=10, split_every=3, compute=False)
    assert lazy.compute() == _serial(HyperLogLog(p=10), WORDS)


def test_bad_arguments():
    with pytest.raises(TypeError, match="dask collection"):
        ldask.hyperloglog(WORDS)
    with pytest.raises(ValueError, match="split_every"):
        ldask.hyperloglog(db.from_sequence(WORDS[:10]), split_every=1)


def test_int_sets_and_counts_per_partition(client):
    import collections
    import functools

    from lowram import IntMap, IntSet

    ints = np.random.default_rng(2).integers(-3000, 3000, 50_000)
    arr = da.from_array(ints, chunks=7_000)
    assert ldask.sketch(arr, IntSet) == set(ints.tolist())
    counts = ldask.sketch(arr, functools.partial(IntMap, counting=True))
    assert counts == collections.Counter(ints.tolist()) and counts.counting
