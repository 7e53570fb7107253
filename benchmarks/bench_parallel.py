"""Parallel sketch builds: lowram.parallel.build_parallel against a serial build, same data.

The input is a 20.65M-token stream: the bundled WordNet glosses (1,475,082 tokens, real
running text) read, decompressed and tokenised 14 times, as 14 chunks. Serial: one process
updates one sketch chunk by chunk. Parallel: ``build_parallel(factory, chunks, processes=2)``.
The result must be bit-identical; the figure is the speed-up (serial time / parallel time).

    python benchmarks/bench_parallel.py [--copies 14] [--processes 2]
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import print_table, write_results  # noqa: E402

from lowram import BloomFilter, CountMinSketch, HyperLogLog  # noqa: E402
from lowram.corpora import Corpus  # noqa: E402
from lowram.parallel import build_parallel  # noqa: E402

FACTORIES = {
    "HyperLogLog(p=14)": functools.partial(HyperLogLog, p=14),
    "BloomFilter(100k, 1%)": functools.partial(BloomFilter, 100_000, 0.01),
    "CountMinSketch(2^16 x 4)": functools.partial(CountMinSketch, 1 << 16, 4),
}


def serial(factory, chunks):
    sketch = factory()
    for chunk in chunks:
        sketch.update(chunk)
    return sketch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=14, help="passes over the WordNet tokens")
    ap.add_argument("--processes", type=int, default=2)
    args = ap.parse_args()
    corpus = Corpus.bundled("wordnet-tokens")
    chunks = [corpus] * args.copies
    tokens = corpus.count * args.copies
    rows = []
    for name, factory in FACTORIES.items():
        t0 = time.perf_counter()
        one = serial(factory, chunks)
        t_serial = time.perf_counter() - t0
        t0 = time.perf_counter()
        many = build_parallel(factory, chunks, processes=args.processes)
        t_parallel = time.perf_counter() - t0
        rows.append({
            "sketch": name, "tokens": tokens, "processes": args.processes,
            "serial_s": round(t_serial, 3), "parallel_s": round(t_parallel, 3),
            "speedup": round(t_serial / t_parallel, 3),
            "serial_M_per_s": round(tokens / t_serial / 1e6, 2),
            "parallel_M_per_s": round(tokens / t_parallel / 1e6, 2),
            "bit_identical": one.to_bytes() == many.to_bytes(),
        })
        print(f"{name}: {rows[-1]['speedup']:.2f}x", flush=True)
    print_table(rows, ["sketch", "tokens", "processes", "serial_s", "parallel_s", "speedup",
                       "parallel_M_per_s", "bit_identical"],
                title=f"build_parallel vs serial on {tokens:,} tokens ({os.cpu_count()} cores)")
    path = write_results("bench_parallel", rows, notes="speed-up target >= 1.7x on 2 cores; "
                         "chunks = the WordNet token corpus read and tokenised per chunk")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
