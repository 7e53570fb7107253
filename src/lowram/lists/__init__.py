"""Typed compact lists: real ``list``s that store primitives contiguously.

A Python ``list`` of ints costs about 36 bytes per item (an 8-byte pointer plus a 28-byte int
object); ``array('q')`` costs 8 but has a fixed width chosen up front, and a numpy array is
not a list. The classes here are complete ``collections.abc.MutableSequence`` implementations
(slicing, sorting, comparisons, pickling, ``repr``) over one native buffer:

* :class:`IntList` – ints, 1 to 8 bytes each, width adapting to the values;
* :class:`FloatList` – floats, 8 bytes each (4 with the lossy ``dtype='float32'``);
* :class:`BitList` – booleans at one bit each;
* :class:`StrList` – strings as one UTF-8 buffer plus an :class:`IntList` of offsets;
* :class:`PackedIntArray` – a frozen array of ints bit-packed to the minimum width.

Every class reports all the RAM it holds in ``__sizeof__``, gives ``nbytes``, a
``buffer_info()`` :class:`BufferInfo` and ``shrink_to_fit()``.

>>> import sys
>>> x = IntList(range(100))
>>> x[1:6:2], x.dtype, sys.getsizeof(x) < sys.getsizeof(list(range(100)))
(IntList([1, 3, 5]), 'int8', True)
"""


from __future__ import annotations

from collections.abc import MutableSequence

# pickles of 0.1.0 name lowram.lists._rebuild_bitlist and lowram.lists._rebuild_strlist
from ._bit import BitList, _rebuild_bitlist  # noqa: F401
from ._packed import PackedIntArray
from ._str import StrList, _rebuild_strlist  # noqa: F401
from ._typed import BufferInfo, FloatList, IntList

__all__ = ["BitList", "BufferInfo", "FloatList", "IntList", "PackedIntArray", "StrList"]

MutableSequence.register(IntList)
MutableSequence.register(FloatList)
