"""Shared plumbing for the benchmark scripts: machine facts, JSON results, tables.

Every benchmark runs lowram and its peers in one process run on the same data, prints a
table, and writes ``benchmarks/results/<name>.json`` with the machine, versions, command and
date, so a figure quoted in the README can name its source.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def versions(*modules: str) -> dict:
    """Installed versions of ``modules`` (``None`` when missing), plus Python and lowram."""
    out = {"python": platform.python_version()}
    for name in ("lowram", "numpy", *modules):
        try:
            mod = importlib.import_module(name)
            out[name] = getattr(mod, "__version__", None) or _dist_version(name)
        except ImportError:
            out[name] = None
    return out


def _dist_version(name: str):
    from importlib import metadata

    for candidate in (name, name.replace("_", "-")):
        try:
            return metadata.version(candidate)
        except metadata.PackageNotFoundError:
            continue
    return None


def machine() -> dict:
    """What the figures were measured on."""
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as fh:
            mem = int(fh.readline().split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return {"platform": platform.platform(), "cpu": cpu, "cores": os.cpu_count(),
            "memory_bytes": mem}


def optional(module: str):
    """Import a peer if installed; ``None`` (reported as missing, never faked) otherwise."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def _relative(script: str) -> str:
    """The script's path from the repository root (benchmarks/bench_x.py), wherever run."""
    root = RESULTS.parent.parent
    try:
        return os.path.relpath(os.path.abspath(script), root)
    except ValueError:  # pragma: no cover - another drive on Windows
        return script


def _commit():
    """The short git commit of the checkout the benchmark ran from (None outside git)."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=RESULTS.parent,
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def write_results(name: str, rows: list[dict], *, peers=(), notes: str = "") -> Path:
    """Write rows and metadata to ``benchmarks/results/<name>.json``; return the path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    doc = {
        "benchmark": name,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["python", _relative(sys.argv[0])] + sys.argv[1:]),
        "commit": _commit(),
        "machine": machine(),
        "versions": versions(*peers),
        "notes": notes,
        "rows": rows,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def print_table(rows: list[dict], columns: list[str], title: str = "") -> None:
    """Print ``rows`` as an aligned text table (missing figures shown as '-')."""

    def fmt(v):
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:,.3g}" if abs(v) < 100 else f"{v:,.0f}"
        if isinstance(v, int):
            return f"{v:,}"
        return str(v)

    cells = [[fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c)
              for i, c in enumerate(columns)]
    if title:
        print(title)
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths)))
    print()


class UserKeys:
    """``n`` keys ``user/NNNNNNNNNN/NNN`` from a seeded generator (re-iterable, picklable)."""

    def __init__(self, n: int, seed: int = 0, chunk: int = 1 << 16):
        self.n, self.seed, self.chunk = n, seed, chunk

    def __iter__(self):
        rng = np.random.default_rng(self.seed)
        left = self.n
        while left:
            m = min(self.chunk, left)
            ids = rng.integers(0, 10 ** 10, m)
            sub = rng.integers(0, 1000, m)
            for a, b in zip(ids.tolist(), sub.tolist()):
                yield f"user/{a:010d}/{b:03d}"
            left -= m
