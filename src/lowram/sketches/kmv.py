"""K-Minimum Values: count distinct items from the k smallest hash values seen.

If ``n`` distinct items hash uniformly into [0, 1), the k-th smallest hash ``U_k`` is about
``k / n``; the unbiased estimate is ``(k - 1) / U_k`` (Bar-Yossef et al. 2002; Beyer et al.
2007), with relative standard error at most ``1 / sqrt(k - 2)``. Below k distinct hashes the
count is exact. Two sketches merge exactly: the k smallest of the union.
"""

from __future__ import annotations

import math
import struct

import numpy as np

from .._arrow import hash_chunks
from .._native._hash import hash64
from ._kmv import MinHashes
from ._base import Sketch, check_seed

__all__ = ["KMinValues"]

_HEADER = struct.Struct("<QQQ")  # k, seed, number of values held


class KMinValues(Sketch):
    """Count distinct items with the k smallest 64-bit hashes: 8 k bytes, error 1/sqrt(k-2).

    ``add``: O(1) usually, O(k) when the hash joins the k smallest; ``update``: O(n) in C;
    ``estimate``: O(1); ``merge``: O(k log k), exact.

    >>> kmv = KMinValues(256)
    >>> kmv.update(range(100)); kmv.estimate()
    100.0
    >>> kmv.update(range(100_000))
    >>> abs(kmv.estimate() - 100_000) < 3 * kmv.relative_error * 100_000
    True
    """

    __slots__ = ("_core", "_seed")
    _KIND = "KMinValues"
    _PARAMS = ("k", "seed")

    def __init__(self, k: int = 1024, *, seed: int = 0):
        if not isinstance(k, int) or isinstance(k, bool):
            raise TypeError(f"k must be an int, not {type(k).__name__}")
        if not 3 <= k <= 2**26:
            raise ValueError(f"k must be from 3 to 2**26, not {k}")
        self._seed = check_seed(seed)
        self._core = MinHashes(k)   # the hashes and their count change in one step of C

    @property
    def k(self) -> int:
        """Number of smallest hashes kept."""
        return self._core.k


    @property
    def relative_error(self) -> float:
        """Bound on the relative standard error of :meth:`estimate`: ``1 / sqrt(k - 2)``."""
        return 1.0 / math.sqrt(self.k - 2)

    def add(self, item) -> None:
        """Add one item. O(1) usually."""
        self._core.insert(np.array([hash64(item, self._seed)], dtype=np.uint64))

    def update(self, items) -> None:
        """Add every item of a list, iterable or numpy integer array, in C.

        A bad item raises ``TypeError``/``OverflowError`` and leaves the sketch unchanged
        (an iterator that is not a list, tuple or array is hashed whole first: 8 bytes per
        item while it runs).
        """
        for chunk in hash_chunks(items, self._seed):
            self._core.insert(chunk)

    def add_hashes(self, hashes) -> None:
        """Add precomputed 64-bit hashes (bring your own hash function)."""
        self._core.insert(np.ascontiguousarray(hashes, dtype=np.uint64))

    def estimate(self) -> float:
        """Estimated number of distinct items: exact below k, else ``(k - 1) / U_k``. O(1).

        >>> kmv = KMinValues(16); kmv.update(["a", "b", "a"]); kmv.estimate()
        2.0
        """
        n, kth = self._core.state()
        if kth is None:
            return float(n)
        u = (float(kth) + 1.0) / 2.0**64
        return (self.k - 1) / u

    def __len__(self) -> int:
        return int(round(self.estimate()))

    def __bool__(self) -> bool:
        return len(self._core) > 0

    def hashes(self) -> np.ndarray:
        """The smallest hashes held, ascending (a copy)."""
        return self._core.hashes()

    def clear(self) -> None:
        """Forget every item."""
        self._core.clear()

    def _merge_one(self, other) -> None:
        self._core.insert_from(other._core)

    def __sizeof__(self) -> int:
        return object.__sizeof__(self) + self._core.__sizeof__()

    def _lowram_owned(self):
        return (self._core,)

    def _payload(self) -> bytes:
        n, body = self._core.payload()   # one moment: count and hashes agree
        return _HEADER.pack(self.k, self._seed, n) + body

    @classmethod
    def _from_payload(cls, payload: bytes, version: int):
        k, seed, n = _HEADER.unpack_from(payload)
        if not 3 <= k <= 2**26 or n > k:
            raise ValueError("parameters out of range")
        body = payload[_HEADER.size:]
        if len(body) != 8 * n:
            raise ValueError(f"{len(body)} bytes of hashes, expected {8 * n}")
        held = np.frombuffer(body, dtype="<u8").astype(np.uint64)
        obj = cls.__new__(cls)
        obj._seed = seed
        obj._core = MinHashes.from_hashes(k, held)   # ValueError unless strictly increasing
        return obj

    def __repr__(self) -> str:
        return f"KMinValues(k={self.k}, seed={self._seed}) # estimate {self.estimate():,.0f}"

    def _check(self) -> None:
        """Assert internal invariants (for tests)."""
        self._core._check()
