"""Render report records: a rich table, JSON (with versions, machine, command), CSV, Markdown."""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import platform
import sys

from .runner import Record

__all__ = ["COLUMNS", "render", "metadata"]

#: (record field, column heading, unit/format)
COLUMNS = [  # all go to json/csv; the table and markdown drop those marked in _BRIEF_SKIP
    ("structure", "structure", "s"),
    ("family", "family", "s"),
    ("stored", "stored", "n"),
    ("rss_bytes", "RSS MB", "mb"),
    ("bytes_per_item", "B/item", "f1"),
    ("deep_bytes", "pympler MB", "mb"),
    ("traced_peak_bytes", "traced peak MB", "mb"),
    ("rss_peak_bytes", "build peak MB", "mb"),
    ("build_seconds", "build s", "f2"),
    ("hit_ns", "hit ns", "f0"),
    ("miss_ns", "miss ns", "f0"),
    ("getitem_ns", "x[i] ns", "f0"),
    ("ratio_vs_set", "vs set", "x"),
    ("ratio_vs_utf8", "vs UTF-8", "x"),
    ("error", "error", "err"),
]


def _fmt(value, kind: str) -> str:
    if value is None or value == {}:
        return "-" if kind != "err" else ""
    if kind == "mb":
        return f"{value / 1e6:,.2f}"
    if kind == "n":
        return f"{value:,}"
    if kind == "f0":
        return f"{value:,.0f}"
    if kind == "f1":
        return f"{value:,.1f}"
    if kind == "f2":
        return f"{value:,.2f}"
    if kind == "x":
        return f"{value:.3f}x"
    if kind == "err":
        return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                         for k, v in value.items())
    return str(value)


def _value(rec: Record, name: str):
    return rec.bytes_per_item if name == "bytes_per_item" else getattr(rec, name)


_BRIEF_SKIP = {"family", "stored", "ratio_vs_utf8"}


def _used_columns(records):
    """Table columns with at least one figure (lookup columns vary by corpus kind)."""
    always = {"structure", "rss_bytes", "bytes_per_item"}
    return [c for c in COLUMNS if c[0] not in _BRIEF_SKIP and (
        c[0] in always or any(_value(r, c[0]) not in (None, {}) for r in records))]


def metadata(facts: dict, wall_seconds: float | None = None) -> dict:
    """Versions, machine and command for machine-readable output."""
    from importlib import metadata as md

    versions = {"python": platform.python_version()}
    for dist in ("lowram", "numpy", "marisa-trie", "datrie", "DAWG2", "DAWG-Python", "Pympler",
                 "pyarrow"):
        try:
            versions[dist] = md.version(dist)
        except md.PackageNotFoundError:
            versions[dist] = None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["lowram-report", *sys.argv[1:]]),
        "machine": {"platform": platform.platform(), "cores": os.cpu_count(),
                    "python": sys.version.split()[0]},
        "versions": versions,
        "corpora": facts,
        "wall_seconds": wall_seconds,
        "units": {"*_bytes": "bytes", "*_ns": "nanoseconds per operation",
                  "build_seconds": "seconds", "ratio_*": "rss_bytes / reference"},
    }


def render(records: list[Record], facts: dict, fmt: str, *, wall_seconds=None,
           console=None) -> str | None:
    """Render records as ``fmt`` (table, json, csv, markdown); the table prints to console."""
    if fmt == "json":
        doc = metadata(facts, wall_seconds)
        doc["records"] = [r.as_dict() for r in records]
        return json.dumps(doc, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        fields = ["corpus"] + [c[0] for c in COLUMNS]
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(fields)
        for r in records:
            row = [r.corpus]
            for name, _, _ in COLUMNS:
                v = _value(r, name)
                row.append(json.dumps(v) if isinstance(v, dict) else ("" if v is None else v))
            writer.writerow(row)
        return out.getvalue()
    if fmt == "markdown":
        lines = []
        for corpus in dict.fromkeys(r.corpus for r in records):
            recs = [r for r in records if r.corpus == corpus]
            cols = _used_columns(recs)
            f = facts.get(corpus, {})
            lines.append(f"### {corpus}: {f.get('items', '?'):,} items, "
                         f"{f.get('distinct', '?'):,} distinct\n")
            lines.append("| " + " | ".join(c[1] for c in cols) + " |")
            lines.append("|" + "|".join("---" if c[2] == "s" else "---:" for c in cols) + "|")
            for r in recs:
                lines.append("| " + " | ".join(_fmt(_value(r, c[0]), c[2]) for c in cols) + " |")
            lines.append("")
        return "\n".join(lines)
    if fmt == "table":
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        if console is None:
            console = Console()
            if not console.is_terminal or console.width < 120:
                console = Console(width=160)
        for corpus in dict.fromkeys(r.corpus for r in records):
            recs = [r for r in records if r.corpus == corpus]
            cols = _used_columns(recs)
            f = facts.get(corpus, {})
            title = (f"{corpus}: {f.get('items', 0):,} items, {f.get('distinct', 0):,} distinct"
                     + (f", {f['utf8_bytes'] / 1e6:,.2f} MB as UTF-8" if f.get("utf8_bytes")
                        else ""))
            table = Table(title=title, title_justify="left")
            for _, heading, kind in cols:
                table.add_column(escape(heading), justify="left" if kind in ("s", "err") else "right")
            for r in recs:
                table.add_row(*(escape(_fmt(_value(r, c[0]), c[2])) for c in cols),
                              style="bold" if r.family == "lowram" else None)
            console.print(table)
            problems = [r for r in recs if r.problem]
            for r in problems:
                console.print(f"[yellow]{escape(r.structure)}: {escape(r.problem)}[/yellow]")
        console.print("RSS = resident-set growth of a build in a fresh subprocess (sees native "
                      "memory); pympler and tracemalloc cannot see C/C++ allocations. "
                      "'-' = not measured.")
        return None
    raise ValueError(f"unknown format {fmt!r}; expected table, json, csv or markdown")
