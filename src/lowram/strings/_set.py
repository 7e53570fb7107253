"""StringSet: a frozen set of str over a choice of compact backends, with prefix queries."""

from __future__ import annotations

import collections.abc
import itertools
import os
import struct
import sys

from .._arrow import is_columnar
from .._fileformat import atomic_write, pack, unpack
from ..errors import FormatError, LowramError, not_utf8
from . import backends
from ._files import read_or_map
from ._prefix import MISSING, longest_prefix
from ._core import SetCore
from ._gather import collect, collect_objects

__all__ = ["StringSet"]

_KIND = "StringSet/"
_VERSION = 1
_HEAD = struct.Struct("<QB3xI")  # keys (the empty key included), has-empty flag, padding length
_ENVELOPE_HEAD = 28  # lowram._fileformat header size before the kind name


class StringSet(SetCore, collections.abc.Set):
    """A frozen set of ``str`` held compactly by one of several backends.

    A complete :class:`collections.abc.Set` (``len``, ``in``, iteration in sorted code-point
    order, comparisons, ``& | - ^``, ``isdisjoint``, hashable like ``frozenset``) plus prefix
    queries and ``contains_many``. ``backend`` is one of:

    * ``"marisa"`` – MARISA trie: the least RAM on English (2.9 bytes per word),
      memory-mappable; no lone surrogates;
    * ``"dawg"`` – DAWG: 5.2 bytes per English word but 1.3 per Ukrainian word (it merges
      shared suffixes), lookups several times faster than marisa, memory-mappable; no
      "\\x00", no lone surrogates;
    * ``"datrie"`` – double-array trie in libdatrie's format (laid out from the sorted keys
      and read by lowram; libdatrie reads the file too): about 31 bytes per English word,
      memory-mappable; at most 255 distinct characters, no "\\x00", no lone surrogates;
    * ``"sorted"`` – lowram's sorted UTF-8 buffer + offsets (the text plus 4 bytes per key):
      holds every str, memory-mappable;
    * ``"compact"`` – lowram's compressed dictionary: sorted keys front-coded in buckets of
      48 (each key stores only the bytes it does not share with the key before it), each
      bucket coded with a table of frequent substrings trained on the keys: holds every
      str, memory-mappable, its file checked whole when opened; a lookup binary-searches
      the buckets' first keys and decodes and walks one bucket;
    * ``"builtin"`` – a frozenset (fastest lookups, most RAM: about 115 bytes per word);
      the sorted order is built on the first ordered iteration or prefix query and kept
      (8 more bytes per key from then on); a hash table of 4 MB or more is moved onto
      transparent huge pages where Linux allows it (``LOWRAM_HUGE_PAGES=0`` turns that off);
    * ``"auto"`` (default) – ``builtin`` below 1,000 keys, else the smallest of
      ``compact``, ``marisa`` and ``dawg`` that can hold every key, judged by building each
      on a sample of the keys (``lowram.strings.backends.choose``). :attr:`backend` tells
      which was picked.

    A backend that cannot hold some key refuses at build time with a ``ValueError`` naming
    the first such key (in sorted order) and why; nothing is stored half-way.
    Build cost: O(n log n) to sort plus the backend's build; lookups cost what the backend's
    do (see ``benchmarks/bench_strings.py``). The keys are gathered in bounded memory: sorted
    in runs, front-coded, and spilled to a temporary file (in ``TMPDIR``) once the runs
    pass ``build_budget`` bytes (default an eighth of the machine's RAM, at least 64 MiB),
    then merged; keys given in sorted order are not sorted again. The build then holds the
    front-coded keys (a fraction of their UTF-8) besides what the backend itself needs
    (``docs/strings.md``). A pyarrow or pandas string column is read from its buffers into
    the same runs, with no Python object per row (``docs/arrow.md``; nulls and non-UTF-8
    bytes raise ValueError).

    >>> s = StringSet(["banana", "apple", "app"], backend="marisa")
    >>> len(s), "app" in s, "ap" in s, list(s), s.backend
    (3, True, False, ['app', 'apple', 'banana'], 'marisa')
    >>> s == {"app", "apple", "banana"}, s.prefixes("apples"), s.longest_prefix("apples")
    (True, ['app', 'apple'], 'apple')
    """

    __slots__ = ("_backend", "_hash", "__weakref__")
    _lowram_sizeof_is_total = True

    def __init__(self, iterable=(), *, backend: str = "auto", build_budget: int | None = None):
        if getattr(self, "_backend", None) is not None:
            return   # built already: like frozenset's, a second __init__ changes nothing
        if build_budget is not None:
            if not isinstance(build_budget, int) or isinstance(build_budget, bool):
                raise TypeError(f"build_budget must be an int (bytes), not "
                                f"{type(build_budget).__name__}")
            if build_budget < 1:
                raise ValueError(f"build_budget must be a positive number of bytes, not "
                                 f"{build_budget}")
        if backend == "builtin" and not is_columnar(iterable):
            # a frozenset keeps the objects themselves: gathered bytes would only add to it
            keys, has_empty = collect_objects(iterable, "StringSet")
        else:
            keys, has_empty = collect(iterable, "StringSet", build_budget)
        cls = backends.choose(backend, keys)
        impl = cls.build(keys)
        if impl.count() != len(keys):
            raise LowramError(f"the {cls.name} backend holds {impl.count()} keys after the "
                              f"build, not the {len(keys)} given")
        self._attach(impl, has_empty)

    def _attach(self, impl, has_empty: bool):
        self._backend = impl
        self._hash = None
        self._init_core(impl.impl, impl.size + bool(has_empty), bool(has_empty),
                        impl.sort_batches)

    @classmethod
    def _from_backend(cls, impl, has_empty: bool) -> "StringSet":
        self = cls.__new__(cls)
        self._attach(impl, has_empty)
        return self

    # -- facts
    @property
    def backend(self) -> str:
        """Name of the backend holding the keys (what ``auto`` picked)."""
        return self._backend.name

    @property
    def nbytes(self) -> int:
        """Bytes of RAM the keys take in the backend, native memory included.

        How each backend's native size is obtained is documented in its module
        (``lowram.strings.backends.marisa`` etc.) and checked against resident-set growth in
        ``tests/test_strings_size.py``.
        """
        return self._backend.nbytes()

    def __sizeof__(self) -> int:
        return object.__sizeof__(self) + sys.getsizeof(self._backend) + self._backend.nbytes()

    def _has_empty_key(self) -> bool:
        return "" in self

    # -- iteration and prefix queries
    def __iter__(self):
        return self.keys()

    def keys(self, prefix: str = ""):
        """Iterate lazily over the keys starting with ``prefix``, in sorted code-point order.

        Cost: O(len(prefix)) (log n for ``sorted``) to find the first key, then per key.

        >>> list(StringSet(["ab", "b", "a"], backend="sorted").keys("a"))
        ['a', 'ab']
        """
        if not isinstance(prefix, str):
            raise TypeError(f"prefix must be a str, not {type(prefix).__name__}")
        return self._keys(prefix)

    def _keys(self, prefix: str):
        if prefix == "" and self._has_empty_key():
            yield ""
        impl = self._backend
        if impl.holdable(prefix):
            try:
                yield from impl.iter_keys(prefix)
            except UnicodeDecodeError as e:
                raise not_utf8(impl.name, e) from e

    def has_prefix(self, prefix: str) -> bool:
        """Whether some key starts with ``prefix``. Cost: about one lookup.

        >>> StringSet(["apple"], backend="dawg").has_prefix("ap")
        True
        """
        if not isinstance(prefix, str):
            raise TypeError(f"prefix must be a str, not {type(prefix).__name__}")
        if prefix == "":
            return len(self) > 0
        impl = self._backend
        return impl.holdable(prefix) and impl.has_prefix(prefix)

    def prefixes(self, s: str) -> list:
        """The stored keys that are prefixes of ``s``, shortest first. Cost: O(len(s)) steps.

        >>> StringSet(["", "a", "abc", "b"], backend="datrie").prefixes("abcd")
        ['', 'a', 'abc']
        """
        if not isinstance(s, str):
            raise TypeError(f"prefixes() needs a str, not {type(s).__name__}")
        out = [""] if self._has_empty_key() else []
        clipped = self._backend.clip(s)
        if clipped:
            try:
                out.extend(self._backend.prefixes(clipped))
            except UnicodeDecodeError as e:
                raise not_utf8(self._backend.name, e) from e
        return out

    def longest_prefix(self, s: str, default=MISSING):
        """The longest stored key that is a prefix of ``s``; ``KeyError`` (or ``default``).

        >>> StringSet(["a", "abc"], backend="builtin").longest_prefix("abx")
        'a'
        """
        return longest_prefix(self.prefixes(s), s, default)

    # -- set algebra: results use the same backend
    def _from_iterable(self, iterable) -> "StringSet":
        return StringSet(iterable, backend=self.backend)

    # frozenset's named methods: any iterables, several of them (the operators, from
    # collections.abc.Set, take sets only, as frozenset's do); items of the others need only
    # be hashable, but a result holds str only (TypeError names another item)

    @staticmethod
    def _as_set(other):
        return other if isinstance(other, (collections.abc.Set, dict)) else frozenset(other)

    def union(self, *others) -> "StringSet":
        """A new set (same backend) of the keys of this set and of each of ``others``.

        >>> StringSet(["a"]).union(["b"], ("c",))
        StringSet(['a', 'b', 'c'], backend='builtin')
        """
        return self._from_iterable(itertools.chain(self, *others))

    def intersection(self, *others) -> "StringSet":
        """A new set of the keys in this set and in every one of ``others``.

        >>> StringSet(["a", "b", "c"]).intersection(["b", "c", 1], "cb")
        StringSet(['b', 'c'], backend='builtin')
        """
        sets = [self._as_set(o) for o in others]
        return self._from_iterable(k for k in self if all(k in s for s in sets))

    def difference(self, *others) -> "StringSet":
        """A new set of the keys in this set and in none of ``others``.

        >>> StringSet(["a", "b", "c"]).difference(["a"], ["c"])
        StringSet(['b'], backend='builtin')
        """
        sets = [self._as_set(o) for o in others]
        return self._from_iterable(k for k in self if not any(k in s for s in sets))

    def symmetric_difference(self, other) -> "StringSet":
        """A new set of the keys in exactly one of this set and ``other``.

        >>> StringSet(["a", "b"]).symmetric_difference(["b", "c"])
        StringSet(['a', 'c'], backend='builtin')
        """
        theirs = self._as_set(other)
        return self._from_iterable(itertools.chain(
            (k for k in self if k not in theirs), (k for k in theirs if k not in self)))

    def issubset(self, other) -> bool:
        """Whether every key is in ``other`` (any iterable), as ``frozenset.issubset``.

        >>> StringSet(["a"]).issubset("ab")
        True
        """
        theirs = self._as_set(other)
        return all(k in theirs for k in self)

    def issuperset(self, other) -> bool:
        """Whether every item of ``other`` (any iterable) is in this set.

        >>> StringSet(["a", "b"]).issuperset("a")
        True
        """
        return all(k in self for k in self._as_set(other))

    def copy(self) -> "StringSet":
        """This set itself: it is immutable, so a copy is the same object (as for frozenset).

        >>> s = StringSet(["a"]); s.copy() is s
        True
        """
        return self

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = self._hash_impl()
        return self._hash

    _hash_impl = collections.abc.Set._hash

    def __repr__(self) -> str:
        n = len(self)
        shown = []
        for key in self:
            if len(shown) == 10 and n > 12:
                break
            shown.append(key)
        body = ", ".join(map(repr, shown))
        if len(shown) < n:
            body += f", ... ({n - len(shown)} more)"
        return f"StringSet([{body}], backend={self.backend!r})"

    # -- persistence
    def to_bytes(self) -> bytes:
        """Serialise into lowram's envelope (magic, version, backend, CRC-32). O(size).

        >>> s = StringSet(["x", "y"], backend="sorted")
        >>> StringSet.from_bytes(s.to_bytes()) == s
        True
        """
        kind = _KIND + self.backend
        body = self._backend.payload()
        # pad so that the backend's bytes start 8-byte aligned in a file (for mmap)
        start = _ENVELOPE_HEAD + len(kind) + _HEAD.size
        pad = -start % 8
        head = _HEAD.pack(len(self), self._has_empty_key(), pad)
        return pack(kind, _VERSION, head + b"\0" * pad + body)

    @classmethod
    def from_bytes(cls, data) -> "StringSet":
        """Open bytes made by :meth:`to_bytes`; ``lowram.FormatError`` if they are damaged."""
        env = unpack(data, kind=_KIND, versions=(_VERSION,), source="StringSet data")
        return cls._open(env.kind, memoryview(env.payload), False, "StringSet data")

    @classmethod
    def _open(cls, kind: str, payload, mapped: bool, source: str) -> "StringSet":
        name = kind[len(_KIND):]
        try:
            backend_cls = backends.lookup(name)
        except ValueError:
            raise FormatError(f"{source}: unknown StringSet backend {name!r}") from None
        if len(payload) < _HEAD.size:
            raise FormatError(f"{source}: StringSet payload shorter than its header")
        count, has_empty, pad = _HEAD.unpack_from(payload)
        body = payload[_HEAD.size + pad:]
        if has_empty > 1 or _HEAD.size + pad > len(payload) or count < has_empty:
            raise FormatError(f"{source}: malformed StringSet header")
        if count > sys.maxsize:
            # no set can hold that many; len() could not even say it
            raise FormatError(f"{source}: the header claims {count} keys")
        try:
            impl = backend_cls.from_payload(body, mapped, count - has_empty)
        except FormatError:
            raise
        except Exception as exc:
            raise FormatError(f"{source}: the {name} payload does not open: {exc}") from None
        if backend_cls.cheap_count and impl.count() != count - has_empty:
            raise FormatError(f"{source}: holds {impl.count() + has_empty} keys, header says "
                              f"{count}")
        return cls._from_backend(impl, bool(has_empty))

    def save(self, path) -> None:
        """Write :meth:`to_bytes` to ``path`` atomically (temp file + ``os.replace``)."""
        atomic_write(path, self.to_bytes())

    @classmethod
    def load(cls, path, *, mmap: bool = True) -> "StringSet":
        """Open a file written by :meth:`save`; damaged files raise ``lowram.FormatError``.

        With ``mmap=True`` a backend that supports it (``marisa``, ``dawg``, ``datrie``,
        ``sorted``) reads the keys from a read-only memory map, so processes opening the same
        file share one copy in the page cache (``save`` replaces files atomically, so a mapped
        file is never rewritten under a reader). The checksum is verified before any backend
        code sees the bytes (this reads the file once, without copying it). The CRC-32 detects
        accidental damage (any flipped byte, any truncation); it is no defence against a file
        crafted to pass it, so every backend's payload is checked by lowram's own code: the
        ``dawg``, ``datrie``, ``sorted`` and ``compact`` readers check the structure when
        opening and bounds-check every read, and a ``marisa`` payload is checked whole (rank
        and select indexes, tree shape, links, cache, key lengths) before the marisa library
        reads it. Such a file raises ``lowram.FormatError`` or gives other answers, never
        reads outside its buffer or runs without end.

        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "words.lowram")
        >>> StringSet(["a", "b"], backend="marisa").save(path)
        >>> StringSet.load(path) == {"a", "b"}
        True
        """
        kind, payload, mapped = read_or_map(
            path, kind=_KIND, versions=(_VERSION,), mmap=mmap,
            can_map=backends.can_map)
        return cls._open(kind, payload, mapped, os.fsdecode(os.fspath(path)))

    def export(self, path) -> None:
        """Write the backend library's own file format (no lowram envelope) to ``path``.

        For tools that read that format directly: a ``dawg`` export opens with DAWG-Python,
        a ``marisa`` export with ``marisa_trie.Trie().load``. ``ValueError`` for backends
        without a native format (``sorted``, ``builtin``). The empty key, kept by lowram
        beside the backend, is not in the export.
        """
        self._backend.export(os.fspath(path))

    def __reduce__(self):
        return (_from_bytes, (self.to_bytes(),))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    # -- invariants
    def _check(self) -> None:
        """Assert internal invariants (used by the tests after every operation)."""
        impl = self._backend
        assert len(self) == impl.size + self._has_empty_key()
        assert impl.count() == impl.size
        previous = None
        n = 0
        for key in self:
            assert type(key) is str
            assert previous is None or previous < key, (previous, key)
            assert key in self
            previous = key
            n += 1
        assert n == len(self)


def _from_bytes(data) -> StringSet:
    return StringSet.from_bytes(data)


def _sets_only(name):
    """``collections.abc.Set``'s operator ``name`` for set operands only: Set's mixins take
    any iterable, frozenset's operators (and so StringSet's) refuse a list or a str."""
    mixin = getattr(collections.abc.Set, name)

    def operator(self, other):
        if not isinstance(other, collections.abc.Set):
            return NotImplemented
        return mixin(self, other)

    operator.__name__ = operator.__qualname__ = name
    operator.__doc__ = f"``{name}`` with another set, as frozenset's (TypeError otherwise)."
    return operator


for _name in ("__and__", "__rand__", "__or__", "__ror__", "__sub__", "__rsub__", "__xor__",
              "__rxor__"):
    setattr(StringSet, _name, _sets_only(_name))
del _name
