"""The structure registry: one entry per structure that ``lowram-report`` can measure.

An entry names a builder (``"module:callable"``, called with an iterable of the corpus'
items, returning the structure), the corpus kinds it accepts, and the query the report times
on it. Adding a structure to the report is one line in :data:`STRUCTURES`.

Queries:

* ``"contains"`` – ``x in s`` for hits (items of the corpus; str items as new, equal objects)
  and misses (items that are not);
* ``"getitem"`` – ``s[i]`` at random indices;
* ``"none"`` – no lookup timing (for structures without a lookup).

An approximate structure sets ``exact=False`` and names an ``error`` function
``error(structure, truth) -> dict[str, float]`` (see :class:`lowram.report.runner.Truth`),
whose figures the report shows beside RAM and time.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

__all__ = ["STRUCTURES", "Structure", "register", "resolve", "structures_for"]

QUERIES = ("contains", "getitem", "none")


@dataclass(frozen=True)
class Structure:
    """One measurable structure."""

    name: str  #: unique, shown in the report (e.g. ``"set"``, ``"StringSet[marisa]"``)
    kinds: tuple  #: corpus kinds it accepts: "words", "tokens", "counts", "ints"
    builder: str  #: ``"module:callable"``; ``callable(iterable) -> structure``
    query: str = "contains"
    exact: bool = True
    family: str = "baseline"  #: "baseline" (Python builtins/stdlib/numpy), "lowram", "peer"
    error: str | None = None  #: ``"module:callable"`` for approximate structures
    default: bool = True  #: measured when no ``--structures`` is given
    note: str = ""
    requires: tuple = field(default=())  #: importable modules; missing ones skip the entry

    def __post_init__(self):
        if self.query not in QUERIES:
            raise ValueError(f"{self.name}: unknown query {self.query!r}; expected {QUERIES}")
        if not self.exact and not self.error:
            raise ValueError(f"{self.name}: an approximate structure needs an error function")

    def available(self) -> bool:
        """Whether every module in ``requires`` imports."""
        for module in self.requires:
            try:
                importlib.import_module(module)
            except ImportError:
                return False
        return True


def resolve(ref: str):
    """Import ``"module:attr.attr"`` and return the object."""
    module, _, attr = ref.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


_B = "lowram.report.baselines"

STRUCTURES: list[Structure] = [
    # -- baselines: what a user has without lowram
    Structure("list", ("words", "tokens", "ints", "counts"), "builtins:list", query="getitem"),
    Structure("tuple", ("words", "tokens", "ints", "counts"), "builtins:tuple", query="getitem",
              default=False, note="same layout as list"),
    Structure("set", ("words", "tokens", "ints", "counts"), "builtins:set"),
    Structure("frozenset", ("words", "tokens", "ints", "counts"), "builtins:frozenset",
              default=False, note="same layout as set"),
    Structure("sorted list+bisect", ("words", "tokens", "ints", "counts"), f"{_B}:SortedList",
              note="sorted, deduplicated list; `in` by bisect"),
    Structure("array('q')", ("ints", "counts"), f"{_B}:int64_array", query="getitem"),
    Structure("numpy int64", ("ints", "counts"), f"{_B}:int64_ndarray", query="getitem"),
    Structure("Counter", ("tokens",), f"{_B}:counter", note="exact counts of every token"),
    # -- typed compact lists (lowram.lists)
    Structure("IntList", ("ints", "counts"), "lowram.lists:IntList", query="getitem",
              family="lowram", note="contiguous ints, width adapts int8..int64"),
    Structure("PackedIntArray", ("ints", "counts"), "lowram.lists:PackedIntArray.from_iterable",
              query="getitem", family="lowram",
              note="frozen; frame of reference + minimum bit width"),
    Structure("StrList", ("words", "tokens"), "lowram.lists:StrList", query="getitem",
              family="lowram", note="one UTF-8 buffer + auto-width offsets"),
    # -- strings: StringSet backends (family "lowram") and the raw libraries (family "peer")
    Structure("StringSet[auto]", ("words", "tokens"), "lowram.strings._builders:auto",
              family="lowram", note="backend='auto': marisa for >= 1,000 UTF-8 keys"),
    Structure("StringSet[marisa]", ("words", "tokens"), "lowram.strings._builders:marisa",
              family="lowram"),
    Structure("StringSet[dawg]", ("words", "tokens"), "lowram.strings._builders:dawg",
              family="lowram"),
    Structure("StringSet[datrie]", ("words", "tokens"), "lowram.strings._builders:datrie",
              family="lowram", default=False, note="slow build (seconds per 100k keys)"),
    Structure("StringSet[sorted]", ("words", "tokens"), "lowram.strings._builders:sorted_",
              family="lowram"),
    Structure("StringSet[builtin]", ("words", "tokens"), "lowram.strings._builders:builtin",
              family="lowram", default=False, note="a frozenset behind the StringSet API"),
    Structure("marisa_trie.Trie", ("words", "tokens"), "lowram.strings._builders:raw_marisa",
              family="peer", requires=("marisa_trie",)),
    Structure("dawg2.DAWG", ("words", "tokens"), "lowram.strings._builders:raw_dawg",
              family="peer", requires=("dawg",), note="as built in-process, not reloaded"),
    Structure("dawg2.CompletionDAWG", ("words", "tokens"),
              "lowram.strings._builders:raw_completion_dawg", family="peer",
              requires=("dawg",), default=False, note="as built in-process, not reloaded"),
    Structure("datrie.Trie", ("words", "tokens"), "lowram.strings._builders:raw_datrie",
              family="peer", requires=("datrie",), default=False,
              note="BaseTrie over the corpus alphabet; crashes past 255 characters"),
    # -- strings: lowram's mutable HAT-trie
    Structure("MutableStringSet", ("words",), "lowram.strings:MutableStringSet",
              family="lowram", note="HAT-trie: mutable, sorted iteration, prefix queries"),
    Structure("MutableStringMap", ("tokens",), "lowram.strings:MutableStringMap.counted",
              family="lowram", note="HAT-trie str->int64: exact counts of every token"),
]


def register(structure: Structure) -> Structure:
    """Add ``structure`` to the registry (for plug-ins; lowram's own are listed above)."""
    if any(s.name == structure.name for s in STRUCTURES):
        raise ValueError(f"a structure named {structure.name!r} is already registered")
    STRUCTURES.append(structure)
    return structure


def structures_for(kind: str, names=None) -> list[Structure]:
    """Registered structures accepting corpus ``kind``: ``names`` if given, else defaults."""
    if names is None:
        return [s for s in STRUCTURES if kind in s.kinds and s.default and s.available()]
    by_name = {s.name: s for s in STRUCTURES}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise KeyError(f"unknown structure(s): {', '.join(unknown)}; "
                       f"known: {', '.join(by_name)}")
    return [by_name[n] for n in names if kind in by_name[n].kinds and by_name[n].available()]

# -- sketches: probabilistic counters (lowram.sketches); error figures against the exact answer
_S = "lowram.sketches._report"
STRUCTURES += [
    Structure("HyperLogLog(p=14)", ("tokens", "words", "ints"), f"{_S}:hll", query="none",
              exact=False, family="lowram", error=f"{_S}:distinct_error",
              note="distinct count; Ertl's improved estimator"),
    Structure("LogLog(p=14)", ("tokens",), f"{_S}:loglog", query="none", exact=False,
              family="lowram", error=f"{_S}:distinct_error", note="distinct count"),
    Structure("SuperLogLog(p=14)", ("tokens",), f"{_S}:superloglog", query="none",
              exact=False, family="lowram", error=f"{_S}:distinct_error",
              note="distinct count, 70% truncation"),
    Structure("KMinValues(k=4096)", ("tokens", "words", "ints"), f"{_S}:kmv", query="none",
              exact=False, family="lowram", error=f"{_S}:distinct_error",
              note="distinct count from the 4096 smallest hashes"),
    Structure("BloomFilter(60k, 1%)", ("tokens",), f"{_S}:bloom", exact=False,
              family="lowram", error=f"{_S}:bloom_error", note="membership, 1% false positives"),
    Structure("ScalableBloomFilter(1%)", ("tokens", "words"), f"{_S}:scalable_bloom",
              exact=False, family="lowram", error=f"{_S}:bloom_error",
              note="membership, grows; overall false positives within 1%"),
    Structure("CountMinSketch(1e-4, 0.01)", ("tokens",), f"{_S}:cms", query="none",
              exact=False, family="lowram", error=f"{_S}:cms_error",
              note="approximate counts"),
    Structure("CountMinSketch(conservative)", ("tokens",), f"{_S}:cms_conservative",
              query="none", exact=False, family="lowram", error=f"{_S}:cms_error",
              note="approximate counts, conservative update"),
    Structure("MorrisCounter", ("tokens",), f"{_S}:morris", query="none", exact=False,
              family="lowram", error=f"{_S}:morris_error", note="item count in one byte"),
    Structure("BloomFilter(2M, 1%)", ("tokens", "words", "ints"), f"{_S}:bloom_2m",
              exact=False, family="lowram", error=f"{_S}:bloom_error", default=False,
              note="membership, sized for 2,000,000 items"),
    Structure("CountMinSketch(1e-5, 0.01)", ("tokens", "words"), f"{_S}:cms_large",
              query="none", exact=False, family="lowram", error=f"{_S}:cms_error",
              default=False, note="approximate counts, 5.4 MB"),
]
