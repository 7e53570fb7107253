"""Morris' approximate counter: count up to ~2**255 events in one byte.

The counter ``c`` (0-255) goes up by one with probability ``base ** -c``; the estimate
``(base ** c - 1) / (base - 1)`` is unbiased (R. Morris, "Counting large numbers of events in
small registers", 1978) with variance ``(base - 1) n (n - 1) / 2``, so its relative standard
error tends to ``sqrt((base - 1) / 2)`` (0.71 for base 2; choose a base nearer 1 for less
error and less range). Random draws come from a seeded splitmix64 stream, so a seed gives
reproducible counts; batches of n events are applied with geometric skips, O(log n).
"""

from __future__ import annotations

import math
import struct
import threading

from .._arrow import is_stream
from .._native._loops import iterate_all
from ._base import Sketch, check_seed, locked

__all__ = ["MorrisCounter"]

_HEADER = struct.Struct("<dQQB")  # base, seed, random state, counter
_MASK = 2**64 - 1


def _splitmix64(state: int) -> tuple[int, int]:
    state = (state + 0x9E3779B97F4A7C15) & _MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return state, z ^ (z >> 31)


class MorrisCounter(Sketch):
    """An approximate event counter whose state is one byte (0-255).

    ``add``: O(1); ``update(items)``/``increment(n)``: O(log n) random draws (plus counting
    the items of an iterator, in C); ``merge``: O(c) draws, unbiased.

    >>> mc = MorrisCounter(seed=1)
    >>> mc.increment(1000)
    >>> mc.counter, mc.estimate()
    (10, 1023.0)
    """

    # threads: the counter and its random stream change in several Python steps, so every
    # method that reads or writes them runs under one re-entrant lock (``locked``)
    __slots__ = ("_c", "_base", "_seed", "_state", "_lock")
    _VERSION = 1  # hashes nothing: unchanged when the item hash moved to XXH3-64
    _KIND = "MorrisCounter"
    _PARAMS = ("base",)

    def __init__(self, base: float = 2.0, *, seed: int = 0):
        if not isinstance(base, (int, float)) or isinstance(base, bool):
            raise TypeError(f"base must be a float, not {type(base).__name__}")
        if not 1.0 < base <= 1024.0 or not math.isfinite(base):
            raise ValueError(f"base must be in (1, 1024], not {base}")
        self._base = float(base)
        self._seed = check_seed(seed)
        self._state = self._seed
        self._c = 0
        self._lock = threading.RLock()

    @property
    def base(self) -> float:
        """Growth base: the counter ``c`` stands for ``(base**c - 1) / (base - 1)`` events."""
        return self._base


    @property
    def counter(self) -> int:
        """The one-byte state, 0-255."""
        return self._c

    @property
    def relative_error(self) -> float:
        """Asymptotic relative standard error of :meth:`estimate`: ``sqrt((base - 1) / 2)``."""
        return math.sqrt((self._base - 1.0) / 2.0)

    @property
    def max_estimate(self) -> float:
        """The largest count the byte can stand for (the counter saturates there)."""
        return (self._base ** 255 - 1.0) / (self._base - 1.0)

    def _uniform(self) -> float:
        self._state, z = _splitmix64(self._state)
        return ((z >> 11) + 0.5) * 2.0**-53  # in (0, 1)

    @locked
    def add(self, item=None) -> None:
        """Count one event (``item`` is ignored: a Morris counter counts, it does not look)."""
        if self._c < 255 and self._uniform() < self._base ** -self._c:
            self._c += 1

    @locked
    def increment(self, n: int = 1) -> None:
        """Count ``n`` events at once: O(log n) draws, by skipping geometrically."""
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"n must be an int, not {type(n).__name__}")
        if n < 0:
            raise ValueError(f"n must be non-negative, not {n}")
        left = n
        while left > 0 and self._c < 255:
            p = self._base ** -self._c
            if p >= 1.0:
                gap = 1
            else:  # events until the next increment: geometric with success probability p
                gap = 1 + int(math.log(self._uniform()) / math.log1p(-p))
            if gap > left:
                break
            left -= gap
            self._c += 1

    def update(self, items) -> None:
        """Count one event per item of ``items`` (a sized collection or any iterable; a
        pyarrow RecordBatchReader counts its rows)."""
        if is_stream(items):
            self.increment(sum(batch.num_rows for batch in items))
            return
        try:
            n = len(items)
        except TypeError:
            n = iterate_all(items)
        self.increment(n)

    def estimate(self) -> float:
        """Estimated number of events, ``(base**c - 1) / (base - 1)``. O(1)."""
        return (self._base ** self._c - 1.0) / (self._base - 1.0)

    def __len__(self) -> int:
        return int(round(self.estimate()))

    @locked
    def clear(self) -> None:
        """Back to zero events and to the start of the seeded random stream."""
        self._c = 0
        self._state = self._seed

    @locked
    def _merge_one(self, other) -> None:
        # Each level i below the other counter stands for base**i events; add that weight
        # with an increment probability that keeps the estimate unbiased.
        for i in range(other._c):   # (one read of other's counter: an int, whole)
            weight = self._base ** i
            while weight > 0 and self._c < 255:
                step = self._base ** self._c
                if weight >= step:
                    self._c += 1
                    weight -= step
                else:
                    if self._uniform() < weight / step:
                        self._c += 1
                    weight = 0

    def _check_mergeable(self, others) -> None:
        # the seed drives only the random stream: counters with any seeds merge
        super()._check_mergeable(others)

    def __sizeof__(self) -> int:
        return object.__sizeof__(self)

    @locked
    def _payload(self) -> bytes:
        return _HEADER.pack(self._base, self._seed, self._state, self._c)

    @classmethod
    def _from_payload(cls, payload: bytes, version: int):
        base, seed, state, c = _HEADER.unpack(payload)
        obj = cls(base, seed=seed)
        obj._state, obj._c = state, c
        return obj

    def __repr__(self) -> str:
        return (f"MorrisCounter(base={self._base}, seed={self._seed}) "
                f"# counter {self._c}, estimate {self.estimate():,.0f}")

    def _check(self) -> None:
        """Assert internal invariants (for tests)."""
        assert 0 <= self._c <= 255 and 1.0 < self._base
