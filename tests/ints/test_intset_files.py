"""IntSet files, bytes and pickles: round trips, and every damaged or crafted payload refused
with FormatError (a crafted one re-wrapped in a valid envelope, so the checksum passes)."""

from __future__ import annotations

import pickle
import struct

import numpy as np
import pytest

from lowram import FormatError, IntSet
from lowram._fileformat import pack, unpack

CASES = {
    "empty": [],
    "narrow": [0, 1, -1, 2**31 - 1, -2**31],
    "wide": [2**40, -2**63, 2**63 - 1, 7],
    "upper": [2**63, 2**64 - 1, 3],
    "many": list(range(-3000, 3000, 7)),
}


@pytest.mark.parametrize("name", CASES)
def test_round_trips(name, tmp_path):
    s = IntSet(CASES[name], seed=42)
    for back in (IntSet.from_bytes(s.to_bytes()), pickle.loads(pickle.dumps(s, protocol=5))):
        assert back == s and back.seed == 42 and list(back) == list(s)
        back._check()
    path = tmp_path / "s.lowram"
    s.save(path)
    for mmap in (False, True):
        assert IntSet.load(path, mmap=mmap) == s


def _payload(s: IntSet) -> bytes:
    return bytes(unpack(s.to_bytes()).payload)


def test_every_flipped_byte_and_truncation_refused(assert_rejects_corruption):
    assert_rejects_corruption(IntSet(CASES["upper"] + CASES["narrow"]).to_bytes(),
                              IntSet.from_bytes)


def test_crafted_payloads_refused():
    good = _payload(IntSet([1, 2, 3]))
    head = bytearray(good[:32])

    def wrap(payload):
        return pack("IntSet", 1, bytes(payload))

    cases = {
        "short header": good[:20],
        "count past the payload": struct.pack("<QQQ", 0, 2**60, 0) + bytes([4, 4]) + bytes(6),
        "width 3": bytes(head[:24]) + bytes([3, 4]) + bytes(6) + good[32:],
        "nonzero padding": bytes(head[:26]) + b"\x01" + bytes(5) + good[32:],
        "repeated key": bytes(head[:32]) + struct.pack("<iii", 1, 1, 3),
        "upper key below 2**63": (struct.pack("<QQQ", 0, 0, 1) + bytes([4, 4]) + bytes(6)
                                  + struct.pack("<i", -5)),
        "trailing bytes": good + b"\x00",
    }
    for name, payload in cases.items():
        with pytest.raises(FormatError):
            IntSet.from_bytes(wrap(payload))
    with pytest.raises(FormatError, match="not a 'IntSet'"):
        IntSet.from_bytes(pack("IntMap", 1, good))


def test_fuzzed_payloads_open_or_refuse(fuzz_payloads):
    """Each mutated payload opens into a set whose invariants hold, or raises FormatError."""
    def check(s):
        s._check()
        assert len(list(s)) == len(s)
    seeds = [_payload(IntSet(v, seed=1)) for v in CASES.values()]
    assert fuzz_payloads("IntSet", seeds, IntSet.from_bytes, check, seed=3) > 0


def test_pickle_keeps_the_seed_and_order():
    s = IntSet(np.arange(10_000) * 3, seed=123)
    t = pickle.loads(pickle.dumps(s))
    assert t.seed == 123 and list(t) == list(s)
