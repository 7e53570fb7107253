"""Streaming readers for corpora, and the corpora bundled with lowram.

Everything here is lazy: readers are generators that hold one line at a time, whatever the
file's size; nothing is read into a list unless asked. Files may be plain or compressed
with gzip, xz or bzip2 (recognised by their magic bytes, not their names).

Bad input gets one clear exception: a missing file :class:`FileNotFoundError`; a directory,
an empty file, a line that is not UTF-8 (with its line number and byte offset) or a malformed
``word<TAB>count`` line :class:`lowram.FormatError` (a ``ValueError``).

>>> words = Corpus.bundled("english-words")
>>> next(iter(words))
'A'
>>> words.kind, words.count
('words', 663473)
"""

from __future__ import annotations

import bz2
import configparser
import gzip
import io
import lzma
import os
import re
from importlib import resources
from typing import Iterable, Iterator

import numpy as np

from .errors import FormatError

__all__ = [
    "Corpus",
    "bundled_names",
    "bundled_path",
    "manifest",
    "open_binary",
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
    ``word<TAB>count`` file) or ``"ints"`` (one integer per line, or generated). Each
    iteration opens the source again and streams it.
    """

    KINDS = ("words", "tokens", "counts", "ints")

    def __init__(self, path, kind: str = "words", *, name: str | None = None,
                 count: int | None = None, generator: tuple | None = None):
        if kind not in self.KINDS:
            raise ValueError(f"unknown corpus kind {kind!r}; expected one of {self.KINDS}")
        self.kind = kind
        self.generator = generator
        self.path = None if generator else _check_path(path)
        self.name = name or (os.path.basename(self.path) if self.path else "generated")
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
    def resolve(cls, spec: str, kind: str | None = None) -> "Corpus":
        """A bundled corpus name or a file path (kind ``words`` unless ``kind`` says)."""
        if spec in bundled_names() and not os.path.exists(spec):
            corpus = cls.bundled(spec)
            if kind and kind != corpus.kind:
                corpus = cls(corpus.path, kind, name=corpus.name) if corpus.path else corpus
            return corpus
        return cls(spec, kind or "words")

    def __iter__(self) -> Iterator:
        if self.generator:
            return _int_stream(*self.generator)
        if self.kind == "words":
            return read_lines(self.path)
        if self.kind == "tokens":
            return read_tokens(self.path)
        if self.kind == "counts":
            return (count for _, count in read_counts(self.path))
        return _parse_ints(self.path)

    def __repr__(self) -> str:
        return f"Corpus({self.name!r}, kind={self.kind!r})"

    def __eq__(self, other):
        if not isinstance(other, Corpus):
            return NotImplemented
        return (self.path, self.kind, self.generator) == (other.path, other.kind, other.generator)

    def __hash__(self):
        return hash((self.path, self.kind, self.generator))


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
