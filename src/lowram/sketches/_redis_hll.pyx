# cython: language_level=3
"""Redis' HyperLogLog, bit for bit: MurmurHash64A, the register rule and the string format.

Redis (src/hyperloglog.c) keeps 16,384 six-bit registers. An element's 64-bit hash is
MurmurHash64A(element, seed 0xadc83b19); the register is the low 14 bits; the value is the
number of trailing zeros of ``hash >> 14 | 1 << 50``, plus one (1..51). The string Redis stores
under a key is a 16-byte header (``HYLL``, encoding byte: 0 dense / 1 sparse, three zero
bytes, 8-byte little-endian cached cardinality whose top bit marks it stale) and either the
dense body (12,288 bytes: registers packed LSB-first, 6 bits each) or the sparse body
(opcodes ZERO ``00xxxxxx``, XZERO ``01xxxxxx yyyyyyyy`` and VAL ``1vvvvvxx``).

This module is lowram's own implementation of that published format; it never reads or
writes outside the buffers it is given, and a sparse body must account for exactly 16,384
registers or it is refused.
"""

from libc.stdint cimport uint8_t, uint64_t

import numpy as np

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object unicode, Py_ssize_t *size) except NULL

cdef enum:
    P = 14
    Q = 50
    REGISTERS = 16384
    DENSE_BYTES = 12288
    HEADER = 16

REDIS_SEED = 0xadc83b19
REGISTER_COUNT = REGISTERS
DENSE_SIZE = HEADER + DENSE_BYTES


cdef extern from "murmur64a.h" nogil:  # _native/csrc: shared with the HAT-trie
    uint64_t _murmur "lr_murmur64a"(const uint8_t *key, size_t len, uint64_t seed)


cdef inline uint64_t _murmur64a(const uint8_t* data, Py_ssize_t length, uint64_t seed) noexcept nogil:
    return _murmur(data, <size_t>length, seed)


cdef bytes _as_redis_bytes(object item):
    """The bytes Redis receives for ``item`` from a client: str as UTF-8, int as decimal."""
    if isinstance(item, bytes):
        return <bytes>item
    if isinstance(item, str):
        return (<str>item).encode("utf-8")
    if isinstance(item, (bytearray, memoryview)):
        return bytes(item)
    if isinstance(item, int) and not isinstance(item, bool):
        return str(int(item)).encode("ascii")
    raise TypeError(f"a Redis HyperLogLog element must be str, bytes or int, not "
                    f"{type(item).__name__}")


cdef uint64_t _redis_hash(object item) except? 0:
    """MurmurHash64A (Redis' seed) of ``item`` as Redis receives it; str without a copy."""
    cdef Py_ssize_t size
    cdef const char* buf
    cdef bytes b
    if type(item) is str:
        buf = PyUnicode_AsUTF8AndSize(item, &size)
        return _murmur64a(<const uint8_t*>buf, size, REDIS_SEED)
    b = _as_redis_bytes(item)
    return _murmur64a(<const uint8_t*>(<char*>b), len(b), REDIS_SEED)


def murmurhash64a(data, uint64_t seed=REDIS_SEED):
    """MurmurHash64A of ``data`` (bytes, str as UTF-8, int as decimal) as Redis computes it.

    >>> hex(murmurhash64a(b"", 0))
    '0x0'
    """
    cdef bytes b = _as_redis_bytes(data)
    return _murmur64a(<const uint8_t*>(<char*>b), len(b), seed)


def update_registers(uint8_t[::1] registers not None, items):
    """Apply Redis' PFADD register rule for every item; return how many registers changed.

    Strings are hashed without a copy (their cached UTF-8); no Python call per item for str.
    """
    if registers.shape[0] != REGISTERS:
        raise ValueError(f"Redis HyperLogLog has {REGISTERS} registers, not {registers.shape[0]}")
    cdef Py_ssize_t changed = 0
    cdef uint64_t h, index
    cdef uint8_t count
    for item in items:
        h = _redis_hash(item)
        index = h & (REGISTERS - 1)
        h >>= P
        h |= (<uint64_t>1) << Q
        count = 1
        while (h & 1) == 0:
            count += 1
            h >>= 1
        if count > registers[index]:
            registers[index] = count
            changed += 1
    return changed


def pack_dense(const uint8_t[::1] registers not None):
    """The 12,288-byte dense body for 16,384 register values (each 0..63)."""
    if registers.shape[0] != REGISTERS:
        raise ValueError(f"expected {REGISTERS} registers, got {registers.shape[0]}")
    out = bytearray(DENSE_BYTES)
    cdef uint8_t[::1] o = out
    cdef Py_ssize_t i, byte
    cdef unsigned int fb, v
    for i in range(REGISTERS):
        v = registers[i]
        if v > 63:
            raise ValueError(f"register {i} holds {v}, more than 6 bits")
        byte = i * 6 // 8
        fb = (i * 6) & 7
        o[byte] |= <uint8_t>((v << fb) & 0xFF)
        if fb > 2:
            o[byte + 1] |= <uint8_t>(v >> (8 - fb))
    return bytes(out)


def unpack_dense(const uint8_t[::1] body not None):
    """Register values from a 12,288-byte dense body."""
    if body.shape[0] != DENSE_BYTES:
        raise ValueError(f"a dense body is {DENSE_BYTES} bytes, not {body.shape[0]}")
    regs = np.zeros(REGISTERS, dtype=np.uint8)
    cdef uint8_t[::1] r = regs
    cdef Py_ssize_t i, byte
    cdef unsigned int fb, b0, b1
    for i in range(REGISTERS):
        byte = i * 6 // 8
        fb = (i * 6) & 7
        b0 = body[byte]
        b1 = body[byte + 1] if byte + 1 < DENSE_BYTES else 0
        r[i] = <uint8_t>(((b0 >> fb) | (b1 << (8 - fb))) & 63)
    return regs


def unpack_sparse(const uint8_t[::1] body not None):
    """Register values from a sparse body; ValueError unless it covers exactly 16,384."""
    regs = np.zeros(REGISTERS, dtype=np.uint8)
    cdef uint8_t[::1] r = regs
    cdef Py_ssize_t pos = 0, idx = 0, n = body.shape[0], run, j
    cdef unsigned int op, value
    while pos < n:
        op = body[pos]
        if (op & 0xC0) == 0:  # ZERO
            run = (op & 0x3F) + 1
            pos += 1
        elif (op & 0xC0) == 0x40:  # XZERO
            if pos + 1 >= n:
                raise ValueError(f"sparse body: XZERO opcode cut off at byte {pos}")
            run = (((op & 0x3F) << 8) | body[pos + 1]) + 1
            pos += 2
        else:  # VAL
            value = ((op >> 2) & 0x1F) + 1
            run = (op & 0x3) + 1
            if idx + run > REGISTERS:
                raise ValueError(f"sparse body: runs exceed {REGISTERS} registers at byte {pos}")
            for j in range(run):
                r[idx + j] = <uint8_t>value
            pos += 1
        if idx + run > REGISTERS:
            raise ValueError(f"sparse body: runs exceed {REGISTERS} registers at byte {pos}")
        idx += run
    if idx != REGISTERS:
        raise ValueError(f"sparse body covers {idx} registers, not {REGISTERS}")
    return regs


cdef inline uint64_t _reverse50(uint64_t x) noexcept nogil:
    cdef uint64_t out = 0
    cdef int i
    for i in range(50):
        out = (out << 1) | (x & 1)
        x >>= 1
    return out


def redis_as_leading_rule(items):
    """Redis' hashes of ``items`` rewritten for a leading-zeros register rule (p = 14).

    Redis takes the register from the *low* 14 bits and the value from the *trailing* zeros
    of the other 50; lowram's HyperLogLog takes the register from the *top* 14 bits and the
    value from the *leading* zeros of the rest. ``(index << 50) | reverse50(hash >> 14)``
    maps one rule onto the other exactly (an all-zero remainder gives 51 under both), so a
    lowram register array fed these values holds Redis' registers bit for bit.
    Returns a uint64 array, one value per item.
    """
    cdef Py_ssize_t i = 0
    cdef uint64_t h
    seq = items if isinstance(items, (list, tuple)) else list(items)
    out = np.empty(len(seq), dtype=np.uint64)
    cdef uint64_t[::1] o = out
    for item in seq:
        h = _redis_hash(item)
        o[i] = ((h & (REGISTERS - 1)) << Q) | _reverse50(h >> P)
        i += 1
    return out
