"""Honest memory and time measurements, for any object, lowram's or not.

Three memory figures, side by side, because no single one tells the truth:

* :func:`deep_size` – the Python view (pympler), plus native bytes lowram containers report;
* :func:`traced_peak` – the tracemalloc peak while building;
* :func:`isolated_memory` – resident-set growth of a build in a fresh subprocess, which sees
  the memory C/C++ extensions allocate (pympler reports ~0 MB for a marisa-trie that costs
  megabytes).

And timing: :func:`timefn` (a decorator) and :func:`time_op` (median and spread, ns per op).
A figure that cannot be measured is ``None``, never 0.
"""

from ._isolated import IsolatedMemory, isolated_memory
from ._rss import current_rss, malloc_trim, peak_rss, reset_peak
from ._sizes import deep_size, is_lowram_container
from ._timing import Timing, time_op, timefn
from ._traced import TracedPeak, traced_peak

__all__ = [
    "IsolatedMemory",
    "Timing",
    "TracedPeak",
    "current_rss",
    "deep_size",
    "is_lowram_container",
    "isolated_memory",
    "malloc_trim",
    "peak_rss",
    "reset_peak",
    "time_op",
    "timefn",
    "traced_peak",
]
