"""The register sketches' shared body (LogLog, SuperLogLog, HyperLogLog) and Ertl's estimator.

``2**p`` registers fed by a 64-bit hash; a subclass chooses the estimator, the hash and the
register rule (:mod:`lowram.sketches._hll`).
"""

from __future__ import annotations

import math
import struct

import numpy as np

from .._arrow import hash_chunks
from ._base import Sketch, check_seed
from ._hll import Registers

__all__ = ["RegisterSketch", "ertl_estimate"]

_HEADER = struct.Struct("<BBBQ")  # p, register rule, hash id, seed


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


class RegisterSketch(Sketch):
    """Shared body of the LogLog family: ``2**p`` registers fed by the stable hash.

    Subclasses choose the estimator. The hash (``_HASH_ID``) and the register rule
    (``_RULE``, see :mod:`lowram.sketches._hll`) are class attributes, so another hash or rule
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

        >>> from lowram import HyperLogLog
        >>> hll = HyperLogLog(8); hll.add("x"); hll.add("x"); len(hll)
        1
        """
        self._regs.add_item(item, self._seed)

    def update(self, items) -> None:
        """Add every item of a list, iterable or numpy integer array, hashed and applied in C.

        A bad item raises ``TypeError``/``OverflowError`` naming its position and leaves the
        sketch unchanged: lists, tuples and arrays are checked first, any other iterable is
        hashed whole first (8 bytes per item while it runs; feed huge streams in lists).
        A pyarrow or pandas column of strings or ints is hashed from its buffers, giving the
        same hashes as the same items in a list. Cost: O(total bytes), no Python call per item.

        >>> import numpy as np
        >>> from lowram import HyperLogLog
        >>> hll = HyperLogLog(12); hll.update(np.arange(1000))
        >>> abs(len(hll) - 1000) <= 3 * hll.relative_error * 1000
        True
        """
        for chunk in self._hash_chunks(items):
            self._regs.add_hashes(chunk)

    def add_hashes(self, hashes) -> None:
        """Apply precomputed 64-bit hashes (a uint64 array): bring your own hash function.

        O(len(hashes)).

        >>> from lowram import HyperLogLog
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
