"""Differential tests of StringSet against frozenset, rerun for every backend."""

from __future__ import annotations

import gc
import os
import pickle
import sys
import textwrap

import numpy as np
import pytest

from subprocess_runner import run_ok
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import lowram
from lowram import FormatError
from lowram._fileformat import pack, unpack
from lowram.strings import StringSet
from lowram.strings import backends

BACKENDS = backends.names("set")


def refuses(backend: str, keys) -> bool:
    """Reference: whether ``backend`` must refuse ``keys`` (independent of the backends)."""
    keys = set(keys)
    surrogate = any(0xD800 <= ord(c) <= 0xDFFF for k in keys for c in k)
    nul = any("\x00" in k for k in keys)
    if backend in ("marisa",):
        return surrogate
    if backend in ("dawg", "toy"):  # toy: tests/toy_backend.py separates keys with "\x00"
        return (surrogate and backend == "dawg") or nul
    if backend == "datrie":
        return surrogate or nul or len({c for k in keys for c in k}) > 255
    return False


# full Unicode (surrogates excluded: st.characters leaves out category Cs by default),
# with a bias towards shared prefixes, '', '\x00' and very long keys
_chars = st.characters(codec=None)
_short = st.text(_chars, max_size=6)
_prefixed = st.builds(lambda p, s: p + s, st.sampled_from(["", "ab", "abc", "é", "😀", "\x00", "中文"]), _short)
_long = st.builds(lambda c, n: c * n, st.sampled_from(["a", "é", "😀", "ab"]), st.integers(1000, 1100))
keys_strategy = st.one_of(_prefixed, _short, st.just(""), st.just("\x00"), _long)
key_sets = st.lists(keys_strategy, max_size=25)


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


def build_or_refuse(keys, backend):
    if refuses(backend, keys):
        with pytest.raises(ValueError):
            StringSet(keys, backend=backend)
        return None
    return StringSet(keys, backend=backend)


def check_same(s: StringSet, ref: frozenset, probes=()):
    s._check()
    assert len(s) == len(ref)
    assert list(s) == sorted(ref)
    assert s == ref and ref == s and not (s != ref)
    assert hash(s) == hash(ref)
    for p in list(ref) + list(probes):
        assert (p in s) == (p in ref), p


@given(keys=key_sets, probes=st.lists(keys_strategy, max_size=8))
@settings(max_examples=40)
@pytest.mark.parametrize("name", BACKENDS)
def test_matches_frozenset(name, keys, probes):
    s = build_or_refuse(keys, name)
    if s is None:
        return
    ref = frozenset(keys)
    check_same(s, ref, probes)
    assert s.contains_many(list(ref) + probes + [1, None]).tolist() == [
        x in ref for x in list(ref) + probes] + [False, False]
    assert s.backend == name


@given(keys=key_sets, queries=st.lists(keys_strategy, max_size=6))
@settings(max_examples=40)
@pytest.mark.parametrize("name", BACKENDS)
def test_prefix_queries_match_brute_force(name, keys, queries):
    s = build_or_refuse(keys, name)
    if s is None:
        return
    ref = sorted(set(keys))
    for q in queries + keys[:3] + ["", "a", "\x00", "ab\x00c"]:
        assert list(s.keys(q)) == [k for k in ref if k.startswith(q)]
        assert s.has_prefix(q) == any(k.startswith(q) for k in ref)
        expected = [k for k in ref if q.startswith(k)]
        expected.sort(key=len)
        assert s.prefixes(q) == expected
        if expected:
            assert s.longest_prefix(q) == expected[-1]
        else:
            with pytest.raises(KeyError):
                s.longest_prefix(q)
            assert s.longest_prefix(q, None) is None


class SetMachine(RuleBasedStateMachine):
    """Drive a StringSet and a frozenset with the same set algebra; compare after each step."""

    name = "sorted"

    @initialize(keys=key_sets)
    def start(self, keys):
        keys = [k for k in keys if not refuses(self.name, [k])]
        assume(not refuses(self.name, keys))
        self.s = StringSet(keys, backend=self.name)
        self.ref = frozenset(keys)

    def _apply(self, op, other):
        expected = op(self.ref, frozenset(other))
        if refuses(self.name, expected):
            with pytest.raises(ValueError):
                op(self.s, frozenset(other))
            return
        result = op(self.s, frozenset(other))
        assert isinstance(result, StringSet) and result.backend == self.name
        self.s, self.ref = result, expected

    @rule(other=key_sets)
    def union(self, other):
        self._apply(lambda a, b: a | b, other)

    @rule(other=key_sets)
    def intersection(self, other):
        self._apply(lambda a, b: a & b, other)

    @rule(other=key_sets)
    def difference(self, other):
        self._apply(lambda a, b: a - b, other)

    @rule(other=key_sets)
    def symmetric_difference(self, other):
        self._apply(lambda a, b: a ^ b, other)

    @rule(other=key_sets)
    def compare(self, other):
        o = frozenset(other)
        assert (self.s <= o) == (self.ref <= o)
        assert (self.s < o) == (self.ref < o)
        assert (self.s >= o) == (self.ref >= o)
        assert (self.s > o) == (self.ref > o)
        assert self.s.isdisjoint(o) == self.ref.isdisjoint(o)

    @rule()
    def roundtrip(self):
        back = pickle.loads(pickle.dumps(self.s))
        assert back == self.ref and back.backend == self.name
        assert StringSet.from_bytes(self.s.to_bytes()) == self.ref

    @invariant()
    def same(self):
        if hasattr(self, "s"):
            check_same(self.s, self.ref)


@pytest.mark.parametrize("name", BACKENDS)
def test_state_machine(name):
    machine = type(f"SetMachine_{name}", (SetMachine,), {"name": name})
    machine.TestCase.settings = settings(max_examples=15, stateful_step_count=6,
                                         deadline=None)
    machine.TestCase().runTest()


def test_auto_rule():
    small = StringSet(["a", "b"])
    assert small.backend == "builtin"
    many = [f"w{i}" for i in range(1500)]
    assert StringSet(many).backend == "dawg"   # the smallest of compact, marisa, dawg here
    assert StringSet(many + ["\ud800"]).backend == "compact"
    assert "\ud800" in StringSet(many + ["\ud800"])


def test_bad_input(backend):
    with pytest.raises(TypeError):
        StringSet(["a", 1], backend=backend)
    with pytest.raises(TypeError):
        StringSet("abc", backend=backend)
    with pytest.raises(ValueError, match="unknown StringSet backend"):
        StringSet(["a"], backend="nope")
    s = StringSet(["a"], backend=backend)
    with pytest.raises(TypeError):
        s.keys(1)
    with pytest.raises(TypeError):
        s.prefixes(None)
    with pytest.raises(TypeError):
        s.has_prefix(b"a")
    assert 1 not in s and b"a" not in s and None not in s
    with pytest.raises(TypeError):
        s < [1]  # noqa: B015 - comparison with a non-set, as frozenset
    with pytest.raises(TypeError):
        s | {1}


def test_refusal_names_first_key():
    with pytest.raises(ValueError, match=r"dawg backend cannot hold key 'b\\x00'.*end-of-key"):
        StringSet(["c\x00", "a", "b\x00"], backend="dawg")
    with pytest.raises(ValueError, match="marisa backend cannot hold key.*surrogate U\\+DC00"):
        StringSet(["a\udc00"], backend="marisa")


def test_script_words(backend, script_words):
    for name, words in script_words.items():
        held_out, rest = words[::4], [w for i, w in enumerate(words) if i % 4]
        s = StringSet(rest, backend=backend)
        check_same(s, frozenset(rest), held_out)


def test_english_sample(backend, english_sample):
    s = StringSet(english_sample, backend=backend)
    ref = frozenset(english_sample)
    assert len(s) == len(ref)
    assert s.contains_many(english_sample).all()
    assert list(s.keys("ab")) == sorted(k for k in ref if k.startswith("ab"))


# -- persistence -------------------------------------------------------------------------

@pytest.mark.parametrize("mmap", [True, False])
def test_save_load(backend, tmp_path, mmap):
    keys = ["", "a", "ab", "é", "😀x", "z" * 1200]
    if backend in ("dawg", "datrie"):
        keys = [k for k in keys]
    s = StringSet(keys, backend=backend)
    path = tmp_path / "s.lowram"
    s.save(path)
    t = StringSet.load(path, mmap=mmap)
    check_same(t, frozenset(keys), ["b", "a\x00"])
    assert t.backend == backend
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    pickled = pickle.dumps(s)
    assert len(pickled) < len(s.to_bytes()) + 200
    assert pickle.loads(pickled) == s


def test_mmap_shares_the_file(tmp_path):
    s = StringSet([f"w{i}" for i in range(5000)], backend="marisa")
    path = tmp_path / "m.lowram"
    s.save(path)
    t = StringSet.load(path, mmap=True)
    assert t._backend._keepalive is not None
    assert t == s and "w42" in t
    assert type(t._backend._keepalive.obj) is not bytes   # the file's map
    u = StringSet.load(path, mmap=False)
    keep = u._backend._keepalive   # a read: marisa reads the bytes read, in place
    assert (keep is None or type(keep.obj) is bytes) and u == s


#: the backends StringSet.load and StringMap.load document as mapping the file
MAPPABLE = {"marisa", "dawg", "datrie", "sorted", "compact"}
TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/: the helpers


def file_mappings(path) -> list:
    """(start, end) of each range of this process's address space that maps file ``path``."""
    target = os.path.realpath(path)
    ranges = []
    with open("/proc/self/maps") as fh:
        for line in fh:
            fields = line.split(maxsplit=5)
            if len(fields) == 6 and fields[5].rstrip("\n") == target:
                lo, hi = (int(x, 16) for x in fields[0].split("-"))
                ranges.append((lo, hi))
    return ranges


def read_buffers(backend) -> list:
    """The buffers a StringSet (or StringMap index) backend answers queries from."""
    impl = backend.impl
    if backend.name == "marisa":
        keep = backend._keepalive  # the mapped view marisa reads (None when it holds a copy)
        return [] if keep is None else [keep]
    if not hasattr(impl, "buffer"):  # builtin: a frozenset or dict of str objects
        return []
    buffers = [impl.buffer]
    if hasattr(impl, "offsets"):  # SortedKeys: the offsets are read from the payload too
        buffers.append(impl.offsets)
    return buffers


def address_span(buf) -> tuple:
    """(first address, one past the last) of a buffer or numpy array."""
    arr = buf if isinstance(buf, np.ndarray) else np.frombuffer(buf, dtype=np.uint8)
    return arr.ctypes.data, arr.ctypes.data + arr.nbytes


def assert_reads_from_map(backend, ranges, mapped: bool):
    """Every buffer ``backend`` reads lies inside ``ranges`` (a map of the file), or none does."""
    buffers = read_buffers(backend)
    if mapped:
        assert buffers, f"the {backend.name} backend holds no mapped buffer"
    for buf in buffers:
        lo, hi = address_span(buf)
        inside = any(a <= lo and hi <= b for a, b in ranges)
        assert inside == mapped, (
            f"the {backend.name} backend reads {type(buf).__name__} at {lo:#x}..{hi:#x}, "
            f"{'outside' if mapped else 'inside'} the file's mappings "
            f"{[(hex(a), hex(b)) for a, b in ranges]}")


def test_mappable_backends_are_the_documented_ones():
    assert {name for name in BACKENDS if backends.lookup(name).mmap_capable} == MAPPABLE


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="needs /proc/self/maps")
@pytest.mark.parametrize("mmap", [True, False])
def test_load_reads_from_a_memory_map_of_the_file(backend, mmap, tmp_path):
    keys = ["a", "ab", "é", "😀x", "z" * 1200] + [f"w{i}" for i in range(3000)]
    path = tmp_path / "s.lowram"
    StringSet(keys, backend=backend).save(path)
    assert file_mappings(path) == []
    t = StringSet.load(path, mmap=mmap)
    mapped = mmap and backends.lookup(backend).mmap_capable
    ranges = file_mappings(path)
    assert bool(ranges) == mapped, (
        f"{backend} loaded with mmap={mmap}: the file is {'' if ranges else 'not '}mapped "
        f"in /proc/self/maps")
    assert_reads_from_map(t._backend, ranges, mapped)
    assert t == frozenset(keys) and "w42" in t and "w3000" not in t
    del t
    gc.collect()
    assert file_mappings(path) == []  # the map lives exactly as long as the set


def test_rejects_corruption(backend, assert_rejects_corruption):
    blob = StringSet(["a", "bc", "é"], backend=backend).to_bytes()
    assert_rejects_corruption(blob, StringSet.from_bytes, step=1)


def test_rejects_corrupt_file(tmp_path):
    path = tmp_path / "c.lowram"
    StringSet(["a", "b"], backend="marisa").save(path)
    data = path.read_bytes()
    for damaged in (data[:-1], data[:40], data[:10] + b"\xff" + data[11:]):
        path.write_bytes(damaged)
        for mmap in (True, False):
            with pytest.raises(FormatError):
                StringSet.load(path, mmap=mmap)
    with pytest.raises(FormatError):
        StringSet.load(tmp_path, mmap=True)


def test_rejects_wrong_version_and_kind(backend):
    env = unpack(StringSet(["a"], backend=backend).to_bytes())
    with pytest.raises(FormatError, match="version"):
        StringSet.from_bytes(pack(env.kind, 99, env.payload))
    with pytest.raises(FormatError, match="not a 'StringSet'"):
        StringSet.from_bytes(pack("HyperLogLog", 1, env.payload))
    with pytest.raises(FormatError, match="unknown StringSet backend"):
        StringSet.from_bytes(pack("StringSet/nope", 1, env.payload))
    with pytest.raises(FormatError):
        StringSet.from_bytes(pack(env.kind, 1, env.payload[:-3]))


def test_dawg_export_reads_with_dawg_python(tmp_path):
    dawg_python = pytest.importorskip("dawg_python")
    keys = ["a", "ab", "é", "😀x", "zz" * 600]
    path = tmp_path / "words.dawg"
    StringSet(keys, backend="dawg").export(path)
    reader = dawg_python.CompletionDAWG().load(str(path))
    assert sorted(reader.keys()) == sorted(keys)
    assert all(k in reader for k in keys) and "b" not in reader
    with pytest.raises(ValueError, match="no native file format"):
        StringSet(keys, backend="sorted").export(tmp_path / "x")


# -- crash-prone inputs, each in a subprocess ------------------------------------------

CRASH_SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[2])
    import toy_backend
    toy_backend.install()  # as conftest.py does in this process
    from lowram.strings import StringSet
    keys = ["".join(chr(0x400 + i) for i in range(300)), "a"]
    try:
        s = StringSet(keys, backend=sys.argv[1])
    except ValueError as exc:
        print("refused", exc)
    else:
        assert sorted(s) == sorted(keys) and all(k in s for k in keys)
        print("held", len(s))
""")


@pytest.mark.parametrize("name", BACKENDS)
def test_big_alphabet_never_crashes(name):
    out = run_ok(CRASH_SCRIPT, name, TESTS, timeout=60)
    if name == "datrie":
        assert out.startswith("refused") and "301 distinct characters" in out
    else:
        assert out.startswith("held 2")


def test_public_names():
    assert lowram.StringSet is StringSet


def test_registered_in_report():
    from lowram.report.registry import STRUCTURES, resolve

    names = {s.name: s for s in STRUCTURES}
    # the toy backend joins the table after the report is collected (see conftest.py);
    # tests/strings/test_backend_table.py checks the report takes it in a fresh process
    for backend in [b for b in BACKENDS if b != "toy"]:
        entry = names[f"StringSet[{backend}]"]
        assert entry.family == "lowram" and entry.query == "contains" and "words" in entry.kinds
        built = resolve(entry.builder)(iter(["b", "a", "ab"]))
        assert built.backend == backend and "ab" in built and "x" not in built
    for peer in ("marisa_trie.Trie", "dawg2.DAWG", "datrie.Trie"):
        entry = names[peer]
        assert entry.family == "peer"
        built = resolve(entry.builder)(iter(["b", "a", "ab"]))
        assert "ab" in built and "x" not in built
    with pytest.raises(ValueError, match="would crash"):
        resolve(names["datrie.Trie"].builder)(iter(["".join(map(chr, range(300, 600)))]))


# -- batch membership and the builtin backend's lazy order -------------------------------

class _Str(str):
    pass


def test_contains_many_matches_in_on_long_batches(backend):
    keys = [f"k{i}é" for i in range(0, 3000, 3)] + ["", "x" * 1100]
    s = StringSet(keys, backend=backend)
    queries = []
    for i in range(1200):  # far longer than any internal pipeline or sort threshold
        queries.append(f"k{i}é")
        if i % 7 == 0:
            queries += [_Str(f"k{i}é"), "", i, None, b"k0\xc3\xa9", "k\x00", "\ud800",
                        "x" * 1100, f"k{i}é" + "\x00"]
    assert s.contains_many(queries).tolist() == [q in s for q in queries]
    assert s.contains_many(reversed(queries)).tolist() == [q in s for q in reversed(queries)]
    assert s.contains_many([]).tolist() == []


def test_builtin_builds_its_order_on_first_use():
    s = StringSet([f"w{i}" for i in range(3000)], backend="builtin")
    impl = s._backend
    before = s.nbytes
    assert impl._ordered is None  # lookups, len, contains_many, saving: no sorted copy
    assert "w7" in s and s.contains_many(["w7", "v"]).tolist() == [True, False]
    assert StringSet.from_bytes(s.to_bytes()) == s and impl._ordered is None
    assert s.prefixes("w12x") == ["w1", "w12"] and impl._ordered is None
    assert s.has_prefix("w29")  # a prefix query walks the sorted order: built now
    assert impl._ordered is not None
    assert s.nbytes == before + sys.getsizeof(impl._ordered)
    assert list(s) == sorted(f"w{i}" for i in range(3000))


@given(st.lists(st.one_of(st.text(max_size=12), st.integers()), max_size=40))
def test_batch_order_follows_utf8_bytes(keys):
    from lowram.strings._core import _utf8_prefixes

    found = _utf8_prefixes(list(keys)).tolist()
    for key, k in zip(keys, found):
        if isinstance(key, str):
            head = key.encode("utf-8", "surrogatepass")[:8]
            assert k == int.from_bytes(head.ljust(8, b"\0"), "big")
        else:
            assert k == 0


def test_non_ascii_keys_around_the_in_place_utf8_buffer(backend):
    # the dawg reader encodes short non-ASCII queries into a 128-byte buffer, longer ones
    # into a bytes object: keys of 120 to 136 UTF-8 bytes cross that edge on either side
    keys = []
    for n in range(60, 69):
        keys += ["é" * n, "é" * n + "a", "a" + "é" * n, "😀" * (n // 2) + "é"]
    stored = keys[::2]
    s = StringSet(stored, backend=backend)
    queries = keys + [k + "\ud800" for k in keys[:5]] + ["é" * 64 + "\ud800"]
    assert s.contains_many(queries).tolist() == [q in stored for q in queries]
    assert [q in s for q in queries] == [q in stored for q in queries]


def test_contains_many_over_chunks_of_mixed_widths(backend):
    # the dawg reader encodes a chunk of 256 queries into one scratch buffer (grown for long
    # keys) before walking it, trying one- and two-byte UTF-8 first for two-byte str and
    # starting again when a character is wider: Cyrillic, CJK, emoji and long keys mixed
    stored = ["слово", "слово中", "中文", "ab", "😀й", "й" * 3000, "ж" * 2999 + "中"]
    stored += [f"ключ{i}" for i in range(400)]
    s = StringSet(stored, backend=backend)
    queries = []
    for i in range(700):
        queries += [f"ключ{i}", "слово", "слово中", "中文", "ab", "й" * (2990 + i % 20),
                    "ж" * 2999 + "中", "ж" * 3000, "😀й", "й中\ud800", "ключ\x00" + str(i)]
    present = set(stored)
    assert s.contains_many(queries).tolist() == [q in present for q in queries]


def test_sorted_keys_search_with_either_offset_width():
    # offsets are 4 bytes below 4 GiB of text, 8 above: the batch search has a version for
    # each, checked here on the same keys without building 4 GiB
    import numpy as np

    from lowram.strings._sortedkeys import SortedKeys

    keys = sorted(f"{i:05d}ключ" for i in range(0, 3000, 2))
    narrow = SortedKeys.build(keys)
    wide = SortedKeys(narrow.buffer, narrow.offsets.astype(np.uint64))
    assert narrow.offsets.dtype == np.uint32 and wide.offsets.dtype == np.uint64
    queries = [f"{i:05d}ключ" for i in range(3000)] + ["", "0", 7, "99999ключ"]
    expect = [q in set(keys) for q in queries]
    assert narrow.contains_many(queries).tolist() == expect
    assert wide.contains_many(queries).tolist() == expect
    with pytest.raises(ValueError, match="monotone"):
        SortedKeys(b"abc", np.array([0, 2, 1, 3], dtype=np.uint32))


@pytest.mark.parametrize("backend", ["sorted", "builtin"])
def test_contains_many_finds_stored_lone_surrogates(backend):
    # these two backends hold any str: the sorted one as "surrogatepass" UTF-8, which its
    # batch encoder must reproduce byte for byte
    odd = ["a\ud800", "\udfff", "b\ud800c", "é\udc00", "中\ud83d", "\ud83d\ude00"]
    stored = odd + [f"k{i}" for i in range(300)]
    s = StringSet(stored, backend=backend)
    queries = (odd + ["a\ud801", "\ud800", "a", "😀", "k7"]) * 60
    present = set(stored)
    assert s.contains_many(queries).tolist() == [q in present for q in queries]
    assert [q in s for q in queries] == [q in present for q in queries]


def test_a_header_claiming_more_keys_than_any_set_holds_is_refused(backend):
    # a file made to pass the checksum: the count no set could hold (and len() could not
    # return) is refused when opened, not when len() is called
    env = unpack(StringSet(["a", "bc"], backend=backend).to_bytes())
    for count in (2**63, 2**64 - 1):
        payload = count.to_bytes(8, "little") + bytes(env.payload)[8:]
        with pytest.raises(FormatError, match="claims"):
            StringSet.from_bytes(pack(env.kind, env.version, payload))
