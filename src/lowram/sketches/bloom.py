"""Bloom filters: set membership with no false negatives and a chosen false-positive rate.

:class:`BloomFilter` is sized for a capacity and an error rate: it picks the number of probes
``k`` and bits ``m`` for which the false-positive rate at capacity,
``(1 - exp(-k n / m)) ** k``, is at most the target: the fewest probes whose ``m`` is within
3% of the fewest bits (so about 3% above the ``1.44 * log2(1/p)`` bits per key of the
continuous optimum). Probes come from one 64-bit XXH3-64 hash by double hashing. :class:`ScalableBloomFilter` (Almeida et al., 2007) grows by
adding filters with tighter error rates whose sum stays within the target.
"""

from __future__ import annotations

import math
import os
import struct
import threading

import numpy as np

from ._bloom import BloomBits
from .._arrow import hash_chunks
from .._native._hash import check_items, hash64
from .._fileformat import HEADER_SIZE
from ..errors import FormatError
from ._base import Sketch, check_seed, locked

__all__ = ["BloomFilter", "ScalableBloomFilter", "bloom_size"]

_HEADER = struct.Struct("<QdQBQ")  # capacity, error rate, size in bits, hashes, seed


#: Extra bits a filter may spend, over the fewest that meet its error rate, to need fewer
#: probes: at 1% that buys 5 probes instead of 7 for 2.7% more bits (bits_vs_1_44_log2 in
#: benchmarks/bench_sketches.py shows the cost).
SIZE_SLACK = 0.03


def bloom_size(capacity: int, error_rate: float) -> tuple[int, int]:
    """``(bits, hashes)`` for ``capacity`` items at ``error_rate``: the fewest probes whose
    bits stay within :data:`SIZE_SLACK` (3%) of the fewest bits, over integer probe counts,
    that meet the rate. O(1).

    >>> bloom_size(1000, 0.01)
    (9849, 5)
    """
    options = []
    for k in range(1, 65):
        root = error_rate ** (1.0 / k)
        if root >= 1.0:
            break
        options.append((math.ceil(-k * capacity / math.log1p(-root)), k))
    fewest = min(m for m, _ in options)
    return min((o for o in options if o[0] <= fewest * (1.0 + SIZE_SLACK)),
               key=lambda o: o[1])


def _check_params(capacity, error_rate):
    if not isinstance(capacity, int) or isinstance(capacity, bool):
        raise TypeError(f"capacity must be an int, not {type(capacity).__name__}")
    if capacity < 1:
        raise ValueError(f"capacity must be at least 1, not {capacity}")
    if not isinstance(error_rate, (int, float)) or isinstance(error_rate, bool):
        raise TypeError(f"error_rate must be a float, not {type(error_rate).__name__}")
    if not 1e-12 <= error_rate < 1.0:
        raise ValueError(f"error_rate must be in [1e-12, 1), not {error_rate}")


class BloomFilter(Sketch):
    """A set that answers "maybe present" or "surely absent", in ~1.44 log2(1/p) bits per key.

    ``in``/``add``: O(k) with ``k = hashes`` probes; ``update``/``contains_many``: O(n k) in
    C; memory: ``size / 8`` bytes. At ``capacity`` items the false-positive rate is at most
    ``error_rate``; ``merge`` is a bitwise OR (exact: the filter of the union).

    >>> bf = BloomFilter(1000, 0.01)
    >>> bf.update(["apple", "pear"])
    >>> "apple" in bf, "plum" in bf
    (True, False)
    >>> bf.hashes, bf.size
    (5, 9849)
    """

    __slots__ = ("_bits", "_capacity", "_error_rate", "_seed", "_map")
    _KIND = "BloomFilter"
    _PARAMS = ("size", "hashes", "seed")

    def __init__(self, capacity: int, error_rate: float = 0.01, *, seed: int = 0):
        _check_params(capacity, error_rate)
        self._seed = check_seed(seed)
        self._capacity = capacity
        self._error_rate = float(error_rate)
        size, hashes = bloom_size(capacity, self._error_rate)
        self._bits = BloomBits(np.zeros((size + 63) // 64, dtype=np.uint64), size, hashes)
        self._map = None

    # ------------------------------------------------------------ parameters
    @property
    def capacity(self) -> int:
        """Number of items the filter was sized for."""
        return self._capacity

    @property
    def error_rate(self) -> float:
        """Target false-positive rate at capacity."""
        return self._error_rate

    @property
    def size(self) -> int:
        """Number of bits."""
        return self._bits.size

    @property
    def hashes(self) -> int:
        """Number of probes per item."""
        return self._bits.hashes


    @property
    def bits_per_key(self) -> float:
        """``size / capacity``."""
        return self.size / self._capacity

    @property
    def false_positive_rate(self) -> float:
        """Bound on the false-positive rate at capacity: ``(1 - exp(-k n / m)) ** k``."""
        k, m = self.hashes, self.size
        return (1.0 - math.exp(-k * self._capacity / m)) ** k

    def current_false_positive_rate(self) -> float:
        """False-positive rate at the present fill, ``(ones / size) ** hashes``. O(size)."""
        return (self._bits.count_ones() / self.size) ** self.hashes

    def estimate(self) -> float:
        """Estimated number of distinct items added, from the fill (Swamidass & Baldi).

        O(size / 64).

        >>> bf = BloomFilter(10_000, 0.01); bf.update(range(5000))
        >>> abs(bf.estimate() - 5000) < 100
        True
        """
        ones = self._bits.count_ones()
        if ones >= self.size:
            return math.inf
        return -self.size / self.hashes * math.log1p(-ones / self.size)

    # ------------------------------------------------------------ updates and queries
    @property
    def read_only(self) -> bool:
        """True for a filter opened with ``load(path, mmap=True)``: it answers, never changes."""
        return getattr(self, "_map", None) is not None

    def _writable(self) -> None:
        if self.read_only:
            raise TypeError("this BloomFilter is memory-mapped and read-only: copy() it to "
                            "get a writable filter")

    def add(self, item) -> None:
        """Add one item. O(hashes)."""
        self._writable()
        self._bits.add_item(item, self._seed)

    def update(self, items) -> None:
        """Add every item of a list, iterable or numpy integer array (hashed and set in C).

        A bad item raises ``TypeError``/``OverflowError`` and leaves the filter unchanged
        (an iterator that is not a list, tuple or array is hashed whole first: 8 bytes per
        item while it runs).
        """
        self._writable()
        if type(items) is list or type(items) is tuple:
            words = self._bits.words
            if words.nbytes > 16 * len(items):
                check_items(items)  # all or nothing: every item hashable before any bit is set
                self._bits.add_objects(items, self._seed)
                return
            # all or nothing, optimistically: a copy of the bits (at most 16 bytes per item)
            # costs less than a pass checking every item first; a bad item restores it (in
            # the same step of C: no other thread's bit is undone)
            try:
                self._bits.add_objects_or_none(items, self._seed)
            except BaseException:
                check_items(items)  # raises naming the bad item's position
                raise
            return
        for chunk in hash_chunks(items, self._seed):
            self._bits.add_hashes(chunk)

    def add_hashes(self, hashes) -> None:
        """Add precomputed 64-bit hashes (bring your own hash function)."""
        self._writable()
        self._bits.add_hashes(np.ascontiguousarray(hashes, dtype=np.uint64))

    def __contains__(self, item) -> bool:
        return self._bits.has_item(item, self._seed)

    def contains_many(self, items) -> np.ndarray:
        """A bool array: ``item in self`` for each item, in C. O(n * hashes).

        >>> bf = BloomFilter(100, 0.01); bf.update(range(10))
        >>> bf.contains_many([3, 99]).tolist()
        [True, False]
        """
        parts = [self._bits.has_hashes(chunk) for chunk in hash_chunks(items, self._seed)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)

    def clear(self) -> None:
        """Forget every item."""
        self._writable()
        self._bits.clear()

    def _merge_one(self, other) -> None:
        self._writable()
        self._bits.merge_from(other._bits)   # in C: no concurrent add's bit is lost

    # ------------------------------------------------------------ memory and bytes
    def __sizeof__(self) -> int:
        # a memory-mapped filter's bits live in the page cache, shared between processes:
        # they are not this object's heap (resident only as pages are touched)
        words = 0 if self.read_only else self._bits.words.__sizeof__()
        return object.__sizeof__(self) + object.__sizeof__(self._bits) + words

    def _lowram_owned(self):
        return (self._bits, self._bits.words)

    def _payload(self) -> bytes:
        return (_HEADER.pack(self._capacity, self._error_rate, self.size, self.hashes,
                             self._seed) + self._bits.words.tobytes())

    @classmethod
    def _from_payload(cls, payload: bytes, version: int):
        capacity, error_rate, size, hashes, seed = _HEADER.unpack_from(payload)
        _check_params(capacity, error_rate)
        if bloom_size(capacity, error_rate) != (size, hashes):
            raise ValueError("size and hashes do not match capacity and error rate")
        body = payload[_HEADER.size:]
        if len(body) != (size + 63) // 64 * 8:
            raise ValueError(f"{len(body)} bytes of bits, expected {(size + 63) // 64 * 8}")
        words = np.frombuffer(body, dtype="<u8").astype(np.uint64)
        if size % 64 and int(words[-1]) >> (size % 64):
            raise ValueError("bits set beyond the filter's size")
        obj = cls.__new__(cls)
        obj._capacity, obj._error_rate, obj._seed = capacity, error_rate, seed
        obj._bits = BloomBits(words, size, hashes)
        obj._map = None
        return obj

    @classmethod
    def load(cls, path, *, mmap: bool = False):
        """Read a filter written by :meth:`save`; ``lowram.FormatError`` if it is damaged.

        With ``mmap=True`` the bit array is the file itself, memory-mapped: nothing is copied,
        and N processes that open the same file share one physical copy (as in High Performance
        Python, ch.9: a structure copied into 8 workers costs 8 times its size; mapped, it costs once).
        The filter is then read-only (``add`` raises ``TypeError``; ``copy()`` is writable).
        The checksum is verified on open, which reads the file once.

        >>> import os, tempfile
        >>> bf = BloomFilter(1000, 0.01); bf.update(["a", "b"])
        >>> path = os.path.join(tempfile.mkdtemp(), "bf.lowram"); bf.save(path)
        >>> shared = BloomFilter.load(path, mmap=True)
        >>> "a" in shared, "z" in shared, shared.read_only, shared == bf
        (True, False, True, True)
        """
        if not mmap:
            return super().load(path)
        from .._fileformat import map_file

        path = os.fspath(path)
        # copy-on-write (BloomBits needs a writable buffer): pages stay shared with the page
        # cache, and so with every process mapping the file, because the filter never writes
        mapped, env = map_file(path, kind=cls._KIND, versions=(cls._VERSION,), writable=True)
        try:
            capacity, error_rate, size, hashes, seed = _HEADER.unpack_from(env.payload)
            _check_params(capacity, error_rate)
            if bloom_size(capacity, error_rate) != (size, hashes):
                raise FormatError(f"{path}: size and hashes do not match capacity and error rate")
            n_words = (size + 63) // 64
            if len(env.payload) != _HEADER.size + n_words * 8:
                raise FormatError(f"{path}: {len(env.payload) - _HEADER.size} bytes of bits, "
                                  f"expected {n_words * 8}")
            del env
            words = np.frombuffer(mapped, dtype="<u8", count=n_words,
                                  offset=HEADER_SIZE + len(cls._KIND) + _HEADER.size)
            if size % 64 and int(words[-1]) >> (size % 64):
                raise FormatError(f"{path}: bits set beyond the filter's size")
        except (ValueError, struct.error) as exc:
            if isinstance(exc, FormatError):
                raise
            raise FormatError(f"{path}: corrupt {cls._KIND} payload: {exc}") from None
        obj = cls.__new__(cls)
        obj._capacity, obj._error_rate, obj._seed = capacity, error_rate, seed
        obj._bits = BloomBits(words, size, hashes)
        obj._map = mapped
        return obj

    def copy(self):
        """An independent, writable copy. O(size / 8)."""
        return type(self)._from_payload(self._payload(), self._VERSION)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(capacity={self._capacity}, "
                f"error_rate={self._error_rate}, seed={self._seed})")

    def _check(self) -> None:
        """Assert internal invariants (for tests)."""
        words = self._bits.words
        assert words.dtype == np.uint64 and words.shape == ((self.size + 63) // 64,)
        if self.size % 64:
            assert int(words[-1]) >> (self.size % 64) == 0
        assert (self.size, self.hashes) == bloom_size(self._capacity, self._error_rate)


_SCALABLE = struct.Struct("<QddBQQ")  # initial capacity, error rate, ratio, growth, seed, stages


class ScalableBloomFilter(Sketch):
    """A Bloom filter that grows: a chain of filters whose error rates sum to the target.

    Stage ``i`` holds ``initial_capacity * growth**i`` items at error rate
    ``error_rate * (1 - ratio) * ratio**i``, so the overall false-positive rate stays below
    ``error_rate`` however many stages are added (Almeida et al., "Scalable Bloom Filters",
    2007). An item is added to the newest stage only when no stage already reports it.
    ``in``: O(stages * hashes); ``update``: O(n * stages * hashes) in C; memory: the stages.

    >>> sbf = ScalableBloomFilter(100, 0.01)
    >>> sbf.update(range(1000))
    >>> 999 in sbf, sbf.stages > 1, sbf.false_positive_rate <= 0.01
    (True, True, True)
    """

    # threads: the chain (filters and counts, two lists) changes in several Python steps, so
    # every method that reads or writes it runs under one re-entrant lock (``locked``)
    __slots__ = ("_filters", "_counts", "_initial", "_error_rate", "_ratio", "_growth",
                 "_seed", "_lock")
    _KIND = "ScalableBloomFilter"
    _PARAMS = ("initial_capacity", "error_rate", "ratio", "growth", "seed")

    def __init__(self, initial_capacity: int = 1000, error_rate: float = 0.01, *,
                 ratio: float = 0.85, growth: int = 2, seed: int = 0):
        _check_params(initial_capacity, error_rate)
        if not 0.0 < ratio < 1.0:
            raise ValueError(f"ratio must be in (0, 1), not {ratio}")
        if not isinstance(growth, int) or not 1 <= growth <= 16:
            raise ValueError(f"growth must be an int from 1 to 16, not {growth!r}")
        self._initial = initial_capacity
        self._error_rate = float(error_rate)
        self._ratio = float(ratio)
        self._growth = growth
        self._seed = check_seed(seed)
        self._filters: list = []
        self._counts: list = []
        self._lock = threading.RLock()

    # ------------------------------------------------------------ parameters
    initial_capacity = property(lambda self: self._initial,
                                doc="Capacity of the first stage.")
    error_rate = property(lambda self: self._error_rate,
                          doc="Target overall false-positive rate.")
    ratio = property(lambda self: self._ratio, doc="Error-rate ratio between stages.")
    growth = property(lambda self: self._growth, doc="Capacity factor between stages.")

    @property
    def stages(self) -> int:
        """Number of filters in the chain."""
        return len(self._filters)

    def _stage_error(self, i: int) -> float:
        return self._error_rate * (1.0 - self._ratio) * self._ratio ** i

    @property
    @locked
    def false_positive_rate(self) -> float:
        """Bound on the overall false-positive rate, ``1 - prod(1 - p_i)`` over the stages
        at capacity (always below ``error_rate``)."""
        keep = 1.0
        for f in self._filters:
            keep *= 1.0 - f.false_positive_rate
        return 1.0 - keep

    @property
    @locked
    def capacity(self) -> int:
        """Items the present stages hold before another is added."""
        return sum(f.capacity for f in self._filters)

    @locked
    def __len__(self) -> int:
        """Number of items added that no stage reported as present (distinct, nearly)."""
        return sum(self._counts)

    # ------------------------------------------------------------ updates and queries
    def _new_stage(self) -> BloomFilter:
        i = len(self._filters)
        f = BloomFilter(self._initial * self._growth ** i, self._stage_error(i), seed=self._seed)
        self._filters.append(f)
        self._counts.append(0)
        return f

    @locked
    def _add_hashes(self, hashes: np.ndarray) -> None:
        present = np.zeros(len(hashes), dtype=bool)
        for f in self._filters:   # the last stage too: a full one must not open another
            present |= f._bits.has_hashes(hashes)   # for an item it already holds
        rest = hashes[~present]
        while len(rest):
            if not self._filters or self._counts[-1] >= self._filters[-1].capacity:
                stage = self._new_stage()
            stage = self._filters[-1]
            room = stage.capacity - self._counts[-1]
            used, added = stage._bits.add_new_hashes(np.ascontiguousarray(rest), room)
            self._counts[-1] += added
            rest = rest[used:]
            if len(rest) and self._counts[-1] >= stage.capacity:
                rest = rest[~stage._bits.has_hashes(np.ascontiguousarray(rest))]

    def add(self, item) -> None:
        """Add one item. O(stages * hashes)."""
        self._add_hashes(np.array([hash64(item, self._seed)], dtype=np.uint64))

    def update(self, items) -> None:
        """Add every item of a list, iterable or numpy integer array, in C per stage.

        A bad item raises ``TypeError``/``OverflowError`` and leaves the filter unchanged
        (an iterator that is not a list, tuple or array is hashed whole first: 8 bytes per
        item while it runs).
        """
        for chunk in hash_chunks(items, self._seed):
            self._add_hashes(chunk)

    @locked
    def __contains__(self, item) -> bool:
        try:
            h = hash64(item, self._seed)
        except (TypeError, OverflowError):
            return False
        for f in self._filters:
            if f._bits.has_hash(h):
                return True
        return False

    @locked
    def contains_many(self, items) -> np.ndarray:
        """A bool array: ``item in self`` for each item. O(n * stages * hashes)."""
        parts = []
        for chunk in hash_chunks(items, self._seed):
            hit = np.zeros(len(chunk), dtype=bool)
            for f in self._filters:
                hit |= f._bits.has_hashes(chunk)
            parts.append(hit)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)

    @locked
    def clear(self) -> None:
        """Forget every item (and every stage)."""
        self._filters, self._counts = [], []

    def _merge_one(self, other) -> None:
        # Stage i of both chains has the same size: OR them; the longer chain's extra
        # stages are copied. Counts add (an upper bound: shared items are counted twice).
        self._merge_chain(other.copy())   # other's chain of one moment, under its lock

    @locked
    def _merge_chain(self, other) -> None:
        for i, f in enumerate(other._filters):
            if i < len(self._filters):
                self._filters[i]._merge_one(f)
                self._counts[i] = min(self._filters[i].capacity,
                                      self._counts[i] + other._counts[i])
            else:
                self._filters.append(f.copy())
                self._counts.append(other._counts[i])

    # ------------------------------------------------------------ memory and bytes
    @locked
    def __sizeof__(self) -> int:
        return (object.__sizeof__(self) + self._filters.__sizeof__()
                + self._counts.__sizeof__() + sum(f.__sizeof__() for f in self._filters))

    @locked
    def _lowram_owned(self):
        owned = [self._filters, self._counts]
        for f in self._filters:
            owned.extend((f, *f._lowram_owned()))
        return owned

    @locked
    def _payload(self) -> bytes:
        parts = [_SCALABLE.pack(self._initial, self._error_rate, self._ratio, self._growth,
                                self._seed, len(self._filters))]
        for f, count in zip(self._filters, self._counts):
            body = f._payload()
            parts.append(struct.pack("<QQ", count, len(body)))
            parts.append(body)
        return b"".join(parts)

    @classmethod
    def _from_payload(cls, payload: bytes, version: int):
        initial, error_rate, ratio, growth, seed, stages = _SCALABLE.unpack_from(payload)
        obj = cls(initial, error_rate, ratio=ratio, growth=growth, seed=seed)
        pos = _SCALABLE.size
        for i in range(stages):
            count, length = struct.unpack_from("<QQ", payload, pos)
            pos += 16
            if pos + length > len(payload):
                raise ValueError("stage runs past the end of the data")
            f = BloomFilter._from_payload(payload[pos:pos + length], version)
            pos += length
            if (f.capacity != initial * growth ** i or f.seed != seed
                    or f.error_rate != obj._stage_error(i) or count > f.capacity):
                raise ValueError(f"stage {i} does not match the chain's parameters")
            obj._filters.append(f)
            obj._counts.append(count)
        if pos != len(payload):
            raise ValueError("trailing bytes after the last stage")
        return obj

    def __repr__(self) -> str:
        return (f"ScalableBloomFilter(initial_capacity={self._initial}, "
                f"error_rate={self._error_rate}, seed={self._seed}) # {self.stages} stages")

    @locked
    def _check(self) -> None:
        """Assert internal invariants (for tests)."""
        assert len(self._filters) == len(self._counts)
        for i, (f, count) in enumerate(zip(self._filters, self._counts)):
            f._check()
            assert f.capacity == self._initial * self._growth ** i
            assert 0 <= count <= f.capacity
        assert self.false_positive_rate <= self._error_rate
