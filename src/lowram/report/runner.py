"""Measure registered structures on a corpus: three RAM figures, build time, lookups, error."""

from __future__ import annotations

import concurrent.futures
import gc
import itertools
import random
from dataclasses import asdict, dataclass, field
from typing import Callable

from ..corpora import Corpus
from ..errors import MeasurementError
from ..measure import deep_size, isolated_memory, time_op, traced_peak
from .._native._loops import contains_count, getitem_all
from .registry import Structure, resolve

__all__ = ["Record", "Truth", "run_report"]


@dataclass
class Truth:
    """Exact facts about a corpus, for error functions of approximate structures."""

    corpus: Corpus
    items: int
    distinct: int
    utf8_bytes: int | None  #: total UTF-8 bytes of the items (strings only)
    hits: list  #: sample of items present in the corpus (str: new objects, see _fresh)
    misses: list  #: sample of items absent from it
    counts: dict | None = None  #: exact count per item (tokens and words)
    items_list: list | None = None  #: the corpus, materialised once for in-process builds


@dataclass
class Record:
    """One structure measured on one corpus. ``None`` marks a figure not measured."""

    corpus: str
    structure: str
    family: str
    exact: bool
    items: int | None = None
    stored: int | None = None  #: ``len()`` of the structure
    rss_bytes: int | None = None  #: resident-set growth, isolated subprocess
    rss_peak_bytes: int | None = None  #: peak RSS growth during that build
    deep_bytes: int | None = None  #: pympler deep size (+ lowram native bytes)
    traced_peak_bytes: int | None = None  #: tracemalloc peak of the build, input excluded
    build_seconds: float | None = None  #: build time in the isolated subprocess
    hit_ns: float | None = None
    miss_ns: float | None = None
    getitem_ns: float | None = None
    error: dict = field(default_factory=dict)
    ratio_vs_set: float | None = None  #: rss_bytes / rss_bytes of `set` on the same corpus
    ratio_vs_utf8: float | None = None  #: rss_bytes / UTF-8 size of the input
    problem: str | None = None  #: why figures are missing, if any

    @property
    def bytes_per_item(self) -> float | None:
        if self.rss_bytes is None or not self.items:
            return None
        return self.rss_bytes / self.items

    def as_dict(self) -> dict:
        d = asdict(self)
        d["bytes_per_item"] = self.bytes_per_item
        return d


def _truth(corpus: Corpus, queries: int, seed: int) -> Truth:
    rng = random.Random(seed)
    items = 0
    utf8 = 0 if corpus.kind in ("words", "tokens") else None
    counts: dict = {}
    sample: list = []
    materialised = []
    for item in corpus:
        materialised.append(item)
        items += 1
        if utf8 is not None:
            utf8 += len(item.encode("utf-8", "surrogatepass"))
        counts[item] = counts.get(item, 0) + 1
        # reservoir sample of hits
        if len(sample) < queries:
            sample.append(item)
        else:
            j = rng.randrange(items)
            if j < queries:
                sample[j] = item
    if items == 0:
        raise MeasurementError(f"corpus {corpus.name} has no items")
    misses = _misses(counts, queries, rng, corpus.kind)
    return Truth(corpus, items, len(counts), utf8, _fresh(sample), misses,
                 counts if corpus.kind in ("words", "tokens") else None, materialised)


def _fresh(sample: list) -> list:
    """Equal copies of the str items: a program's queries are not the very objects a set holds.

    Queried with its own stored objects, ``set`` matches by identity and never reads the stored
    key, a shortcut no lookup of a word read from elsewhere gets; the copies time the lookup a
    user's data pays.
    """
    return [x.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")
            if type(x) is str else x for x in sample]


def _misses(present: dict, n: int, rng: random.Random, kind: str) -> list:
    """Items absent from the corpus, looking like its items (same lengths, same alphabet)."""
    keys = list(itertools.islice(present, 200_000))
    out: list = []
    tries = 0
    if kind in ("ints", "counts"):
        top = max(keys) if keys else 0
        while len(out) < n and tries < n * 50:
            tries += 1
            x = rng.randrange(-top - 10, 2 * top + 10)
            if x not in present:
                out.append(x)
        return out
    alphabet = sorted({ch for k in keys[:5000] for ch in k}) or ["a"]
    while len(out) < n and tries < n * 50:
        tries += 1
        base = rng.choice(keys)
        chars = list(base) or [rng.choice(alphabet)]
        i = rng.randrange(len(chars))
        chars[i] = rng.choice(alphabet)
        candidate = "".join(chars) + ("" if rng.random() < 0.5 else rng.choice(alphabet))
        if candidate not in present:
            out.append(candidate)
    return out


def _measure_in_process(structure: Structure, truth: Truth, rec: Record, timing_repeat: int):
    # The input is materialised before tracing starts, so the traced peak is what the build
    # itself allocates through Python's allocators, not the reading and decoding of the file
    # (tracemalloc costs ~1 us per allocation: tracing the reader too made builds 10x slower).
    traced = traced_peak(resolve(structure.builder), iter(truth.items_list))
    obj = traced.result
    rec.traced_peak_bytes = traced.peak
    try:
        rec.stored = len(obj)
    except TypeError:
        rec.stored = None
    rec.deep_bytes = deep_size(obj)
    n = len(truth.hits)
    if structure.query == "contains" and n:
        rec.hit_ns = time_op(contains_count, obj, truth.hits, ops=n, repeat=timing_repeat).median_ns
        if truth.misses:
            rec.miss_ns = time_op(contains_count, obj, truth.misses, ops=len(truth.misses),
                                  repeat=timing_repeat).median_ns
    elif structure.query == "getitem" and rec.stored:
        rng = random.Random(1)
        idx = [rng.randrange(rec.stored) for _ in range(n)]
        rec.getitem_ns = time_op(getitem_all, obj, idx, ops=n, repeat=timing_repeat).median_ns
    if structure.error:
        rec.error = dict(resolve(structure.error)(obj, truth))
    del obj, traced
    gc.collect()


def run_report(
    corpora,
    structures: list[Structure] | Callable[[Corpus], list[Structure]],
    *,
    queries: int = 10_000,
    seed: int = 0,
    isolated: bool = True,
    timing_repeat: int = 5,
    progress=None,
) -> tuple[list[Record], dict]:
    """Measure ``structures`` on each corpus; return (records, facts per corpus).

    ``structures`` is a list or a function ``corpus -> list``. Each isolated RSS build runs in
    a subprocess concurrently with the in-process measurements of the same structure, so a
    run uses both cores. ``progress(description, advance)`` is called as work completes.
    """
    records: list[Record] = []
    facts: dict = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        for corpus in corpora:
            chosen = structures(corpus) if callable(structures) else [
                s for s in structures if corpus.kind in s.kinds]
            if progress:
                progress(f"{corpus.name}: reading", 0)
            truth = _truth(corpus, queries, seed)
            facts[corpus.name] = {"kind": corpus.kind, "items": truth.items,
                                  "distinct": truth.distinct, "utf8_bytes": truth.utf8_bytes,
                                  "queries": len(truth.hits), "misses": len(truth.misses)}
            if getattr(corpus, "column", None) is not None:  # read from a columnar file
                facts[corpus.name]["column"] = corpus.column
            for structure in chosen:
                rec = Record(corpus.name, structure.name, structure.family, structure.exact,
                             items=truth.items)
                future = (pool.submit(isolated_memory, structure.builder, corpus)
                          if isolated else None)
                if progress:
                    progress(f"{corpus.name}: {structure.name}", 0)
                try:
                    _measure_in_process(structure, truth, rec, timing_repeat)
                except Exception as exc:  # a broken structure must not sink the report
                    rec.problem = f"{type(exc).__name__}: {exc}"
                if future is not None:
                    try:
                        iso = future.result()
                        rec.rss_bytes, rec.rss_peak_bytes = iso.growth, iso.peak_growth
                        rec.build_seconds = iso.build_seconds
                    except Exception as exc:
                        rec.problem = (rec.problem + "; " if rec.problem else "") + str(exc)
                records.append(rec)
                if progress:
                    progress(f"{corpus.name}: {structure.name}", 1)
            set_rss = next((r.rss_bytes for r in records
                            if r.corpus == corpus.name and r.structure == "set"), None)
            for r in records:
                if r.corpus != corpus.name or r.rss_bytes is None:
                    continue
                if set_rss:
                    r.ratio_vs_set = r.rss_bytes / set_rss
                if truth.utf8_bytes:
                    r.ratio_vs_utf8 = r.rss_bytes / truth.utf8_bytes
    return records, facts
