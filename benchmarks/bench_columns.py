"""Membership of a whole column: ``contains_many`` on Arrow and pandas string columns against
``Series.isin(set)`` and ``pyarrow.compute.is_in``, in one run.

The set: the 663,473 bundled English words. The column: 1,000,000 rows drawn from the words
(hits) and from the words with a "q" appended (misses), half each, in random order, as an
Arrow ``string`` array and as pandas Series of ``object``, ``string[python]`` and
``string[pyarrow]`` dtype. An ``object`` Series is measured twice: made anew before every
call from the Arrow column (fresh ``str`` objects, as a column read from a file holds, whose
hashes ``Series.isin`` must compute), and holding the very ``str`` objects the peers' set
was built from, reused every round (``set`` then matches hits by identity on hashes cached
in the objects: the best case for ``Series.isin``). Each structure answers the column; every
answer is checked equal to the set's. Times are medians of rounds interleaved across
structures; ``ratio`` is the peer's time / lowram's (above 1: lowram is faster)::

    python benchmarks/bench_columns.py
"""

from __future__ import annotations

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from _common import optional, print_table, write_results  # noqa: E402
from bench_hat_trie import interleaved  # noqa: E402

from lowram import MutableStringSet, StringSet, corpora  # noqa: E402

pa = optional("pyarrow")
pd = optional("pandas")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if pa is None or pd is None:
        sys.exit("needs pyarrow and pandas")
    import pyarrow.compute as pc

    words = list(corpora.Corpus.bundled("english-words"))
    present = set(words)
    rng = random.Random(0)
    rows = [rng.choice(words) if rng.random() < 0.5 else rng.choice(words) + "q"
            for _ in range(args.rows)]
    want = [r in present for r in rows]
    arrow = pa.array(rows, pa.string())
    shared = pd.Series(rows, dtype=object)
    python = pd.Series(rows, dtype="string")
    pyarrow_backed = pd.Series(rows, dtype="string[pyarrow]")
    columns = {   # each makes the column a call answers (timed apart from the call)
        "arrow string": lambda: arrow,
        "pandas object, fresh str": lambda: pd.Series(arrow.to_pylist(), dtype=object),
        "pandas object, the set's own str": lambda: shared,
        "pandas string[python]": lambda: python,
        "pandas string[pyarrow]": lambda: pyarrow_backed,
    }
    structures = {
        "StringSet (marisa)": StringSet(words, backend="marisa"),
        "StringSet (builtin)": StringSet(words, backend="builtin"),
        "MutableStringSet": MutableStringSet(words),
    }
    value_set = pa.array(words, pa.string())
    out = []
    for form, make in columns.items():
        fns = {name: (lambda col, s=s: s.contains_many(col)) for name, s in structures.items()}
        if form.startswith("pandas"):
            fns["Series.isin(set)"] = lambda col: col.isin(present)
        fns["pyarrow.compute.is_in"] = (
            (lambda col: pc.is_in(col, value_set=value_set)) if form == "arrow string" else
            (lambda col: pc.is_in(pa.array(col), value_set=value_set)))
        for name, fn in fns.items():
            got = fn(make())
            got = got.to_pylist() if hasattr(got, "to_pylist") else list(np.asarray(got))
            assert [bool(g) for g in got] == want, (form, name)
        times = interleaved(fns, args.rounds, setup=make)
        peers = [n for n in fns if n not in structures]
        for name, t in times.items():
            row = {"column": form, "structure": name, "rows": args.rows,
                   "ns_per_row": t / args.rows * 1e9}
            if name in structures:
                for peer in peers:
                    row[f"ratio vs {peer}"] = times[peer] / t
            out.append(row)
    print_table(out, ["column", "structure", "ns_per_row", "ratio vs Series.isin(set)",
                      "ratio vs pyarrow.compute.is_in"],
                f"membership of {args.rows:,} rows (half hits) in 663,473 English words")
    path = write_results("bench_columns", out, peers=("pyarrow", "pandas"), notes=(
        "contains_many(column) against Series.isin(set of the words) and "
        "pyarrow.compute.is_in(column, value_set=words) (for a Series: on pa.array(series)); "
        "'pandas object, fresh str': a Series made anew from the Arrow column before each "
        "call (fresh str objects, hashes not cached); 'the set's own str': the Series of the "
        "str objects the set of words holds, every round (identity hits on cached hashes); "
        "medians of interleaved rounds; ratio = peer time / lowram time (above 1: faster)."))
    print(path)


if __name__ == "__main__":
    main()
