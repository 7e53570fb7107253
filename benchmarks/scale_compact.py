"""The ``compact`` backend at scale: build a StringSet of many generated keys within a memory
budget, save it, open it by memory map in a fresh process and query it.

Keys are ``user/NNNNNNNNNN/NNN`` (random ids, no order) streamed from a seeded generator. The
build runs in a subprocess whose peak resident memory above its start is read from the kernel
(``VmHWM`` after resetting it), with ``build_budget`` set; the set is saved; a second fresh
process opens the file with ``load(mmap=True)`` and times 100,000 hits and 100,000 misses.
From the measured rates and sizes the script writes what 10x the keys would take.

    python benchmarks/scale_compact.py --n 100000000 --budget 4294967296
    python benchmarks/scale_compact.py --n 10000000 --budget 268435456   # spills to disk
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from _common import print_table, write_results

HERE = os.path.dirname(os.path.abspath(__file__))

BUILD = r"""
import gc, json, sys, time
sys.path.insert(0, {here!r})
from _common import UserKeys
from lowram import StringSet
from lowram.measure import current_rss, malloc_trim, peak_rss, reset_peak
n, budget, path = {n}, {budget}, {path!r}
gc.collect(); malloc_trim()
reset_peak()
before = current_rss()
t0 = time.perf_counter()
s = StringSet(UserKeys(n, seed=3), backend="compact", build_budget=budget)
build = time.perf_counter() - t0
peak = peak_rss()
t0 = time.perf_counter()
s.save(path)
save = time.perf_counter() - t0
print(json.dumps({{"keys": len(s), "build_s": build, "peak_mb": (peak - before) / 1e6,
                  "nbytes": s.nbytes, "save_s": save}}))
"""

QUERY = r"""
import json, random, sys, time
sys.path.insert(0, {here!r})
from lowram import StringSet
from lowram.measure import current_rss
path, n = {path!r}, {n}
before = current_rss()
t0 = time.perf_counter()
s = StringSet.load(path, mmap=True)
open_s = time.perf_counter() - t0
from _common import UserKeys   # the build's generator: its first keys are hits
hits = [k for k, _ in zip(UserKeys(n, seed=3), range(100_000))]
random.Random(1).shuffle(hits)
misses = [k[:-1] + "x" for k in hits]
from lowram._native._loops import contains_count
def best(q):
    out = None
    for _ in range(3):
        t0 = time.perf_counter_ns()
        found = contains_count(s, q)
        dt = (time.perf_counter_ns() - t0) / len(q)
        out = dt if out is None or dt < out else out
    return out, found
hit_ns, found = best(hits)
miss_ns, wrong = best(misses)
t0 = time.perf_counter()
many = s.contains_many(hits + misses)
many_ns = (time.perf_counter() - t0) * 1e9 / (2 * len(hits))
print(json.dumps({{"open_s": open_s, "hit_ns": hit_ns, "miss_ns": miss_ns, "hits_found": found,
                  "misses_found": wrong, "contains_many_ns": many_ns,
                  "contains_many_right": bool(many[:len(hits)].all()
                                              and not many[len(hits):].any()),
                  "open_rss_mb": (current_rss() - before) / 1e6, "backend": s.backend}}))
"""


def run(code):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=7200)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000_000)
    ap.add_argument("--budget", type=int, default=4 << 30, help="build_budget, bytes")
    ap.add_argument("--dir", default=None, help="where the file goes (default: TMPDIR)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = os.path.join(tmp, "keys.lowram")
        built = run(BUILD.format(here=HERE, n=args.n, budget=args.budget, path=path))
        built["file_mb"] = os.path.getsize(path) / 1e6
        print(built, flush=True)
        queried = run(QUERY.format(here=HERE, path=path, n=args.n))
        print(queried, flush=True)
    row = {"keys_asked": args.n, "budget_mb": args.budget / 1e6, **built, **queried,
           "B_per_key": built["nbytes"] / built["keys"],
           "keys_per_s": built["keys"] / built["build_s"]}
    # 10x the keys, from the measured rates and sizes (the build is linear but for the
    # runs' merge, a heap of log(runs) steps per key)
    row["x10_build_s"] = 10 * row["build_s"]
    row["x10_file_gb"] = 10 * row["file_mb"] / 1e3
    rows = [row]
    print_table(rows, ["keys", "budget_mb", "peak_mb", "build_s", "keys_per_s", "B_per_key",
                       "file_mb", "open_s", "open_rss_mb", "hit_ns", "miss_ns",
                       "contains_many_ns", "contains_many_right", "x10_build_s",
                       "x10_file_gb"], "compact at scale")
    path = write_results(f"scale_compact_{args.n}", rows)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
