"""The marisa backend's gate: ``check_marisa`` accepts what marisa-trie builds and refuses,
with FormatError naming the defect, every payload marisa's builder would not write."""

import ast
import os
import struct
import subprocess
import sys

import marisa_trie
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowram import FormatError, StringMap, StringSet
from lowram._fileformat import pack, unpack
from lowram.strings.backends._marisacheck import MAX_KEY_BYTES, check_marisa, key_bound

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import marisa_format as F  # noqa: E402

ORDERS = [marisa_trie.LABEL_ORDER, marisa_trie.WEIGHT_ORDER]
CACHES = [marisa_trie.HUGE_CACHE, marisa_trie.NORMAL_CACHE, marisa_trie.TINY_CACHE]


@settings(max_examples=150, deadline=None)
@given(keys=st.lists(st.binary(max_size=30), max_size=300), tries=st.integers(1, 6),
       binary=st.booleans(), order=st.sampled_from(ORDERS), cache=st.sampled_from(CACHES))
def test_every_trie_marisa_builds_is_accepted(keys, tries, binary, order, cache):
    trie = marisa_trie.BinaryTrie(keys, num_tries=tries, binary=binary, order=order,
                                  cache_size=cache)
    data = trie.tobytes()
    assert check_marisa(data) == len(trie) == len(set(keys))
    # the bound on key length is one: never below the longest key
    assert key_bound(data) >= max(map(len, keys), default=0)


def test_large_word_list_accepted():
    words = [f"{i:x}{'ab' * (i % 9)}" for i in range(60_000)]
    trie = marisa_trie.Trie(words, order=marisa_trie.LABEL_ORDER)
    assert check_marisa(trie.tobytes()) == 60_000


def _payload(keys=None, **kw):
    keys = keys if keys is not None else [f"{w}{i}" for i, w in enumerate(
        ["apple", "apply", "banana", "band", "bandana", "can", "candle"] * 40)]
    return marisa_trie.BinaryTrie([k.encode() for k in keys], **kw).tobytes()


def _change(data, fn):
    p = F.parse(data)
    fn(p)
    return F.dump(p)


def _refused(data, words):
    with pytest.raises(FormatError, match=words):
        check_marisa(data)


def _set_cache(t, i, parent=None, child=None, word=None):
    c = bytearray(t["cache"])
    old = struct.unpack_from("<III", c, 12 * i)
    struct.pack_into("<III", c, 12 * i, *(new if new is not None else o
                                           for new, o in zip((parent, child, word), old)))
    t["cache"] = bytes(c)


def _occupied(t):
    c = t["cache"]
    return [i for i in range(len(c) // 12) if struct.unpack_from("<I", c, 12 * i)[0] != 2**32 - 1]


def test_layout_defects_refused():
    data = _payload()
    _refused(b"We love marisa.\0" + data[16:], "header")
    _refused(data[:-1], "truncated")
    _refused(data + bytes(8), "after the trie")
    _refused(data[:-4] + struct.pack("<I", struct.unpack("<I", data[-4:])[0] ^ 0x10), "config")
    # a vector's byte count that is not a multiple of its items
    bad = bytearray(data)
    struct.pack_into("<Q", bad, 16, 9)
    _refused(bytes(bad), "multiple")


def test_index_defects_refused():
    data = _payload()

    def rank(p):
        r = bytearray(p["louds"]["ranks"])
        r[12] ^= 1
        p["louds"]["ranks"] = bytes(r)

    def select(p):
        s = bytearray(p["louds"]["sel1"])
        s[0] ^= 1
        p["louds"]["sel1"] = bytes(s)

    def ones(p):
        p["terminal"]["num1"] += 1

    def past(p):
        F.resize(p["terminal"], p["terminal"]["size"] - 1)

    def extra_index(p):
        p["link"]["sel0"] = struct.pack("<I", 0)

    _refused(_change(data, rank), "rank index does not match")
    big = _payload([f"{i:05d}" for i in range(3000)])
    entries = len(F.parse(big)["louds"]["ranks"]) // 12
    assert entries > 4
    for j in (0, 1, entries // 2, entries - 2, entries - 1):   # each entry is compared
        for field in (0, 4, 8):
            def one(p, at=12 * j + field):
                r = bytearray(p["louds"]["ranks"])
                r[at] ^= 1
                p["louds"]["ranks"] = bytes(r)
            _refused(_change(big, one), "rank index does not match")
    _refused(_change(data, select), "select1 index")
    _refused(_change(data, ones), "claims")
    _refused(_change(data, past), "terminal flags")
    _refused(_change(data, extra_index), "does not write")


def test_tree_defects_refused():
    data = _payload(num_tries=2)

    def louds(p):   # a node listed as its own child: indexes rebuilt, the shape is wrong
        b = p["louds"]
        F.set_bit(b, 1, 1)
        F.set_bit(b, 2, 0)
        F.reindex(b)

    def level1(p):
        p["num_l1"] += 1

    def root_link(p):
        F.set_bit(p["link"], 0, 1)
        F.reindex(p["link"])

    _refused(_change(data, louds), "LOUDS")

    def self_child(p):
        # root, "a", "b": LOUDS 10 110 0 0 0 becomes 10 0 11 0 0 0, the root childless and
        # node 1 its own first child (a walk down from it would never end); the level-1
        # count and the cache agree with the new bits, so only the tree check is left
        b = p["louds"]
        assert b["size"] == 8
        for i, v in enumerate([1, 0, 0, 1, 1, 0, 0, 0]):
            F.set_bit(b, i, v)
        F.reindex(b)
        p["num_l1"] = 0
        p["cache"] = struct.pack("<III", 2**32 - 1, 2**32 - 1, 0) * (len(p["cache"]) // 12)

    _refused(_change(_payload(["a", "b"], num_tries=1), self_child), "before the node itself")
    _refused(_change(data, level1), "level-1")
    _refused(_change(data, root_link), "root")


def test_link_defects_refused():
    nested = _payload(num_tries=2)

    def target(value):
        def fn(p):
            v = F.extras(p["extras"])
            v[0] = value
            F.set_extras(p["extras"], v)
            # the cache entries of that node stay as they were: clear them so the link
            # check (not the cache check) is what refuses
            p["cache"] = b"".join(struct.pack("<III", 2**32 - 1, 2**32 - 1, 0)
                                  for _ in range(len(p["cache"]) // 12))
        return fn

    _refused(_change(nested, target(10**6)), "links to node")

    def to_root(p):       # node 0 of the next trie: its root, never a fragment
        fn = target(0)
        fn(p)
        links = [c for c in range(p["louds"]["size"] // 2 - 1) if F.get_bit(p["link"], c)]
        b = bytearray(p["bases"])
        b[links[0]] = 0
        p["bases"] = bytes(b)

    _refused(_change(nested, to_root), "links to node 0")

    tail = _payload(num_tries=1)
    _refused(_change(tail, target(10**6)), "tail byte")

    def empty_fragment(p):
        t = bytearray(p["tail"])
        links = [c for c in range(p["louds"]["size"] // 2 - 1) if F.get_bit(p["link"], c)]
        off = p["bases"][links[0]] | (F.extras(p["extras"])[0] << 8)
        t[off] = 0
        p["tail"] = bytes(t)

    _refused(_change(tail, empty_fragment), "empty fragment")

    def no_nul(p):
        t = bytearray(p["tail"])
        t[-1] = 65
        p["tail"] = bytes(t)

    _refused(_change(tail, no_nul), "NUL")


def test_cache_defects_refused():
    data = _payload(num_tries=2)
    top = F.parse(data)
    i = _occupied(top)[0]
    parent, child, word = struct.unpack_from("<III", top["cache"], 12 * i)
    _refused(_change(data, lambda p: _set_cache(p, i, parent=parent + 1 if parent + 1 < child
                                                else 0)), "does not match|names node")
    _refused(_change(data, lambda p: _set_cache(p, i, child=10**6)), "names node")
    _refused(_change(data, lambda p: _set_cache(p, i, word=word ^ 1)), "does not match")

    def moved(p):   # the entry copied to another slot (a non-link child: its slot is fixed)
        c = p["cache"]
        links = {n for n in range(p["louds"]["size"] // 2 - 1) if F.get_bit(p["link"], n)}
        for j in _occupied(p):
            par, ch, w = struct.unpack_from("<III", c, 12 * j)
            if ch not in links:
                empty = next(k for k in range(len(c) // 12) if k not in _occupied(p))
                _set_cache(p, empty, par, ch, w)
                return
        raise AssertionError("no plain child cached")

    _refused(_change(data, moved), "out of place")

    def nested_moved(p):   # in a nested trie an entry's slot is its child's low bits
        t = p["next"]
        j = _occupied(t)[0]
        k = (j + 1) % (len(t["cache"]) // 12)
        assert k != j
        c = bytearray(t["cache"])
        c[12 * j:12 * j + 12], c[12 * k:12 * k + 12] = c[12 * k:12 * k + 12], c[12 * j:12 * j + 12]
        t["cache"] = bytes(c)

    many = marisa_trie.BinaryTrie([f"{i:05d}/{i * 7919 % 10007:05d}{'qrs' * (i % 5)}".encode()
                                   for i in range(6000)], num_tries=2,
                                  cache_size=marisa_trie.HUGE_CACHE).tobytes()
    assert len(F.parse(many)["next"]["cache"]) // 12 > 1
    _refused(_change(many, nested_moved), "out of place")

    def not_power_of_two(p):
        p["cache"] = p["cache"] + p["cache"][:12]

    _refused(_change(data, not_power_of_two), "cache has")

    def small_top_cache(p):   # marisa's top trie has at least 256 entries
        p["cache"] = p["cache"][:12 * 128]

    _refused(_change(data, small_top_cache), "cache has")

    def wide_extras(p):       # a link is 8 bits of label and 24 of extra, no more
        v = F.extras(p["extras"])
        v[0] = 1 << 24
        F.set_extras(p["extras"], v)

    _refused(_change(data, wide_extras), "25 bits")


def test_key_length_bound():
    """Links that multiply (every link of the top trie aimed at the next trie's deepest
    fragment) raise the bound; past the limit the payload is refused."""
    keys = ["a" * k + "b" + "suffix" * 8 for k in range(1, 40)]
    data = _payload(keys, num_tries=2)
    honest = key_bound(data)
    assert honest >= max(map(len, keys))
    assert check_marisa(data, key_limit=honest) == len(keys)
    with pytest.raises(FormatError, match="restore a key of up to"):
        check_marisa(data, key_limit=honest - 1)
    assert MAX_KEY_BYTES == 2**32 - 1


def _doubling(k):
    """k nested tries, each a chain root -> 1 -> 2 whose two nodes both link to node 2 of the
    next (the last's to the tail fragment "a"): each trie doubles the fragment, so the one
    key of the top trie is 2**k bytes from a payload of a few KB."""
    def bits(word, size, rank=True, sel0=False, sel1=True):
        b = {"units": word.to_bytes(8, "little") if size else b"", "size": size, "num1": 0,
             "ranks": b"x" if rank else b"", "sel0": b"x" if sel0 else b"",
             "sel1": b"x" if sel1 else b""}
        F.reindex(b)
        return b

    def trie(j):
        top, last = j == 1, j == k
        t = {"louds": bits(0b00010101, 8, sel0=top),
             "terminal": bits(0b0100, 4) if top else bits(0, 0, False, False, False),
             "link": bits(0b110, 3, sel1=False),
             "bases": bytes([0, 0, 0] if last else [0, 2, 2]),
             "extras": {}, "tail": b"a\0" if last else b"",
             "ends": bits(0, 0, False, False, False),
             "next": None if last else trie(j + 1),
             "cache": struct.pack("<III", 2**32 - 1, 2**32 - 1, 0) * (256 if top else 1),
             "num_l1": 1, "flags": (k - j + 1) | 0x21000}
        F.set_extras(t["extras"], [0, 0])
        return t

    return F.dump(trie(1))


def test_nested_links_cannot_multiply_into_huge_keys():
    small = _doubling(5)
    assert key_bound(small) == 2**5 and check_marisa(small) == 1
    assert marisa_trie.BinaryTrie().frombytes(small).keys() == [b"a" * 32]   # marisa agrees
    big = _doubling(30)
    assert len(big) < 20_000 and key_bound(big) == 2**30
    assert check_marisa(big) == 1   # within marisa's own limit, yet 1 GiB from 20 KB:
    from lowram.strings.backends.marisa import MarisaSet
    with pytest.raises(FormatError, match="restore a key of up to 1073741824 bytes"):
        MarisaSet.from_payload(memoryview(big), False, 1)   # the backend holds keys far lower


def _rank(p):
    r = bytearray(p["louds"]["ranks"])
    r[12] ^= 1
    p["louds"]["ranks"] = bytes(r)


def _recraft(blob, trie):
    """``blob`` (a lowram envelope) with the marisa payload ``trie`` inside it changed to
    one whose rank index lies, re-wrapped behind a valid checksum."""
    env = unpack(blob)
    assert bytes(env.payload).count(trie) == 1
    bad = _change(trie, _rank)
    assert len(bad) == len(trie) and bad != trie
    return pack(env.kind, env.version, bytes(env.payload).replace(trie, bad))


def test_backend_refuses_crafted_files(tmp_path):
    """Through StringSet and StringMap: a payload crafted to pass the checksum raises
    FormatError at open (read or mapped) and never reaches marisa-trie."""
    s = StringSet([f"k{i}" for i in range(500)], backend="marisa")
    m = StringMap({f"k{i}": i for i in range(300)}, backend="marisa")
    for cls, crafted in ((StringSet, _recraft(s.to_bytes(), s._backend.payload())),
                         (StringMap, _recraft(m.to_bytes(), m._index.payload()))):
        with pytest.raises(FormatError, match="rank index does not match"):
            cls.from_bytes(crafted)
        path = tmp_path / f"{cls.__name__}.lowram"
        path.write_bytes(crafted)
        for mm in (True, False):
            with pytest.raises(FormatError, match="rank index does not match"):
                cls.load(path, mmap=mm)


def test_the_fuzzer_runs_clean():
    """benchmarks/fuzz_marisa.py, a short run (in its own process: the tests import nothing
    from benchmarks/): every accepted payload (changed ones among them) opened by
    marisa-trie and exercised without a crash; both outcomes seen."""
    script = os.path.join(ROOT, "benchmarks", "fuzz_marisa.py")
    out = subprocess.run([sys.executable, script, "--n", "400", "--seed", "3", "--guard"],
                         capture_output=True, text=True, timeout=600, check=False,
                         env={**os.environ, "PYTHONFAULTHANDLER": "1"})
    assert out.returncode == 0, out.stderr[-2000:]
    stats = ast.literal_eval(out.stdout.splitlines()[-1])
    assert stats["inputs"] == 400 and stats["refused"] > 0 and stats["accepted changed"] > 0


@pytest.mark.parametrize("cls", [StringSet, StringMap])
def test_a_key_that_is_not_utf8_is_a_format_error_when_read(cls):
    """A payload whose structure is sound but whose key bytes are not UTF-8 opens (checking
    every key at open would cost a pass over them all, which a mapped open does not make),
    and reading that key raises FormatError, not UnicodeDecodeError; the other keys work."""
    o = (StringSet(["a", "bc", "bd"], backend="marisa") if cls is StringSet
         else StringMap({"a": 1, "bc": 2, "bd": 3}, backend="marisa"))
    trie = o._backend.payload() if cls is StringSet else o._index.payload()
    bad = marisa_trie.BinaryTrie([b"a", b"b\xff", b"bd"],
                                 order=marisa_trie.LABEL_ORDER).tobytes()
    assert len(bad) == len(trie) and bad != trie
    env = unpack(o.to_bytes())
    x = cls.from_bytes(pack(env.kind, env.version, bytes(env.payload).replace(trie, bad)))
    assert len(x) == 3 and "bd" in x and "a" in x
    for read in (list, lambda y: list(y.keys("b")) if cls is StringSet else list(y.items("b"))):
        with pytest.raises(FormatError, match="marisa payload holds a key that is not UTF-8"):
            read(x)
    found = x.prefixes("bdd")   # (a map's value: whichever the changed trie's key id finds)
    assert (found if cls is StringSet else [k for k, _ in found]) == ["bd"]


def test_a_set_read_into_memory_is_read_in_place():
    """from_bytes on bytes: marisa answers from those bytes (no copy), and the set keeps them
    alive; a map's index is copied once (its payload holds the values too)."""
    s = StringSet([f"k{i}" for i in range(2000)], backend="marisa")
    blob = s.to_bytes()
    t = StringSet.from_bytes(blob)
    assert t._backend._keepalive.obj is blob
    del blob
    assert t == s
    m = StringMap({f"k{i}": i for i in range(300)}, backend="marisa")
    blob = m.to_bytes()
    assert type(StringMap.from_bytes(blob)._index._keepalive) is bytes   # the copy, mapped
