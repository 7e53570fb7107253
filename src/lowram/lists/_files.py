"""Files and bytes of the growable lists (IntList, FloatList, StrList, BitList), in lowram's
checksummed envelope (``_fileformat``), written once for the four.

Each class gives its payload (``_payload()``) and rebuilds from one
(``_from_payload(payload, source, mapped)``); this module adds the envelope, the atomic write
and the two ways of opening a file: read into memory, or (``mmap=True``) mapped, where the
format allows it. A typed list's items sit in the file as the list holds them, so a mapped
``IntList`` or ``FloatList`` reads the file in place, shared by every process that maps it,
and copies its items on its first write; ``StrList`` and ``BitList`` are read either way
(their docstrings say so).

Payloads (format 1, little-endian):

* IntList, FloatList: item type code (uint8: int8, int16, int32, int64, float32, float64),
  fixed width (uint8: 0 or 1), 6 zero bytes, item count (uint64), zero bytes up to the next
  multiple of 8 in the file (so mapped items are aligned), then the items;
* StrList: item count n (uint64), n + 1 offsets (int64, from 0 to the text's length,
  non-decreasing), then the items' UTF-8 text (a lone surrogate as ``surrogatepass`` writes
  it);
* BitList: bit count n (uint64), then the bits, 8 to a byte, first bit highest, the unused
  low bits of the last byte zero.

Every decoder checks sizes, codes and bounds before it trusts a byte; a damaged file raises
``lowram.FormatError`` naming it.
"""

from __future__ import annotations

import os

from .._fileformat import HEADER_SIZE, atomic_write, map_file, pack, read_file, unpack

VERSION = 1


def items_start(kind: str, head: int) -> int:
    """Where the items start in a payload with a ``head``-byte header: the next multiple of
    8 in the file, so that a mapped file's items are aligned for their type."""
    return head + (-(HEADER_SIZE + len(kind) + head)) % 8


def to_bytes(obj) -> bytes:
    return pack(type(obj)._FILE_KIND, VERSION, obj._payload())


def from_bytes(cls, data, source: str = "data"):
    env = unpack(data, kind=cls._FILE_KIND, versions=(VERSION,), source=source)
    return cls._from_payload(env.payload, source, None)


def save(obj, path) -> None:
    atomic_write(path, to_bytes(obj))


def load(cls, path, mmap: bool = False):
    source = os.fsdecode(path)
    if mmap and cls._MAPPABLE:
        mapped, env = map_file(path, kind=cls._FILE_KIND, versions=(VERSION,))
        return cls._from_payload(env.payload, source, mapped)
    env = read_file(path, kind=cls._FILE_KIND, versions=(VERSION,))
    return cls._from_payload(env.payload, source, None)


class FileMethods:
    """``to_bytes``, ``from_bytes``, ``save`` and ``load`` of a Python-fronted list (StrList,
    BitList), which gives ``_FILE_KIND``, ``_payload()`` and ``_from_payload``. Such a list is
    always read into memory (``mmap`` is taken as by every lowram ``load``): its items are
    checked, and it grows in place.

    >>> from lowram import BitList, StrList
    >>> StrList.from_bytes(StrList(["a", "é", ""]).to_bytes())
    StrList(['a', 'é', ''])
    >>> BitList.from_bytes(BitList([1, 0, 1]).to_bytes())
    BitList([True, False, True])
    """

    __slots__ = ()
    _MAPPABLE = False

    def to_bytes(self) -> bytes:
        """The list in lowram's checksummed envelope (this module gives the format). O(n)."""
        return to_bytes(self)

    @classmethod
    def from_bytes(cls, data):
        """Rebuild from :meth:`to_bytes` output; ``lowram.FormatError`` if it is damaged."""
        return from_bytes(cls, data)

    def save(self, path) -> None:
        """Write to ``path`` atomically (temp file, fsync, replace). O(n)."""
        save(self, path)

    @classmethod
    def load(cls, path, *, mmap: bool = False):
        """Read a file written by :meth:`save`; ``lowram.FormatError`` naming it if damaged."""
        return load(cls, path, mmap)
