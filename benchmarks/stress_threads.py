"""The long thread stress: every kind of ``tools/thread_stress.py`` for many minutes.

Each kind runs as consecutive segments (``--segment`` seconds, a fresh interpreter each, so
a crash is counted and the run goes on), eight threads on one container, ``--jobs`` kinds at
a time, each interpreter capped at ``--memory-gb`` of address space. Per kind it reports the
ops run, the ops refused as the builtin refuses them, and the failures: crashes (a segment
killed by a signal), hangs (a thread still busy after the stop, or a segment past its
timeout), torn reads, other exceptions and invariant failures. The target (issue "Threads
cannot crash or corrupt a container"): zero of each over ten minutes per kind::

    python benchmarks/stress_threads.py --minutes 10
    python benchmarks/stress_threads.py --minutes 10 --kinds StrList IntList --keep-others

Writes ``benchmarks/results/stress_threads.json`` and prints a table. Each row names the
commit and date it ran at; ``--keep-others`` keeps the rows of the kinds not run this time
(a rerun of the kinds whose code changed), and the table and exit code cover them too.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, _commit, print_table, write_results  # noqa: E402

HARNESS = Path(__file__).resolve().parents[1] / "tools" / "thread_stress.py"


def _limit(gb: float):
    def apply():
        size = int(gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    return apply


def run_kind(kind: str, minutes: float, segment: float, threads: int, memory_gb: float) -> dict:
    """Run one kind for ``minutes`` in segments; its row of the table."""
    row = {"kind": kind, "segments": 0, "seconds": 0.0, "ops": 0, "refused": 0,
           "crashes": 0, "hangs": 0, "torn": 0, "errors": 0, "checks_failed": 0,
           "examples": []}
    deadline = time.monotonic() + minutes * 60
    while time.monotonic() < deadline:
        seconds = min(segment, max(1.0, deadline - time.monotonic()))
        started = time.monotonic()
        try:
            proc = subprocess.run(
                [sys.executable, str(HARNESS), kind, "--seconds", f"{seconds:.1f}",
                 "--threads", str(threads), "--grace", "60"],
                capture_output=True, text=True, timeout=seconds + 180,
                preexec_fn=_limit(memory_gb))
        except subprocess.TimeoutExpired:
            row["segments"] += 1
            row["hangs"] += 1
            row["examples"].append(f"segment of {seconds:.0f} s timed out")
            continue
        row["segments"] += 1
        row["seconds"] += time.monotonic() - started
        if proc.returncode < 0:
            row["crashes"] += 1
            row["examples"].append(f"signal {-proc.returncode}: {proc.stderr[-600:]}")
            continue
        if proc.returncode == 2:
            row["hangs"] += 1
        try:
            summary = json.loads(proc.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            row["errors"] += 1
            row["examples"].append(f"exit {proc.returncode}, no summary: {proc.stderr[-600:]}")
            continue
        for key in ("ops", "refused", "torn", "errors"):
            row[key] += summary[key]
        row["checks_failed"] += summary["check"] is not None
        row["examples"].extend(summary["examples"][:3])
        if summary["check"]:
            row["examples"].append(summary["check"])
    row["seconds"] = round(row["seconds"], 1)
    row["examples"] = row["examples"][:10]
    row["clean"] = not any(row[k] for k in ("crashes", "hangs", "torn", "errors",
                                            "checks_failed"))
    return row


def _kept_rows(kinds: list[str]) -> list[dict]:
    """The previous file's rows of kinds other than ``kinds``, each with its commit and date."""
    path = RESULTS / "stress_threads.json"
    if not path.exists():
        return []
    previous = json.loads(path.read_text(encoding="utf-8"))
    default = {"commit": previous.get("commit"), "date": previous.get("date", "")[:10]}
    return [{**default, **row} for row in previous["rows"] if row["kind"] not in kinds]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="per kind (default 10)")
    ap.add_argument("--segment", type=float, default=60.0,
                    help="seconds per fresh interpreter (default 60)")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--jobs", type=int, default=2, help="kinds run at once (default 2)")
    ap.add_argument("--memory-gb", type=float, default=8.0,
                    help="address-space cap of each interpreter (default 8)")
    ap.add_argument("--kinds", nargs="+", default=None, help="default: every kind")
    ap.add_argument("--keep-others", action="store_true",
                    help="keep the previous results' rows of the kinds not run now")
    args = ap.parse_args(argv)
    listed = subprocess.run([sys.executable, str(HARNESS), "--list"], capture_output=True,
                            text=True, check=True).stdout.split()
    kinds = args.kinds or listed
    unknown = sorted(set(kinds) - set(listed))
    if unknown:
        ap.error(f"unknown kinds {unknown}; known: {listed}")
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda k: run_kind(k, args.minutes, args.segment, args.threads,
                                                args.memory_gb), kinds))
    stamp = {"commit": _commit(), "date": time.strftime("%Y-%m-%d", time.gmtime())}
    rows = [{**row, **stamp} for row in rows]
    if args.keep_others:
        rows = _kept_rows(kinds) + rows
        rows.sort(key=lambda r: listed.index(r["kind"]) if r["kind"] in listed else len(listed))
    columns = ["kind", "segments", "seconds", "ops", "refused", "crashes", "hangs", "torn",
               "errors", "checks_failed", "commit"]
    print_table(rows, columns, f"{args.threads} threads on one container, "
                               f"{args.minutes:g} min per kind run now")
    path = write_results("stress_threads", rows, notes=(
        f"{args.threads} threads mixing every op of tools/thread_stress.py on one container, "
        f"a fresh container every 0.5 s, segments of {args.segment:g} s in fresh "
        f"interpreters, {args.jobs} kinds at a time; refused = ops refused as the builtin "
        f"refuses them (pop from empty, remove of an absent item, a set changed during "
        f"iteration)"))
    print(f"wrote {path}")
    return 0 if all(r["clean"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
