"""Subprocess side of :func:`lowram.measure.isolated_memory` (see there). Not public."""

from __future__ import annotations

import gc
import importlib
import itertools
import json
import os
import pickle
import runpy
import sys
import time


def _resolve(ref):
    kind = ref[0]
    if kind == "pickle":
        return pickle.loads(ref[1])
    if kind == "module":
        _, module, qualname, path = ref
        try:
            obj = importlib.import_module(module)
        except ImportError:
            return _from_file(path, qualname)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        return obj
    if kind == "script":
        return _from_file(ref[1], ref[2])
    module, _, attr = ref[1].partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def _from_file(path, qualname):
    """Run the file as a module named ``__lowram_main__`` (so ``if __name__ == "__main__"``
    blocks stay quiet) and return ``qualname`` from it."""
    namespace = runpy.run_path(path, run_name="__lowram_main__")
    obj = None
    for i, part in enumerate(qualname.split(".")):
        obj = namespace[part] if i == 0 else getattr(obj, part)
    return obj


def _stream(source):
    if isinstance(source, str):
        from lowram.corpora import read_lines

        return read_lines(source)
    return iter(source)


def main() -> None:
    request = pickle.loads(sys.stdin.buffer.read())
    sys.path[:] = request["sys_path"]
    from lowram.measure._rss import current_rss, malloc_trim, peak_rss, reset_peak

    builder = _resolve(request["builder"])
    source = pickle.loads(request["source"])
    if request["warmup"]:
        warm = builder(itertools.islice(_stream(source), request["warmup"]))
        del warm
    gc.collect()
    malloc_trim()
    can_peak = reset_peak()
    before = current_rss()
    t0 = time.perf_counter()
    obj = builder(_stream(source))
    seconds = time.perf_counter() - t0
    peak = peak_rss() if can_peak else None
    gc.collect()
    malloc_trim()
    after = current_rss()
    try:
        items = len(obj)
    except TypeError:
        items = None
    result = {
        "growth": None if before is None or after is None else after - before,
        "peak_growth": None if before is None or peak is None else max(0, peak - before),
        "items": items,
        "seconds": seconds,
        "pid": os.getpid(),
    }
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    del obj
    os._exit(0)  # skip teardown of a large structure: the figure is taken


if __name__ == "__main__":
    main()
