"""Count-Min sketch: approximate counts of every item in ``width * depth`` counters.

Each of ``depth`` rows maps an item (by double hashing of its 64-bit XXH3-64 hash) to one of
``width`` uint32 counters; an item's count is the least of its ``depth`` counters. It never
under-counts; with ``width = ceil(e / eps)`` and ``depth = ceil(ln(1 / delta))`` it
over-counts by more than ``eps * N`` (N = total count) with probability at most ``delta``
(Cormode & Muthukrishnan, 2005). *Conservative update* raises only the counters that are
below the item's new estimate, which keeps every guarantee and lowers the over-count on
skewed data. Counters saturate at ``2**32 - 1``.
"""

from __future__ import annotations

import math
import struct

import numpy as np

from ._cms import CountMinTable
from .._arrow import hash_chunks
from .._native._hash import check_items
from ._base import Sketch, check_seed

__all__ = ["CountMinSketch"]

_HEADER = struct.Struct("<QBBQQ")  # width, depth, conservative, seed, total
_MAX = 2**32 - 1


class CountMinSketch(Sketch):
    """Approximate counts: ``count(x)`` is at least the true count, within ``eps * N`` w.p.
    ``1 - delta``.

    ``add``/``count``: O(depth); ``update``: O(n * depth) in C; memory ``4 * width * depth``
    bytes; ``merge`` adds the tables (exact for the standard update).

    >>> cms = CountMinSketch.from_error(0.001, 0.01)
    >>> cms.width, cms.depth
    (2719, 5)
    >>> cms.update(["a", "b", "a"]); cms.add("a", 2)
    >>> cms.count("a"), cms.count("b"), cms.total
    (4, 1, 5)
    """

    __slots__ = ("_table", "_seed")
    _KIND = "CountMinSketch"
    _PARAMS = ("width", "depth", "seed")

    def __init__(self, width: int, depth: int = 5, *, seed: int = 0,
                 conservative: bool = False):
        for name, value, top in (("width", width, 2**40), ("depth", depth, 64)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an int, not {type(value).__name__}")
            if not 1 <= value <= top:
                raise ValueError(f"{name} must be from 1 to {top}, not {value}")
        self._seed = check_seed(seed)
        self._table = CountMinTable(np.zeros((depth, width), dtype=np.uint32),
                                    bool(conservative))

    @classmethod
    def from_error(cls, eps: float, delta: float, *, seed: int = 0,
                   conservative: bool = False) -> "CountMinSketch":
        """A sketch over-counting by at most ``eps * N`` with probability ``1 - delta``:
        ``width = ceil(e / eps)``, ``depth = ceil(ln(1 / delta))``."""
        if not 0 < eps < 1 or not 0 < delta < 1:
            raise ValueError(f"eps and delta must be in (0, 1), not {eps}, {delta}")
        return cls(math.ceil(math.e / eps), math.ceil(math.log(1 / delta)), seed=seed,
                   conservative=conservative)

    # ------------------------------------------------------------ parameters
    @property
    def width(self) -> int:
        """Counters per row."""
        return self._table.width

    @property
    def depth(self) -> int:
        """Number of rows (hash functions)."""
        return self._table.depth


    @property
    def conservative(self) -> bool:
        """Whether updates are conservative."""
        return self._table.conservative

    @property
    def total(self) -> int:
        """N: the sum of all counts added (saturates at ``2**64 - 1``)."""
        return self._table.total

    @property
    def epsilon(self) -> float:
        """``e / width``: over-counts stay within ``epsilon * total`` w.p. ``1 - delta``."""
        return math.e / self.width

    @property
    def delta(self) -> float:
        """``exp(-depth)``: probability that an over-count exceeds ``epsilon * total``."""
        return math.exp(-self.depth)

    @property
    def error_bound(self) -> float:
        """``epsilon * total``: the over-count bound holding with probability ``1 - delta``."""
        return self.epsilon * self._table.total

    # ------------------------------------------------------------ updates and queries
    def add(self, item, count: int = 1) -> None:
        """Add ``count`` (a non-negative int) occurrences of ``item``. O(depth)."""
        if not isinstance(count, int) or isinstance(count, bool):
            raise TypeError(f"count must be an int, not {type(count).__name__}")
        if not 0 <= count <= _MAX:
            raise ValueError(f"count must be from 0 to {_MAX}, not {count}")
        self._table.add_item(item, self._seed, count)   # counters and total: one step

    def update(self, items) -> None:
        """Count each item of a list, iterable or numpy integer array once, in C.

        A bad item raises ``TypeError``/``OverflowError`` and leaves the sketch unchanged
        (an iterator that is not a list, tuple or array is hashed whole first: 8 bytes per
        item while it runs).
        """
        if type(items) is list or type(items) is tuple:
            check_items(items)  # all or nothing: every item hashable before any count
            self._table.add_objects(items, self._seed)
            return
        for chunk in hash_chunks(items, self._seed):
            self._table.add_hashes(chunk)

    def add_hashes(self, hashes) -> None:
        """Count precomputed 64-bit hashes once each (bring your own hash function)."""
        hashes = np.ascontiguousarray(hashes, dtype=np.uint64)
        self._table.add_hashes(hashes)

    def count(self, item) -> int:
        """Estimated count of ``item`` (never below the true count). O(depth)."""
        return self._table.count_item(item, self._seed)

    __getitem__ = count

    def __contains__(self, item) -> bool:
        """``item in cms``: its estimated count is above zero (no false negatives). O(depth).

        >>> cms = CountMinSketch(64, 3); cms.add("x")
        >>> "x" in cms, "never added" in cms
        (True, False)
        """
        return self.count(item) > 0

    # ``__getitem__`` takes any item, so without this Python would treat the sketch as a
    # sequence and ``iter(cms)`` would count cms[0], cms[1], ... forever
    __iter__ = None

    def count_many(self, items) -> np.ndarray:
        """Estimated counts of many items as a uint32 array, in C. O(n * depth).

        >>> cms = CountMinSketch(100, 4); cms.update(["a", "a", "b"])
        >>> cms.count_many(["a", "b", "c"]).tolist()
        [2, 1, 0]
        """
        parts = [self._table.count_hashes(c) for c in hash_chunks(items, self._seed)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)

    def clear(self) -> None:
        """Set every counter to zero."""
        self._table.clear()

    def _merge_one(self, other) -> None:
        self._table.merge_from(other._table)   # counters (saturating) and total: one step

    # ------------------------------------------------------------ memory and bytes
    def __sizeof__(self) -> int:
        return (object.__sizeof__(self) + object.__sizeof__(self._table)
                + self._table.table.__sizeof__())

    def _lowram_owned(self):
        return (self._table, self._table.table)

    def _payload(self) -> bytes:
        total, counters = self._table.snapshot()   # one moment: counters and total agree
        return _HEADER.pack(self.width, self.depth, self.conservative, self._seed,
                            total) + counters

    @classmethod
    def _from_payload(cls, payload: bytes, version: int):
        width, depth, conservative, seed, total = _HEADER.unpack_from(payload)
        if not (1 <= depth <= 64 and 1 <= width <= 2**40 and conservative in (0, 1)):
            raise ValueError("parameters out of range")
        body = payload[_HEADER.size:]
        if len(body) != 4 * width * depth:
            raise ValueError(f"{len(body)} bytes of counters, expected {4 * width * depth}")
        table = np.frombuffer(body, dtype="<u4").astype(np.uint32).reshape(depth, width)
        obj = cls.__new__(cls)
        obj._seed = seed
        obj._table = CountMinTable(table, bool(conservative), total)
        return obj

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(width={self.width}, depth={self.depth}, "
                f"seed={self._seed}, conservative={self.conservative})")

    def _check(self) -> None:
        """Assert internal invariants (for tests)."""
        table = self._table.table
        assert table.dtype == np.uint32 and table.shape == (self.depth, self.width)
        sums = table.sum(axis=1, dtype=np.uint64)
        total = self._table.total
        if not self.conservative and int(table.max(initial=0)) < _MAX and total < 2**64 - 1:
            assert all(int(s) == total for s in sums)
        else:
            assert all(int(s) <= total for s in sums)
