"""lowram: large collections in little RAM, with honest measurements of how little.

The public API is what ``__all__`` lists; everything else is private.
"""

from . import corpora, measure
from .errors import FormatError, LowramError, MeasurementError
from .strings import MutableStringSet

__version__ = "0.1.0"

__all__ = [
    "FormatError",
    "LowramError",
    "MeasurementError",
    "MutableStringSet",
    "corpora",
    "measure",
    "__version__",
]
