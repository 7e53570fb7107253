"""Cutting a stream into lists: shared by the process pool and the batch paths of sketches."""

from __future__ import annotations

import itertools
from typing import Iterable, Iterator

__all__ = ["chunked"]


def chunked(iterable: Iterable, size: int) -> Iterator[list]:
    """Cut a flat stream into lists of ``size`` items (the last may be shorter), lazily.

    >>> [len(c) for c in chunked(range(10), 4)]
    [4, 4, 2]
    """
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, not {size}")
    it = iter(iterable)
    while True:
        chunk = list(itertools.islice(it, size))
        if not chunk:
            return
        yield chunk
