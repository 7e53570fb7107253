"""Hostile input: code that mutates a list while the list is reading it, huge sizes.

Each case runs in a subprocess, so a crash (segfault, abort) fails the test instead of
killing the test run.
"""

from __future__ import annotations


import pytest

from subprocess_runner import run_ok

CASES = {
    "extend from a generator that clears the list, then fails": """
        x = IntList(range(1000))
        def gen():
            yield 1
            x.clear()
            yield 2**40
            raise KeyError("boom")
        try:
            x.extend(gen())
        except KeyError:
            pass
        x._check(); print(len(x), x.dtype)
    """,
    "slice assignment whose iterable shrinks the list": """
        x = IntList(range(1000))
        def gen():
            del x[10:]
            yield from range(50)
        x[100:900] = gen()
        x._check(); assert x.tolist() == list(range(10)) + list(range(50)), x
    """,
    "__index__ that shrinks the list during x[i] = v": """
        x = IntList(range(100))
        class Evil:
            def __index__(self):
                x.clear()
                return 5
        try:
            x[50] = Evil()
        except IndexError:
            pass
        x._check(); assert len(x) == 0
    """,
    "__eq__ that shrinks the list during remove/index/count": """
        x = IntList(range(100))
        class Evil:
            def __eq__(self, other):
                x.clear()
                return False
        for op in (x.count, x.index, x.remove, x.__contains__):
            x.extend(range(100))
            try:
                op(Evil())
            except ValueError:
                pass
            x._check()
    """,
    "StrList extend from a generator that clears it, then fails": """
        s = StrList(["a", "b"] * 100)
        def gen():
            yield "x" * 1000
            s.clear()
            yield "y"
            raise KeyError("boom")
        try:
            s.extend(gen())
        except KeyError:
            pass
        s._check(); print(len(s))
    """,
    "StrList offsets that lie about the text": """
        s = StrList(["abc"])
        s._offsets = IntList([0, 1000])
        try:
            s[0]
        except RuntimeError:
            pass
        else:
            raise AssertionError("no error")
    """,
    "huge repeat and huge slices": """
        try:
            IntList([1, 2]) * (sys.maxsize // 2)
        except MemoryError:
            pass
        x = IntList([1, 2, 3])
        assert x[-sys.maxsize:sys.maxsize:sys.maxsize] == [1]
        try:
            x *= sys.maxsize
        except MemoryError:
            pass
        assert x == [1, 2, 3]
    """,
    "sort key that mutates the list": """
        x = IntList(range(50))
        def key(v):
            x.append(v)
            return -v
        try:
            x.sort(key=key)
        except ValueError as exc:   # as list.sort: the key added to the list
            assert "modified during sort" in str(exc)
        else:
            raise AssertionError("no ValueError")
        x._check(); assert x.tolist() == list(range(49, -1, -1))
    """,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_crash(name):
    run_ok(CASES[name], preamble="import sys\nfrom lowram import IntList, StrList\n")


def test_strlist_text_checked_across_its_megabyte_steps():
    """StrList.from_bytes checks its text a megabyte at a time: a character split across a
    step is fine, and a bad byte past the first step is found and named at its offset."""
    from lowram import FormatError, StrList
    from lowram._fileformat import pack, unpack

    first = "a" * ((1 << 20) - 1) + "é"      # é's two bytes straddle the first step
    good = StrList([first, "ok"])
    assert StrList.from_bytes(good.to_bytes()) == good
    env = unpack(good.to_bytes())
    payload = bytearray(env.payload)
    payload[-1] = 0xFF                         # the last byte of "ok", past the first step
    with pytest.raises(FormatError, match=f"at byte {(1 << 20) + 2}"):
        StrList.from_bytes(pack(env.kind, env.version, bytes(payload)))
