"""``HyperLogLog(p=14, hash="redis")``: Redis' HyperLogLog, register for register.

Redis hashes an element with MurmurHash64A (seed ``0xadc83b19``), takes the register from the
low 14 bits and the value from the trailing zeros of the rest. lowram maps each such hash onto
its own leading-zeros rule (:func:`lowram.sketches._redis_hll.redis_as_leading_rule`), so the
registers are Redis' exactly: :func:`lowram.redis.to_redis_string` writes them in Redis'
format and ``PFCOUNT`` reads them; ``PFADD``'s registers load back here; the estimates agree
(both use Ertl's improved estimator).

Items are hashed as a Redis client sends them: ``str`` as UTF-8, ``bytes`` as is, ``int``
(and numpy integers) as its decimal digits. Only p = 14 exists in Redis.

>>> hll = HyperLogLog(p=14, hash="redis")
>>> hll.update(["apple", "banana", "apple", 7])
>>> len(hll), hll.hash_name
(3, 'redis')
"""

from __future__ import annotations

import numpy as np

from .._arrow import column_kind, is_columnar, number_chunks, text_chunks
from .._chunks import chunked
from ._redis_hll import REDIS_SEED, redis_as_leading_rule
from .hll import HyperLogLog

__all__ = ["RedisHyperLogLog"]

_CHUNK = 1 << 16


def _column_items(column):
    """An Arrow or pandas column's items as Redis clients send them: each string's UTF-8
    bytes, each integer as an int (Redis' hash is over those bytes, not lowram's buffers)."""
    kind, column = column_kind(column, "RedisHyperLogLog")
    if kind == "null":   # empty (column_kind refused one with nulls)
        return
    if kind == "text":
        for chunk in text_chunks(column, "RedisHyperLogLog"):
            raw, offs = chunk.data, chunk.offsets.tolist()
            yield from (bytes(raw[a:b]) for a, b in zip(offs, offs[1:]))
    elif kind == "int":
        for part in number_chunks(column, "RedisHyperLogLog", "iu"):
            yield from part.tolist()
    else:
        raise TypeError(f"RedisHyperLogLog hashes columns of strings or integers, not of "
                        f"{kind}s")


class RedisHyperLogLog(HyperLogLog):
    """A HyperLogLog whose hash and registers are Redis' (made by ``HyperLogLog(hash="redis")``).

    Memory and costs as :class:`HyperLogLog` at p = 14 (12 KB dense); one MurmurHash64A per
    item, in C.
    """

    __slots__ = ()
    _KIND = "HyperLogLog/redis"
    _HASH_ID = 1
    hash_name = "redis"

    def __init__(self, p: int = 14, *, seed: int = REDIS_SEED, hash: str = "redis"):
        if hash != "redis":
            raise ValueError(f"a RedisHyperLogLog hashes as Redis does, not with {hash!r}")
        if p != 14:
            raise ValueError(f"Redis' HyperLogLog has p=14 (16,384 registers), not p={p}")
        if seed != REDIS_SEED:
            raise ValueError(f"Redis' hash seed is fixed at {REDIS_SEED:#x}; seed={seed!r} "
                             f"would not match PFADD")
        super().__init__(14, seed=REDIS_SEED)

    def _hash_chunks(self, items):
        if is_columnar(items):
            items = _column_items(items)
        if isinstance(items, np.ndarray):
            items = items.tolist()  # Redis sees integers as decimal strings
        for chunk in chunked(items, _CHUNK):
            yield redis_as_leading_rule(chunk)

    def add(self, item) -> None:
        """Add one item (str, bytes or int), hashed as Redis would. Cost: O(len(item))."""
        self._regs.add_hashes(redis_as_leading_rule([item]))

    def update(self, items) -> None:
        """Add every item, hashed as Redis would; a bad item leaves the sketch unchanged."""
        hashes = [h for h in self._hash_chunks(items)]  # hash all first: all-or-nothing
        for chunk in hashes:
            self._regs.add_hashes(chunk)

    def load_registers(self, values) -> None:
        """Set the registers to ``values`` (16,384 ints, 0..51), e.g. read from Redis, as
        :func:`lowram.redis.from_redis_string` does. ``ValueError`` (sketch unchanged) for
        another count or a value above 51. Cost: O(16,384).

        >>> hll = HyperLogLog(hash="redis"); values = [0] * 16384; values[5] = 3
        >>> hll.load_registers(values); int(hll.registers()[5]), len(hll)
        (3, 1)
        """
        values = np.asarray(values, dtype=np.uint64)
        if values.shape != (self.m,):
            raise ValueError(f"expected {self.m} register values, got {values.shape}")
        if int(values.max(initial=0)) > 51:
            raise ValueError("a register value above 51 is impossible at p=14")
        index = np.nonzero(values)[0].astype(np.uint64)
        v = values[index]
        # a hash whose rank under the leading-zeros rule is v: the (50 - v)-th bit set, or none
        low = np.where(v >= 51, np.uint64(0), np.left_shift(np.uint64(1), np.uint64(50) - v))
        self._regs.reset_to((index << np.uint64(50)) | low)   # one step

    def __repr__(self) -> str:
        return f"HyperLogLog(p=14, hash='redis') # estimate {self.estimate():,.0f}"
