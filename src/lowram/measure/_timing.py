"""Timing: a ``timefn`` decorator (the idea of *High Performance Python*, Gorelick & Ozsvald,
ch.2, done right) and ``time_op``."""

from __future__ import annotations

import functools
import gc
import logging
import statistics
import time
from typing import NamedTuple

__all__ = ["Timing", "time_op", "timefn"]

log = logging.getLogger("lowram.timing")


def timefn(fn=None, *, print_result: bool = False, logger: logging.Logger | None = None):
    """Decorator that times every call of ``fn`` with ``time.perf_counter``.

    The wrapper keeps ``__name__``, ``__doc__`` and ``__wrapped__`` (``functools.wraps``),
    logs ``"<name> took <s> s"`` at INFO level on ``logger`` (default ``lowram.timing``), and
    prints instead only when ``print_result=True``. The last duration is kept on
    ``wrapper.last_seconds``. Works bare (``@timefn``) or with options (``@timefn(...)``).

    >>> @timefn
    ... def square(x):
    ...     "Square x."
    ...     return x * x
    >>> square(7), square.__name__, square.__doc__, square.last_seconds >= 0
    (49, 'square', 'Square x.', True)
    """

    def decorate(func):
        target = logger or log

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                seconds = time.perf_counter() - t0
                wrapper.last_seconds = seconds
                message = f"{func.__qualname__} took {seconds:.6f} s"
                if print_result:
                    print(message)
                else:
                    target.info(message)

        wrapper.last_seconds = None
        return wrapper

    if fn is not None:
        return decorate(fn)
    return decorate


class Timing(NamedTuple):
    """Per-operation times in nanoseconds over ``repeat`` samples of ``number`` calls."""

    median_ns: float
    min_ns: float
    max_ns: float
    iqr_ns: float  #: interquartile range of the samples: the spread
    repeat: int
    number: int  #: calls of the function per sample
    ops: int  #: operations one call performs

    @property
    def ops_per_second(self) -> float:
        """Operations per second at the median time."""
        return 1e9 / self.median_ns if self.median_ns > 0 else float("inf")


def time_op(fn, *args, repeat: int = 7, number: int | None = None, ops: int = 1,
            min_sample_seconds: float = 0.05, **kwargs) -> Timing:
    """Time ``fn(*args, **kwargs)`` timeit-style and return per-operation nanoseconds.

    Each of ``repeat`` samples calls ``fn`` ``number`` times (chosen like ``timeit``'s
    autorange when ``None``: enough calls for ``min_sample_seconds``) with the garbage
    collector paused; ``ops`` says how many operations one call performs, so a call that
    looks up 10,000 keys gives ns per key. The median is the figure to quote; ``iqr_ns``
    shows how much the samples spread.

    >>> t = time_op(sorted, [3, 1, 2], repeat=3)
    >>> t.median_ns > 0 and t.repeat == 3
    True
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, not {repeat}")
    if ops < 1:
        raise ValueError(f"ops must be at least 1, not {ops}")
    call = functools.partial(fn, *args, **kwargs)
    if number is None:
        number = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(number):
                call()
            if time.perf_counter() - t0 >= min_sample_seconds or number >= 1 << 20:
                break
            number *= 2
    elif number < 1:
        raise ValueError(f"number must be at least 1, not {number}")
    samples = []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            t0 = time.perf_counter_ns()
            for _ in range(number):
                call()
            samples.append((time.perf_counter_ns() - t0) / (number * ops))
    finally:
        if gc_was_enabled:
            gc.enable()
    samples.sort()
    if len(samples) >= 4:
        q = statistics.quantiles(samples, n=4)
        iqr = q[2] - q[0]
    else:
        iqr = samples[-1] - samples[0]
    return Timing(statistics.median(samples), samples[0], samples[-1], iqr, repeat, number, ops)
