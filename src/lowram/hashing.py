"""Stable, seeded 64-bit hashing: the same item gives the same hash everywhere.

lowram's sketches never use the builtin ``hash()``, which Python salts per process. They use
**XXH3-64** (``XXH3_64bits_withSeed`` of xxHash 0.8, Yann Collet's published 64-bit hash),
implemented in lowram's compiled kernel and checked against the reference ``xxhash``
package (``xxhash.xxh3_64_intdigest(data, seed)`` gives the same value). XXH3 was chosen
over XXH64 for short items: a word or token of 1-16 bytes costs it one or two multiplies
where XXH64 runs a round per 8, 4 and single byte:

* ``str`` is hashed as its UTF-8 bytes (a lone surrogate as ``surrogatepass`` writes it);
* ``bytes``, ``bytearray`` and ``memoryview`` as their own bytes;
* ``int`` (and numpy integers, and numpy integer arrays element-wise, without a Python
  loop) as its 8-byte little-endian two's-complement value, so ints from ``-2**63`` to
  ``2**64 - 1`` are accepted (``-1`` and ``2**64 - 1`` share their bytes and their hash);
* anything else raises ``TypeError``.

The seed is any int from 0 to ``2**64 - 1``; XXH3 takes it as its 64-bit seed.

>>> hash64("lowram") == hash64(b"lowram")
True
>>> hash64(1) == hash64(b"\\x01" + bytes(7))
True
>>> hash64_many(["a", "b"], seed=7).dtype
dtype('uint64')
"""

from __future__ import annotations

from ._native._hash import hash64, hash64_many

__all__ = ["ALGORITHM", "hash64", "hash64_many"]

#: The published hash function behind :func:`hash64`.
ALGORITHM = "XXH3-64"
