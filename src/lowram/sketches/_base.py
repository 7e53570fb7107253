"""What every sketch shares: merging rules, operators, serialisation and pickling."""

from __future__ import annotations

import struct

from .._fileformat import atomic_write, pack, read_file, unpack
from .._kernels._hash import check_seed
from ..errors import FormatError

__all__ = ["Sketch", "check_seed"]


def _restore(cls, blob):
    return cls.from_bytes(blob)


class Sketch:
    """Base of lowram's sketches: ``merge``/``|``/``|=``, ``copy``, bytes, files, pickle.

    A subclass names its envelope kind (``_KIND``), the parameters two sketches must share to
    merge (``_PARAMS``), and implements ``_merge_one``, ``_payload`` and ``_from_payload``.
    """

    __slots__ = ()
    _lowram_sizeof_is_total = True
    _KIND = ""
    _VERSION = 2  #: payload format; 2: items hashed with XXH3-64 (1, with XXH64, is refused)
    _PARAMS: tuple = ("seed",)

    @property
    def seed(self) -> int:
        """Seed of the hash (of the random stream, for MorrisCounter); kept by pickle and
        bytes. Hashed sketches merge only with the same seed."""
        return self._seed

    # ------------------------------------------------------------ merging
    def _param_values(self) -> dict:
        return {name: getattr(self, name) for name in self._PARAMS}

    def _check_mergeable(self, others) -> None:
        mine = self._param_values()
        for other in others:
            if type(other) is not type(self):
                raise TypeError(f"cannot merge a {type(other).__name__} into a "
                                f"{type(self).__name__}")
            theirs = other._param_values()
            diff = [f"{k} {mine[k]!r} != {theirs[k]!r}" for k in mine if mine[k] != theirs[k]]
            if diff:
                raise ValueError(f"cannot merge {type(self).__name__}s with different "
                                 f"parameters: {', '.join(diff)}")

    def merge(self, *others) -> None:
        """Fold ``others`` (same type, parameters and seed) into this sketch, in place.

        All are checked before any is merged, so a mismatch leaves this sketch unchanged.
        Cost: one merge per other (O(size) each). ``a | b`` returns a new sketch; ``a |= b``
        merges in place.

        >>> from lowram import HyperLogLog
        >>> a, b = HyperLogLog(10), HyperLogLog(10)
        >>> a.update(["x", "y"]); b.update(["y", "z"])
        >>> a.merge(b); len(a)
        3
        >>> a.merge(HyperLogLog(11))
        Traceback (most recent call last):
        ...
        ValueError: cannot merge HyperLogLogs with different parameters: p 10 != 11
        """
        self._check_mergeable(others)
        for other in others:
            self._merge_one(other)

    def _merge_one(self, other) -> None:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def __or__(self, other):
        if not isinstance(other, Sketch):
            return NotImplemented
        self._check_mergeable((other,))
        out = self.copy()
        out._merge_one(other)
        return out

    def __ior__(self, other):
        if not isinstance(other, Sketch):
            return NotImplemented
        self.merge(other)
        return self

    def copy(self):
        """An independent copy with the same parameters, seed and state. O(size).

        >>> from lowram import KMinValues
        >>> a = KMinValues(16); a.add("x"); b = a.copy(); b.add("y")
        >>> len(a), len(b)
        (1, 2)
        """
        return type(self)._from_payload(self._payload(), self._VERSION)

    # ------------------------------------------------------------ serialisation
    def _payload(self) -> bytes:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    @classmethod
    def _from_payload(cls, payload: bytes, version: int):  # pragma: no cover
        raise NotImplementedError

    def to_bytes(self) -> bytes:
        """Serialise: lowram envelope (magic, version, kind, CRC-32) around the parameters,
        the seed and the state. O(size).

        >>> from lowram import BloomFilter
        >>> bf = BloomFilter(100, 0.01, seed=7); bf.add("x")
        >>> back = BloomFilter.from_bytes(bf.to_bytes())
        >>> "x" in back, back.seed, back == bf
        (True, 7, True)
        """
        return pack(self._KIND, self._VERSION, self._payload())

    @classmethod
    def _open(cls, env, source: str):
        try:
            return cls._from_payload(env.payload, env.version)
        except FormatError:
            raise
        except (ValueError, OverflowError, struct.error, IndexError) as exc:
            raise FormatError(f"{source}: corrupt {cls._KIND} payload: {exc}") from None

    @classmethod
    def from_bytes(cls, data, *, source: str = "data"):
        """Rebuild a sketch from :meth:`to_bytes`; ``lowram.FormatError`` if it is damaged.

        Every truncation and flipped byte is caught (length and CRC-32 checks) before the
        payload is parsed. O(size).

        >>> from lowram import HyperLogLog
        >>> HyperLogLog.from_bytes(HyperLogLog(8).to_bytes()[:-1])
        Traceback (most recent call last):
        ...
        lowram.errors.FormatError: data: truncated: 50 bytes, header says 51
        """
        return cls._open(unpack(data, kind=cls._KIND, versions=(cls._VERSION,),
                                source=source), source)

    def save(self, path) -> None:
        """Write :meth:`to_bytes` to ``path`` atomically (temporary file, then replace).

        >>> import os, tempfile
        >>> from lowram import CountMinSketch
        >>> path = os.path.join(tempfile.mkdtemp(), "counts.lowram")
        >>> cms = CountMinSketch(64, 3); cms.add("x", 5); cms.save(path)
        >>> CountMinSketch.load(path).count("x")
        5
        """
        atomic_write(path, self.to_bytes())

    @classmethod
    def load(cls, path):
        """Read a sketch written by :meth:`save`; ``lowram.FormatError`` if it is damaged."""
        return cls._open(read_file(path, kind=cls._KIND, versions=(cls._VERSION,)), str(path))

    def __reduce__(self):
        return (_restore, (type(self), self.to_bytes()))

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self._payload() == other._payload()

    __hash__ = None  # mutable

    @property
    def nbytes_serialized(self) -> int:
        """Length of :meth:`to_bytes` (not the RAM held: that is ``sys.getsizeof``)."""
        return len(self.to_bytes())
