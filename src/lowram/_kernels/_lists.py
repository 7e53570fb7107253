"""0.1.0 path of the typed lists' core (now :mod:`lowram.lists._typed`), for old pickles."""

from ..lists._typed import FloatList, IntList, _rebuild

__all__ = ["FloatList", "IntList", "_rebuild"]
