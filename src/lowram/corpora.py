"""Streaming readers for corpora, and the corpora bundled with lowram.

Everything here is lazy: readers are generators that hold one line at a time, whatever the
file's size; nothing is read into a list unless asked. Files may be plain or compressed
with gzip, xz or bzip2 (recognised by their magic bytes, not their names).

Columnar files (Parquet, CSV/TSV, Feather/Arrow IPC, recognised by their names) are read one
column at a time with pyarrow (the ``arrow`` extra), streamed record batch by record batch:
``Corpus("data.parquet", column="name")``. The column's Arrow type gives the kind (strings are
``words``, integers ``ints``); nulls are refused.

Bad input gets one clear exception: a missing file :class:`FileNotFoundError`; a directory,
an empty file, a line that is not UTF-8 (with its line number and byte offset) or a malformed
``word<TAB>count`` line :class:`lowram.FormatError` (a ``ValueError``); a column that is
missing, unknown or of a type no kind reads :class:`lowram.errors.ColumnError` (a ``ValueError``).

>>> words = Corpus.bundled("english-words")
>>> next(iter(words))
'A'
>>> words.kind, words.count
('words', 663473)
"""

from __future__ import annotations

import bz2
import configparser
import difflib
import gzip
import io
import lzma
import os
import re
from importlib import resources
from typing import Iterable, Iterator

import numpy as np

from .errors import ColumnError, FormatError

__all__ = [
    "Corpus",
    "bundled_names",
    "bundled_path",
    "column_schema",
    "columnar_format",
    "manifest",
    "open_binary",
    "read_column",
    "read_counts",
    "read_lines",
    "read_tokens",
    "zipf_stream",
    "TOKEN_PATTERN",
]

#: What :func:`read_tokens` counts as one token: a run of letters or digits, with inner
#: apostrophes kept ("don't", "o'clock"); lowercased by default.
TOKEN_PATTERN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")

_MAGIC = (
    (b"\x1f\x8b", gzip.open),
    (b"\xfd7zXZ\x00", lzma.open),
    (b"BZh", bz2.open),
)


def _check_path(path) -> str:
    path = os.fspath(path)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"corpus not found: {path}")
    if os.path.isdir(path):
        raise FormatError(f"{path}: is a directory, not a corpus file")
    return path


def open_binary(path) -> io.BufferedIOBase:
    """Open ``path`` for binary reading, decompressing gzip, xz or bzip2 transparently."""
    path = _check_path(path)
    with open(path, "rb") as fh:
        head = fh.read(6)
    if not head:
        raise FormatError(f"{path}: empty file")
    for magic, opener in _MAGIC:
        if head.startswith(magic):
            return opener(path, "rb")
    return open(path, "rb")


def _raw_lines(path) -> Iterator[tuple[int, int, bytes]]:
    """Yield (line number from 1, byte offset of the line, line bytes without newline)."""
    path = os.fspath(path)
    offset = 0
    number = 0
    try:
        with open_binary(path) as fh:
            for number, raw in enumerate(fh, 1):
                size = len(raw)
                yield number, offset, raw.rstrip(b"\r\n")
                offset += size
    except (EOFError, lzma.LZMAError, OSError) as exc:
        if isinstance(exc, (FileNotFoundError, IsADirectoryError)):
            raise
        raise FormatError(f"{path}: corrupt or truncated compressed data after line {number}: "
                          f"{exc}") from None
    if number == 0:
        raise FormatError(f"{path}: empty file (no lines after decompression)")


def _decode(path, number: int, offset: int, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(
            f"{os.fspath(path)}: line {number}, byte offset {offset + exc.start}: "
            f"not UTF-8 ({exc.reason}: {raw[exc.start:exc.start + 4]!r})"
        ) from None


def read_lines(path, *, strip: bool = True, skip_blank: bool = True) -> Iterator[str]:
    """Yield the lines of a UTF-8 text file (plain, .gz, .xz or .bz2), one at a time.

    Line ends are removed; ``strip`` also removes surrounding whitespace; ``skip_blank`` skips
    lines that are then empty. Memory: one line at a time.
    """
    for number, offset, raw in _raw_lines(path):
        line = _decode(path, number, offset, raw)
        if strip:
            line = line.strip()
        if skip_blank and not line:
            continue
        yield line


def read_tokens(path, *, lower: bool = True) -> Iterator[str]:
    """Yield the tokens of running text (see :data:`TOKEN_PATTERN`), lowercased by default."""
    findall = TOKEN_PATTERN.findall
    for line in read_lines(path, strip=False):
        for token in findall(line):
            yield token.lower() if lower else token


def read_counts(path) -> Iterator[tuple[str, int]]:
    """Yield ``(word, count)`` from a ``word<TAB>count`` file; counts are non-negative ints."""
    for number, offset, raw in _raw_lines(path):
        line = _decode(path, number, offset, raw)
        if not line.strip():
            continue
        word, sep, count = line.rpartition("\t")
        if not sep or not word:
            raise FormatError(f"{os.fspath(path)}: line {number}: expected word<TAB>count, "
                              f"got {line[:60]!r}")
        try:
            value = int(count)
        except ValueError:
            raise FormatError(f"{os.fspath(path)}: line {number}: count {count[:30]!r} is not "
                              f"an integer") from None
        if value < 0:
            raise FormatError(f"{os.fspath(path)}: line {number}: negative count {value}")
        yield word, value


def zipf_stream(counts, n: int, *, seed: int = 0, exponent: float | None = None,
                chunk: int = 65536) -> Iterator[str]:
    """Yield ``n`` tokens drawn at random, seeded, from a frequency list.

    ``counts`` is a ``word<TAB>count`` file or an iterable of ``(word, count)`` pairs. With
    ``exponent=None`` a word is drawn with probability proportional to its count (the
    natural, empirical Zipf law of the source); with a float ``s``, proportional to
    ``rank ** -s`` (rank 1 = most frequent). The same arguments give the same stream on every
    machine. Memory: the vocabulary plus one chunk of draws.

    >>> list(zipf_stream([("a", 3), ("b", 1)], 5, seed=1))
    ['a', 'b', 'a', 'b', 'a']
    """
    if n < 0:
        raise ValueError(f"n must be non-negative, not {n}")
    pairs = read_counts(counts) if isinstance(counts, (str, bytes, os.PathLike)) else counts
    words, weights = [], []
    for word, count in pairs:
        words.append(word)
        weights.append(count)
    if not words:
        raise ValueError("zipf_stream needs at least one (word, count) pair")
    weights = np.asarray(weights, dtype=np.float64)
    if exponent is not None:
        order = np.argsort(-weights, kind="stable")
        words = [words[i] for i in order]
        weights = np.arange(1, len(words) + 1, dtype=np.float64) ** -float(exponent)
    total = weights.sum()
    if not total > 0:
        raise ValueError("zipf_stream: the counts sum to zero")
    cumulative = np.cumsum(weights / total)
    cumulative[-1] = 1.0
    rng = np.random.default_rng(seed)
    left = n
    while left:
        size = min(chunk, left)
        picks = np.searchsorted(cumulative, rng.random(size), side="right")
        for i in picks.tolist():
            yield words[i]
        left -= size


def _int_stream(n: int, low: int, high: int, seed: int, chunk: int = 1 << 16) -> Iterator[int]:
    rng = np.random.default_rng(seed)
    left = n
    while left:
        size = min(chunk, left)
        yield from rng.integers(low, high, size=size, dtype=np.int64).tolist()
        left -= size


# ---------------------------------------------------------------- columnar files

#: file suffixes read as columnar files, and their format
_COLUMNAR = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".tsv": "tsv",
             ".feather": "ipc", ".arrow": "ipc", ".arrows": "ipc", ".ipc": "ipc"}
#: compressions pyarrow's CSV reader undoes by itself, recognised by the name (data.csv.gz)
_CSV_COMPRESSED = (".gz", ".bz2", ".zst", ".lz4")
#: rows per record batch read from a Parquet file (CSV reads 1 MB blocks, an Arrow file or
#: stream the batches it was written in)
_PARQUET_BATCH = 65536
#: the corpus kinds a column of each :func:`lowram._arrow.kind_of` kind can be read as
_COLUMN_KINDS = {"text": ("words", "tokens"), "int": ("ints", "counts")}


def columnar_format(path) -> str | None:
    """``"parquet"``, ``"csv"``, ``"tsv"`` or ``"ipc"`` (Feather, Arrow file or stream) for a
    columnar file name, ``None`` for any other (no pyarrow needed)."""
    name = os.fsdecode(os.fspath(path)).lower()
    root, ext = os.path.splitext(name)
    if ext in _CSV_COMPRESSED:
        fmt = _COLUMNAR.get(os.path.splitext(root)[1])
        return fmt if fmt in ("csv", "tsv") else None
    return _COLUMNAR.get(ext)


def _pyarrow(path):
    from ._arrow import require_pyarrow

    return require_pyarrow(f"reading {os.path.basename(path)}")


def _csv_parse_options(fmt):
    import pyarrow.csv as pcsv

    return pcsv.ParseOptions(delimiter="\t" if fmt == "tsv" else ",")


def _open_ipc(path, pa, options=None):
    """``(reader, file)``: an Arrow IPC file (Feather v2) reader, or a stream reader."""
    source = pa.OSFile(path)
    try:
        return pa.ipc.open_file(source, options=options), source
    except pa.ArrowInvalid:
        source.close()
    source = pa.OSFile(path)
    try:
        return pa.ipc.open_stream(source, options=options), source
    except BaseException:
        source.close()
        raise


def column_schema(path):
    """The Arrow schema of the columnar file ``path`` (for CSV, inferred from its first block).

    Reads the footer (Parquet, Arrow file), the first message (Arrow stream) or the first
    block (CSV); a file pyarrow cannot read raises :class:`FormatError`.
    """
    path = _check_path(path)
    fmt = columnar_format(path)
    if fmt is None:
        raise ColumnError(f"{path} is not a columnar file (" + ", ".join(_COLUMNAR) + ")")
    pa = _pyarrow(path)
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            with pq.ParquetFile(path) as pf:
                return pf.schema_arrow
        if fmt in ("csv", "tsv"):
            import pyarrow.csv as pcsv

            reader = pcsv.open_csv(path, parse_options=_csv_parse_options(fmt))
            try:
                return reader.schema
            finally:
                reader.close()
        reader, source = _open_ipc(path, pa)
        try:
            return reader.schema
        finally:
            source.close()
    except pa.ArrowException as exc:
        kind = {"parquet": "Parquet", "ipc": "Arrow IPC (Feather)"}.get(fmt, fmt.upper())
        raise FormatError(f"{path}: not a readable {kind} file: {exc}") from None


def _names(names, limit: int = 20) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" ... ({len(names) - limit} more)" if len(names) > limit else "")


def _pick_column(path, schema, column, kind):
    """``(column, kind)`` once ``column`` and ``kind`` are checked against ``schema``."""
    name = os.path.basename(path)
    names = schema.names
    if not names:
        raise ColumnError(f"{name} has no column")
    if column is None:
        if len(names) > 1:
            raise ColumnError(f"{name} has {len(names)} columns; choose one with --column "
                              f"(column= in Python): {_names(names)}")
        column = names[0]
    if column not in names:
        close = difflib.get_close_matches(column, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ColumnError(f"{name} has no column {column!r}{hint}; its columns: {_names(names)}")
    if names.count(column) > 1:
        raise ColumnError(f"{name} has {names.count(column)} columns named {column!r}")
    from ._arrow import kind_of

    arrow_type = schema.field(column).type
    try:
        of = kind_of(arrow_type)
    except TypeError:
        of = None
    fits = _COLUMN_KINDS.get(of, ())
    if not fits:
        raise ColumnError(
            f"column {column!r} of {name} has Arrow type {arrow_type}: lowram-report reads "
            f"columns of strings (as words or tokens) and of integers (as ints or counts)")
    if kind is None:
        return column, fits[0]
    if kind in fits:
        return column, kind
    if columnar_format(path) in ("csv", "tsv") and kind in _COLUMN_KINDS["text"]:
        return column, kind   # CSV types are guesses: any column can be read as its text
    what = "strings" if of == "text" else "integers"
    raise ColumnError(f"column {column!r} of {name} holds {what} (Arrow type {arrow_type}): "
                      f"it reads as {' or '.join(fits)}, not as {kind}")


def _column_batches(path, fmt, column, as_text):
    """One-column record batches of ``column``, streamed from the file."""
    pa = _pyarrow(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        with pq.ParquetFile(path) as pf:
            yield from pf.iter_batches(batch_size=_PARQUET_BATCH, columns=[column],
                                       use_threads=False)
    elif fmt in ("csv", "tsv"):
        import pyarrow.csv as pcsv

        types = {"column_types": {column: pa.string()}} if as_text else {}
        convert = pcsv.ConvertOptions(include_columns=[column], **types)
        reader = pcsv.open_csv(path, read_options=pcsv.ReadOptions(use_threads=False),
                               parse_options=_csv_parse_options(fmt), convert_options=convert)
        try:
            yield from reader
        finally:
            reader.close()
    else:
        reader, source = _open_ipc(path, pa)
        index = reader.schema.get_field_index(column)
        source.close()
        reader, source = _open_ipc(path, pa, pa.ipc.IpcReadOptions(included_fields=[index],
                                                                    use_threads=False))
        try:
            if isinstance(reader, pa.ipc.RecordBatchFileReader):
                for i in range(reader.num_record_batches):
                    yield reader.get_batch(i)
            else:
                yield from reader
        finally:
            source.close()


def read_column(path, column: str, kind: str = "words") -> Iterator:
    """Yield the values of ``column`` of a columnar file, one record batch read at a time.

    ``kind`` ``"words"`` yields each string as is, ``"tokens"`` the :data:`TOKEN_PATTERN`
    tokens of each string (lowercased), ``"ints"``/``"counts"`` Python ints. The values of a
    batch become Python objects together (pyarrow converts them in C++); memory: one batch
    of the column. A null, bytes that are not UTF-8 or a value the CSV reader cannot convert
    raise :class:`FormatError` naming the file and the column.
    """
    from ._arrow import number_chunks, text_chunks

    path = _check_path(path)
    fmt = columnar_format(path)
    if fmt is None:
        raise ColumnError(f"{path} is not a columnar file (" + ", ".join(_COLUMNAR) + ")")
    pa = _pyarrow(path)
    as_text = kind in _COLUMN_KINDS["text"]
    findall = TOKEN_PATTERN.findall
    row0 = 0
    try:
        # batch by batch, each a one-column Array, so that a bad row is named by its row in
        # the file (the chunk readers count rows from the start of what they are given)
        for batch in _column_batches(path, fmt, column, as_text):
            array = batch.column(0)
            del batch
            if array.null_count:
                import pyarrow.compute as pc

                first = row0 + int(pc.index(array.is_null(), True).as_py())
                raise FormatError(
                    f"{path}: column {column!r} has a null at row {first} (the first row is 0): "
                    f"lowram holds no null; drop or fill the nulls first")
            try:
                if not as_text:
                    for values in number_chunks(array, "lowram", kinds="iu"):
                        yield from values.tolist()
                else:
                    for chunk in text_chunks(array, "lowram"):
                        strings = (pa.LargeStringArray if chunk.offsets.dtype == np.int64
                                   else pa.StringArray).from_buffers(
                            len(chunk), pa.py_buffer(chunk.offsets), pa.py_buffer(chunk.data))
                        del chunk
                        if kind == "words":
                            yield from strings.to_pylist()
                        else:
                            for text in strings.to_pylist():
                                for token in findall(text):
                                    yield token.lower()
            except (ValueError, TypeError) as exc:
                if isinstance(exc, FormatError):
                    raise
                raise FormatError(f"{path}: column {column!r}, in the rows from {row0}: "
                                  f"{exc}") from None
            row0 += len(array)
            del array
    except FormatError:
        raise
    except (ValueError, pa.ArrowException) as exc:
        hint = ""
        if fmt in ("csv", "tsv") and not as_text and "conversion error" in str(exc):
            hint = ("; pyarrow guessed the column's type from the start of the file: "
                    "--kind words reads it as text")
        raise FormatError(f"{path}: column {column!r}: {exc}{hint}") from None


# ---------------------------------------------------------------- bundled corpora

def manifest() -> dict[str, dict[str, str]]:
    """The bundled corpora's MANIFEST: file name -> fields (name, kind, source, licence, ...)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(resources.files("lowram._corpora").joinpath("MANIFEST").read_text("utf-8"))
    return {section: dict(parser[section]) for section in parser.sections()}


def bundled_names() -> list[str]:
    """Names of the bundled corpora (``Corpus.bundled(name)`` opens one)."""
    return [fields["name"] for fields in manifest().values()] + sorted(_GENERATED)


def bundled_path(name: str) -> str:
    """Filesystem path of the bundled corpus file ``name``."""
    for filename, fields in manifest().items():
        if fields["name"] == name:
            return str(resources.files("lowram._corpora").joinpath(filename))
    raise KeyError(f"no bundled corpus named {name!r}; bundled: {', '.join(bundled_names())}")


_GENERATED = {
    # name: (kind, n, low, high, seed)
    "random-ints-1M": ("ints", 1_000_000, 0, 1_000_000, 0),
    "random-ints-10M": ("ints", 10_000_000, 0, 1_000_000, 0),
}


class Corpus:
    """A named, re-iterable, picklable stream of items: what ``lowram-report`` measures.

    ``kind`` says what the items are: ``"words"`` (one string per line), ``"tokens"``
    (running text split by :data:`TOKEN_PATTERN`), ``"counts"`` (the integer counts of a
    ``word<TAB>count`` file) or ``"ints"`` (one integer per line, or generated); ``None``
    means ``"words"``, or for a columnar file what its column holds. Each iteration opens the
    source again and streams it.

    A columnar file (see :func:`columnar_format`) is read one ``column`` at a time (optional
    when the file has one): a column of strings is ``words`` (each value one item, as is) or
    ``tokens`` (the tokens of each value), a column of integers ``ints`` or ``counts``; in a
    CSV file, whose types pyarrow guesses, ``words``/``tokens`` read any column as text. A
    column that does not fit raises :class:`ColumnError` when the corpus is made.
    """

    KINDS = ("words", "tokens", "counts", "ints")
    column = None  #: the column read from a columnar file, else None

    def __init__(self, path, kind: str | None = None, *, name: str | None = None,
                 count: int | None = None, generator: tuple | None = None,
                 column: str | None = None):
        if kind is not None and kind not in self.KINDS:
            raise ValueError(f"unknown corpus kind {kind!r}; expected one of {self.KINDS}")
        self.generator = generator
        self.path = None if generator else _check_path(path)
        self.column = None
        if self.path and (column is not None or columnar_format(self.path)):
            if columnar_format(self.path) is None:
                raise ColumnError(
                    f"{os.path.basename(self.path)} is not a columnar file, so it has no column "
                    f"{column!r}: a column is read from " + ", ".join(_COLUMNAR) + " files")
            schema = column_schema(self.path)
            self.column, kind = _pick_column(self.path, schema, column, kind)
            if count is None and columnar_format(self.path) == "parquet":
                import pyarrow.parquet as pq

                with pq.ParquetFile(self.path) as pf:
                    count = pf.metadata.num_rows if kind != "tokens" else None
        elif column is not None:
            raise ColumnError(f"a generated corpus has no column {column!r}")
        self.kind = kind or "words"
        default = os.path.basename(self.path) if self.path else "generated"
        if self.column is not None:
            default += f":{self.column}"
        self.name = name or default
        self.count = count

    @classmethod
    def bundled(cls, name: str) -> "Corpus":
        """Open the bundled corpus ``name`` (see :func:`bundled_names`)."""
        if name in _GENERATED:
            kind, n, low, high, seed = _GENERATED[name]
            return cls(None, "ints", name=name, count=n, generator=(n, low, high, seed))
        path = bundled_path(name)
        fields = next(f for f in manifest().values() if f["name"] == name)
        return cls(path, fields["kind"], name=name, count=int(fields["items"]))

    @classmethod
    def resolve(cls, spec: str, kind: str | None = None, column: str | None = None) -> "Corpus":
        """A bundled corpus name or a file path (kind ``words`` unless ``kind`` or the
        column's type says; ``column`` picks the column of a columnar file)."""
        if spec in bundled_names() and not os.path.exists(spec):
            if column is not None:
                raise ColumnError(f"{spec} is a bundled corpus, not a columnar file: it has no "
                                  f"column {column!r}")
            corpus = cls.bundled(spec)
            if kind and kind != corpus.kind:
                corpus = cls(corpus.path, kind, name=corpus.name) if corpus.path else corpus
            return corpus
        return cls(spec, kind, column=column)

    def __iter__(self) -> Iterator:
        if self.generator:
            return _int_stream(*self.generator)
        if self.column is not None:
            return read_column(self.path, self.column, self.kind)
        if self.kind == "words":
            return read_lines(self.path)
        if self.kind == "tokens":
            return read_tokens(self.path)
        if self.kind == "counts":
            return (count for _, count in read_counts(self.path))
        return _parse_ints(self.path)

    def __repr__(self) -> str:
        column = "" if self.column is None else f", column={self.column!r}"
        return f"Corpus({self.name!r}, kind={self.kind!r}{column})"

    def __eq__(self, other):
        if not isinstance(other, Corpus):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def _key(self):
        return self.path, self.kind, self.generator, self.column


def _parse_ints(path) -> Iterator[int]:
    for number, offset, raw in _raw_lines(path):
        text = _decode(path, number, offset, raw).strip()
        if not text:
            continue
        try:
            yield int(text)
        except ValueError:
            raise FormatError(f"{os.fspath(path)}: line {number}: {text[:30]!r} is not an "
                              f"integer") from None


def take(iterable: Iterable, n: int) -> list:
    """The first ``n`` items of ``iterable`` as a list (a convenience for small samples)."""
    out = []
    for item in iterable:
        if len(out) >= n:
            break
        out.append(item)
    return out
