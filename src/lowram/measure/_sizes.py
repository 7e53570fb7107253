"""Deep sizes in the Python view (pympler), with lowram's native bytes added.

pympler and ``sys.getsizeof`` see only what CPython objects report. A C or C++ extension's own
allocations are invisible to them: ``asizeof(marisa_trie.Trie(words))`` is about 0 MB for a
trie that costs megabytes of resident memory. lowram containers report *all* the memory they
hold, native buffers included, through ``__sizeof__``; so a lowram container is sized as one
leaf here (its ``__sizeof__``), never by walking into the buffers it already counted.
"""

from __future__ import annotations

import sys

from pympler import asizeof as _asizeof

__all__ = ["deep_size", "is_lowram_container"]


def is_lowram_container(obj) -> bool:
    """True for objects whose ``__sizeof__`` already includes every buffer they hold."""
    return bool(getattr(type(obj), "_lowram_sizeof_is_total", False))


def deep_size(obj) -> int:
    """Bytes held by ``obj`` and everything it references, as the Python view sees them.

    For a lowram container this is its ``__sizeof__`` (native memory included). For anything
    else it is pympler's ``asizeof``; lowram containers met inside it are counted by their
    ``__sizeof__`` and not walked into. Memory that a foreign C extension allocates is not
    visible here: compare with :func:`lowram.measure.isolated_memory` for that.

    Cost: O(number of reachable objects).

    >>> deep_size([1, 2, 3]) > sys.getsizeof([1, 2, 3])
    True
    """
    if is_lowram_container(obj):
        return sys.getsizeof(obj)
    sizer = _asizeof.Asizer()
    owned = []
    for ref in _shallow_refs(obj):
        if is_lowram_container(ref):
            owned.extend(getattr(ref, "_lowram_owned", tuple)())
    if owned:
        sizer.exclude_objs(*owned)
    return int(sizer.asizeof(obj))


def _shallow_refs(obj):
    if isinstance(obj, dict):
        yield from obj.keys()
        yield from obj.values()
    elif isinstance(obj, (list, tuple, set, frozenset)):
        yield from obj
    else:
        yield from getattr(obj, "__dict__", {}).values()
