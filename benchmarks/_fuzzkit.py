"""What lowram's fuzz scripts share: a buffer against a guard page, the queries made from a
seed's keys, and the alarm that turns a query that does not end into an exception."""

from __future__ import annotations

import mmap
import tempfile


class Guarded:
    """The bytes in a read-only file map, placed to end at a page boundary (a read past
    them leaves the mapping and faults, where nothing else is mapped there)."""

    def __init__(self, data):
        page = mmap.PAGESIZE
        pad = (-len(data)) % page or page
        self.fh = tempfile.TemporaryFile()
        self.fh.write(bytes(pad) + data)
        self.fh.flush()
        self.map = mmap.mmap(self.fh.fileno(), 0, access=mmap.ACCESS_READ)
        self.view = memoryview(self.map)[pad:]

    def close(self):
        self.view.release()
        self.map.close()
        self.fh.close()


def queries(rng, keys):
    """Probes for a structure built from keys: every prefix of each, each extended by ASCII,
    Cyrillic, an emoji and NUL, edge code points, and random strings of their characters."""
    out = {"", "a", "\x00", "\U0010FFFF", "\uffff", "\u0100", "zz" * 40}
    for k in keys:
        out.update(k[:i] for i in range(len(k) + 1))
        out.update([k + "a", k + "\u0436", k + "\U0001F600", k[:-1] + "\x00"])
    pool = "".join(sorted({c for k in keys for c in k})) + "az\u00e9\u4e2d\U0001F600"
    for _ in range(10):
        out.add("".join(rng.choice(pool) for _ in range(rng.randint(1, 8))))
    return sorted(out)


class Hang(Exception):
    """A query did not end before its alarm."""


def alarm(signum, frame):
    """SIGALRM handler: a query that runs past its alarm raises Hang."""
    raise Hang()
