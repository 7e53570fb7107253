"""Exceptions raised by lowram.

Every error lowram raises on purpose derives from :class:`LowramError`, so callers can catch
them all; each also derives from the builtin exception a user of the replaced builtin would
expect (``FormatError`` is a ``ValueError``), so code written for builtins keeps working.
"""

from __future__ import annotations

__all__ = ["LowramError", "FormatError", "ColumnError", "MeasurementError"]


class LowramError(Exception):
    """Base class of every exception lowram raises deliberately."""


class FormatError(LowramError, ValueError):
    """A file or byte string is not what it claims to be.

    Raised for corrupt, truncated, wrong-version or wrong-kind serialised data and for
    malformed corpus files. The message names the file (when there is one) and what is wrong.

    >>> raise FormatError("words.txt: line 3, byte 17: not UTF-8")
    Traceback (most recent call last):
    ...
    lowram.errors.FormatError: words.txt: line 3, byte 17: not UTF-8
    """


def not_utf8(backend: str, e: UnicodeDecodeError) -> FormatError:
    """The FormatError for a stored key that is not UTF-8, found when it is read: a payload
    whose structure passed the checks at open but whose bytes were changed (a backend that
    checks every key at open would cost a pass over all the keys, which a memory-mapped open
    does not make)."""
    return FormatError(f"the {backend} payload holds a key that is not UTF-8 "
                       f"({e.reason} at byte {e.start} of the key)")


class ColumnError(LowramError, ValueError):
    """A column asked of a columnar file does not fit: none named when the file has several,
    a name the file lacks, a type no corpus kind reads, or a file that has no columns.

    The message names the file and, when the column is missing or unknown, its columns.
    """


class MeasurementError(LowramError, RuntimeError):
    """A measurement could not be taken (for example the isolated subprocess failed)."""
