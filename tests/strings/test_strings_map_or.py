"""StringMap's copy and ``|``, differentially against dict (issue 17's frozen-mapping parity)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowram.strings import StringMap, backends

keys = st.text(alphabet="abcé中", max_size=3)
int_maps = st.dictionaries(keys, st.integers(-2**40, 2**40), max_size=8)


@pytest.mark.parametrize("backend", backends.names("map"))
@given(mine=int_maps, theirs=int_maps)
@settings(max_examples=30, deadline=None)
def test_or_matches_dict(backend, mine, theirs):
    m = StringMap(mine, backend=backend)
    got = m | theirs
    assert isinstance(got, StringMap) and got.backend == m.backend
    assert dict(got) == mine | theirs
    rgot = theirs | m
    assert isinstance(rgot, StringMap) and dict(rgot) == theirs | mine
    assert dict(m | StringMap(theirs, backend=backend)) == mine | theirs


def test_or_refuses_what_dict_refuses_and_copy_is_self():
    m = StringMap({"a": 1})
    with pytest.raises(TypeError, match="unsupported operand"):
        m | [("b", 2)]
    with pytest.raises(TypeError, match="unsupported operand"):
        [("b", 2)] | m
    assert m.copy() is m
    mixed = m | {"b": b"x"}   # values of any kind, each kept
    assert dict(mixed) == {"a": 1, "b": b"x"} and mixed.value_kind == "mixed"
