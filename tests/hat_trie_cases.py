"""What the HAT-trie tests (MutableStringSet, MutableStringMap) share: tunings, key strategies,
edge-case keys and a subprocess runner."""

from __future__ import annotations


from hypothesis import strategies as st

# The class under test, with tunings that force many splits and bursts on small inputs; each
# state machine reruns on each.
CONFIGS = {
    "default": {},
    "burst4-load1": {"_burst": 4, "_load": 1},
    "burst32-load4": {"_burst": 32, "_load": 4},
}

# few letters and long shared prefixes make containers split and burst; full text finds the rest
KEYS = st.one_of(
    st.text(alphabet="ab\x00é日😀", max_size=6),
    st.builds(lambda a, b: "prefix/" * 3 + a + b, st.text("xy", max_size=3), st.text(max_size=3)),
    st.text(max_size=12),
)

EDGE_KEYS = ["", "\x00", "\x00\x00", "a\x00b", "\U0010ffff", "e\u0301", "\u00e9", "😀", "👩‍👩‍👧",
             "🇺🇦", "x" * 253, "x" * 254, "x" * 255, "é" * 127, "é" * 128, "ж" * 10_000,
             "a" * 10_000, "日本語" * 3_000, "\x7f\x80\xff", "\uffff", "\ufeff"]


# the start of a leak test's subprocess: both classes, 20,000 keys, rss() after a trim
RSS_PREAMBLE = """
import gc
from lowram.measure import current_rss, malloc_trim
from lowram.strings import MutableStringMap, MutableStringSet
keys = [f"word{i}-{i * 7919 % 10007}" for i in range(20_000)]
def rss():
    gc.collect(); malloc_trim(); return current_rss()
"""


from subprocess_runner import run_python  # noqa: E402,F401  (the HAT tests import it here)
