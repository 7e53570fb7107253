"""Sketch a Dask collection partition by partition and merge by tree reduction.

Optional: needs ``pip install 'lowram[dask]'``. A corpus too large for one machine is a
``dask.bag`` (or a ``dask.dataframe`` column, or a ``dask.array``) spread over a cluster;
each partition is sketched where it lives, only the small sketches travel, and they are merged
``split_every`` at a time. Because lowram's hash is stable across processes and machines,
the result equals the serial sketch exactly (HyperLogLog, BloomFilter, CountMinSketch; KMV).

    >>> import dask.bag as db                                  # doctest: +SKIP
    >>> hll = lowram.dask.hyperloglog(db.read_text("logs/*.gz"), p=14)   # doctest: +SKIP
"""

from __future__ import annotations

import functools

__all__ = ["bloom_filter", "count_min", "hyperloglog", "kmv", "sketch"]


def _sketch_partition(factory, partition):
    s = factory()
    if hasattr(partition, "to_numpy"):  # a pandas Series/Index partition
        partition = partition.to_numpy()
    s.update(partition)
    return s


def _merge(sketches):
    first, *rest = sketches
    out = first.copy()
    if rest:
        out.merge(*rest)
    return out


def _import_dask():
    try:
        import dask
    except ImportError:
        raise ImportError("lowram.dask needs dask: pip install 'lowram[dask]'") from None
    return dask


def sketch(collection, factory, *, split_every: int = 8, compute: bool = True):
    """Sketch every partition of ``collection`` with ``factory()`` and merge the results.

    ``collection`` is a ``dask.bag.Bag``, a ``dask.dataframe`` Series/column or a
    ``dask.array`` (1-d); ``factory`` makes an empty sketch and must pickle (a class or
    ``functools.partial``). Returns the merged sketch, or a ``dask.delayed`` of it with
    ``compute=False``. Runs on whatever scheduler is active (a ``distributed.Client`` too).
    """
    dask = _import_dask()
    if split_every < 2:
        raise ValueError(f"split_every must be at least 2, not {split_every}")
    if not hasattr(collection, "to_delayed"):
        raise TypeError(f"expected a dask collection (bag, dataframe column or array), not "
                        f"{type(collection).__name__}")
    parts = collection.to_delayed()
    if hasattr(parts, "ravel"):  # dask.array gives an ndarray of delayed blocks
        parts = list(parts.ravel())
    parts = list(parts)
    delayed = dask.delayed
    level = [delayed(_sketch_partition)(factory, p) for p in parts]
    if not level:
        level = [delayed(factory)()]
    while len(level) > 1:
        level = [delayed(_merge)(level[i:i + split_every])
                 for i in range(0, len(level), split_every)]
    result = delayed(_merge)(level)
    return result.compute() if compute else result


def hyperloglog(collection, p: int = 14, *, seed: int = 0, **kwargs):
    """A :class:`lowram.sketches.HyperLogLog` of ``collection`` (see :func:`sketch`)."""
    from .sketches import HyperLogLog

    return sketch(collection, functools.partial(HyperLogLog, p=p, seed=seed), **kwargs)


def bloom_filter(collection, capacity: int, error_rate: float = 0.01, *, seed: int = 0,
                 **kwargs):
    """A :class:`lowram.sketches.BloomFilter` of ``collection`` (see :func:`sketch`)."""
    from .sketches import BloomFilter

    return sketch(collection, functools.partial(BloomFilter, capacity, error_rate, seed=seed),
                  **kwargs)


def count_min(collection, width: int, depth: int, *, seed: int = 0, **kwargs):
    """A :class:`lowram.sketches.CountMinSketch` of ``collection`` (see :func:`sketch`)."""
    from .sketches import CountMinSketch

    return sketch(collection, functools.partial(CountMinSketch, width, depth, seed=seed),
                  **kwargs)


def kmv(collection, k: int = 1024, *, seed: int = 0, **kwargs):
    """A :class:`lowram.sketches.KMinValues` of ``collection`` (see :func:`sketch`)."""
    from .sketches import KMinValues

    return sketch(collection, functools.partial(KMinValues, k, seed=seed), **kwargs)
