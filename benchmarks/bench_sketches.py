"""Benchmark lowram's hashing and sketches against their Python peers, in one run.

Data: 2,000,000 tokens drawn (seeded) from the bundled English word frequencies
(``zipf_stream``), a 10,000,000-element random uint64 array, and for false-positive rates
1,000,000 distinct ints inserted then 2,000,000 absent ints queried. Each timing is the
median of ``--repeat`` runs; a lowram-versus-peer ratio is the median of the ratios of
alternated runs (so load on a shared machine hits both sides alike); a per-item Python loop over a peer is timed on a slice of the
data and reported per item (a full 2M- or 10M-item loop would only take longer). Ratios are
lowram's rate over the peer's. RAM: ``sys.getsizeof`` for lowram (all buffers) and resident
growth in a fresh process (``isolated_memory``) for lowram and peers alike.

    python benchmarks/bench_sketches.py [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import collections
import itertools
import math
import statistics
import sys
import time

import numpy as np

from _common import optional, print_table, write_results

import lowram
from lowram import (BloomFilter, CountMinSketch, HyperLogLog, KMinValues, LogLog,
                    MorrisCounter, ScalableBloomFilter, SuperLogLog, corpora)
from lowram.measure import isolated_memory

PEERS = ("datasketches", "datasketch", "probables", "rbloom", "mmh3", "xxhash")
mmh3 = optional("mmh3")
xxhash = optional("xxhash")
datasketches = optional("datasketches")
datasketch = optional("datasketch")
probables = optional("probables")
rbloom = optional("rbloom")

REPEAT = 3
SLICE = 200_000  # items per-item Python loops of peers are timed on


def rate(fn, n, repeat=None):
    """Median items per second of ``fn()`` over ``repeat`` runs (fn builds afresh)."""
    times = []
    for _ in range(repeat or REPEAT):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return n / statistics.median(times)


def paired(ours, n_ours, peer, n_peer, repeat=None):
    """Alternate runs of ``ours`` and ``peer`` (so a burst of load on the shared machine hits
    both); return their median rates and the median of the per-pair rate ratios."""
    ra, rb, ratios = [], [], []
    for _ in range(repeat or REPEAT):
        t0 = time.perf_counter()
        ours()
        a = n_ours / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        peer()
        b = n_peer / (time.perf_counter() - t0)
        ra.append(a)
        rb.append(b)
        ratios.append(a / b)
    return statistics.median(ra), statistics.median(rb), statistics.median(ratios)


def row(rows, area, what, impl, items_per_s=None, **extra):
    r = {"area": area, "what": what, "impl": impl,
         "M_items_per_s": None if items_per_s is None else items_per_s / 1e6}
    r.update(extra)
    rows.append(r)
    return r


def ratio(a, b):
    return None if a is None or b is None else a / b


# ----------------------------------------------------------- builders for isolated_memory
def _chunks(items, size=65_536):
    """int64 arrays of ``size`` items from an int stream: lowram's batch path without a list
    of the whole input (lists of Python ints would leave pymalloc arenas behind in RSS)."""
    items = iter(items)
    while True:
        block = np.fromiter(itertools.islice(items, size), dtype=np.int64)
        if not len(block):
            return
        yield block


def build_hll(items):
    s = HyperLogLog(14)
    for block in _chunks(items):
        s.update(block)
    return s


def build_ds_hll(items):
    s = datasketches.hll_sketch(14, datasketches.tgt_hll_type.HLL_6)
    for x in items:
        s.update(x)
    return s


def build_bloom(items):
    s = BloomFilter(1_000_000, 0.01)
    for block in _chunks(items):
        s.update(block)
    return s


def build_rbloom(items):
    s = rbloom.Bloom(1_000_000, 0.01)
    s.update(items)
    return s


def build_pp_bloom(items):
    s = probables.BloomFilter(est_elements=1_000_000, false_positive_rate=0.01)
    for x in items:
        s.add(str(x))
    return s


def build_cms(items):
    s = CountMinSketch.from_error(1e-4, 0.01)
    for block in _chunks(items):
        s.update(block)
    return s


def build_ds_cms(items):
    s = datasketches.count_min_sketch(5, 27183)
    for x in items:
        s.update(x)
    return s


def iso(builder, source):
    try:
        return isolated_memory(builder, source, repeat=1).growth
    except Exception as exc:  # reported, never faked
        print(f"  isolated_memory({builder.__name__}) failed: {exc}", file=sys.stderr)
        return None


# ----------------------------------------------------------- sections
def bench_hashing(rows, ints, tokens):
    n = len(ints)
    ours = rate(lambda: lowram.hash64_many(ints), n)
    row(rows, "hashing", "10M uint64 ndarray", "lowram hash64_many", ours)
    ints_list = ints[:SLICE].tolist()
    if mmh3:
        raw = [x.to_bytes(8, "little") for x in ints_list]
        _, peer, pair_ratio = paired(lambda: lowram.hash64_many(ints), n,
                                     lambda: [mmh3.hash64(b) for b in raw], len(raw))
        row(rows, "hashing", "10M uint64 ndarray", "mmh3.hash64 loop (8-byte keys)", peer,
            ratio=pair_ratio)
    if xxhash:
        raw = [x.to_bytes(8, "little") for x in ints_list]
        peer = rate(lambda: [xxhash.xxh3_64_intdigest(b) for b in raw], len(raw))
        row(rows, "hashing", "10M uint64 ndarray", "xxhash.xxh3_64_intdigest loop", peer,
            ratio=ratio(ours, peer))
    ours = rate(lambda: lowram.hash64_many(tokens), len(tokens))
    row(rows, "hashing", "2M str tokens", "lowram hash64_many", ours)
    part = tokens[:SLICE]
    if mmh3:
        _, peer, pair_ratio = paired(lambda: lowram.hash64_many(tokens), len(tokens),
                                     lambda: [mmh3.hash64(s) for s in part], len(part))
        row(rows, "hashing", "2M str tokens", "mmh3.hash64 loop", peer, ratio=pair_ratio)
    if xxhash:
        peer = rate(lambda: [xxhash.xxh3_64_intdigest(s.encode()) for s in part], len(part))
        row(rows, "hashing", "2M str tokens", "xxhash.xxh3_64_intdigest(s.encode()) loop", peer,
            ratio=ratio(ours, peer))


def _distinct_rel(est, truth):
    return (est - truth) / truth


def bench_hll(rows, ints, tokens, distinct):
    def ours_tokens():
        s = HyperLogLog(14)
        s.update(tokens)
        return s

    sketch = ours_tokens()
    ours = rate(ours_tokens, len(tokens))
    small = HyperLogLog(14)
    small.update([f"k{i}" for i in range(299)])
    row(rows, "HyperLogLog", "2M str tokens", "lowram HyperLogLog(14).update", ours,
        rel_error=_distinct_rel(sketch.estimate(), distinct),
        sizeof_dense=sys.getsizeof(sketch), sizeof_sparse_299=sys.getsizeof(small),
        rss=iso(build_hll, range(200_000)))
    if datasketches:
        part = tokens[:SLICE]

        def peer_loop():
            s = datasketches.hll_sketch(14, datasketches.tgt_hll_type.HLL_6)
            for t in part:
                s.update(t)
            return s

        _, peer, pair_ratio = paired(ours_tokens, len(tokens), peer_loop, len(part))
        full = datasketches.hll_sketch(14, datasketches.tgt_hll_type.HLL_6)
        for t in tokens:
            full.update(t)
        row(rows, "HyperLogLog", "2M str tokens", "datasketches hll_sketch(14) loop", peer,
            ratio=pair_ratio, rel_error=_distinct_rel(full.get_estimate(), distinct),
            rss=iso(build_ds_hll, range(200_000)))
    if datasketch:
        part = [t.encode() for t in tokens[:SLICE // 4]]

        def peer_loop2():
            s = datasketch.HyperLogLog(p=14)
            for t in part:
                s.update(t)
            return s

        peer = rate(peer_loop2, len(part))
        row(rows, "HyperLogLog", "2M str tokens", "datasketch HyperLogLog(14) loop", peer,
            ratio=ratio(ours, peer))

    def ours_ints():
        s = HyperLogLog(14)
        s.update(ints)

    row(rows, "HyperLogLog", "10M uint64 ndarray", "lowram HyperLogLog(14).update",
        rate(ours_ints, len(ints)))
    if datasketches and hasattr(datasketches.hll_sketch, "update"):
        part = ints[:SLICE].tolist()

        def peer_ints():
            s = datasketches.hll_sketch(14, datasketches.tgt_hll_type.HLL_6)
            for x in part:
                s.update(x)

        row(rows, "HyperLogLog", "10M uint64 ndarray", "datasketches hll_sketch(14) loop",
            rate(peer_ints, len(part)))


def bench_family(rows, tokens, distinct):
    rates = {}
    for label, make in (("LogLog(14)", lambda: LogLog(14)),
                        ("SuperLogLog(14)", lambda: SuperLogLog(14)),
                        ("KMinValues(4096)", lambda: KMinValues(4096))):
        def build(make=make):
            s = make()
            s.update(tokens)
            return s

        sketch = build()
        rates[label] = rate(build, len(tokens))
        row(rows, label.split("(")[0], "2M str tokens", f"lowram {label}.update",
            rates[label], rel_error=_distinct_rel(sketch.estimate(), distinct),
            std_error=sketch.relative_error, sizeof=sys.getsizeof(sketch))
    if datasketches:
        part = tokens[:SLICE]

        def theta():
            s = datasketches.update_theta_sketch(12)
            for t in part:
                s.update(t)

        theirs = rate(theta, len(part))
        row(rows, "KMinValues", "2M str tokens", "datasketches update_theta_sketch(12) loop",
            theirs, ratio=ratio(rates["KMinValues(4096)"], theirs))

    def morris():
        c = MorrisCounter(seed=1)
        c.update(tokens)
        return c

    c = morris()
    row(rows, "MorrisCounter", "2M str tokens", "lowram MorrisCounter.update",
        rate(morris, len(tokens)), rel_error=_distinct_rel(c.estimate(), len(tokens)),
        std_error=c.relative_error, sizeof=sys.getsizeof(c), state_bytes=1)


def bench_bloom(rows, tokens, members, absent):
    cap = len(set(tokens))

    def ours():
        s = BloomFilter(cap, 0.01)
        s.update(tokens)

    mine = rate(ours, len(tokens))
    row(rows, "BloomFilter", "2M str tokens", f"lowram BloomFilter({cap}, 1%).update", mine)
    if rbloom:
        def peer():
            s = rbloom.Bloom(cap, 0.01)
            s.update(tokens)

        _, theirs, pair_ratio = paired(ours, len(tokens), peer, len(tokens))
        row(rows, "BloomFilter", "2M str tokens", f"rbloom Bloom({cap}, 1%).update", theirs,
            ratio=pair_ratio)
    if probables:
        part = tokens[:SLICE]

        def peer2():
            s = probables.BloomFilter(est_elements=cap, false_positive_rate=0.01)
            for t in part:
                s.add(t)

        row(rows, "BloomFilter", "2M str tokens", "pyprobables BloomFilter.add loop",
            rate(peer2, len(part)))
        rows[-1]["ratio"] = ratio(mine, rows[-1]["M_items_per_s"] * 1e6)

    # false-positive rate at capacity: 1M distinct ints in, 2M absent ints queried
    n = len(members)
    bf = BloomFilter(n, 0.01)
    t_nd = rate(lambda: BloomFilter(n, 0.01).update(members), n)
    bf.update(members)
    fpr = float(bf.contains_many(absent).mean())
    optimum = 1.44 * math.log2(1 / 0.01)
    row(rows, "BloomFilter", "1M ints at capacity", "lowram BloomFilter(1M, 1%)", t_nd,
        fpr=fpr, fpr_vs_target=fpr / 0.01, bits_per_key=bf.bits_per_key,
        bits_vs_1_44_log2=bf.bits_per_key / optimum, sizeof=sys.getsizeof(bf),
        rss=iso(build_bloom, range(1_000_000)))
    if rbloom:
        rb = rbloom.Bloom(n, 0.01)
        member_list, absent_list = members.tolist(), absent.tolist()
        _, t_rb, pair_ratio = paired(lambda: BloomFilter(n, 0.01).update(members), n,
                                     lambda: rbloom.Bloom(n, 0.01).update(member_list), n)
        rb.update(member_list)
        fp = sum(1 for x in absent_list if x in rb)
        row(rows, "BloomFilter", "1M ints at capacity", "rbloom Bloom(1M, 1%) (list of int)",
            t_rb, ratio=pair_ratio, fpr=fp / len(absent_list),
            fpr_vs_target=fp / len(absent_list) / 0.01, bits_per_key=rb.size_in_bits / n,
            rss=iso(build_rbloom, range(1_000_000)))
    if probables:
        row(rows, "BloomFilter", "1M ints at capacity", "pyprobables BloomFilter(1M, 1%)",
            None, rss=iso(build_pp_bloom, range(1_000_000)))

    # scalable: grow from 10,000 to 1M items
    sbf = ScalableBloomFilter(10_000, 0.01)
    t_s = rate(lambda: ScalableBloomFilter(10_000, 0.01).update(members), n, repeat=1)
    sbf.update(members)
    fpr_s = float(sbf.contains_many(absent).mean())
    row(rows, "ScalableBloomFilter", "1M ints from 10k", "lowram ScalableBloomFilter(10k, 1%)",
        t_s, fpr=fpr_s, fpr_vs_target=fpr_s / 0.01, stages=sbf.stages,
        bits_per_key=8 * sys.getsizeof(sbf) / n)
    if probables:
        eb = probables.ExpandingBloomFilter(est_elements=10_000, false_positive_rate=0.01)
        part = [str(x) for x in members[:SLICE].tolist()]
        t0 = time.perf_counter()
        for x in part:
            eb.add(x)
        t_e = len(part) / (time.perf_counter() - t0)
        for x in members[SLICE:].tolist():
            eb.add(str(x))
        probe = [str(x) for x in absent[:200_000].tolist()]
        fpr_e = sum(1 for x in probe if eb.check(x)) / len(probe)
        row(rows, "ScalableBloomFilter", "1M ints from 10k",
            "pyprobables ExpandingBloomFilter(10k, 1%)", t_e, ratio=ratio(t_s, t_e),
            fpr=fpr_e, fpr_vs_target=fpr_e / 0.01)


def bench_cms(rows, ints, tokens):
    truth = collections.Counter(tokens)
    keys = list(truth)
    exact = np.fromiter((truth[k] for k in keys), dtype=np.int64, count=len(keys))
    over = {}
    standard_rate = None
    for conservative in (False, True):
        label = "conservative" if conservative else "standard"

        def build(c=conservative):
            s = CountMinSketch.from_error(1e-4, 0.01, conservative=c)
            s.update(tokens)
            return s

        s = build()
        over[label] = float((s.count_many(keys).astype(np.int64) - exact).mean())
        speed = rate(build, len(tokens))
        if not conservative:
            standard_rate = speed
        row(rows, "CountMinSketch", "2M str tokens", f"lowram CountMinSketch {label}",
            speed, mean_overestimate=over[label],
            error_bound=s.error_bound, sizeof=sys.getsizeof(s),
            rss=None if conservative else iso(build_cms, range(200_000)))

        def build_ints(c=conservative):
            CountMinSketch.from_error(1e-4, 0.01, conservative=c).update(ints)

        row(rows, "CountMinSketch", "10M uint64 ndarray", f"lowram CountMinSketch {label}",
            rate(build_ints, len(ints)))
    rows[-1]["overestimate_lowered_by"] = 1 - over["conservative"] / over["standard"]
    part = tokens[:SLICE]
    if datasketches:
        def peer():
            s = datasketches.count_min_sketch(5, 27183)
            for t in part:
                s.update(t)

        theirs = rate(peer, len(part))
        row(rows, "CountMinSketch", "2M str tokens", "datasketches count_min_sketch loop",
            theirs, ratio=ratio(standard_rate, theirs), rss=iso(build_ds_cms, range(200_000)))
    if probables:
        def peer2():
            s = probables.CountMinSketch(width=27183, depth=5)
            for t in part:
                s.add(t)

        theirs = rate(peer2, len(part))
        row(rows, "CountMinSketch", "2M str tokens", "pyprobables CountMinSketch loop",
            theirs, ratio=ratio(standard_rate, theirs))


def main():
    global REPEAT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="1/10 of the data")
    args = parser.parse_args()
    REPEAT = args.repeat
    scale = 10 if args.quick else 1
    tokens = list(corpora.zipf_stream(corpora.bundled_path("english-frequencies"),
                                      2_000_000 // scale, seed=0))
    distinct = len(set(tokens))
    rng = np.random.default_rng(0)
    ints = rng.integers(0, 2**63, 10_000_000 // scale, dtype=np.int64).view(np.uint64)
    members = rng.choice(2**62, 1_000_000 // scale, replace=False).astype(np.int64)
    absent = rng.integers(2**62, 2**63 - 1, 2_000_000 // scale, dtype=np.int64)
    rows: list[dict] = []
    for section in (lambda: bench_hashing(rows, ints, tokens),
                    lambda: bench_hll(rows, ints, tokens, distinct),
                    lambda: bench_bloom(rows, tokens, members, absent),
                    lambda: bench_cms(rows, ints, tokens),
                    lambda: bench_family(rows, tokens, distinct)):
        section()
    for peer in PEERS:
        if globals()[peer] is None:
            rows.append({"area": "peers", "what": "missing", "impl": peer})
    print_table(rows, ["area", "what", "impl", "M_items_per_s", "ratio", "rel_error", "fpr",
                       "bits_per_key", "mean_overestimate", "sizeof", "sizeof_dense",
                       "sizeof_sparse_299", "rss"],
                title=f"lowram sketches vs peers ({len(tokens):,} tokens, {distinct:,} distinct)")
    path = write_results("bench_sketches", rows, peers=PEERS,
                         notes=f"tokens={len(tokens)} distinct={distinct} repeat={REPEAT}; "
                               f"peer per-item loops timed on {SLICE:,} items")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
