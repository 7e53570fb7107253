"""What every sketch shares: merging rules, operators, serialisation, pickling, and the table
of sketch kinds.

Every class that names an envelope kind (``_KIND``) is entered in :data:`KINDS` when Python
defines it (``Sketch.__init_subclass__``), and :mod:`lowram.sketches` imports every sketch
module, so ``import lowram`` is enough for :func:`sketch_from_bytes`, ``load``, pickles and
:func:`lowram.redis.fetch` to know every kind. A new sketch is one module that subclasses
:class:`Sketch` and one import line in ``lowram/sketches/__init__.py``.
"""

from __future__ import annotations

import functools
import struct

from .._fileformat import atomic_write, check_version, pack, read_file, unpack
from .._native._hash import check_seed
from ..errors import FormatError

__all__ = ["KINDS", "Sketch", "check_seed", "locked", "sketch_from_bytes"]


def locked(method):
    """Run ``method`` under the sketch's re-entrant ``_lock``.

    For a sketch whose state is several Python objects changed in several steps (a chain of
    filters and their counts, a counter and its random stream): one thread's change is
    then whole before another's starts. Sketches whose state lives in a compiled core change
    it in one C call instead and need no lock. A merge takes a copy of the other sketch
    first (under the other's lock), so no thread ever holds two sketches' locks.
    """
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return run

#: envelope kind name -> sketch class, filled as each class is defined
KINDS: dict[str, type] = {}


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

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("_KIND")
        if not kind:
            return  # a shared base (RegisterSketch, ...), not a kind of its own
        known = KINDS.get(kind)
        if known is not None and (known.__module__, known.__qualname__) != \
                (cls.__module__, cls.__qualname__):
            raise TypeError(f"sketch kind {kind!r} is taken by {known.__module__}."
                            f"{known.__qualname__}")
        KINDS[kind] = cls

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
    def _resolve(cls, env, source: str):
        """The class that reads envelope ``env``: its kind's class, if it is ``cls`` or a
        subclass of it (``HyperLogLog.load`` opens a Redis-hashed HyperLogLog too)."""
        found = KINDS.get(env.kind)
        if found is None or not issubclass(found, cls):
            if cls is Sketch:
                raise FormatError(f"{source}: holds a {env.kind!r}, which is not a lowram sketch")
            raise FormatError(f"{source}: holds a {env.kind!r}, not a {cls._KIND!r}")
        check_version(env, (found._VERSION,), source)
        return found._open(env, source)

    @classmethod
    def from_bytes(cls, data, *, source: str = "data"):
        """Rebuild a sketch from :meth:`to_bytes`; ``lowram.FormatError`` if it is damaged.

        Every truncation and flipped byte is caught (length and CRC-32 checks) before the
        payload is parsed. ``Sketch.from_bytes`` (also :func:`sketch_from_bytes`) opens any
        kind; a class opens its own kind and its subclasses'. O(size).

        >>> from lowram import HyperLogLog
        >>> HyperLogLog.from_bytes(HyperLogLog(8).to_bytes()[:-1])
        Traceback (most recent call last):
        ...
        lowram.errors.FormatError: data: truncated: 50 bytes, header says 51
        """
        return cls._resolve(unpack(data, source=source), source)

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
    def load(cls, path, *, mmap=False):
        """Read a sketch written by :meth:`save`; ``lowram.FormatError`` if it is damaged.

        ``mmap`` is taken as by every lowram ``load``; a sketch whose state is rebuilt on
        load is read into memory either way (BloomFilter maps its bits: see its ``load``).
        """
        return cls._resolve(read_file(path), str(path))

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


def sketch_from_bytes(data, *, source: str = "data") -> Sketch:
    """Any lowram sketch from its :meth:`Sketch.to_bytes`, whatever its kind.

    >>> from lowram import KMinValues
    >>> from lowram.sketches import sketch_from_bytes
    >>> kmv = KMinValues(16); kmv.add("x")
    >>> type(sketch_from_bytes(kmv.to_bytes())).__name__
    'KMinValues'
    """
    return Sketch.from_bytes(data, source=source)
