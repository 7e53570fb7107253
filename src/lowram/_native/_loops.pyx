# cython: language_level=3
"""Tight C loops that drive a container's own operations, for honest per-operation timing.

A Python ``for`` loop adds tens of nanoseconds of interpreter overhead to every lookup it
times, which swamps the difference between two fast containers. These loops call the same
C-API slot the ``in`` operator and ``x[i]`` use (``PySequence_Contains``, ``PyObject_GetItem``)
from C, so what is timed is the container, not the loop.
"""

from cpython.object cimport PyObject_GetItem
from cpython.sequence cimport PySequence_Contains


def contains_count(container, queries):
    """Return how many of ``queries`` are ``in container``, looping in C.

    ``queries`` must be a list or tuple. Cost: one ``in`` per query.

    >>> contains_count({"a", "b"}, ["a", "x", "b"])
    2
    """
    cdef Py_ssize_t i, n, hits = 0
    seq = queries if type(queries) is list or type(queries) is tuple else list(queries)
    n = len(seq)
    for i in range(n):
        hits += PySequence_Contains(container, seq[i])  # declared `except -1`: errors raise
    return hits


def getitem_all(container, keys):
    """Evaluate ``container[k]`` for each of ``keys`` in C; return how many were evaluated.

    >>> getitem_all([10, 20, 30], [2, 0, -1])
    3
    """
    cdef Py_ssize_t i, n
    seq = keys if type(keys) is list or type(keys) is tuple else list(keys)
    n = len(seq)
    for i in range(n):
        PyObject_GetItem(container, seq[i])
    return n


def iterate_all(container):
    """Exhaust ``iter(container)`` in C; return the number of items seen.

    >>> iterate_all("abc")
    3
    """
    cdef Py_ssize_t n = 0
    for _ in container:
        n += 1
    return n
