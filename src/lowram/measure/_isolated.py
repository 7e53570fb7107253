"""Resident-set growth of a structure built in a fresh subprocess: the ground truth.

The parent sends the worker (``python -m lowram.measure._isolated_worker``) a builder and a
source. The worker imports what the builder needs, warms it up on a small slice of the
input (so code pages and lazy imports are not charged to the structure), hands freed heap
back (``malloc_trim(0)``), resets the peak mark, reads its RSS, then builds the structure from
a *stream* of the source, collects garbage, trims again and reads RSS once more. What the
structure keeps alive is counted; an input list is never built beside it.
"""

from __future__ import annotations

import json
import os
import pickle
import statistics
import subprocess
import sys
from typing import NamedTuple

from ..errors import MeasurementError

__all__ = ["IsolatedMemory", "isolated_memory", "builder_ref"]


class IsolatedMemory(NamedTuple):
    """Resident-set figures of one structure, medians over ``runs``; ``None`` = not measured."""

    growth: int | None  #: RSS after the build minus RSS before it, bytes
    peak_growth: int | None  #: peak RSS during the build minus RSS before it, bytes
    items: int | None  #: ``len()`` of the built structure, when it has one
    build_seconds: float  #: wall time of the build inside the subprocess
    runs: tuple  #: the growth of each run, so spread can be judged

    @property
    def bytes_per_item(self) -> float | None:
        """``growth / items``, or ``None`` when either is unknown or items is 0."""
        if self.growth is None or not self.items:
            return None
        return self.growth / self.items


def builder_ref(fn):
    """How the worker finds ``fn``: a picklable reference, resolving ``__main__`` by file.

    A builder defined in a script run as ``__main__`` cannot be pickled by reference into
    another process; it is sent as (script path, qualified name) and the worker loads the
    script under a name other than ``__main__``, so its ``if __name__ == "__main__"`` block
    does not run.
    """
    if isinstance(fn, str):
        return ("name", fn)
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None)
    path = getattr(sys.modules.get(module), "__file__", None) if module else None
    if module == "__main__" and qualname and "<" not in qualname and path:
        return ("script", os.path.abspath(path), qualname)
    if module and qualname and "<" not in qualname and path and path.endswith(".py"):
        # by name when the worker can import the module, else from its file (a test module
        # imported by pytest under a name nothing else can import, a script's helper module)
        return ("module", module, qualname, os.path.abspath(path))
    try:
        return ("pickle", pickle.dumps(fn))
    except Exception as exc:
        raise TypeError(
            f"builder {fn!r} cannot be sent to a subprocess: use a module-level function "
            f"or a 'module:function' string ({exc})"
        ) from None


def isolated_memory(
    builder, source, *, repeat: int = 1, warmup: int = 1000, timeout: float = 600.0
) -> IsolatedMemory:
    """Build ``builder(iter(source))`` in a fresh subprocess and return its RSS growth.

    ``builder`` is a module-level function (or ``"module:function"``) taking an iterable and
    returning the structure; ``source`` is a path to a corpus file (streamed with
    :func:`lowram.corpora.read_lines`) or any picklable re-iterable (such as
    :class:`lowram.corpora.Corpus`), iterated lazily inside the subprocess. ``repeat`` runs
    that many subprocesses and reports medians. Figures the platform cannot give are ``None``.

    Cost: one interpreter start-up plus one build per repeat.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, not {repeat}")
    if isinstance(source, (str, bytes, os.PathLike)):
        source = os.fspath(source)
        if isinstance(source, bytes):
            source = os.fsdecode(source)
        if not os.path.exists(source):
            raise FileNotFoundError(f"corpus not found: {source}")
    request = {
        "sys_path": list(sys.path),
        "builder": builder_ref(builder),
        "source": pickle.dumps(source),
        "warmup": int(warmup),
    }
    payload = pickle.dumps(request)
    results = []
    for _ in range(repeat):
        results.append(_run_worker(payload, timeout))
    growths = [r["growth"] for r in results]
    peaks = [r["peak_growth"] for r in results]
    return IsolatedMemory(
        growth=_median_or_none(growths),
        peak_growth=_median_or_none(peaks),
        items=results[0]["items"],
        build_seconds=statistics.median(r["seconds"] for r in results),
        runs=tuple(growths),
    )


def _median_or_none(values):
    if any(v is None for v in values):
        return None
    return int(statistics.median(values))


def _run_worker(payload: bytes, timeout: float) -> dict:
    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    env["PYTHONHASHSEED"] = env.get("PYTHONHASHSEED", "0")
    # a corpus read with pyarrow (a columnar file) frees its batches into Arrow's memory pool;
    # mimalloc/jemalloc keep those pages, so 10-15 MB of input would count as the structure's
    # growth. The system allocator returns them (malloc_trim) before the figure is taken.
    env.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    try:
        proc = subprocess.run(
            [sys.executable, "-X", "utf8", "-m", "lowram.measure._isolated_worker"],
            input=payload,
            capture_output=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired:
        raise MeasurementError(f"isolated build did not finish within {timeout:g} s") from None
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-8:]
        detail = "\n".join(tail) or f"exit status {proc.returncode}"
        if proc.returncode < 0:
            detail = f"killed by signal {-proc.returncode}\n{detail}"
        raise MeasurementError(f"isolated build failed: {detail}")
    lines = proc.stdout.decode("utf-8", "replace").strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, ValueError):
        raise MeasurementError("isolated build printed no result") from None
