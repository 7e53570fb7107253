"""Resident-set readings of the current process (Linux first, portable fallbacks).

``current_rss()`` reads ``/proc/self/statm`` on Linux; elsewhere it asks psutil when installed,
and returns ``None`` (a missing figure, never a zero) when nothing can tell.
``reset_peak()`` clears the kernel's high-water mark (``/proc/self/clear_refs``), so
``peak_rss()`` afterwards reports the peak of the work that follows.
``malloc_trim()`` hands freed heap back to the kernel (glibc), so freed build temporaries do not
masquerade as memory the structure holds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

__all__ = ["current_rss", "peak_rss", "reset_peak", "malloc_trim"]

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_STATM = "/proc/self/statm"
_STATUS = "/proc/self/status"


def current_rss() -> int | None:
    """Resident set size of this process in bytes, or ``None`` when it cannot be read."""
    try:
        with open(_STATM, "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except OSError:
        pass
    try:  # pragma: no cover - non-Linux
        import psutil

        return int(psutil.Process().memory_info().rss)
    except Exception:  # pragma: no cover - non-Linux without psutil
        return None


def peak_rss() -> int | None:
    """Peak resident set size (VmHWM) in bytes since start or the last :func:`reset_peak`."""
    try:
        with open(_STATUS, "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - non-Linux
        pass
    try:  # pragma: no cover - non-Linux: ru_maxrss cannot be reset, so only valid once
        import resource
        import sys

        scale = 1 if sys.platform == "darwin" else 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    except Exception:  # pragma: no cover
        return None


def reset_peak() -> bool:
    """Reset the peak RSS mark; return whether the platform allowed it."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:  # pragma: no cover - non-Linux or restricted
        return False


_libc = None


def malloc_trim() -> bool:
    """Return freed heap to the kernel (glibc ``malloc_trim(0)``); False where unavailable."""
    global _libc
    if _libc is None:
        name = ctypes.util.find_library("c")
        try:
            _libc = ctypes.CDLL(name) if name else False
        except OSError:  # pragma: no cover
            _libc = False
    if not _libc or not hasattr(_libc, "malloc_trim"):
        return False  # pragma: no cover - musl, macOS
    _libc.malloc_trim(0)
    return True
