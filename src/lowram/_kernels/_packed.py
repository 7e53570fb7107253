"""0.1.0 path of PackedIntArray's core (now :mod:`lowram.lists._packed`), for old pickles."""

from ..lists._packed import PackedIntArray, _from_bytes

__all__ = ["PackedIntArray", "_from_bytes"]
