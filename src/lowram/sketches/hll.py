"""HyperLogLog: count distinct items in ``6 * 2**p / 8`` bytes, with ~1.04/sqrt(2**p) error.

Each item's 64-bit XXH3-64 hash picks one of ``m = 2**p`` registers (its top ``p`` bits) and a
rank (one plus the leading zeros of the other ``64 - p`` bits); a register keeps its largest
rank. The estimate is **Ertl's improved estimator** (O. Ertl, "New cardinality estimation
algorithms for HyperLogLog sketches", 2017), which needs no empirical bias tables and is
accurate from 0 items up: its small-range term plays the part of linear counting, and its
large-range term that of the 64-bit correction. ``estimate("classic")`` gives Flajolet et
al.'s original estimator with linear counting below ``2.5 m``, for comparison.

Registers start *sparse* (HyperLogLog++-style: a sorted, varint-coded list of the touched
registers, under 1 KB below 300 distinct items at p=14) and turn dense (6-bit registers,
12 KB at p=14) once a quarter of them are touched.
"""

from __future__ import annotations

import math
import struct

import numpy as np

from .._kernels._hash import hash_chunks
from .._kernels._hll import Registers
from ._base import Sketch, check_seed

__all__ = ["HyperLogLog"]

_HEADER = struct.Struct("<BBBQ")  # p, register rule, hash id, seed
_HASHES = {0: "xxh3"}


def _sigma(x: float) -> float:
    if x == 1.0:
        return math.inf
    y, z = 1.0, x
    while True:
        x *= x
        z_old = z
        z += x * y
        y += y
        if z == z_old:
            return z


def _tau(x: float) -> float:
    if x == 0.0 or x == 1.0:
        return 0.0
    y, z = 1.0, 1.0 - x
    while True:
        x = math.sqrt(x)
        z_old = z
        y *= 0.5
        z -= (1.0 - x) ** 2 * y
        if z == z_old:
            return z / 3.0


def ertl_estimate(counts, m: int, q: int) -> float:
    """Ertl's (2017) improved estimate from the register histogram ``counts[0 .. q + 1]``."""
    z = m * _tau(1.0 - counts[q + 1] / m)
    for k in range(q, 0, -1):
        z = 0.5 * (z + counts[k])
    z += m * _sigma(counts[0] / m)
    if z == 0.0:  # every register saturated: beyond what 64-bit hashes can count
        return math.inf
    return m * m / (2.0 * math.log(2.0)) / z


class _RegisterSketch(Sketch):
    """Shared body of the LogLog family: ``2**p`` registers fed by the stable hash.

    Subclasses choose the estimator. The hash (``_HASH_ID``) and the register rule
    (``_RULE``, see :mod:`lowram._kernels._hll`) are class attributes, so another hash or rule
    is a subclass, and both are written into the serialised form.
    """

    __slots__ = ("_regs", "_seed")
    _PARAMS = ("p", "seed")
    _RULE = 0
    _HASH_ID = 0
    _MIN_P, _MAX_P = 4, 18

    def __init__(self, p: int = 14, *, seed: int = 0):
        if not isinstance(p, int) or isinstance(p, bool):
            raise TypeError(f"p must be an int, not {type(p).__name__}")
        if not self._MIN_P <= p <= self._MAX_P:
            raise ValueError(f"p must be from {self._MIN_P} to {self._MAX_P}, not {p}")
        self._seed = check_seed(seed)
        self._regs = Registers(p, self._RULE)

    # ------------------------------------------------------------ parameters
    @property
    def p(self) -> int:
        """Precision: the sketch has ``2**p`` registers."""
        return self._regs.p

    @property
    def m(self) -> int:
        """Number of registers, ``2**p``."""
        return self._regs.m


    @property
    def is_sparse(self) -> bool:
        """True while few registers are set and they are held as a compact sorted list."""
        return self._regs.is_sparse

    # ------------------------------------------------------------ updates
    def _hash_chunks(self, items):
        # the hash of the batch path; a subclass with another hash overrides this and add()
        return hash_chunks(items, self._seed)

    def add(self, item) -> None:
        """Add one item (str, bytes, int, ...). Cost: O(len(item)).

        >>> hll = HyperLogLog(8); hll.add("x"); hll.add("x"); len(hll)
        1
        """
        self._regs.add_item(item, self._seed)

    def update(self, items) -> None:
        """Add every item of a list, iterable or numpy integer array, hashed and applied in C.

        A bad item raises ``TypeError``/``OverflowError`` naming its position and leaves the
        sketch unchanged: lists, tuples and arrays are checked first, any other iterable is
        hashed whole first (8 bytes per item while it runs; feed huge streams in lists).
        Cost: O(total bytes), no Python call per item.

        >>> import numpy as np
        >>> hll = HyperLogLog(12); hll.update(np.arange(1000))
        >>> abs(len(hll) - 1000) <= 3 * hll.relative_error * 1000
        True
        """
        for chunk in self._hash_chunks(items):
            self._regs.add_hashes(chunk)

    def add_hashes(self, hashes) -> None:
        """Apply precomputed 64-bit hashes (a uint64 array): bring your own hash function.

        O(len(hashes)).

        >>> hll = HyperLogLog(4); hll.add_hashes([1 << 63]); int(hll.registers()[8])
        61
        """
        self._regs.add_hashes(np.ascontiguousarray(hashes, dtype=np.uint64))

    def clear(self) -> None:
        """Forget every item."""
        self._regs.clear()

    def _merge_one(self, other) -> None:
        self._regs.merge(other._regs)

    def registers(self) -> np.ndarray:
        """The ``m`` register values as a uint8 array."""
        return self._regs.values()

    # ------------------------------------------------------------ estimates
    def estimate(self) -> float:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def __len__(self) -> int:
        return int(round(self.estimate()))

    def __bool__(self) -> bool:
        return self._regs.touched > 0

    # ------------------------------------------------------------ memory and bytes
    def __sizeof__(self) -> int:
        return object.__sizeof__(self) + self._regs.__sizeof__()

    def _lowram_owned(self):
        return (self._regs,)

    def _payload(self) -> bytes:
        return _HEADER.pack(self.p, self._RULE, self._HASH_ID, self._seed) + self._regs.payload()

    @classmethod
    def _from_payload(cls, payload: bytes, version: int):
        p, rule, hash_id, seed = _HEADER.unpack_from(payload)
        if rule != cls._RULE or hash_id != cls._HASH_ID:
            raise ValueError(f"register rule {rule} / hash {hash_id} is not this class's")
        if not cls._MIN_P <= p <= cls._MAX_P:
            raise ValueError(f"p={p} out of range")
        obj = cls.__new__(cls)
        obj._seed = seed
        obj._regs = Registers.from_payload(p, rule, bytes(payload[_HEADER.size:]))
        return obj

    def copy(self):
        """An independent copy. Cost: O(m)."""
        obj = type(self).__new__(type(self))
        obj._seed = self._seed
        obj._regs = self._regs.copy()
        return obj

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(p={self.p}, seed={self._seed}) "
                f"# estimate {self.estimate():,.0f}")

    def _check(self) -> None:
        """Assert internal invariants (for tests)."""
        values = self.registers()
        assert values.shape == (self.m,)
        assert int(values.max(initial=0)) <= 65 - self.p
        hist = self._regs.histogram()
        assert int(hist.sum()) == self.m
        assert int(hist[0]) == self.m - self._regs.touched
        assert Registers.from_payload(self.p, self._RULE, self._regs.payload()).payload() \
            == self._regs.payload()


class HyperLogLog(_RegisterSketch):
    """Count distinct items: ``2**p`` 6-bit registers, relative standard error 1.04/sqrt(2**p).

    Memory: under 1 KB while fewer than ~300 distinct items at p=14 (sparse), then
    ``6 * 2**p / 8`` bytes (12 KB at p=14). ``add``: O(1); ``update``: O(n) in C;
    ``estimate``: O(2**p); ``merge``: O(2**p), exact (a register-wise maximum).

    >>> hll = HyperLogLog(p=12)
    >>> hll.update(str(i) for i in range(10_000))
    >>> abs(hll.estimate() - 10_000) < 3 * hll.relative_error * 10_000
    True
    >>> other = HyperLogLog(p=12); other.update(["x", "y"])
    >>> len(hll | other) >= len(hll)
    True
    """

    __slots__ = ()
    _KIND = "HyperLogLog"
    hash_name = "xxh3"  #: the item hash: "xxh3" (lowram's, seeded) or "redis"

    def __new__(cls, p: int = 14, *, seed: int = 0, hash: str = "xxh3"):
        if cls is HyperLogLog and hash == "redis":
            from .redis_hll import RedisHyperLogLog

            cls = RedisHyperLogLog
        elif hash not in ("xxh3", "redis"):
            raise ValueError(f"unknown hash {hash!r}; expected 'xxh3' or 'redis'")
        return super().__new__(cls)

    def __init__(self, p: int = 14, *, seed: int = 0, hash: str = "xxh3"):
        super().__init__(p, seed=seed)

    @classmethod
    def from_bytes(cls, data, *, source: str = "data"):
        """Rebuild from :meth:`to_bytes` (either hash); ``lowram.FormatError`` if damaged."""
        if cls is HyperLogLog:
            from .._fileformat import unpack

            if unpack(data, source=source).kind == "HyperLogLog/redis":
                from .redis_hll import RedisHyperLogLog

                return RedisHyperLogLog.from_bytes(data, source=source)
        return super().from_bytes(data, source=source)

    @property
    def relative_error(self) -> float:
        """Relative standard error of :meth:`estimate`: ``1.04 / sqrt(m)``."""
        return 1.04 / math.sqrt(self.m)

    def estimate(self, method: str = "ertl") -> float:
        """Estimated number of distinct items added. Cost: O(m).

        ``method="ertl"`` (default): Ertl's improved estimator. ``"classic"``: the original
        HyperLogLog estimate with linear counting below ``2.5 m``.
        """
        counts = self._regs.histogram()
        m, q = self.m, 64 - self.p
        if method == "ertl":
            return ertl_estimate(counts.tolist(), m, q)
        if method == "classic":
            alpha = {16: 0.673, 32: 0.697, 64: 0.709}.get(m, 0.7213 / (1 + 1.079 / m))
            ks = np.arange(counts.shape[0], dtype=np.float64)
            raw = alpha * m * m / float(np.sum(counts * np.exp2(-ks)))
            if raw <= 2.5 * m and counts[0]:
                return m * math.log(m / counts[0])
            return raw
        raise ValueError(f"unknown method {method!r}; expected 'ertl' or 'classic'")
