"""lowram: large collections in little RAM, with honest measurements of how little.

The public API is what ``__all__`` lists; everything else is private.
"""

from . import corpora, measure
from .errors import FormatError, LowramError, MeasurementError
from .lists import BitList, FloatList, IntList, PackedIntArray, StrList

__version__ = "0.1.0"

__all__ = [
    "BitList",
    "FloatList",
    "IntList",
    "PackedIntArray",
    "StrList",
    "FormatError",
    "LowramError",
    "MeasurementError",
    "corpora",
    "measure",
    "__version__",
]
