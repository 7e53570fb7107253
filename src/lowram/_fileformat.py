"""lowram's container for serialised structures: magic, version, kind, checksum.

Every structure that saves to a file or to bytes wraps its payload in one envelope::

    offset  size  field
    0       8     magic  b"LOWRAM\\x00\\x01"
    8       2     envelope version (little-endian uint16), currently 1
    10      2     length of the kind name (uint16)
    12      4     payload format version chosen by the structure (uint32)
    16      8     payload length in bytes (uint64)
    24      4     CRC-32 of everything from offset 8 up to the end of the payload (uint32)
    28      k     kind name, ASCII (e.g. b"StringSet/marisa", b"HyperLogLog")
    28+k    n     payload

The checksum covers the header fields, the kind and the payload, so any flipped byte is
detected; a truncated input fails the length check. Checks run before any backend library sees
the payload, so no corrupt input reaches C code. Files are written atomically: a temporary file
in the same directory, flushed and fsynced, then ``os.replace``.
"""

from __future__ import annotations

import os
import struct
import tempfile
import zlib
from typing import NamedTuple

from .errors import FormatError

__all__ = ["MAGIC", "Envelope", "pack", "unpack", "atomic_write", "read_file", "map_file"]

MAGIC = b"LOWRAM\x00\x01"
ENVELOPE_VERSION = 1
_HEADER = struct.Struct("<8sHHIQI")  # magic, envelope version, kind length, version, length, crc
HEADER_SIZE = _HEADER.size  #: 28 bytes before the kind name


class Envelope(NamedTuple):
    """The decoded header of a serialised structure and its payload."""

    kind: str
    version: int
    payload: bytes  #: a memoryview into the input when unpacked with ``copy=False``

    @property
    def payload_offset(self) -> int:
        """Where the payload starts in the serialised data."""
        return HEADER_SIZE + len(self.kind)


def pack(kind: str, version: int, payload: bytes) -> bytes:
    """Wrap ``payload`` in the envelope for a structure of ``kind`` at format ``version``.

    >>> blob = pack("Demo", 3, b"abc")
    >>> env = unpack(blob, kind="Demo", versions=(3,))
    >>> env.kind, env.version, bytes(env.payload)
    ('Demo', 3, b'abc')
    """
    kind_bytes = kind.encode("ascii")
    payload = bytes(payload)
    head = struct.pack("<HHIQ", ENVELOPE_VERSION, len(kind_bytes), version, len(payload))
    crc = zlib.crc32(payload, zlib.crc32(kind_bytes, zlib.crc32(head)))
    return MAGIC + head + struct.pack("<I", crc) + kind_bytes + payload


def unpack(data, *, kind: str | None = None, versions=None, source: str = "data",
           copy: bool = True) -> Envelope:
    """Check and open an envelope; raise :class:`FormatError` naming what is wrong.

    ``kind`` (exact name, or a prefix ending in ``/``) and ``versions`` (accepted payload
    versions) are checked when given. ``source`` names the file in messages. The payload is a
    memoryview into ``data`` when ``data`` is ``bytes`` (immutable: nothing to copy) or with
    ``copy=False`` (memory-mapped files: the checksum is verified, nothing is copied), and a
    ``bytes`` copy of any other buffer.

    >>> unpack(b"LOWRAM", source="x.bin")
    Traceback (most recent call last):
    ...
    lowram.errors.FormatError: x.bin: truncated: 6 bytes, shorter than the 28-byte lowram header
    """
    view = memoryview(data).cast("B")
    if len(view) < _HEADER.size:
        if bytes(view[: len(MAGIC)]) != MAGIC[: len(view)]:
            raise FormatError(f"{source}: not a lowram file (bad magic number)")
        raise FormatError(
            f"{source}: truncated: {len(view)} bytes, shorter than the "
            f"{_HEADER.size}-byte lowram header"
        )
    magic, env_version, kind_len, version, length, crc = _HEADER.unpack_from(view)
    if magic != MAGIC:
        raise FormatError(f"{source}: not a lowram file (bad magic number)")
    if env_version != ENVELOPE_VERSION:
        raise FormatError(
            f"{source}: lowram envelope version {env_version} is not supported "
            f"(this lowram reads version {ENVELOPE_VERSION})"
        )
    expected = _HEADER.size + kind_len + length
    if len(view) != expected:
        what = "truncated" if len(view) < expected else "trailing bytes"
        raise FormatError(f"{source}: {what}: {len(view)} bytes, header says {expected}")
    head = view[8:24]
    kind_bytes = view[_HEADER.size : _HEADER.size + kind_len]
    payload = view[_HEADER.size + kind_len :]
    actual = zlib.crc32(payload, zlib.crc32(kind_bytes, zlib.crc32(head)))
    if actual != crc:
        raise FormatError(f"{source}: checksum mismatch: the data is corrupt")
    try:
        found_kind = bytes(kind_bytes).decode("ascii")
    except UnicodeDecodeError:
        raise FormatError(f"{source}: kind name is not ASCII") from None
    if kind is not None:
        ok = found_kind.startswith(kind) if kind.endswith("/") else found_kind == kind
        if not ok:
            raise FormatError(f"{source}: holds a {found_kind!r}, not a {kind.rstrip('/')!r}")
    # immutable bytes need no copy: the payload is a view of them (one copy fewer at every
    # open, where the structure copies what it keeps anyway)
    own = not copy or type(data) is bytes
    env = Envelope(found_kind, version, payload if own else bytes(payload))
    if versions is not None:
        check_version(env, versions, source)
    return env


def check_version(env: Envelope, versions, source: str = "data") -> None:
    """``FormatError`` unless ``env``'s payload version is one of ``versions``.

    For readers that learn which versions they accept only from the envelope's kind (a sketch
    class found by name); :func:`unpack` applies it when given ``versions``.
    """
    if env.version not in versions:
        raise FormatError(
            f"{source}: {env.kind} format version {env.version} is not supported "
            f"(supported: {', '.join(map(str, versions))})"
        )


def atomic_write(path, data) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same folder, fsync, replace."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".lowram-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def file_path(path) -> str:
    """``path`` (str, bytes or path-like) as a str; ``FormatError`` if it is a directory."""
    path = os.fspath(path)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if os.path.isdir(path):
        raise FormatError(f"{path}: is a directory, not a lowram file")
    return path


def read_file(path, *, kind=None, versions=None) -> Envelope:
    """Read and check an envelope from ``path`` (see :func:`unpack`)."""
    path = file_path(path)
    with open(path, "rb") as fh:
        data = fh.read()
    return unpack(data, kind=kind, versions=versions, source=path)


def map_file(path, *, kind=None, versions=None, writable: bool = False):
    """Memory-map ``path`` and check its envelope without copying; return (map, Envelope).

    The envelope's payload is a memoryview into the map: drop it (and every view made from
    it) before closing the map. ``writable=True`` maps copy-on-write (``ACCESS_COPY``), for
    compiled code that needs a writable buffer: pages stay shared with the page cache, and
    with every process mapping the file, as long as nothing writes them.
    """
    import mmap

    path = file_path(path)
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            raise FormatError(f"{path}: empty file")
        mapped = mmap.mmap(fh.fileno(), 0,
                           access=mmap.ACCESS_COPY if writable else mmap.ACCESS_READ)
    return mapped, unpack(mapped, kind=kind, versions=versions, source=path, copy=False)
