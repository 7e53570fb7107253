"""Build mergeable sketches in a pool of processes, and merge them exactly.

Python threads share one interpreter lock, so a CPU-bound build scales with processes
(*High Performance Python*, Gorelick & Ozsvald, ch.9). Every lowram sketch is mergeable: sketch each chunk of the input in a worker,
send the small sketch back, and fold the results together. HyperLogLog (register max),
BloomFilter (bit OR) and CountMinSketch (counter sums) merge *exactly*: the parallel result
is bit-identical to the serial one, whatever the order the chunks finish in.

>>> from functools import partial
>>> from lowram.sketches import HyperLogLog
>>> chunks = [[f"w{i}" for i in range(j, j + 500)] for j in range(0, 2000, 500)]
>>> hll = build_parallel(partial(HyperLogLog, p=10), chunks, processes=2)
>>> serial = HyperLogLog(p=10)
>>> for chunk in chunks:
...     serial.update(chunk)
>>> hll == serial
True
"""

from __future__ import annotations

import concurrent.futures
import itertools
import multiprocessing
import os
from typing import Callable, Iterable

from ._chunks import chunked
from .errors import LowramError

__all__ = ["WorkerError", "build_parallel", "chunked"]


class WorkerError(LowramError, RuntimeError):
    """A worker process died (killed, out of memory) before returning its sketch."""


def _read_path(path):
    from .corpora import read_lines

    return read_lines(path)


def _sketch_chunk(factory, chunk, reader):
    sketch = factory()
    if isinstance(chunk, (str, bytes, os.PathLike)):
        if not os.path.isfile(chunk):
            raise FileNotFoundError(
                f"chunk {os.fsdecode(chunk)!r} is not a file; to sketch a flat stream of "
                f"items, pass chunksize= (or cut it with lowram.parallel.chunked)")
        chunk = (reader or _read_path)(chunk)
    sketch.update(chunk)
    return sketch


def _context():
    methods = multiprocessing.get_all_start_methods()
    # forkserver/spawn: safe with threads in the parent; fork is not (and is deprecated there)
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def build_parallel(factory: Callable[[], object], chunks: Iterable, processes: int | None = None,
                   chunksize: int | None = None, *, reader: Callable | None = None):
    """Sketch ``chunks`` in ``processes`` worker processes and return the merged sketch.

    ``factory()`` makes an empty sketch (a class or ``functools.partial``; it must pickle).
    ``chunks`` yields units of work: lists, tuples or arrays of items, any picklable
    iterable (such as :class:`lowram.corpora.Corpus`), or file paths (read in the worker
    with ``reader``, default :func:`lowram.corpora.read_lines`). With ``chunksize``, ``chunks``
    is instead one flat stream of items, cut into lists of ``chunksize`` items in this process.

    The input is consumed lazily: at most ``2 * processes`` chunks are in flight. Results are
    merged as they arrive; for HyperLogLog, BloomFilter and CountMinSketch the result is
    bit-identical to a serial build. A worker's exception is raised here (same type, with the
    chunk's position); a worker that dies raises :class:`WorkerError`. The pool is shut down
    on every path, so no process is left behind. ``processes=1`` builds in this process.

    Cost: one sketch per chunk crosses a pipe; pick chunks of 10⁵–10⁷ items.
    """
    if processes is None:
        processes = os.cpu_count() or 1
    if processes < 1:
        raise ValueError(f"processes must be at least 1, not {processes}")
    units = chunked(chunks, chunksize) if chunksize is not None else iter(chunks)
    result = factory()
    if processes == 1:
        for unit in units:
            result.merge(_sketch_chunk(factory, unit, reader))
        return result
    window = 2 * processes
    with concurrent.futures.ProcessPoolExecutor(processes, mp_context=_context()) as pool:
        try:
            pending = {}
            numbered = enumerate(units)
            for position, unit in itertools.islice(numbered, window):
                pending[pool.submit(_sketch_chunk, factory, unit, reader)] = position
            while pending:
                done, _ = concurrent.futures.wait(
                    pending, return_when=concurrent.futures.FIRST_COMPLETED)
                for future in done:
                    position = pending.pop(future)
                    try:
                        part = future.result()
                    except concurrent.futures.process.BrokenProcessPool as exc:
                        raise WorkerError(
                            f"a worker process died while sketching chunk {position} "
                            f"(killed or out of memory): {exc}") from None
                    except Exception as exc:
                        _add_note(exc, f"raised by a worker while sketching chunk {position}")
                        raise
                    result.merge(part)
                    for position2, unit in itertools.islice(numbered, 1):
                        pending[pool.submit(_sketch_chunk, factory, unit, reader)] = position2
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return result


def _add_note(exc: BaseException, note: str) -> None:
    if hasattr(exc, "add_note"):  # Python 3.11+
        exc.add_note(note)
