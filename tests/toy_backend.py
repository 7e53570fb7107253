"""A StringSet/StringMap backend written in the tests, added exactly as docs/architecture.md
says: this one module, and one line in the backend table (``install``, called by
conftest.py). The generic backend suites (tests/strings/test_strings.py and
test_strings_map.py run over ``backends.names()``) then test it like the real ones.

The structure is deliberately plain: the sorted keys in a tuple, ``in`` by bisection, the file
the keys' UTF-8 joined by "\\x00" (so the backend refuses keys holding "\\x00", which exercises
the refusal path).
"""

from __future__ import annotations

import bisect
import sys

from lowram.strings.backends import KeyIndex, SetBackend

__all__ = ["ToyIndex", "ToySet", "install"]


class _SortedTuple:
    """Sorted distinct keys; ``in`` by bisection (what the front's compiled ``in`` calls)."""

    __slots__ = ("keys",)

    def __init__(self, keys):
        self.keys = tuple(keys)

    def __contains__(self, key):
        keys = self.keys
        i = bisect.bisect_left(keys, key)
        return i < len(keys) and keys[i] == key

    def __len__(self):
        return len(self.keys)

    def position(self, key) -> int:
        keys = self.keys
        i = bisect.bisect_left(keys, key)
        return i if i < len(keys) and keys[i] == key else -1

    def span(self, prefix: str) -> tuple:
        lo = bisect.bisect_left(self.keys, prefix)
        hi = lo
        while hi < len(self.keys) and self.keys[hi].startswith(prefix):
            hi += 1
        return lo, hi


class ToySet(SetBackend):
    name = "toy"
    nul_free = True  # "\x00" separates the keys in the payload

    @classmethod
    def build(cls, keys):
        impl = _SortedTuple(keys)
        return cls(impl, len(impl))

    def iter_keys(self, prefix):
        lo, hi = self.impl.span(prefix)
        return iter(self.impl.keys[lo:hi])

    def payload(self):
        return b"\x00".join(k.encode("utf-8", "surrogatepass") for k in self.impl.keys)

    @classmethod
    def from_payload(cls, view, mapped, count):
        raw = bytes(view)
        keys = raw.decode("utf-8", "surrogatepass").split("\x00") if raw else []
        if len(keys) != count or any(not k for k in keys) or keys != sorted(set(keys)):
            raise ValueError("the toy payload is not sorted distinct non-empty keys")
        return cls.build(keys)

    def nbytes(self):
        return sys.getsizeof(self.impl.keys) + sum(sys.getsizeof(k) for k in self.impl.keys)


class ToyIndex(KeyIndex, ToySet):
    @classmethod
    def build_index(cls, keys):
        index = cls.build(keys)
        return index, range(len(keys))

    def index(self, key):
        return self.impl.position(key)

    def iter_items(self, prefix):
        lo, hi = self.impl.span(prefix)
        return zip(self.impl.keys[lo:hi], range(lo, hi))


def install() -> None:
    """The documented table line, added at run time (the tests cannot edit the package)."""
    from lowram.strings.backends import BACKENDS, Backend

    BACKENDS["toy"] = Backend("toy_backend", "ToySet", "ToyIndex")
