"""Instructions per lookup, counted by valgrind's callgrind: the one lookup figure this shared
machine cannot move (its times drift 2x between runs; instruction counts repeat exactly for the
same binary and inputs).

On the bundled English list (663,473 words), 10,000 hits sampled at random and 10,000 misses
(sampled words with one letter changed), each structure in its own ``valgrind --tool=callgrind``
run: the queries are first looked up once from Python (so a ``frozenset`` has every ``str``'s
hash cached, as it would in a program that asks twice), then counted inside one call of
``contains_count`` (a C loop of ``in``) for the hits and one for the misses. Structures: the
``frozenset``, ``StringSet`` on the compact, marisa and dawg backends (the front included, as
users call it), and the compact dictionary alone at several bucket sizes with its ``nbytes``
per word: the trade between its bytes and its walk.

Instructions are not time (a cache miss costs hundreds of cycles and counts as one), so this
sits beside ``bench_dictionaries.py``'s timings, not in place of them.

    python benchmarks/bench_lookup_instructions.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from _common import print_table, write_results

CHILD = r"""
import random, sys
from lowram.corpora import bundled_path, read_lines
from lowram._native._loops import contains_count
what, n = sys.argv[1], int(sys.argv[2])
words = sorted(set(read_lines(bundled_path("english-words"))))
rng = random.Random(2026)
hits = [(w + ".")[:-1] for w in rng.sample(words, n)]
ws = set(words)
misses = [m for m in (w[:-1] + "q" + w[-1:] for w in rng.sample(words, 2 * n)) if m not in ws][:n]
del ws
nbytes = None
if what == "frozenset":
    obj = frozenset(words)
elif what.startswith("bucket"):
    from lowram.strings.backends._compact import CompactKeys
    obj = CompactKeys.build(words, int(what[6:]))
    nbytes = obj.nbytes
else:
    from lowram import StringSet
    obj = StringSet(words, backend=what)
    nbytes = obj.nbytes
for q in hits + misses:   # warm: hashes cached, code paths loaded
    q in obj
print(len(words), len(hits), len(misses), nbytes if nbytes is not None else -1)
sys.stdout.flush()
contains_count(obj, hits)
contains_count(obj, misses)
"""

COUNT = "*lowram_7_native_6_loops_1contains_count"


def _totals(path: str) -> int:
    """The instruction total a callgrind profile file records."""
    with open(path) as fh:
        for line in fh:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError(f"no totals in {path}")


def measure(what: str, n: int) -> dict:
    """Run one structure under callgrind; instructions per hit and per miss."""
    tmp = tempfile.mkdtemp(prefix="lowram-cg-")
    try:
        out = os.path.join(tmp, "cg.out")
        proc = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
             f"--toggle-collect={COUNT}", f"--dump-after={COUNT}",
             sys.executable, "-c", CHILD, what, str(n)],
            capture_output=True, text=True, check=True)
        keys, nh, nm, nbytes = (int(x) for x in proc.stdout.split())
        # --dump-after writes out.1 and out.2, one per call of contains_count (hits, then
        # misses); what is left at exit goes to out itself
        counts = [_totals(f"{out}.{i}") for i in (1, 2)]
        return {"structure": what, "keys": keys,
                "B_per_key": None if nbytes < 0 else nbytes / keys,
                "instr_per_hit": counts[0] / nh, "instr_per_miss": counts[1] / nm,
                "hits": nh, "misses": nm}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="1,000 queries each and no bucket sweep")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed: this benchmark counts instructions with it")
    n = 1000 if args.quick else 10_000
    structures = ["frozenset", "compact", "marisa", "dawg"]
    if not args.quick:
        structures += ["bucket8", "bucket16", "bucket24", "bucket48", "bucket96"]
    rows = []
    for what in structures:
        row = measure(what, n)
        rows.append(row)
        print(row, flush=True)
    base = rows[0]
    for row in rows:
        row["hit_vs_set"] = row["instr_per_hit"] / base["instr_per_hit"]
        row["miss_vs_set"] = row["instr_per_miss"] / base["instr_per_miss"]
    print_table(rows, ["structure", "keys", "B_per_key", "instr_per_hit", "instr_per_miss",
                       "hit_vs_set", "miss_vs_set"],
                "instructions per lookup (callgrind), English words")
    path = write_results(
        "bench_lookup_instructions", rows, peers=("marisa_trie", "dawg2"),
        notes="valgrind callgrind instruction counts inside contains_count (a C loop of "
              "`in`), after one warm pass from Python; bucketN: CompactKeys built with "
              "buckets of N keys, without the StringSet front; B_per_key is nbytes")
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
