"""Sketches in Redis: store, load and merge any sketch; speak Redis' own HyperLogLog.

Optional: needs ``pip install 'lowram[redis]'`` (the ``redis`` client package). *High
Performance Python* (Gorelick & Ozsvald), ch.9, shares state between processes through Redis; lowram's sketches are a few kilobytes and
serialise with a checksum, so a key is a natural home for them.

* :func:`store` / :func:`fetch` / :func:`merge_keys` work with every lowram sketch (their
  ``to_bytes`` form). A store writes under a temporary key and ``RENAME``\\ s it into place, so
  a reader never sees half a sketch and a failed write leaves nothing behind.
* :func:`store_redis_hll` / :func:`fetch_redis_hll` exchange Redis' *native* HyperLogLog
  string with a ``HyperLogLog(p=14, hash="redis")``: ``PFCOUNT``/``PFMERGE`` read what lowram
  wrote, and lowram reads what ``PFADD`` built, with equal estimates.
"""

from __future__ import annotations

import uuid

import numpy as np

from .sketches import _redis_hll, sketch_from_bytes
from .errors import FormatError

__all__ = [
    "fetch", "fetch_redis_hll", "from_redis_string", "merge_keys", "store",
    "store_redis_hll", "to_redis_string",
]

_MAGIC = b"HYLL"
_DENSE, _SPARSE = 0, 1


def _atomic_set(client, key, value: bytes) -> None:
    tmp = f"{key}.lowram-tmp-{uuid.uuid4().hex}"
    try:
        client.set(tmp, value)
        client.rename(tmp, key)
    except BaseException:
        try:
            client.delete(tmp)
        except Exception:  # the server may be gone: nothing more can be done
            pass
        raise


def store(client, key, sketch) -> None:
    """Write ``sketch.to_bytes()`` under ``key`` atomically (temporary key, then RENAME)."""
    if not hasattr(sketch, "to_bytes"):
        raise TypeError(f"expected a lowram sketch, not {type(sketch).__name__}")
    _atomic_set(client, key, sketch.to_bytes())


def fetch(client, key):
    """Read the sketch stored under ``key``; ``KeyError`` if absent, ``FormatError`` if damaged.

    A key holding Redis' own HyperLogLog string is read as ``HyperLogLog(hash="redis")``.
    """
    blob = client.get(key)
    if blob is None:
        raise KeyError(f"no Redis key {key!r}")
    if blob[:4] == _MAGIC:
        return from_redis_string(blob, source=f"redis key {key!r}")
    return sketch_from_bytes(blob, source=f"redis key {key!r}")


def merge_keys(client, keys, *, into=None):
    """Merge the sketches under ``keys`` (all the same kind and parameters) into one.

    Returns the merged sketch; with ``into``, also stores it there atomically.
    """
    keys = list(keys)
    if not keys:
        raise ValueError("merge_keys needs at least one key")
    first, *rest = [fetch(client, k) for k in keys]
    if rest:
        first.merge(*rest)
    if into is not None:
        if getattr(first, "hash_name", None) == "redis":
            store_redis_hll(client, into, first)
        else:
            store(client, into, first)
    return first


# ---------------------------------------------------------------- Redis' native HLL string

def to_redis_string(hll) -> bytes:
    """Redis' dense HyperLogLog string for a ``HyperLogLog(p=14, hash="redis")``.

    The cached cardinality is marked stale (top bit of byte 15), so ``PFCOUNT`` recounts.
    """
    _check_redis_hll(hll)
    header = _MAGIC + bytes([_DENSE, 0, 0, 0]) + bytes(7) + b"\x80"
    return header + _redis_hll.pack_dense(np.ascontiguousarray(hll.registers(), dtype=np.uint8))


def from_redis_string(data, *, source: str = "data"):
    """A ``HyperLogLog(p=14, hash="redis")`` from Redis' string (dense or sparse).

    Every field is checked before use: magic, encoding, length, and for a sparse body that
    its runs cover exactly 16,384 registers; anything else raises ``lowram.FormatError``.
    """
    from .sketches import HyperLogLog

    data = bytes(data)
    if len(data) < 16 or data[:4] != _MAGIC:
        raise FormatError(f"{source}: not a Redis HyperLogLog string (bad magic or too short)")
    encoding = data[4]
    body = data[16:]
    try:
        if encoding == _DENSE:
            if len(data) != _redis_hll.DENSE_SIZE:
                raise FormatError(f"{source}: dense Redis HyperLogLog is "
                                  f"{_redis_hll.DENSE_SIZE} bytes, not {len(data)}")
            regs = _redis_hll.unpack_dense(body)
        elif encoding == _SPARSE:
            regs = _redis_hll.unpack_sparse(body)
        else:
            raise FormatError(f"{source}: unknown Redis HyperLogLog encoding {encoding}")
    except ValueError as exc:
        if isinstance(exc, FormatError):
            raise
        raise FormatError(f"{source}: {exc}") from None
    if int(regs.max(initial=0)) > 51:
        raise FormatError(f"{source}: register value {int(regs.max())} is impossible (max 51)")
    hll = HyperLogLog(p=14, hash="redis")
    hll.load_registers(regs)
    return hll


def store_redis_hll(client, key, hll) -> None:
    """Write ``hll`` (``hash="redis"``) as Redis' native string, atomically."""
    _atomic_set(client, key, to_redis_string(hll))


def fetch_redis_hll(client, key):
    """Read a key written by ``PFADD``/``PFMERGE`` (or :func:`store_redis_hll`)."""
    data = client.get(key)
    if data is None:
        raise KeyError(f"no Redis key {key!r}")
    return from_redis_string(data, source=f"redis key {key!r}")


def _check_redis_hll(hll) -> None:
    if getattr(hll, "hash_name", None) != "redis" or getattr(hll, "p", None) != 14:
        raise ValueError("only a HyperLogLog(p=14, hash='redis') has Redis' layout; "
                         "build one with that hash to exchange with PFADD/PFCOUNT")


