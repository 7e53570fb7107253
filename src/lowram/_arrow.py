"""Arrow and pandas input, read as buffers: shared by every family that takes a column.

An Arrow array is already what lowram stores: strings as one UTF-8 buffer plus offsets,
numbers as one contiguous buffer. This module turns what a user hands over (a
``pyarrow.Array``, a ``ChunkedArray``, a one-column ``Table``/``RecordBatch``, a
``RecordBatchReader`` streaming batches, a pandas ``Series``) into those buffers, chunk by
chunk, without a Python object per item, so a builder can walk them in C.

The null policy, the same for every structure: lowram holds no null, so a column with nulls
is refused with :class:`ValueError` naming how many and the first row, before anything is
added (drop them with ``pyarrow.compute.drop_null`` or fill them with ``fill_null``).

pyarrow is an optional dependency (the ``arrow`` extra): nothing here imports it until an
Arrow object is seen, and :func:`is_columnar` recognises one without importing it.
"""

from __future__ import annotations

import sys
from typing import Iterator, NamedTuple

import numpy as np

__all__ = ["TextChunk", "immutable", "is_columnar", "is_stream", "require_pyarrow", "text_chunks",
           "text_blocks", "number_chunks", "bool_chunks", "column_kind", "kind_of",
           "hash_chunks"]


def require_pyarrow(what: str = "this"):
    """The ``pyarrow`` module, or ImportError naming the extra that installs it."""
    try:
        import pyarrow
    except ImportError:  # pragma: no cover - the test environment has pyarrow
        raise ImportError(f"{what} needs pyarrow: pip install 'lowram[arrow]'") from None
    return pyarrow


def is_columnar(obj) -> bool:
    """Whether ``obj`` is an Arrow or pandas column this module reads (no import needed)."""
    module = type(obj).__module__ or ""
    if module.startswith("pyarrow"):
        return True
    if module.startswith("pandas"):
        if not (hasattr(obj, "dtype") and hasattr(obj, "__array__")
                and getattr(obj, "ndim", 1) == 1):
            return False
        if getattr(obj.dtype, "kind", None) == "O":
            # an object column is a column when its items are of one kind (nulls aside);
            # a mixed one is read item by item, as the list of its items would be
            from pandas.api.types import infer_dtype
            return infer_dtype(obj, skipna=True) in ("string", "bytes", "integer", "empty")
        return True
    return False


class TextChunk(NamedTuple):
    """One chunk of a string column: item ``i`` is ``data[offsets[i]:offsets[i + 1]]``.

    ``data`` is a uint8 array over the Arrow data buffer (no copy), ``offsets`` an int32 or
    int64 array of ``len + 1`` entries (no copy; the first is not 0 for a sliced array).
    ``owner`` keeps the Arrow memory alive while the chunk is used.
    """
    data: np.ndarray
    offsets: np.ndarray
    owner: object

    def __len__(self) -> int:   # type: ignore[override]
        return self.offsets.shape[0] - 1


def _single_column(obj, pa, what: str):
    """The column of a one-column Table/RecordBatch (None for a RecordBatchReader, whose
    batches hold it); TypeError naming the columns when there is not exactly one."""
    names = obj.schema.names
    if len(names) != 1:
        raise TypeError(f"{what} takes one column, and this {type(obj).__name__} has "
                        f"{len(names)}: {names[:8]}; pass one, e.g. table[{names[0]!r}]"
                        if names else f"{what} got a {type(obj).__name__} with no column")
    if isinstance(obj, pa.RecordBatchReader):
        return None
    return obj.column(0)


def immutable(obj) -> bool:
    """Whether ``obj``'s memory cannot change under a reader that shares it: for pandas,
    only Arrow-backed arrays (``string[pyarrow]``, ``pd.ArrowDtype``); numpy-backed and
    masked ones (``Int64``, ``Float64``) are written in place by pandas."""
    module = type(obj).__module__ or ""
    if not module.startswith("pandas"):
        return True
    return hasattr(getattr(obj, "array", obj), "_pa_array")


def _chunks_of(obj, what: str):
    """``obj`` as an iterator of ``pyarrow.Array`` chunks (streams stay streams)."""
    pa = require_pyarrow(what)
    if isinstance(obj, pa.ChunkedArray):
        return iter(obj.chunks)
    if isinstance(obj, pa.Array):
        return iter((obj,))
    if isinstance(obj, (pa.Table, pa.RecordBatch)):
        return _chunks_of(_single_column(obj, pa, what), what)
    if isinstance(obj, pa.RecordBatchReader):
        _single_column(obj, pa, what)  # the schema is known before the first batch
        return (batch.column(0) for batch in obj)
    module = type(obj).__module__ or ""
    if module.startswith("pandas"):
        return _chunks_of(_from_pandas(obj, pa, what), what)
    raise TypeError(f"{what} cannot read a {type(obj).__name__} as a column")


def _from_pandas(series, pa, what):
    """A pandas Series or extension array as Arrow: zero-copy for Arrow-backed and numeric
    numpy-backed data; object-dtype strings are converted once by pyarrow (in C++)."""
    values = getattr(series, "array", series)
    if hasattr(values, "__arrow_array__"):
        return pa.array(values)   # ArrowStringArray, ArrowExtensionArray: the chunks as-is
    arr = np.asarray(series)
    if arr.dtype == object:
        return pa.array(arr, from_pandas=True)
    return pa.array(arr)


def _refuse_nulls(chunk, row0: int, what: str) -> None:
    if chunk.null_count:
        import pyarrow.compute as pc
        first = row0 + int(pc.index(chunk.is_null(), True).as_py())
        raise ValueError(
            f"{what} holds no null, and this column has {chunk.null_count} in a chunk "
            f"(first at row {first}): drop them with pyarrow.compute.drop_null(column) or "
            f"fill them with pyarrow.compute.fill_null(column, value)")


def object_strings(obj, what: str = "lowram"):
    """The items of a pandas ``object`` Series as a list (a copy of the pointers: no new
    object), its nulls (None, NaN, ``pandas.NA``, ``NaT``) refused as a column's are; None
    for anything else.

    Its rows are Python objects already, so a batch lookup reads them in place, with the
    answers of the list of its items, faster than through Arrow (which would encode every
    row to UTF-8 first)."""
    module = type(obj).__module__ or ""
    if not module.startswith("pandas") or getattr(getattr(obj, "dtype", None), "kind",
                                                  None) != "O" or getattr(obj, "ndim", 1) != 1:
        return None
    import pandas as pd

    from ._native._text import first_null

    items = obj.to_numpy(dtype=object).tolist()
    first = first_null(items, (pd.NA, pd.NaT))
    if first >= 0:
        count = int(np.asarray(obj.isna()).sum())
        raise ValueError(
            f"{what} holds no null, and this column has {count} (first at row {first}): "
            f"drop them with series.dropna() or fill them with series.fillna(value)")
    return items


def _buffer_array(buf, dtype, offset: int, count: int) -> np.ndarray:
    """``count`` items of ``dtype`` from an Arrow buffer, starting at item ``offset``."""
    if count == 0 or buf is None:
        return np.zeros(count, dtype=dtype)
    return np.frombuffer(buf, dtype=dtype, count=count, offset=offset * np.dtype(dtype).itemsize)


def _as_text_array(chunk, pa, what: str):
    """A string-typed chunk as string/large_string/binary/large_binary (views and
    dictionaries are decoded, a copy, since their layout is not offsets + data)."""
    t = chunk.type
    if pa.types.is_dictionary(t):
        chunk = chunk.dictionary_decode()
        t = chunk.type
    if (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t)
            or pa.types.is_large_binary(t)):
        return chunk
    if str(t) in ("string_view", "binary_view"):
        return chunk.cast(pa.large_binary() if "binary" in str(t) else pa.large_string())
    if pa.types.is_null(t):
        return chunk
    raise TypeError(f"{what} takes a column of strings, not of Arrow type {t}")


def is_stream(obj) -> bool:
    """Whether ``obj`` is read batch by batch (a RecordBatchReader), so that a bad batch is
    found only once the batches before it were used; every other column is checked whole
    before its first chunk is yielded, so a bad row leaves a container unchanged."""
    pa = sys.modules.get("pyarrow")   # not imported: obj cannot be one of its readers
    return pa is not None and isinstance(obj, pa.RecordBatchReader)


def _whole_first(obj, chunks):
    return chunks if is_stream(obj) else iter(list(chunks))


def text_chunks(obj, what: str = "lowram", utf8: bool = True) -> Iterator[TextChunk]:
    """The string column ``obj`` as :class:`TextChunk` s (see :func:`is_stream` for when
    they are checked; ``utf8=False`` lets a binary column hold any bytes, for bytes values:
    a string-typed column is UTF-8 by its type and always checked).

    Every chunk is checked before it is yielded: offsets inside the buffer, bytes
    well-formed UTF-8 (a binary column is accepted when it is UTF-8), no null; ValueError
    names the first bad row. Consumers may then read the spans in C without checks.
    """
    return _whole_first(obj, _text_chunks(obj, what, utf8))


def _text_chunks(obj, what, utf8=True):
    from ._native._text import check_spans

    pa = require_pyarrow(what)
    row0 = 0
    for chunk in _chunks_of(obj, what):
        chunk = _as_text_array(chunk, pa, what)
        n = len(chunk)
        _refuse_nulls(chunk, row0, what)
        if n == 0:   # (an empty array may have no offsets buffer, or an empty one)
            yield TextChunk(np.zeros(0, np.uint8), np.zeros(1, np.int32), chunk)
            continue
        wide = pa.types.is_large_string(chunk.type) or pa.types.is_large_binary(chunk.type)
        bufs = chunk.buffers()
        offsets = _buffer_array(bufs[1], np.int64 if wide else np.int32, chunk.offset, n + 1)
        if bufs[2] is None or bufs[2].size == 0:
            data = np.zeros(0, np.uint8)
        else:
            data = np.frombuffer(bufs[2], dtype=np.uint8)
        check_spans(data, offsets, row0, what, utf8 or not (
            pa.types.is_binary(chunk.type) or pa.types.is_large_binary(chunk.type)))
        yield TextChunk(data, offsets, chunk)
        row0 += n


#: rows per block of :func:`text_blocks`: 512 KB of int64 offsets, cache-sized
BLOCK = 65536


def text_blocks(obj, what: str = "lowram", block: int = BLOCK):
    """The string column ``obj`` as ``(data, offsets, row0)`` blocks of at most ``block``
    rows: ``data`` a uint8 array over the chunk's bytes (never empty: a 1-byte array when the
    chunk has no bytes), ``offsets`` int64 (a small copy per block, so the C loops that read
    them need one offset type), ``row0`` the column row of the block's first item. Checked as
    :func:`text_chunks` checks.
    """
    nothing = np.zeros(1, np.uint8)
    row0 = 0
    for chunk in text_chunks(obj, what):
        data = chunk.data if chunk.data.shape[0] else nothing
        n = len(chunk)
        for start in range(0, n, block):
            stop = min(n, start + block)
            yield data, chunk.offsets[start:stop + 1].astype(np.int64), row0 + start
        row0 += n


_NUMERIC = "iuf"


def number_chunks(obj, what: str = "lowram", kinds: str = _NUMERIC) -> Iterator[np.ndarray]:
    """The numeric column ``obj`` as numpy arrays over the Arrow buffers (no copy).

    ``kinds`` names the numpy kinds accepted (``'iu'`` for ints); another type raises
    TypeError, nulls ValueError (checked as :func:`is_stream` says).
    """
    return _whole_first(obj, _number_chunks(obj, what, kinds))


def _checked_chunks(obj, pa, what):
    """``(chunk, row0)`` for each chunk of ``obj`` holding rows: dictionaries decoded (nulls
    may sit in the dictionary), nulls refused."""
    row0 = 0
    for chunk in _chunks_of(obj, what):
        n = len(chunk)
        if pa.types.is_null(chunk.type) and n == 0:
            continue
        if pa.types.is_dictionary(chunk.type):
            chunk = chunk.dictionary_decode()
        _refuse_nulls(chunk, row0, what)
        yield chunk, row0
        row0 += n


def _number_chunks(obj, what, kinds):
    pa = require_pyarrow(what)
    for chunk, _ in _checked_chunks(obj, pa, what):
        t = chunk.type
        if not (pa.types.is_integer(t) or pa.types.is_floating(t)) or \
                np.dtype(t.to_pandas_dtype()).kind not in kinds:
            want = "integers" if kinds == "iu" else "numbers"
            raise TypeError(f"{what} takes a column of {want}, not of Arrow type {t}")
        dtype = np.dtype(t.to_pandas_dtype())
        yield _buffer_array(chunk.buffers()[1], dtype, chunk.offset, len(chunk))


def bool_chunks(obj, what: str = "lowram") -> Iterator[tuple]:
    """The boolean column ``obj`` as ``(bitmap bytes, bit offset, length)`` chunks.

    Arrow bitmaps are least-significant-bit first; nulls raise ValueError.
    """
    pa = require_pyarrow(what)
    for chunk, _ in _checked_chunks(obj, pa, what):
        if not pa.types.is_boolean(chunk.type):
            raise TypeError(f"{what} takes a column of booleans, not of Arrow type {chunk.type}")
        buf = chunk.buffers()[1]
        yield (memoryview(buf) if buf is not None else memoryview(b""), chunk.offset, len(chunk))


def column_kind(obj, what: str = "lowram") -> tuple:
    """``(kind, column)``: the :func:`kind_of` of ``obj``'s type, and ``obj`` itself, or as
    Arrow when it was a pandas Series (converted once, so callers read that)."""
    pa = require_pyarrow(what)
    module = type(obj).__module__ or ""
    if module.startswith("pandas"):
        obj = _from_pandas(obj, pa, what)
    if isinstance(obj, (pa.Array, pa.ChunkedArray)):
        arrow_type = obj.type
    elif isinstance(obj, (pa.Table, pa.RecordBatch, pa.RecordBatchReader)):
        _single_column(obj, pa, what)
        arrow_type = obj.schema.field(0).type
    else:
        raise TypeError(f"{what} cannot read a {type(obj).__name__} as a column")
    kind = kind_of(arrow_type)
    if kind == "null":   # nothing but nulls: refused, or an empty column of any kind
        for chunk in _chunks_of(obj, what):
            _refuse_nulls(chunk, 0, what)
    return kind, obj


def kind_of(arrow_type) -> str:
    """``'text'``, ``'int'``, ``'float'``, ``'bool'`` or ``'null'`` (Arrow's type of a column
    of nothing but nulls, or of an empty one) for an Arrow type; TypeError for another."""
    pa = require_pyarrow()
    t = arrow_type
    if pa.types.is_dictionary(t):
        t = t.value_type
    if (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t)
            or pa.types.is_large_binary(t) or str(t) in ("string_view", "binary_view")):
        return "text"
    if pa.types.is_integer(t):
        return "int"
    if pa.types.is_floating(t):
        return "float"
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_null(t):
        return "null"
    raise TypeError(f"lowram has no structure for a column of Arrow type {arrow_type}")


def hash_chunks(items, seed, chunk: int | None = None):
    """The sketches' batch hashing: :func:`lowram._native._hash.hash_chunks` for lists,
    iterables and numpy arrays, and for an Arrow or pandas column of strings or integers the
    same hashes read from its buffers, block by block, with no Python object per item: a
    string's UTF-8 bytes (as the ``str`` hashes), an integer's value (as the ``int`` does).
    A column is checked whole first, a stream batch by batch (:func:`is_stream`).
    """
    from ._native import _hash

    size = _hash.CHUNK if chunk is None else chunk
    if not is_columnar(items):
        return _hash.hash_chunks(items, seed, size)
    if size < 1:
        raise ValueError(f"chunk must be positive, not {size}")
    return _column_hashes(items, _hash.check_seed(seed), size)


def _column_hashes(column, seed: int, size: int):
    from ._native._hash import hash64_many
    from ._native._text import hash_spans

    kind, column = column_kind(column, "a sketch")
    if kind == "null":   # empty (column_kind refused one with nulls)
        return
    if kind == "text":
        for data, offsets, _ in text_blocks(column, "a sketch", size):
            yield hash_spans(data, offsets, seed)
        return
    if kind != "int":
        raise TypeError(f"lowram hashes columns of strings or integers, not of {kind}s")
    for part in number_chunks(column, "a sketch", "iu"):
        for start in range(0, part.shape[0], size):
            yield hash64_many(part[start:start + size], seed)
