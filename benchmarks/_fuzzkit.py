"""What lowram's fuzz scripts share: a buffer against a guard page, the queries made from a
seed's keys, byte noise, and one mutated buffer tried (opened or refused, then queried under
an alarm that turns a query that does not end into a note)."""

from __future__ import annotations

import mmap
import signal
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


def byte_noise(rng, b: bytearray, op: int) -> None:
    """One of the mutations every format takes, in place: op 0 flips 1-3 random bits, op 1
    cuts the tail off or appends 1-12 zero bytes."""
    if op == 0 and b:
        for _ in range(rng.randint(1, 3)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    elif op == 1:
        if b and rng.random() < 0.5:
            del b[rng.randrange(len(b)):]
        else:
            b += bytes(rng.randint(1, 12))


def try_one(bad: bytes, opener, exercise, refusals, guard: bool, stats, notes, label: str):
    """Open ``bad`` with ``opener(buffer)`` (against a guard page when ``guard``); count a
    refusal (an exception of the ``refusals`` types) or query what opened with
    ``exercise(obj)`` under a 20 s alarm (SIGALRM must be handled by :func:`alarm`). A note
    it returns is counted, and printed with the buffer the first time it is seen."""
    g = Guarded(bad) if guard else None
    try:
        obj = opener(g.view if g else bad)
    except refusals:
        stats["refused"] += 1
        if g:
            g.close()
        return
    stats["opened"] += 1
    signal.alarm(20)
    try:
        note = exercise(obj)
    except Hang:
        note = "hang (20 s)"
    finally:
        signal.alarm(0)
    del obj
    if g:
        g.close()
    if note:
        stats["notes"] += 1
        if note not in notes:
            notes[note] = bad
            print(f"{label}: {note}\n  buffer {bad.hex()[:400]}", flush=True)
