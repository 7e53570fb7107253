"""What building a string set costs: peak RAM, time and final size, lowram's backends against
``set``, on keys streamed from a generator.

Keys like ``user/0123456789/042`` (random ids, so the input is in no order) are streamed into
each structure in a fresh subprocess (``lowram.measure.isolated_memory``): the peak resident
memory above the start of the build, the memory kept after it, and the build's wall time
(which includes making the keys; the generator alone is timed the same way and shown as
``gen s``). Then, in this process, the build rate from a list of ``str`` and from an Arrow
column already made, against ``set(list)``.

    python benchmarks/bench_build.py --n 10000000
    python benchmarks/bench_build.py --n 1000000 --budget 67108864
"""

from __future__ import annotations

import argparse
import gc
import time

import numpy as np

from _common import UserKeys, optional, print_table, write_results

from lowram import StringSet
from lowram.measure import isolated_memory


def _budget():
    import os
    v = os.environ.get("LOWRAM_BENCH_BUDGET")
    return int(v) if v else None


def count_only(it):
    n = 0
    for _ in it:
        n += 1
    return _Count(n)


class _Count:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n


def build_set(it):
    return set(it)


def build_compact(it):
    return StringSet(it, backend="compact", build_budget=_budget())


def build_sorted(it):
    return StringSet(it, backend="sorted", build_budget=_budget())


def build_marisa(it):
    return StringSet(it, backend="marisa", build_budget=_budget())


def build_dawg(it):
    return StringSet(it, backend="dawg", build_budget=_budget())


def build_builtin(it):
    return StringSet(it, backend="builtin", build_budget=_budget())


def build_datrie(it):
    return StringSet(it, backend="datrie", build_budget=_budget())


STRUCTURES = [
    ("generator alone", count_only, None),
    ("set", build_set, None),
    ("StringSet[compact]", build_compact, None),
    ("StringSet[sorted]", build_sorted, None),
    ("StringSet[marisa]", build_marisa, "marisa_trie"),
    ("StringSet[dawg]", build_dawg, "dawg"),
    ("StringSet[builtin]", build_builtin, None),
    ("StringSet[datrie]", build_datrie, None),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000, help="keys")
    ap.add_argument("--budget", type=int, default=None, help="build_budget in bytes")
    ap.add_argument("--datrie-max", type=int, default=None,
                    help="skip datrie above this many keys (default: never)")
    ap.add_argument("--only", default="", help="comma-separated structure names")
    args = ap.parse_args()
    import os
    if args.budget:
        os.environ["LOWRAM_BENCH_BUDGET"] = str(args.budget)
    source = UserKeys(args.n)
    rows = []
    gen_seconds = None
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    for name, fn, peer in STRUCTURES:
        if only and name not in only and name != "generator alone":
            continue
        row = {"structure": name, "keys": args.n}
        if peer and optional(peer) is None:
            row["problem"] = f"{peer} not installed"
            rows.append(row)
            continue
        if name.endswith("[datrie]") and args.datrie_max is not None and \
                args.n > args.datrie_max:
            row["problem"] = f"skipped above {args.datrie_max:,} keys (--datrie-max)"
            rows.append(row)
            continue
        m = isolated_memory(fn, source, warmup=1000, timeout=3600)
        row.update(peak_mb=None if m.peak_growth is None else m.peak_growth / 1e6,
                   kept_mb=None if m.growth is None else m.growth / 1e6,
                   items=m.items, build_s=m.build_seconds)
        if name == "generator alone":
            gen_seconds = m.build_seconds
            row.update(peak_mb=None, kept_mb=None)
        elif m.growth is not None and m.items:
            row["kept_B_per_key"] = m.growth / m.items
        rows.append(row)
        print(name, {k: v for k, v in row.items() if k != "structure"}, flush=True)
    base = next((r for r in rows if r["structure"] == "set" and r.get("peak_mb")), None)
    for r in rows:
        if gen_seconds is not None and r.get("build_s") and r["structure"] != "generator alone":
            r["gen_s"] = gen_seconds
        if base and r.get("peak_mb") is not None:
            r["peak_vs_set"] = r["peak_mb"] / base["peak_mb"]
    rates = build_rates(min(args.n, 5_000_000), args.budget)
    print_table(rows, ["structure", "keys", "peak_mb", "peak_vs_set", "kept_mb",
                       "kept_B_per_key", "build_s", "gen_s", "problem"],
                f"Building from a generator of {args.n:,} keys (fresh subprocess each)")
    print_table(rates, ["input", "structure", "keys", "seconds", "keys_per_s", "vs_set"],
                "Build rate from keys already made (this process)")
    path = write_results("bench_build", rows + rates,
                         peers=("marisa_trie", "dawg", "datrie", "pyarrow"),
                         notes="peak_mb: peak RSS above the start of the build; kept_mb: RSS "
                               "kept after it; build_s includes making the keys (gen_s).")
    print(f"wrote {path}")


def build_rates(n, budget):
    """Keys per second from a list of str and from an Arrow column, against set(list)."""
    keys = list(UserKeys(n, seed=1))
    out = []

    def timed(label, structure, fn):
        gc.collect()
        best = None
        for _ in range(3):
            t0 = time.perf_counter()
            obj = fn()
            dt = time.perf_counter() - t0
            del obj
            best = dt if best is None or dt < best else best
        out.append({"input": label, "structure": structure, "keys": n, "seconds": best,
                    "keys_per_s": n / best})

    timed("list of str", "set", lambda: set(keys))
    timed("list of str", "StringSet[compact]",
          lambda: StringSet(keys, backend="compact", build_budget=budget))
    timed("list of str", "StringSet[sorted]",
          lambda: StringSet(keys, backend="sorted", build_budget=budget))
    pa = optional("pyarrow")
    if pa is not None:
        column = pa.array(keys)
        timed("Arrow column", "StringSet[compact]",
              lambda: StringSet(column, backend="compact", build_budget=budget))
    set_rate = out[0]["keys_per_s"]
    for r in out:
        r["vs_set"] = r["keys_per_s"] / set_rate
    return out


if __name__ == "__main__":
    main()
