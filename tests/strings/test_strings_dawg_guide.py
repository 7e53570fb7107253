"""A DAWG's completion guide is data: a crafted one must not make key listing run for ever.

Every single-byte change to the guide of small DAWGs (a set's and a map's) is tried: listing
the keys either raises FormatError or gives keys in strictly increasing order, no more than
the file holds, each one a stored key. Some of those changes make the guide loop (it lists a
key it has listed before), which without the order check would list keys without end.
"""

from __future__ import annotations

import itertools
import struct

import dawg
import pytest

from lowram import FormatError, StringMap, StringSet
from lowram.strings.backends._dawgdic import DawgDict
from lowram.strings.backends.dawg import DawgIndex, DawgSet

KEYS = ["a", "ab", "abc", "b", "ba", "c"]


def _guide_span(data: bytes) -> range:
    n = struct.unpack_from("<I", data, 0)[0]
    return range(8 + 4 * n, len(data))


def _listing(d: DawgDict, values: bool, limit: int):
    """The keys listed (at most limit + 2 of them), or the FormatError raised."""
    try:
        return list(itertools.islice(d.iter_keys(b"", values, limit), limit + 2))
    except FormatError as exc:
        return exc


@pytest.mark.parametrize("values", [False, True])
def test_every_changed_guide_byte_lists_keys_in_order_or_refuses(values):
    if values:
        data = dawg.IntCompletionDAWG(zip(KEYS, range(len(KEYS))), input_is_sorted=True).tobytes()
    else:
        data = dawg.CompletionDAWG(KEYS, input_is_sorted=True).tobytes()
    assert [k for k in DawgDict(data).iter_keys(b"", False, len(KEYS))] == KEYS
    labels = sorted({0, 1, 255} | {b for k in KEYS for b in k.encode()})
    refused = looped = 0
    for pos in _guide_span(data):
        for label in labels:
            if data[pos] == label:
                continue
            bad = bytearray(data)
            bad[pos] = label
            d = DawgDict(bytes(bad))
            got = _listing(d, values, len(KEYS))
            if isinstance(got, FormatError):
                refused += 1
                looped += "after" in str(got)
                continue
            keys = [k for k, _ in got] if values else got
            assert len(keys) <= len(KEYS), (pos, label, keys)
            assert keys == sorted(set(keys)), (pos, label, keys)
            assert set(keys) <= set(KEYS), (pos, label, keys)
    assert refused and looped   # the loops this guards against do occur


def test_the_limit_caps_a_guide_that_lists_more_than_the_file_holds():
    d = DawgDict(dawg.CompletionDAWG(KEYS, input_is_sorted=True).tobytes())
    with pytest.raises(FormatError, match="more keys than the 3"):
        list(d.iter_keys(b"", False, 3))
    assert list(d.iter_keys(b"a", False, len(KEYS))) == ["a", "ab", "abc"]


def test_the_backends_list_no_more_than_their_size():
    # a backend told it holds fewer keys than its DAWG lists (what a crafted header with a
    # valid checksum would say) refuses at the first key too many
    data = dawg.CompletionDAWG(KEYS, input_is_sorted=True).tobytes()
    with pytest.raises(FormatError):
        list(DawgSet(DawgDict(data), 2).iter_keys(""))
    data = dawg.IntCompletionDAWG(zip(KEYS, range(len(KEYS))), input_is_sorted=True).tobytes()
    with pytest.raises(FormatError):
        list(DawgIndex(DawgDict(data), 2).iter_items(""))
    # and the real sizes list everything
    s = StringSet(KEYS, backend="dawg")
    assert list(s) == KEYS and list(s.keys("a")) == ["a", "ab", "abc"]
    m = StringMap({k: i for i, k in enumerate(KEYS)}, backend="dawg")
    assert list(m.items()) == [(k, i) for i, k in enumerate(KEYS)]
