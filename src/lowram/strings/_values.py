"""Values of a StringMap, by key index: one numpy array of ints, or one bytes blob + offsets.

Ints take the narrowest of int8/16/32/64 (or uint64) that holds them all; bytes values are
concatenated, with 4-byte offsets (8 past 4 GiB). No Python object exists per value.
"""

from __future__ import annotations

import struct
import sys

import numpy as np

__all__ = ["ValueStore"]

_HEAD = struct.Struct("<BQQ7x")  # kind (0 ints, 1 bytes), count, blob bytes
_INT_TYPES = (np.int8, np.int16, np.int32, np.int64, np.uint64)


class ValueStore:
    """Values by index 0..n-1, all ``int`` or all ``bytes``.

    >>> v = ValueStore.build([3, -1, 300])
    >>> v.kind, v[2], v.array.dtype.name
    ('int', 300, 'int16')
    """

    __slots__ = ("kind", "array", "blob", "offsets")

    def __init__(self, kind, array=None, blob=None, offsets=None):
        self.kind = kind
        self.array = array
        self.blob = blob
        self.offsets = offsets

    @classmethod
    def build(cls, values: list, keys: list | None = None, kind: str | None = None):
        """Store ``values`` (checked: all int or all bytes; ``keys`` name culprits)."""
        keys = keys if keys is not None else list(range(len(values)))
        if kind is None:
            kind = "bytes" if values and isinstance(values[0], (bytes, bytearray, memoryview)) \
                else "int"
        if kind == "int":
            for k, v in zip(keys, values):
                if type(v) is not int and (not isinstance(v, int) or isinstance(v, bool)):
                    raise TypeError(f"StringMap values must be all int or all bytes; key {k!r} "
                                    f"has a {type(v).__name__}")
            lo, hi = (min(values), max(values)) if values else (0, 0)
            dtype = _narrowest(lo, hi)
            if dtype is not None:
                return cls("int", array=np.array(values, dtype=dtype))
            bad = next(k for k, v in zip(keys, values) if not -2**63 <= v < 2**64 or
                       (v < 0 and hi >= 2**63))
            raise OverflowError(f"StringMap int values must fit in 64 bits (int64, or uint64 "
                                f"when none is negative); key {bad!r} does not")
        blobs = []
        for k, v in zip(keys, values):
            if not isinstance(v, (bytes, bytearray, memoryview)):
                raise TypeError(f"StringMap values must be all int or all bytes; key {k!r} "
                                f"has a {type(v).__name__}")
            blobs.append(bytes(v))
        offsets = np.zeros(len(blobs) + 1, dtype=np.uint64)
        np.cumsum(np.fromiter(map(len, blobs), dtype=np.uint64, count=len(blobs)),
                  out=offsets[1:])
        blob = b"".join(blobs)
        if len(blob) < 2**32:
            offsets = offsets.astype(np.uint32)
        return cls("bytes", blob=blob, offsets=offsets)

    @classmethod
    def from_ints(cls, values: np.ndarray) -> "ValueStore":
        """Store an integer array in the narrowest type that holds it (vectorised)."""
        lo, hi = (int(values.min()), int(values.max())) if len(values) else (0, 0)
        dtype = _narrowest(lo, hi)
        if dtype is not None:
            return cls("int", array=values.astype(dtype))
        raise OverflowError("StringMap int values must fit in 64 bits (int64, or uint64 when "
                            "none is negative)")

    def __len__(self):
        return len(self.array) if self.kind == "int" else len(self.offsets) - 1

    def __getitem__(self, i):
        if self.kind == "int":
            return int(self.array[i])
        offsets = self.offsets
        return bytes(self.blob[int(offsets[i]):int(offsets[i + 1])])

    def permuted(self, order) -> "ValueStore":
        """The store re-indexed so that new index ``order[j]`` holds old value ``j``.

        Done with numpy (no Python object per value), so a large build leaves no fragmented
        heap behind. Cost: O(n) time, one extra copy of the values while it runs.
        """
        order = np.asarray(order, dtype=np.int64)
        if self.kind == "int":
            out = np.empty_like(self.array)
            out[order] = self.array
            return ValueStore("int", array=out)
        lengths = np.diff(self.offsets.astype(np.int64))
        new_lengths = np.empty_like(lengths)
        new_lengths[order] = lengths
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(new_lengths, out=offsets[1:])
        src = np.frombuffer(self.blob, dtype=np.uint8)
        dst = np.empty(len(self.blob), dtype=np.uint8)
        starts = self.offsets[:-1].astype(np.int64) if len(lengths) else lengths
        for j in range(len(lengths)):
            t = order[j]
            dst[offsets[t]:offsets[t + 1]] = src[starts[j]:starts[j] + lengths[j]]
        return ValueStore("bytes", blob=dst.tobytes(), offsets=offsets.astype(self.offsets.dtype))

    def nbytes(self) -> int:
        """Bytes the values take (arrays and blob, with their object headers).

        Arrays and blobs that view a memory map (``from_bytes(copy=False)``) count the
        mapped bytes they read, as the backends' mapped buffers do.
        """
        if self.kind == "int":
            return _array_size(self.array)
        blob = self.blob
        n = sys.getsizeof(blob) + (len(blob) if isinstance(blob, memoryview) else 0)
        return n + _array_size(self.offsets)

    def to_bytes(self) -> bytes:
        """Serialise (header, then the int array or the offsets and the blob)."""
        if self.kind == "int":
            code = _INT_TYPES.index(self.array.dtype.type)
            return _HEAD.pack(0, len(self), code) + self.array.tobytes()
        width = self.offsets.dtype.itemsize
        return (_HEAD.pack(1, len(self), len(self.blob) | (width << 56))
                + self.offsets.tobytes() + bytes(self.blob))

    @classmethod
    def from_bytes(cls, view, copy: bool = True) -> "ValueStore":
        """Open :meth:`to_bytes` output; ``ValueError`` if it is malformed.

        ``copy=False``: the arrays and the blob are read-only views into ``view`` (a memory
        map), which must then stay unchanged.
        """
        view = memoryview(view).cast("B")
        if len(view) < _HEAD.size:
            raise ValueError("value store shorter than its header")
        kind, n, extra = _HEAD.unpack_from(view)
        body = view[_HEAD.size:]
        if kind == 0:
            if extra >= len(_INT_TYPES):
                raise ValueError("unknown int type in value store")
            dtype = np.dtype(_INT_TYPES[extra])
            if len(body) != n * dtype.itemsize:
                raise ValueError("value store length does not match its header")
            array = np.frombuffer(body, dtype=dtype)
            return cls("int", array=array.copy() if copy else array)
        if kind != 1:
            raise ValueError("unknown value store kind")
        width, size = extra >> 56, extra & ((1 << 56) - 1)
        if width not in (4, 8) or len(body) != (n + 1) * width + size:
            raise ValueError("value store length does not match its header")
        dtype = np.uint32 if width == 4 else np.uint64
        offsets = np.frombuffer(body[:(n + 1) * width], dtype=dtype)
        if offsets[0] != 0 or int(offsets[n]) != size or np.any(offsets[1:] < offsets[:n]):
            raise ValueError("value store offsets are malformed")
        blob = body[(n + 1) * width:]
        if copy:
            return cls("bytes", blob=bytes(blob), offsets=offsets.copy())
        return cls("bytes", blob=blob, offsets=offsets)


def _narrowest(lo: int, hi: int):
    """The narrowest of the stored int types holding ``lo..hi``, or None."""
    for dtype in _INT_TYPES:
        info = np.iinfo(dtype)
        if info.min <= lo and hi <= info.max:
            return dtype
    return None


def _array_size(array) -> int:
    """``sys.getsizeof`` of a numpy array, plus its data when it views another buffer."""
    return array.__sizeof__() + (array.nbytes if array.base is not None else 0)
