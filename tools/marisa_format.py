"""marisa's payload as Python values, and back (for ``benchmarks/fuzz_marisa.py`` and
``tests/strings/test_strings_marisa_check.py``).

``parse`` splits a payload into its tries (bit vectors, labels, extras, tail, cache, words),
``dump`` writes it back byte for byte, and ``reindex`` rebuilds a bit vector's rank and select
indexes as marisa's builder does, so a mutation of the bits themselves gets past the index
check and reaches the structural checks behind it (and marisa, if they let it through).
"""

from __future__ import annotations

import struct

HEADER = b"We love Marisa.\x00"


class Reader:
    def __init__(self, data: bytes, pos: int = 0):
        self.data = data
        self.pos = pos

    def u32(self) -> int:
        (v,) = struct.unpack_from("<I", self.data, self.pos)
        self.pos += 4
        return v

    def u64(self) -> int:
        (v,) = struct.unpack_from("<Q", self.data, self.pos)
        self.pos += 8
        return v

    def vector(self) -> bytes:
        total = self.u64()
        out = self.data[self.pos:self.pos + total]
        if len(out) != total:
            raise ValueError("truncated")
        self.pos += total + (8 - total % 8) % 8
        return out


def _vec(b: bytes) -> bytes:
    return struct.pack("<Q", len(b)) + b + bytes((8 - len(b) % 8) % 8)


def _bits(r: Reader) -> dict:
    return dict(units=r.vector(), size=r.u32(), num1=r.u32(), ranks=r.vector(),
                sel0=r.vector(), sel1=r.vector())


def _dump_bits(b: dict) -> bytes:
    return (_vec(b["units"]) + struct.pack("<II", b["size"], b["num1"]) + _vec(b["ranks"])
            + _vec(b["sel0"]) + _vec(b["sel1"]))


def _trie(r: Reader) -> dict:
    t = dict(louds=_bits(r), terminal=_bits(r), link=_bits(r), bases=r.vector())
    t["extras"] = dict(units=r.vector(), vsize=r.u32(), mask=r.u32(), size=r.u64())
    t["tail"] = r.vector()
    t["ends"] = _bits(r)
    t["next"] = _trie(r) if t["link"]["num1"] and not t["tail"] else None
    t["cache"] = r.vector()
    t["num_l1"] = r.u32()
    t["flags"] = r.u32()
    return t


def _dump_trie(t: dict) -> bytes:
    e = t["extras"]
    out = (_dump_bits(t["louds"]) + _dump_bits(t["terminal"]) + _dump_bits(t["link"])
           + _vec(t["bases"]) + _vec(e["units"]) + struct.pack("<IIQ", e["vsize"], e["mask"],
                                                                e["size"])
           + _vec(t["tail"]) + _dump_bits(t["ends"]))
    if t["next"] is not None:
        out += _dump_trie(t["next"])
    return out + _vec(t["cache"]) + struct.pack("<II", t["num_l1"], t["flags"])


def parse(data: bytes) -> dict:
    """The top trie of a valid payload (nested tries under ``"next"``)."""
    if data[:16] != HEADER:
        raise ValueError("no header")
    r = Reader(data, 16)
    t = _trie(r)
    if r.pos != len(data):
        raise ValueError("trailing bytes")
    return t


def dump(t: dict) -> bytes:
    return HEADER + _dump_trie(t)


def tries(t: dict) -> list:
    out = []
    while t is not None:
        out.append(t)
        t = t["next"]
    return out


def get_bit(b: dict, i: int) -> int:
    return (b["units"][i >> 3] >> (i & 7)) & 1


def set_bit(b: dict, i: int, v: int) -> None:
    u = bytearray(b["units"])
    if v:
        u[i >> 3] |= 1 << (i & 7)
    else:
        u[i >> 3] &= ~(1 << (i & 7)) & 0xFF
    b["units"] = bytes(u)


def resize(b: dict, size: int) -> None:
    """Set the bit vector's size (new bits 0; words as many as marisa keeps)."""
    words = (size + 63) // 64
    u = bytearray(b["units"][:8 * words].ljust(8 * words, b"\0"))
    if size % 64:
        last = int.from_bytes(u[-8:], "little") & ((1 << (size % 64)) - 1)
        u[-8:] = last.to_bytes(8, "little")
    b["units"] = bytes(u)
    b["size"] = size


def reindex(b: dict) -> None:
    """Recount the ones and rebuild whichever indexes the vector has, as marisa does."""
    rank, sel0, sel1 = bool(b["ranks"]), bool(b["sel0"]), bool(b["sel1"])
    size = b["size"]
    words = [int.from_bytes(b["units"][i:i + 8], "little")
             for i in range(0, len(b["units"]), 8)]
    num1 = sum(bin(w).count("1") for w in words)
    b["num1"] = num1
    if not rank:
        return
    nranks = size // 512 + (1 if size % 512 else 0) + 1
    ranks = [[0] * 8 for _ in range(nranks)]   # abs, rel1..rel7
    s0, s1 = [], []
    n0 = n1 = 0
    for uid, w in enumerate(words):
        bit_id = uid * 64
        k = uid % 8
        if k == 0:
            ranks[uid // 8][0] = n1
        else:
            ranks[uid // 8][k] = n1 - ranks[uid // 8][0]
        ones = bin(w).count("1")
        zeros = min(size - bit_id, 64) - ones
        want = (-n0) % 512
        if zeros > want:
            s0.append(bit_id + _select(want, ~w & (2**64 - 1)))
        n0 += zeros
        want = (-n1) % 512
        if ones > want:
            s1.append(bit_id + _select(want, w))
        n1 += ones
    if size % 512:
        rid = (size - 1) // 512
        for k in range(((size - 1) // 64) % 8 + 1, 8):
            ranks[rid][k] = n1 - ranks[rid][0]
    ranks[-1] = [n1] + [0] * 7
    out = bytearray()
    for a, r1, r2, r3, r4, r5, r6, r7 in ranks:
        lo = (r1 & 0x7F) | ((r2 & 0xFF) << 7) | ((r3 & 0xFF) << 15) | ((r4 & 0x1FF) << 23)
        hi = (r5 & 0x1FF) | ((r6 & 0x1FF) << 9) | ((r7 & 0x1FF) << 18)
        out += struct.pack("<III", a & 0xFFFFFFFF, lo & 0xFFFFFFFF, hi)
    b["ranks"] = bytes(out)
    if sel0:
        b["sel0"] = struct.pack(f"<{len(s0) + 1}I", *s0, size)
    if sel1:
        b["sel1"] = struct.pack(f"<{len(s1) + 1}I", *s1, size)


def _select(k: int, w: int) -> int:
    for _ in range(k):
        w &= w - 1
    return (w & -w).bit_length() - 1


def extras(e: dict) -> list:
    """The packed extras as a list of ints."""
    v = int.from_bytes(e["units"], "little")
    return [(v >> (i * e["vsize"])) & e["mask"] for i in range(e["size"])]


def set_extras(e: dict, values: list) -> None:
    """Pack values as marisa does (the narrowest width that holds the largest)."""
    vsize = max(values, default=0).bit_length()
    e["vsize"], e["mask"], e["size"] = vsize, (2**vsize - 1) if vsize else 0, len(values)
    words = 0 if not values else (1 if vsize == 0 else (vsize * len(values) + 63) // 64)
    v = 0
    for i, x in enumerate(values):
        v |= x << (i * vsize)
    e["units"] = v.to_bytes(8 * words, "little")
