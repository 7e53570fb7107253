"""The structure registry: one entry per structure that ``lowram-report`` can measure.

Each family declares its own entries next to its code, as a list ``REPORT`` of dicts (the
fields of :class:`Structure`) in its ``_report`` module; :data:`FAMILIES` lists those modules
and :data:`STRUCTURES` is what they declare, in that order. A builder or error reference
starting with ``:`` names a callable of the declaring module. Adding a structure to the
report is one entry in its family's ``REPORT``; a new family is one line in
:data:`FAMILIES`.

An entry names a builder (``"module:callable"``, called with an iterable of the corpus'
items, returning the structure), the corpus kinds it accepts, and the query the report times
on it.

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

import collections
import importlib
from dataclasses import dataclass, field

__all__ = ["FAMILIES", "STRUCTURES", "Structure", "collect", "register", "resolve",
           "structures_for"]

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


#: the modules whose ``REPORT`` lists make up the registry, in report order
FAMILIES = (
    "lowram.report.baselines",  # what a user has without lowram
    "lowram.lists._report",
    "lowram.ints._report",
    "lowram.strings._report",
    "lowram.sketches._report",
)


def collect(families=FAMILIES) -> list:
    """The :class:`Structure` of every entry the ``families`` modules declare."""
    out = []
    for module in families:
        for entry in importlib.import_module(module).REPORT:
            fields = dict(entry)
            for ref in ("builder", "error"):
                if (fields.get(ref) or "").startswith(":"):
                    fields[ref] = module + fields[ref]
            out.append(Structure(**fields))
    dupes = sorted(n for n, k in collections.Counter(s.name for s in out).items() if k > 1)
    if dupes:
        raise ValueError(f"report structures declared twice: {', '.join(dupes)}")
    return out


STRUCTURES: list[Structure] = collect()


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
