"""Opening a saved StringSet or StringMap: read into memory, or map the file."""

from __future__ import annotations

import mmap as _mmap
import os

from .._fileformat import file_path, unpack

__all__ = ["read_or_map"]


def read_or_map(path, *, kind: str, versions, mmap: bool, can_map) -> tuple:
    """Open a saved StringSet or StringMap: ``(kind, payload, mapped)``.

    The envelope is checked (kind prefix ``kind``, one of ``versions``, checksum) before any
    backend sees the bytes. With ``mmap`` and a backend for which ``can_map(name)`` holds,
    ``payload`` is a read-only view into a memory map of the file (the view keeps the map
    open); otherwise the payload is read into memory and ``mapped`` is False.
    """
    path = file_path(path)
    with open(path, "rb") as fh:
        if not mmap or os.fstat(fh.fileno()).st_size == 0:
            env = unpack(fh.read(), kind=kind, versions=versions, source=path)
            return env.kind, memoryview(env.payload), False
        mapped = _mmap.mmap(fh.fileno(), 0, access=_mmap.ACCESS_READ)
    env = unpack(mapped, kind=kind, versions=versions, source=path, copy=False)
    found, payload = env.kind, env.payload
    del env
    if can_map(found[len(kind):]):
        return found, payload, True
    copied = bytes(payload)
    payload.release()  # no view into the map may outlive it
    mapped.close()
    return found, memoryview(copied), False
