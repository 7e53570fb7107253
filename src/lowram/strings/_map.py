"""StringMap: a frozen mapping from str to values of any kind over the StringSet backends."""

from __future__ import annotations

import collections.abc
import os
import struct
import sys

import numpy as np

from .._arrow import is_columnar, object_strings, text_blocks
from .._fileformat import HEADER_SIZE, atomic_write, pack, unpack
from .._native._text import decode_spans
from ..errors import FormatError, LowramError, not_utf8
from . import backends
from ._files import read_or_map
from ._prefix import MISSING, longest_prefix
from ._values import KINDS, PickleNotAllowed, ValueStore

__all__ = ["StringMap"]

_KIND = "StringMap/"
#: version 2 pads the index and the values to start 8-byte aligned in a file (for mmap); the
#: pad lengths sit in bytes that version 1 wrote as zeros, so both read with one parser.
#: Version 3 stores values of every kind (``_values.KINDS``; 1 and 2 held int or bytes, the
#: codes 0 and 1 there), and the value of "" may be of another kind than the others.
_VERSION = 3
_VERSIONS = (1, 2, 3)
# keys, has-empty, value kind code, index pad, values pad, index bytes, values bytes
_HEAD = struct.Struct("<QBBBB4xQQ")


class StringMap(collections.abc.Mapping):
    """A frozen mapping from ``str`` to values of any kind, held compactly.

    A complete :class:`collections.abc.Mapping`, iterating in sorted code-point order, plus
    prefix queries that return items. The keys live in one of the StringSet backends
    (``marisa``, ``dawg``, ``datrie``, ``sorted``, ``compact``, ``builtin``; ``auto`` as for
    :class:`lowram.StringSet`), which maps each key to an index; the values live in one
    column per kind, with no Python object per value: ints in the narrowest numpy dtype
    holding them, floats as float32 when that is exact else float64, bools as bits, str as
    one UTF-8 blob with 4-byte offsets, bytes likewise, None as nothing; any other object
    (a tuple, an int past 64 bits, a bytearray) is kept by reference, so ``m[k] is v`` as
    in ``dict``. Mixed kinds add one tag byte and a small rank per value. Every value comes
    back as the kind it went in as (``True`` stays a bool, ``1.0`` a float); numpy scalars
    are taken as their Python values. :attr:`value_kind` says which layout was chosen.
    Later pairs win, as in ``dict``. Cost: a lookup is the backend's lookup plus one array
    read (and a UTF-8 decode for str values).

    >>> m = StringMap({"apple": 3, "app": 1, "banana": 7}, backend="marisa")
    >>> m["app"], len(m), list(m), m.get("x", 0)
    (1, 3, ['app', 'apple', 'banana'], 0)
    >>> m.prefixes("apples"), m.longest_prefix("apples"), list(m.items("ap"))
    ([('app', 1), ('apple', 3)], ('apple', 3), [('app', 1), ('apple', 3)])
    >>> lemmas = StringMap({"ran": "run", "mice": "mouse"}); lemmas["mice"], lemmas.value_kind
    ('mouse', 'str')
    """

    __slots__ = ("_index", "_values", "_empty", "__weakref__")
    _lowram_sizeof_is_total = True

    def __init__(self, mapping_or_pairs=(), *, backend: str = "auto"):
        if getattr(self, "_index", None) is not None:
            raise TypeError("StringMap is immutable: build a new one instead")
        if isinstance(mapping_or_pairs, collections.abc.Mapping):
            source = dict(mapping_or_pairs.items())
        else:
            source = dict(mapping_or_pairs)
        for key in source:
            if not isinstance(key, str):
                raise TypeError(f"StringMap keys must be str, not {type(key).__name__}: "
                                f"{key!r}")
        empty = source.pop("", MISSING)
        keys = sorted(source)
        if empty is not MISSING:
            empty = ValueStore.build([empty])
        values = [source[k] for k in keys]
        store = ValueStore.build(values)
        del values
        self._install(keys, store, empty, backend)

    def _install(self, keys: list, check: ValueStore, empty, backend: str) -> None:
        """Build the index of sorted distinct ``keys`` ("" apart) and attach the values."""
        cls = backends.choose(backend, keys, "map")
        index, ids = cls.build_index(keys)
        if index.count() != len(keys):
            raise LowramError(f"the {cls.name} backend holds {index.count()} keys after the "
                              f"build, not the {len(keys)} given")
        if isinstance(ids, range) and ids == range(len(keys)):
            store = check
        else:
            store = check.permuted(ids)
            del check
        self._index = index
        self._values = store
        self._empty = None if empty is MISSING else empty

    @classmethod
    def from_arrow(cls, keys, values, *, backend: str = "auto") -> "StringMap":
        """A map of an Arrow (or pandas) column of keys to the column of their values.

        ``keys``: a string column; ``values`` a column of the same length: integers (values
        are ints), floating point (floats), booleans (bools), strings (str) or binary
        (bytes). A key that occurs
        several times keeps its last value, as ``dict(zip(keys, values))`` does. Columns
        are pyarrow Arrays, ChunkedArrays, one-column Tables/RecordBatches or pandas Series
        (not streams: the two must be read side by side). Keys are read from the Arrow
        buffers with no Python object per row (only the distinct keys reach the backend);
        nulls, non-UTF-8 keys and unequal lengths raise ValueError.
        Cost: O(total bytes) plus sorting the distinct keys.

        >>> import pyarrow as pa
        >>> StringMap.from_arrow(pa.array(["b", "a", "b"]), pa.array([1, 2, 3]))
        StringMap({'a': 2, 'b': 3}, backend='builtin')
        """
        from .._arrow import bool_chunks, column_kind, is_stream, number_chunks, text_chunks
        from ._sortedkeys import collect_column

        for column, what in ((keys, "keys"), (values, "values")):
            if is_stream(column):
                raise TypeError(f"StringMap.from_arrow() reads keys and values side by side "
                                f"and cannot take a stream as its {what}: read the batches "
                                f"into a Table first")
        _, keys = column_kind(keys, "StringMap keys")
        kind, values = column_kind(values, "StringMap values")
        if len(keys) != len(values):
            raise ValueError(f"StringMap.from_arrow() got {len(keys)} keys and "
                             f"{len(values)} values")
        if kind == "null":   # an empty column of no type (column_kind refused nulls)
            kind = "int"
            pick = np.zeros(0, np.int64)
        elif kind in ("int", "float"):
            parts = list(number_chunks(values, "StringMap values",
                                       "iu" if kind == "int" else "f"))
            pick = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        elif kind == "bool":
            parts = [np.unpackbits(np.frombuffer(bits, np.uint8), count=offset + n,
                                   bitorder="little")[offset:].astype(bool)
                     for bits, offset, n in bool_chunks(values, "StringMap values")]
            pick = np.concatenate(parts) if parts else np.zeros(0, bool)
        else:   # text: column_kind refused any other
            text = "str" if _is_string_type(values) else "bytes"
            src, starts, lengths = _spans_of(
                text_chunks(values, "StringMap values", utf8=text == "str"))
        sorted_keys, has_empty, rows, empty_row = collect_column(keys, "StringMap")
        key_list = list(sorted_keys)
        del sorted_keys
        empty, last = MISSING, np.array([empty_row])
        build = {"int": ValueStore.from_ints, "float": ValueStore.from_floats,
                 "bool": ValueStore.from_bools}.get(kind)
        if build is not None:
            store = build(pick[rows])
            if has_empty:
                empty = build(pick[last])
        else:
            store = ValueStore.gathered(text, src, starts[rows], lengths[rows])
            if has_empty:
                empty = ValueStore.gathered(text, src, starts[last], lengths[last])
        out = cls.__new__(cls)
        out._install(key_list, store, empty, backend)
        return out

    @property
    def backend(self) -> str:
        """Name of the backend holding the keys."""
        return self._index.name

    @property
    def value_kind(self) -> str:
        """How the values are stored: ``"int"``, ``"float"``, ``"bool"``, ``"str"``,
        ``"bytes"``, ``"none"`` (all None), ``"object"`` (references) or ``"mixed"`` (several
        kinds). An empty map says ``"int"``.

        >>> StringMap({"a": 1.5, "b": 2.0}).value_kind, StringMap({"a": 1, "b": "x"}).value_kind
        ('float', 'mixed')
        """
        values, empty = self._values, self._empty
        if empty is None or empty.kind == values.kind:
            return values.kind
        return empty.kind if not len(values) else "mixed"

    @property
    def nbytes(self) -> int:
        """Bytes of RAM held: the backend's native memory plus the value arrays."""
        n = self._index.nbytes() + self._values.nbytes()
        if self._empty is not None:
            n += self._empty.nbytes()
        return n

    def __sizeof__(self) -> int:
        return object.__sizeof__(self) + sys.getsizeof(self._index) + self.nbytes

    # -- Mapping
    def __len__(self) -> int:
        return self._index.size + (self._empty is not None)

    def __getitem__(self, key):
        if type(key) is not str and not isinstance(key, str):
            raise KeyError(key)
        if key == "":
            if self._empty is None:
                raise KeyError(key)
            return self._empty[0]
        i = self._index.index(key)
        if i < 0:
            raise KeyError(key)
        return self._value(i)

    def __contains__(self, key) -> bool:
        if not isinstance(key, str):
            return False
        if key == "":
            return self._empty is not None
        return self._index.index(key) >= 0

    def get(self, key, default=None):
        """``self[key]`` if present, else ``default``. Cost: one lookup."""
        try:
            return self[key]
        except KeyError:
            return default

    def get_many(self, keys, default=None) -> list:
        """``[m.get(k, default) for k in keys]``. ``keys`` may be a list, tuple, generator,
        numpy array, or a pyarrow or pandas string column (a null raises ValueError, as the
        constructors refuse one). Cost: one lookup per key.

        >>> StringMap({"a": 1, "b": 2}, backend="sorted").get_many(["b", "x"], 0)
        [2, 0]
        """
        if isinstance(keys, str):
            raise TypeError("get_many() takes an iterable of str keys, not one str")
        rows = object_strings(keys, "StringMap")
        if rows is None and is_columnar(keys):
            rows = [key for data, offs, row0 in text_blocks(keys, "StringMap")
                    for key in decode_spans(data, offs)]
        get = self.get
        return [get(key, default) for key in (keys if rows is None else rows)]

    def __iter__(self):
        for key, _ in self._items(""):
            yield key

    def _items(self, prefix: str):
        if prefix == "" and self._empty is not None:
            yield "", -1
        index = self._index
        if index.holdable(prefix):
            try:
                yield from index.iter_items(prefix)
            except UnicodeDecodeError as e:
                raise not_utf8(index.name, e) from e

    def _value(self, i):
        if i < 0:
            return self._empty[0]
        try:
            return self._values[i]
        except IndexError:   # only a crafted file's index names a value it does not hold
            raise FormatError(f"StringMap: the key index names value {i} of "
                              f"{len(self._values)}: the file it came from is damaged") from None

    def keys(self, prefix: str | None = None):
        """A ``KeysView`` (no prefix), or a lazy iterator of the keys starting with ``prefix``.

        >>> list(StringMap({"ab": 1, "b": 2}, backend="sorted").keys("a"))
        ['ab']
        """
        if prefix is None:
            return collections.abc.KeysView(self)
        self._check_str(prefix, "prefix")
        return (k for k, _ in self._items(prefix))

    def items(self, prefix: str | None = None):
        """An ``ItemsView`` (no prefix), or a lazy iterator of the items under ``prefix``.

        >>> list(StringMap({"ab": 1, "b": 2}, backend="dawg").items("a"))
        [('ab', 1)]
        """
        if prefix is None:
            return collections.abc.ItemsView(self)
        self._check_str(prefix, "prefix")
        return ((k, self._value(i)) for k, i in self._items(prefix))

    def values(self):
        """A ``ValuesView``, in key order."""
        return collections.abc.ValuesView(self)

    @staticmethod
    def _check_str(s, what):
        if not isinstance(s, str):
            raise TypeError(f"{what} must be a str, not {type(s).__name__}")

    def has_prefix(self, prefix: str) -> bool:
        """Whether some key starts with ``prefix``.

        >>> StringMap({"apple": 1}, backend="datrie").has_prefix("app")
        True
        """
        self._check_str(prefix, "prefix")
        if prefix == "":
            return len(self) > 0
        index = self._index
        return index.holdable(prefix) and index.has_prefix(prefix)

    def prefixes(self, s: str) -> list:
        """Items whose keys are prefixes of ``s``, shortest first. Cost: O(len(s)) steps.

        >>> StringMap({"a": 1, "abc": 2}, backend="builtin").prefixes("abcd")
        [('a', 1), ('abc', 2)]
        """
        self._check_str(s, "s")
        out = [("", self._empty[0])] if self._empty is not None else []
        clipped = self._index.clip(s)
        if clipped:
            try:
                found = self._index.prefix_items(clipped)
            except UnicodeDecodeError as e:
                raise not_utf8(self._index.name, e) from e
            out.extend((k, self._value(i)) for k, i in found)
        return out

    def longest_prefix(self, s: str, default=MISSING):
        """The item with the longest key that is a prefix of ``s``; ``KeyError`` or default."""
        return longest_prefix(self.prefixes(s), s, default)

    def copy(self) -> "StringMap":
        """This map itself: it is immutable, so a copy is the same object.

        >>> m = StringMap({"a": 1}); m.copy() is m
        True
        """
        return self

    def _merged(self, first, second) -> "StringMap":
        """A new map (same backend) of ``first``'s items updated by ``second``'s."""
        merged = dict(first.items())
        merged.update(second.items())
        return StringMap(merged, backend=self.backend)

    def __or__(self, other):
        """``m | other``: a new map (same backend) with the items of both, ``other``'s
        winning, as for ``dict``; ``other`` must be a mapping. Cost: O(n + len(other)).

        >>> StringMap({"a": 1, "b": 2}) | {"b": 3}
        StringMap({'a': 1, 'b': 3}, backend='builtin')
        """
        if not isinstance(other, collections.abc.Mapping):
            return NotImplemented
        return self._merged(self, other)

    def __ror__(self, other):
        """``other | m``: the items of both, this map's winning, as a new StringMap.

        >>> {"a": 0, "c": 5} | StringMap({"a": 1})
        StringMap({'a': 1, 'c': 5}, backend='builtin')
        """
        if not isinstance(other, collections.abc.Mapping):
            return NotImplemented
        return self._merged(other, self)

    def __repr__(self) -> str:
        n = len(self)
        shown = []
        for item in self.items(""):
            if len(shown) == 10 and n > 12:
                break
            shown.append(item)
        body = ", ".join(f"{k!r}: {v!r}" for k, v in shown)
        if len(shown) < n:
            body += f", ... ({n - len(shown)} more)"
        return f"StringMap({{{body}}}, backend={self.backend!r})"

    # -- persistence
    def to_bytes(self) -> bytes:
        """Serialise into lowram's envelope (magic, version, backend, CRC-32).

        A map holding objects (values of kind ``object``) pickles them: opening those
        bytes then needs ``allow_pickle=True``. TypeError names a value pickle refuses.

        >>> m = StringMap({"a": b"x"}, backend="sorted")
        >>> StringMap.from_bytes(m.to_bytes()) == m
        True
        """
        kind = _KIND + self.backend
        index = self._index.payload()
        values = self._values.to_bytes()
        empty = self._empty.to_bytes() if self._empty is not None else b""
        # the index and the values start 8-byte aligned in a file, so a map can use them
        pad_index = -(HEADER_SIZE + len(kind) + _HEAD.size) % 8
        pad_values = -len(index) % 8
        head = _HEAD.pack(len(self), self._empty is not None, KINDS.index(self._values.kind),
                          pad_index, pad_values, len(index), len(values))
        return pack(kind, _VERSION, b"".join([head, b"\0" * pad_index, index,
                                              b"\0" * pad_values, values, empty]))

    @classmethod
    def from_bytes(cls, data, *, source: str = "StringMap data",
                   allow_pickle: bool = False) -> "StringMap":
        """Open bytes made by :meth:`to_bytes`; damaged data raises ``lowram.FormatError``.

        Values of kind ``object`` were pickled, and unpickling can run any code: they open
        only with ``allow_pickle=True`` (else ValueError says so), for data you trust.
        """
        env = unpack(data, kind=_KIND, versions=_VERSIONS, source=source)
        return cls._open(env.kind, memoryview(env.payload), source, allow_pickle=allow_pickle)

    @classmethod
    def _open(cls, kind, payload, source, mapped=False, allow_pickle=False):
        name = kind[len(_KIND):]
        try:
            backend_cls = backends.lookup(name, "map")
        except (TypeError, ValueError):
            raise FormatError(f"{source}: unknown StringMap backend {name!r}") from None
        if len(payload) < _HEAD.size:
            raise FormatError(f"{source}: StringMap payload shorter than its header")
        count, has_empty, kind_code, pad_index, pad_values, n_index, n_values = \
            _HEAD.unpack_from(payload)
        start = _HEAD.size + pad_index
        values_start = start + n_index + pad_values
        rest = len(payload) - values_start - n_values
        if has_empty > 1 or kind_code >= len(KINDS) or pad_index > 7 or pad_values > 7 or rest < 0 \
                or (rest > 0) != bool(has_empty) or count < has_empty:
            raise FormatError(f"{source}: malformed StringMap header")
        try:
            index = backend_cls.from_payload(payload[start:start + n_index], mapped,
                                             count - has_empty)
            values = ValueStore.from_bytes(payload[values_start:values_start + n_values],
                                           copy=not mapped, allow_pickle=allow_pickle)
            empty = (ValueStore.from_bytes(payload[values_start + n_values:],
                                           allow_pickle=allow_pickle)
                     if has_empty else None)
        except (FormatError, PickleNotAllowed):
            raise
        except Exception as exc:
            raise FormatError(f"{source}: the {name} payload does not open: {exc}") from None
        if len(values) != count - has_empty or (backend_cls.cheap_count and
                                                index.count() != count - has_empty):
            raise FormatError(f"{source}: key and value counts disagree with the header")
        if values.kind != KINDS[kind_code] or (empty is not None and len(empty) != 1):
            raise FormatError(f"{source}: value kinds disagree with the header")
        self = cls.__new__(cls)
        self._index, self._values, self._empty = index, values, empty
        return self

    def save(self, path) -> None:
        """Write :meth:`to_bytes` to ``path`` atomically (temp file + ``os.replace``)."""
        atomic_write(path, self.to_bytes())

    @classmethod
    def load(cls, path, *, mmap: bool = True, allow_pickle: bool = False) -> "StringMap":
        """Open a file written by :meth:`save`; damaged files raise ``lowram.FormatError``.

        With ``mmap=True`` a backend that supports it (``marisa``, ``dawg``, ``datrie``,
        ``sorted``) reads its keys, and the values, from a read-only memory map of the file,
        so processes opening the same file share one copy in the page cache (``nbytes`` still
        counts the mapped bytes the map holds). Other backends, and ``mmap=False``, read
        the file into memory. The checksum is verified first, as for
        :meth:`lowram.StringSet.load`: a CRC-32 is no defence against a crafted file, which
        lowram's own checks answer with ``lowram.FormatError`` or other answers, never a read
        outside the buffer (the ``dawg``, ``datrie``, ``sorted`` and ``compact`` readers are
        bounds-checked; a ``marisa`` payload is checked whole before the marisa library reads
        it). Values of kind ``object`` were pickled
        and open only with ``allow_pickle=True``, as :meth:`from_bytes` says.

        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "counts.lowram")
        >>> StringMap({"a": 1, "b": 2}, backend="marisa").save(path)
        >>> StringMap.load(path) == {"a": 1, "b": 2}
        True
        """
        kind, payload, mapped = read_or_map(
            path, kind=_KIND, versions=_VERSIONS, mmap=mmap,
            can_map=lambda name: backends.can_map(name, "map"))
        return cls._open(kind, payload, os.fsdecode(os.fspath(path)), mapped=mapped,
                         allow_pickle=allow_pickle)

    def __reduce__(self):
        # pickled objects inside a pickle: the pickle is trusted already
        return (_from_bytes, (self.to_bytes(),))

    def _check(self) -> None:
        """Assert internal invariants (used by the tests after every operation)."""
        assert len(self._values) == self._index.size == self._index.count()
        previous = None
        n = 0
        for key, value in self.items(""):
            assert previous is None or previous < key
            assert self[key] == value and key in self
            previous = key
            n += 1
        assert n == len(self)


def _spans_of(chunks) -> tuple:
    """(data, starts, lengths) of every row of checked text chunks: one uint8 array (the
    chunk's own buffer when there is one chunk, else the chunks' bytes back to back) and
    int64 arrays indexed by row."""
    chunks = list(chunks)
    if not chunks:
        return np.zeros(0, np.uint8), np.zeros(0, np.int64), np.zeros(0, np.int64)
    data = [c.data for c in chunks]
    bases = np.cumsum([0] + [len(d) for d in data[:-1]])
    starts = np.concatenate([c.offsets[:-1].astype(np.int64) + base
                             for c, base in zip(chunks, bases)])
    lengths = np.concatenate([np.diff(c.offsets.astype(np.int64)) for c in chunks])
    return (data[0] if len(data) == 1 else np.concatenate(data)), starts, lengths


def _is_string_type(column) -> bool:
    """Whether an Arrow text column (as ``column_kind`` returned it) holds str (UTF-8
    string types) rather than bytes (binary types)."""
    import pyarrow as pa

    t = column.schema.field(0).type if hasattr(column, "schema") else column.type
    if pa.types.is_dictionary(t):
        t = t.value_type
    return not (pa.types.is_binary(t) or pa.types.is_large_binary(t) or
                str(t) == "binary_view")


def _from_bytes(data) -> StringMap:
    return StringMap.from_bytes(data, allow_pickle=True)
