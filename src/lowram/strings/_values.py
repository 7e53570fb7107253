"""Values of a StringMap, by key index: one column per kind of value, none per value.

A store holds values of one kind, each in its compact form, or of several (``mixed``):

========  ==================================================================================
kind      held as
========  ==================================================================================
int       one numpy array in the narrowest of int8/16/32/64 (or uint64) holding them all
float     one float32 array when every value is exactly a float32 (``-0.0``, inf and NaN
          included), else float64
bool      one bit per value (numpy ``packbits``, little bit order)
none      nothing but the count
str       the UTF-8 bytes back to back in one blob, with 4-byte offsets (8 past 4 GiB); a
          lone surrogate is kept ("surrogatepass"), so every str round-trips
bytes     as str, without the decoding
object    references (one numpy object array): any other value, the object itself, so
          ``m[k] is v`` as in ``dict``; pickled only when the map is saved
mixed     one tag byte per value naming its kind, its rank among the values of that kind
          (narrowest unsigned int), and one store of each kind present
========  ==================================================================================

Each value comes back as the kind it went in as: ``True`` stays a bool, ``1.0`` a float. A
numpy scalar is taken as its Python value (``np.int64(3)`` is stored as the int 3,
``np.str_`` as str); an int beyond 64 bits, an int or str subclass, a bytearray and any other
object are kept as references. ``memoryview`` values are stored as their bytes.
"""

from __future__ import annotations

import pickle
import struct
import sys

import numpy as np

__all__ = ["ValueStore", "KINDS", "PickleNotAllowed"]

#: the kinds, by their code in a file (0 and 1 are the codes format versions 1 and 2 wrote)
KINDS = ("int", "bytes", "str", "float", "bool", "none", "object", "mixed")
_CODE = {kind: code for code, kind in enumerate(KINDS)}
_PARTS = KINDS[:-1]   # the kinds a mixed store may hold

_HEAD = struct.Struct("<BQQ7x")  # kind code, count, extra (per kind)
_INT_TYPES = (np.int8, np.int16, np.int32, np.int64, np.uint64)
_POS_TYPES = (np.uint8, np.uint16, np.uint32, np.uint64)
_INT64_MIN, _INT64_MAX, _UINT64_MAX = -2**63, 2**63 - 1, 2**64 - 1
_PART_TABLE = struct.Struct("<7Q")   # a mixed store's part lengths, 0 for an absent kind


class PickleNotAllowed(ValueError):
    """Data holding pickled objects was opened without ``allow_pickle=True``."""


def classify(v):
    """``(kind, value)``: the kind ``v`` is stored as and the value stored for it."""
    t = type(v)
    if t is int:
        return ("int", v) if _INT64_MIN <= v <= _UINT64_MAX else ("object", v)
    if t is str:
        return "str", v
    if t is float:
        return "float", v
    if t is bool:
        return "bool", v
    if v is None:
        return "none", v
    if t is bytes:
        return "bytes", v
    if isinstance(v, np.generic):
        if isinstance(v, np.bool_):
            return "bool", bool(v)
        if isinstance(v, np.integer):
            return "int", int(v)
        if isinstance(v, (np.float16, np.float32, np.float64)):
            return "float", float(v)
        if isinstance(v, np.str_):
            return "str", str(v)
        if isinstance(v, np.bytes_):
            return "bytes", bytes(v)
    if t is memoryview:
        return "bytes", v.tobytes()
    return "object", v


class ValueStore:
    """Values by index 0..n-1, stored by kind (see the module's table).

    >>> v = ValueStore.build([3, -1, 300])
    >>> v.kind, v[2], v.array.dtype.name
    ('int', 300, 'int16')
    >>> m = ValueStore.build([1.5, "x", None, True])
    >>> m.kind, [m[i] for i in range(4)]
    ('mixed', [1.5, 'x', None, True])
    """

    __slots__ = ("kind", "count", "array", "blob", "offsets", "tags", "pos", "parts",
                 "_object_bytes")

    def __init__(self, kind, count, array=None, blob=None, offsets=None, tags=None,
                 pos=None, parts=None):
        self.kind = kind
        self.count = count
        self.array = array       # int, float, bool (packed bits), object
        self.blob = blob         # str, bytes
        self.offsets = offsets   # str, bytes
        self.tags = tags         # mixed: kind code per value
        self.pos = pos           # mixed: rank among the values of its kind
        self.parts = parts       # mixed: kind code -> ValueStore
        self._object_bytes = None

    # ------------------------------------------------------------------ building

    @classmethod
    def build(cls, values: list, kind: str | None = None):
        """Store ``values`` (a list), each kind in its compact form; ``kind`` forces one
        kind (the values must then all be of it). Every value is storable: none is refused."""
        types = set(map(type, values))
        if kind is None and len(types) == 1:
            only = next(iter(types))
            kind = {int: None, str: "str", float: "float", bool: "bool", bytes: "bytes",
                    type(None): "none"}.get(only, None)
            if only is int:
                lo, hi = min(values), max(values)
                if _narrowest(lo, hi) is not None:
                    return cls._ints(np.array(values, dtype=_narrowest(lo, hi)))
        if kind is not None:
            return cls._of_kind(kind, values)
        classified = [classify(v) for v in values]
        ints = [v for k, v in classified if k == "int"]
        if ints and min(ints) < 0 and max(ints) > _INT64_MAX:
            # one int column holds int64, or uint64 when none is negative: the ints past
            # int64 are kept as objects beside the negative ones
            classified = [("object", v) if k == "int" and v > _INT64_MAX else (k, v)
                          for k, v in classified]
        kinds = {k for k, _ in classified}
        if len(kinds) == 1:
            return cls._of_kind(kinds.pop(), [v for _, v in classified])
        if not kinds:
            return cls._ints(np.zeros(0, np.int8))
        return cls._mixed(classified)

    @classmethod
    def _of_kind(cls, kind: str, values: list) -> "ValueStore":
        n = len(values)
        if kind == "int":
            lo, hi = (min(values), max(values)) if values else (0, 0)
            dtype = _narrowest(lo, hi)
            if dtype is None:
                raise OverflowError("an int column holds int64, or uint64 when no value is "
                                    "negative")
            return cls._ints(np.array(values, dtype=dtype))
        if kind == "float":
            return cls.from_floats(np.array(values, dtype=np.float64))
        if kind == "bool":
            return cls("bool", n, array=np.packbits(np.array(values, dtype=bool),
                                                    bitorder="little"))
        if kind == "none":
            return cls("none", n)
        if kind in ("str", "bytes"):
            blobs = [v.encode("utf-8", "surrogatepass") for v in values] if kind == "str" else values
            return cls.from_spans(kind, blobs)
        if kind == "object":
            return cls("object", n, array=np.fromiter(values, dtype=object, count=n))
        raise ValueError(f"unknown value kind {kind!r}")

    @classmethod
    def from_spans(cls, kind: str, blobs: list) -> "ValueStore":
        """Store a list of ``bytes`` as ``kind`` ``"str"`` (their UTF-8) or ``"bytes"``."""
        n = len(blobs)
        offsets = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(np.fromiter(map(len, blobs), dtype=np.uint64, count=n), out=offsets[1:])
        blob = b"".join(blobs)
        if len(blob) < 2**32:
            offsets = offsets.astype(np.uint32)
        return cls(kind, n, blob=blob, offsets=offsets)

    @classmethod
    def _mixed(cls, classified: list) -> "ValueStore":
        n = len(classified)
        tags = np.fromiter((_CODE[k] for k, _ in classified), dtype=np.uint8, count=n)
        columns: dict = {}
        pos = []
        for k, v in classified:
            column = columns.setdefault(_CODE[k], [])
            pos.append(len(column))
            column.append(v)
        width = _POS_TYPES[_unsigned_width(max(pos))]
        parts = {code: cls._of_kind(KINDS[code], column) for code, column in columns.items()}
        return cls("mixed", n, tags=tags, pos=np.array(pos, dtype=width), parts=parts)

    @classmethod
    def _ints(cls, array) -> "ValueStore":
        return cls("int", len(array), array=array)

    @classmethod
    def from_ints(cls, values: np.ndarray) -> "ValueStore":
        """Store an integer array in the narrowest type that holds it (vectorised)."""
        lo, hi = (int(values.min()), int(values.max())) if len(values) else (0, 0)
        dtype = _narrowest(lo, hi)
        if dtype is None:
            raise OverflowError("an int column holds int64, or uint64 when no value is "
                                "negative")
        return cls._ints(values.astype(dtype))

    @classmethod
    def from_floats(cls, values: np.ndarray) -> "ValueStore":
        """Store a float array as float32 when that is exact for every value, else float64."""
        values = np.asarray(values, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):   # past float32: not exact
            narrow = values.astype(np.float32)
        exact = np.array_equal(narrow.astype(np.float64), values, equal_nan=True) and \
            np.array_equal(np.signbit(narrow), np.signbit(values))
        return cls("float", len(values), array=narrow if exact else values)

    @classmethod
    def from_bools(cls, values: np.ndarray) -> "ValueStore":
        """Store a bool array, one bit per value."""
        return cls("bool", len(values), array=np.packbits(np.asarray(values, dtype=bool),
                                                          bitorder="little"))

    @classmethod
    def gathered(cls, kind: str, src, starts, lengths) -> "ValueStore":
        """Store spans of the byte array ``src`` (``starts``/``lengths``, int64 arrays) as
        ``kind`` ``"str"`` (checked UTF-8) or ``"bytes"``, copied in numpy with no Python
        object per value."""
        blob, offsets = _gather(src, starts, lengths)
        if len(blob) < 2**32:
            offsets = offsets.astype(np.uint32)
        else:
            offsets = offsets.astype(np.uint64)
        return cls(kind, len(lengths), blob=blob, offsets=offsets)

    # ------------------------------------------------------------------ reading

    def __len__(self):
        return self.count

    def __getitem__(self, i):
        kind = self.kind
        if kind == "int":
            return int(self.array[i])
        if kind == "str":
            offsets = self.offsets
            return str(self.blob[int(offsets[i]):int(offsets[i + 1])], "utf-8", "surrogatepass")
        if kind == "float":
            return float(self.array[i])
        if kind == "bytes":
            offsets = self.offsets
            return bytes(self.blob[int(offsets[i]):int(offsets[i + 1])])
        if kind == "bool":
            i = _index(i, self.count)
            return bool((int(self.array[i >> 3]) >> (i & 7)) & 1)
        if kind == "none":
            _index(i, self.count)
            return None
        if kind == "object":
            return self.array[i]
        return self.parts[int(self.tags[i])][int(self.pos[i])]

    def permuted(self, order) -> "ValueStore":
        """The store re-indexed so that new index ``order[j]`` holds old value ``j``.

        Done with numpy (no Python object per value), so a large build leaves no fragmented
        heap behind. Cost: O(n) time, one extra copy of the values while it runs.
        """
        order = np.asarray(order, dtype=np.int64)
        kind = self.kind
        if kind in ("int", "float", "object"):
            out = np.empty_like(self.array)
            out[order] = self.array
            return ValueStore(kind, self.count, array=out)
        if kind == "bool":
            bits = np.unpackbits(self.array, count=self.count, bitorder="little")
            out = np.empty_like(bits)
            out[order] = bits
            return ValueStore("bool", self.count, array=np.packbits(out, bitorder="little"))
        if kind == "none":
            return self
        if kind == "mixed":
            tags, pos = np.empty_like(self.tags), np.empty_like(self.pos)
            tags[order] = self.tags
            pos[order] = self.pos
            return ValueStore("mixed", self.count, tags=tags, pos=pos, parts=self.parts)
        return self._spans_permuted(order)

    def _spans_permuted(self, order) -> "ValueStore":
        old = self.offsets.astype(np.int64)
        inverse = np.empty_like(order)
        inverse[order] = np.arange(len(order))
        blob, offsets = _gather(np.frombuffer(self.blob, dtype=np.uint8), old[:-1][inverse],
                                np.diff(old)[inverse])
        return ValueStore(self.kind, self.count, blob=blob,
                          offsets=offsets.astype(self.offsets.dtype))

    def nbytes(self) -> int:
        """Bytes the values take (arrays and blob, with their object headers).

        Arrays and blobs that view a memory map (``from_bytes(copy=False)``) count the
        mapped bytes they read, as the backends' mapped buffers do. Objects held by
        reference count their array of references plus each distinct object's own size
        (``sys.getsizeof``, shallow: what a referenced list holds is not followed).
        """
        kind = self.kind
        if kind in ("int", "float", "bool"):
            return _array_size(self.array)
        if kind == "none":
            return 0
        if kind == "object":
            if self._object_bytes is None:
                seen = {id(v): v for v in self.array.tolist()}
                self._object_bytes = sum(map(sys.getsizeof, seen.values()))
            return _array_size(self.array) + self._object_bytes
        if kind == "mixed":
            return (_array_size(self.tags) + _array_size(self.pos)
                    + sum(part.nbytes() for part in self.parts.values()))
        blob = self.blob
        n = sys.getsizeof(blob) + (len(blob) if isinstance(blob, memoryview) else 0)
        return n + _array_size(self.offsets)

    # ------------------------------------------------------------------ files

    def to_bytes(self) -> bytes:
        """Serialise: a 24-byte header (kind code, count, a field per kind), then the body,
        every array starting 8-byte aligned (so a mapped file reads them in place).

        Objects are pickled (protocol 5); ``TypeError`` names a value pickle cannot take.
        """
        kind, n = self.kind, self.count
        code = _CODE[kind]
        if kind == "int":
            return _HEAD.pack(code, n, _INT_TYPES.index(self.array.dtype.type)) + \
                self.array.tobytes()
        if kind == "float":
            return _HEAD.pack(code, n, self.array.dtype.itemsize) + self.array.tobytes()
        if kind == "bool":
            return _HEAD.pack(code, n, 0) + self.array.tobytes()
        if kind == "none":
            return _HEAD.pack(code, n, 0)
        if kind == "object":
            try:
                body = pickle.dumps(self.array.tolist(), protocol=5)
            except Exception as exc:
                raise TypeError(f"a value cannot be saved: pickle refused it ({exc})") from None
            return _HEAD.pack(code, n, len(body)) + body
        if kind == "mixed":
            parts = [self.parts[c].to_bytes() if c in self.parts else b""
                     for c in range(len(_PARTS))]
            out = [_HEAD.pack(code, n, _POS_TYPES.index(self.pos.dtype.type)),
                   _padded(self.tags.tobytes()), _padded(self.pos.tobytes()),
                   _PART_TABLE.pack(*map(len, parts))]
            out.extend(_padded(p) for p in parts)
            return b"".join(out)
        width = self.offsets.dtype.itemsize
        return (_HEAD.pack(code, n, len(self.blob) | (width << 56))
                + self.offsets.tobytes() + bytes(self.blob))

    @classmethod
    def from_bytes(cls, view, copy: bool = True, allow_pickle: bool = False) -> "ValueStore":
        """Open :meth:`to_bytes` output; ``ValueError`` if it is malformed.

        ``copy=False``: the arrays and the blob are read-only views into ``view`` (a memory
        map), which must then stay unchanged. Objects are unpickled only with
        ``allow_pickle=True`` (:class:`PickleNotAllowed` otherwise): unpickling data can run
        any code, so only data you trust may be opened so.
        """
        view = memoryview(view).cast("B")
        if len(view) < _HEAD.size:
            raise ValueError("value store shorter than its header")
        code, n, extra = _HEAD.unpack_from(view)
        body = view[_HEAD.size:]
        if code >= len(KINDS):
            raise ValueError("unknown value store kind")
        if n >= 2**56:
            raise ValueError("value store count past any store's size")
        kind = KINDS[code]

        def array(dtype, count, at=0):
            dtype = np.dtype(dtype)
            if at + count * dtype.itemsize > len(body):
                raise ValueError("value store shorter than its header says")
            a = np.frombuffer(body, dtype=dtype, count=count, offset=at)
            return a.copy() if copy else a

        def exact(size):
            if len(body) != size:
                raise ValueError("value store length does not match its header")

        if kind == "int":
            if extra >= len(_INT_TYPES):
                raise ValueError("unknown int type in value store")
            exact(n * np.dtype(_INT_TYPES[extra]).itemsize)
            return cls._ints(array(_INT_TYPES[extra], n))
        if kind == "float":
            if extra not in (4, 8):
                raise ValueError("unknown float type in value store")
            exact(n * extra)
            return cls("float", n, array=array(np.float32 if extra == 4 else np.float64, n))
        if kind == "bool":
            exact((n + 7) // 8)
            return cls("bool", n, array=array(np.uint8, (n + 7) // 8))
        if kind == "none":
            exact(0)
            return cls("none", n)
        if kind == "object":
            exact(extra)
            if not allow_pickle:
                raise PickleNotAllowed(
                    "these values include objects saved with pickle, and unpickling can run "
                    "any code: pass allow_pickle=True to open data you trust")
            values = pickle.loads(body)
            if type(values) is not list or len(values) != n:
                raise ValueError("value store objects do not match its header")
            return cls._of_kind("object", values)
        if kind == "mixed":
            return cls._open_mixed(body, n, extra, copy, allow_pickle, array)
        width, size = extra >> 56, extra & ((1 << 56) - 1)
        if width not in (4, 8) or n >= 2**56 or len(body) != (n + 1) * width + size:
            raise ValueError("value store length does not match its header")
        offsets = array(np.uint32 if width == 4 else np.uint64, n + 1)
        if offsets[0] != 0 or int(offsets[n]) != size or np.any(offsets[1:] < offsets[:n]):
            raise ValueError("value store offsets are malformed")
        blob = body[(n + 1) * width:]
        if kind == "str":
            from ._sortedkeys import check_text

            check_text(blob, offsets, "value store str values")
        return cls(kind, n, blob=bytes(blob) if copy else blob, offsets=offsets)

    @classmethod
    def _open_mixed(cls, body, n, extra, copy, allow_pickle, array) -> "ValueStore":
        if extra >= len(_POS_TYPES) or n >= 2**56:
            raise ValueError("unknown position type in value store")
        tags = array(np.uint8, n)
        at = _pad8(n)
        pos = array(_POS_TYPES[extra], n, at)
        at += _pad8(n * pos.itemsize)
        if at + _PART_TABLE.size > len(body):
            raise ValueError("value store shorter than its header says")
        lengths = _PART_TABLE.unpack_from(body, at)
        at += _PART_TABLE.size
        parts = {}
        for code, length in enumerate(lengths):
            if length:
                if at + length > len(body):
                    raise ValueError("value store part runs past its end")
                part = cls.from_bytes(body[at:at + length], copy, allow_pickle)
                if part.kind != KINDS[code]:
                    raise ValueError("value store part of the wrong kind")
                parts[code] = part
                at += _pad8(length)
        if at != len(body):
            raise ValueError("value store length does not match its parts")
        for code in np.unique(tags).tolist():
            if code not in parts:
                raise ValueError("value store tag names a kind it does not hold")
            if int(pos[tags == code].max()) >= len(parts[code]):
                raise ValueError("value store position past the end of its part")
        return cls("mixed", n, tags=tags, pos=pos, parts=parts)


def _narrowest(lo: int, hi: int):
    """The narrowest of the stored int types holding ``lo..hi``, or None."""
    for dtype in _INT_TYPES:
        info = np.iinfo(dtype)
        if info.min <= lo and hi <= info.max:
            return dtype
    return None


def _unsigned_width(hi: int) -> int:
    """Index into ``_POS_TYPES`` of the narrowest unsigned type holding ``hi``."""
    return 0 if hi < 2**8 else 1 if hi < 2**16 else 2 if hi < 2**32 else 3


def _index(i, n: int) -> int:
    """``i`` as a non-negative index below ``n``, as a list reads it; IndexError else."""
    i = int(i)
    if i < 0:
        i += n
    if not 0 <= i < n:
        raise IndexError("value index out of range")
    return i


def _gather(src, starts, lengths) -> tuple:
    """(bytes, int64 offsets): the spans ``src[starts[i]:starts[i] + lengths[i]]`` back to
    back, copied by numpy in blocks of 65,536 spans so the index array stays small."""
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    dst = np.empty(int(offsets[-1]), dtype=np.uint8)
    step = 65536
    for lo in range(0, len(lengths), step):
        hi = min(lo + step, len(lengths))
        if offsets[hi] == offsets[lo]:
            continue
        at = np.repeat(starts[lo:hi] - offsets[lo:hi], lengths[lo:hi]) + \
            np.arange(offsets[lo], offsets[hi])
        dst[offsets[lo]:offsets[hi]] = src[at]
    return dst.tobytes(), offsets


def _pad8(n: int) -> int:
    return n + (-n % 8)


def _padded(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 8)


def _array_size(array) -> int:
    """``sys.getsizeof`` of a numpy array, plus its data when it views another buffer."""
    return array.__sizeof__() + (array.nbytes if array.base is not None else 0)
