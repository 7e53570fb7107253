"""``lowram-report``: what every structure costs on your data, in bytes and nanoseconds.

    lowram-report [CORPUS ...] [--structures NAME,...] [--format table|json|csv|markdown]
                  [--output FILE] [--plot FILE.png] [--queries N] [--seed N] [--kind KIND]
                  [--column NAME]

With no CORPUS it measures the bundled English word list (663,473 words). A CORPUS is a
bundled corpus name (``--list`` shows them) or a file: plain, .gz, .xz or .bz2, one item per
line (``--kind tokens`` splits running text into words; ``--kind ints`` reads integers).

Columnar files (needs pyarrow: pip install 'lowram[arrow]'): a .parquet, .csv, .tsv (also
.csv.gz, .csv.bz2, .csv.zst), .feather or .arrow file is read one column at a time, in record
batches. ``--column NAME`` picks the column (needed when the file has more than one); its Arrow
type gives the kind: strings are measured as words (``--kind tokens`` splits each value into
tokens), integers as ints. Nulls are refused: drop or fill them first.

    lowram-report data.parquet --column name
    lowram-report data.csv --column user_id
    lowram-report reviews.feather --column text --kind tokens
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from .. import corpora
from ..errors import ColumnError, LowramError
from .registry import STRUCTURES, structures_for

__all__ = ["main"]

DEFAULT_CORPUS = "english-words"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one clear line, no usage dump
        raise _UsageError(message)


class _UsageError(Exception):
    pass


class _MissingDependency(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    paragraphs = __doc__.split("\n\n")
    p = _Parser(prog="lowram-report", description=paragraphs[0].replace("``", ""),
                epilog="\n\n".join(paragraphs[2:]).replace("``", ""),
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("corpus", nargs="*", metavar="CORPUS",
                   help=f"bundled corpus name or file (default: {DEFAULT_CORPUS})")
    p.add_argument("--structures", metavar="NAME,...",
                   help="comma-separated structure names (default: every default structure "
                        "that fits the corpus kind)")
    p.add_argument("--format", choices=("table", "json", "csv", "markdown"), default="table")
    p.add_argument("--output", metavar="FILE", help="write the rendered report to FILE")
    p.add_argument("--plot", metavar="FILE.png", help="also draw a PNG bar chart")
    p.add_argument("--queries", type=int, default=10_000, metavar="N",
                   help="lookups timed per structure, hits and misses each (default 10000)")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="seed for query sampling")
    p.add_argument("--kind", choices=corpora.Corpus.KINDS,
                   help="how to read CORPUS files (default words; bundled corpora know theirs; "
                        "a column's type gives its kind)")
    p.add_argument("--column", metavar="NAME",
                   help="the column to read from Parquet, CSV/TSV, Feather or Arrow files "
                        "(needed when a file has more than one)")
    p.add_argument("--no-isolated", action="store_true",
                   help="skip the subprocess RSS builds (faster; RSS shown as missing)")
    p.add_argument("--list", action="store_true", help="list bundled corpora and structures")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _list(out) -> None:
    out.write("bundled corpora:\n")
    for name in corpora.bundled_names():
        c = corpora.Corpus.bundled(name)
        out.write(f"  {name:24} {c.kind:7} {c.count:>12,} items\n")
    out.write("structures:\n")
    for s in STRUCTURES:
        flag = "" if s.available() else "  (not installed)"
        out.write(f"  {s.name:32} {s.family:9} {','.join(s.kinds):28}"
                  f"{'' if s.exact else 'approximate'}{flag}\n")


def _run(argv) -> int:
    args = _parser().parse_args(argv)
    if args.list:
        _list(sys.stdout)
        return 0
    if args.queries < 1:
        raise _UsageError(f"--queries must be at least 1, not {args.queries}")
    if args.plot and not args.plot.lower().endswith(".png"):
        raise _UsageError(f"--plot writes a PNG: give a .png file name, not {args.plot!r}")
    for target in (args.output, args.plot):
        if target:
            folder = os.path.dirname(os.path.abspath(target))
            if not os.path.isdir(folder):
                raise _UsageError(f"cannot write {target}: folder {folder} does not exist")
    specs = args.corpus or [DEFAULT_CORPUS]
    chosen_corpora = []
    for spec in specs:
        try:
            corpus = corpora.Corpus.resolve(spec, args.kind, column=args.column)
        except ColumnError as exc:
            raise _UsageError(str(exc)) from None
        except ImportError as exc:  # pyarrow, for a columnar file
            raise _MissingDependency(str(exc)) from None
        if corpus.path:  # fail fast on empty/unreadable files, before any measuring
            next(iter(corpus), None)
        chosen_corpora.append(corpus)
    names = None
    if args.structures:
        names = [n.strip() for n in args.structures.split(",") if n.strip()]
        if not names:
            raise _UsageError("--structures names no structure")
        try:
            structures_for("words", names)
        except KeyError as exc:
            raise _UsageError(exc.args[0]) from None

    def pick(corpus):
        return structures_for(corpus.kind, names)

    total = sum(len(pick(c)) for c in chosen_corpora)
    if total == 0:
        raise _UsageError("no structure fits the corpus kind(s): "
                          + ", ".join(f"{c.name} ({c.kind})" for c in chosen_corpora))
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .render import render
    from .runner import run_report

    err_console = Console(stderr=True)
    t0 = time.perf_counter()
    with Progress(TextColumn("{task.description:<48}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=err_console, transient=True, disable=args.quiet) as bar:
        task = bar.add_task("measuring", total=total)

        def progress(description, advance):
            bar.update(task, description=description, advance=advance)

        records, facts = run_report(chosen_corpora, pick, queries=args.queries, seed=args.seed,
                                    isolated=not args.no_isolated, progress=progress)
    wall = time.perf_counter() - t0
    if args.format == "table" and not args.output:
        render(records, facts, "table")
        Console().print(f"wall time {wall:.1f} s")
    else:
        text = render(records, facts, args.format, wall_seconds=wall)
        if text is None:  # a table written to a file
            from rich.console import Console as C

            with open(args.output, "w", encoding="utf-8") as fh:
                render(records, facts, "table", console=C(file=fh, width=200))
        elif args.output:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            sys.stdout.write(text)
    if args.plot:
        from .plot import plot

        plot(records, args.plot)
    return 0


def main(argv=None) -> int:
    """Entry point of ``lowram-report``; returns the exit status."""
    try:
        return _run(sys.argv[1:] if argv is None else argv)
    except _UsageError as exc:
        print(f"lowram-report: error: {exc}", file=sys.stderr)
        return 2
    except (LowramError, OSError, KeyError, ValueError, _MissingDependency) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"lowram-report: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lowram-report: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
