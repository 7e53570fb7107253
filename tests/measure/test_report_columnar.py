"""lowram-report on columnar files: Parquet, CSV/TSV, Feather and Arrow IPC, one column each.

The fixtures are written here with pyarrow, in several record batches / row groups, so that
reading across batch boundaries is exercised; the CLI runs in-process (``--no-isolated``
except for one isolated run, small ``--queries``) and the assertions are on its real output.
"""

import json
import sys

import pytest

pa = pytest.importorskip("pyarrow")
import pyarrow.csv as pa_csv  # noqa: E402
import pyarrow.feather as pa_feather  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from lowram import corpora  # noqa: E402
from lowram.corpora import TOKEN_PATTERN, Corpus  # noqa: E402
from lowram.errors import ColumnError, FormatError  # noqa: E402
from lowram.report.cli import main  # noqa: E402

ROWS = 400
DISTINCT = 150
#: strings with non-ASCII text, repeats and a space (so tokens differ from words)
WORDS = [f"Wörd{i % DISTINCT} x{i % DISTINCT % 7}" for i in range(ROWS)]
INTS = [(i * 7919) % 1000 - 300 for i in range(ROWS)]  # negatives, repeats
BATCH = 96  # rows per row group / record batch: 400 rows make 5 batches


def _table():
    return pa.table({"word": pa.array(WORDS, pa.string()), "n": pa.array(INTS, pa.int32())})


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("columnar")
    table = _table()
    out = {}
    out["parquet"] = folder / "data.parquet"
    pq.write_table(table, out["parquet"], row_group_size=BATCH)
    out["csv"] = folder / "data.csv"
    pa_csv.write_csv(table, out["csv"])
    out["tsv"] = folder / "data.tsv"
    pa_csv.write_csv(table, out["tsv"], write_options=pa_csv.WriteOptions(delimiter="\t"))
    out["feather"] = folder / "data.feather"
    pa_feather.write_feather(table, out["feather"], chunksize=BATCH)
    out["arrow-stream"] = folder / "data.arrow"
    with pa.ipc.new_stream(out["arrow-stream"], table.schema) as writer:
        writer.write_table(table, max_chunksize=BATCH)
    out["single"] = folder / "words.parquet"
    pq.write_table(table.select(["word"]), out["single"], row_group_size=BATCH)
    # a null in the fourth row group (row 300), not in the first batch
    nulls = pa.table({"word": pa.array(WORDS[:300] + [None] + WORDS[301:])})
    out["null-parquet"] = folder / "nulls.parquet"
    pq.write_table(nulls, out["null-parquet"], row_group_size=BATCH)
    out["null-csv"] = folder / "nulls.csv"
    out["null-csv"].write_text("word,n\na,1\nb,\nc,3\n")   # an empty int cell is a null
    out["types"] = folder / "types.parquet"
    pq.write_table(pa.table({"f": [1.5, 2.5], "b": [True, False],
                             "s": [{"x": 1}, {"x": 2}]}), out["types"])
    out["txt"] = folder / "words.txt"
    out["txt"].write_text("\n".join(WORDS[:50]) + "\n")
    return out


FORMATS = ["parquet", "csv", "tsv", "feather", "arrow-stream"]


def _run(capsys, *argv):
    rc = main([*map(str, argv), "--quiet", "--no-isolated", "--queries", "20"])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def _report(capsys, path, *argv):
    rc, out, err = _run(capsys, path, *argv, "--format", "json")
    assert rc == 0, err
    return json.loads(out)


# ------------------------------------------------------------------ reading the column

@pytest.mark.parametrize("fmt", FORMATS)
def test_corpus_reads_each_column_in_order(files, fmt):
    words = Corpus(files[fmt], column="word")
    ints = Corpus(files[fmt], column="n")
    assert (words.kind, ints.kind) == ("words", "ints")  # from the Arrow type
    assert list(words) == WORDS and list(ints) == INTS
    assert all(type(x) is str for x in words) and all(type(x) is int for x in ints)
    assert list(words) == WORDS  # re-iterable: each iteration reads the file again
    assert words.name == f"{files[fmt].name}:word" and words.column == "word"


def test_tokens_kind_splits_each_value(files):
    corpus = Corpus(files["parquet"], "tokens", column="word")
    expected = [t.lower() for w in WORDS for t in TOKEN_PATTERN.findall(w)]
    assert list(corpus) == expected and len(expected) == 2 * ROWS


def test_reading_streams_record_batches(files, monkeypatch):
    # the file is never read whole (no read_table / read_csv / read_all), and the first item
    # comes after the first row group only
    def refuse(*args, **kwargs):
        raise AssertionError("read the whole file")

    for owner, name in [(pq, "read_table"), (pq.ParquetFile, "read"), (pa_csv, "read_csv"),
                        (pa_feather, "read_table"), (pa.ipc.RecordBatchFileReader, "read_all"),
                        (pa.ipc.RecordBatchStreamReader, "read_all")]:
        monkeypatch.setattr(owner, name, refuse)
    pulled = []
    iter_batches = pq.ParquetFile.iter_batches

    def counting(self, *args, **kwargs):
        for batch in iter_batches(self, *args, **kwargs):
            pulled.append(batch.num_rows)
            yield batch

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", counting)
    monkeypatch.setattr(corpora, "_PARQUET_BATCH", BATCH)  # 65536 rows: 400 make one batch
    items = iter(Corpus(files["parquet"], column="word"))
    assert next(items) == WORDS[0] and pulled == [BATCH]
    assert list(items) == WORDS[1:] and pulled == [BATCH] * 4 + [ROWS - 4 * BATCH]
    for fmt in ("csv", "feather", "arrow-stream"):
        assert list(Corpus(files[fmt], column="n")) == INTS


# ------------------------------------------------------------------ the report

@pytest.mark.parametrize("fmt", FORMATS)
def test_report_on_a_string_column(files, fmt, capsys):
    doc = _report(capsys, files[fmt], "--column", "word", "--structures",
                  "set,StrList" if fmt == "parquet" else "set")
    name = f"{files[fmt].name}:word"
    facts = doc["corpora"][name]
    assert facts["kind"] == "words" and facts["column"] == "word"
    assert facts["items"] == ROWS and facts["distinct"] == DISTINCT
    assert facts["utf8_bytes"] == sum(len(w.encode()) for w in WORDS)
    by = {r["structure"]: r for r in doc["records"]}
    assert list(by) == (["set", "StrList"] if fmt == "parquet" else ["set"])
    assert all(r["corpus"] == name and r["items"] == ROWS and not r["problem"]
               for r in doc["records"])
    assert by["set"]["stored"] == DISTINCT and by["set"]["deep_bytes"] > 0
    assert by["set"]["hit_ns"] > 0 and by["set"]["miss_ns"] > 0
    if fmt == "parquet":
        assert by["StrList"]["stored"] == ROWS and by["StrList"]["getitem_ns"] > 0


def test_report_on_an_int_column_measures_int_structures(files, capsys):
    doc = _report(capsys, files["csv"], "--column", "n",
                  "--structures", "set,numpy int64,StrList")
    facts = doc["corpora"]["data.csv:n"]
    assert facts["kind"] == "ints" and facts["items"] == ROWS
    assert facts["distinct"] == len(set(INTS)) and facts["utf8_bytes"] is None
    by = {r["structure"]: r for r in doc["records"]}
    assert list(by) == ["set", "numpy int64"]  # StrList takes no ints
    assert by["numpy int64"]["stored"] == ROWS and by["set"]["stored"] == len(set(INTS))


def test_report_default_structures_fit_the_column_kind(files, capsys):
    rc, out, err = _run(capsys, files["feather"], "--column", "n", "--format", "csv",
                        "--structures", "list,StrList,numpy int64,Counter,MutableStringSet")
    assert rc == 0, err
    rows = [line.split(",")[:2] for line in out.splitlines()[1:]]
    assert rows == [["data.feather:n", "list"], ["data.feather:n", "numpy int64"],
                    ["data.feather:n", "Counter"]]   # the string structures take no ints


def test_report_kind_tokens_and_single_column_file(files, capsys):
    # a one-column file needs no --column; --kind tokens splits each value
    doc = _report(capsys, files["single"], "--kind", "tokens", "--structures", "list,Counter")
    facts = doc["corpora"]["words.parquet:word"]
    assert facts["kind"] == "tokens" and facts["items"] == 2 * ROWS
    assert facts["distinct"] == DISTINCT + 7
    by = {r["structure"]: r for r in doc["records"]}
    assert by["Counter"]["stored"] == DISTINCT + 7 and by["list"]["stored"] == 2 * ROWS


def test_csv_int_column_read_as_text(files, capsys):
    # CSV types are pyarrow's guesses: --kind words reads the integers as their text
    corpus = Corpus(files["csv"], "words", column="n")
    assert list(corpus) == [str(i) for i in INTS]
    with pytest.raises(ColumnError, match="holds integers"):
        Corpus(files["parquet"], "words", column="n")   # a typed file keeps its type


@pytest.mark.slow
def test_report_isolated_build_reads_the_column(files, capsys):
    # the subprocess gets the Corpus pickled and reads the file again, batch by batch
    rc = main([str(files["parquet"]), "--column", "word", "--structures", "list",
               "--queries", "10", "--quiet", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0
    (record,) = doc["records"]
    assert record["problem"] is None and isinstance(record["rss_bytes"], int)
    assert record["build_seconds"] > 0


# ------------------------------------------------------------------ errors: one line each

def _error(capsys, *argv, code):
    rc, out, err = _run(capsys, *argv)
    assert rc == code, err
    assert err.startswith("lowram-report: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and out == ""
    return err


def test_multi_column_file_needs_column(files, capsys):
    for fmt in ("parquet", "csv", "feather"):
        err = _error(capsys, files[fmt], code=2)
        assert "has 2 columns" in err and "--column" in err and "'word', 'n'" in err


def test_unknown_column_lists_the_columns(files, capsys):
    err = _error(capsys, files["parquet"], "--column", "wrd", code=2)
    assert "no column 'wrd'" in err and "did you mean 'word'" in err and "'word', 'n'" in err
    err = _error(capsys, files["csv"], "--column", "zzz", code=2)
    assert "no column 'zzz'" in err and "'word', 'n'" in err


@pytest.mark.parametrize("column, type_name", [("f", "double"), ("b", "bool"),
                                                ("s", "struct<x: int64>")])
def test_unsupported_column_type_is_named(files, capsys, column, type_name):
    err = _error(capsys, files["types"], "--column", column, code=2)
    assert f"column {column!r}" in err and f"Arrow type {type_name}" in err


def test_kind_that_does_not_fit_the_column(files, capsys):
    err = _error(capsys, files["parquet"], "--column", "word", "--kind", "ints", code=2)
    assert "holds strings (Arrow type string)" in err and "words or tokens" in err


def test_column_on_a_non_columnar_file_is_a_usage_error(files, capsys):
    err = _error(capsys, files["txt"], "--column", "word", code=2)
    assert "words.txt is not a columnar file" in err
    err = _error(capsys, "sample-cyrillic", "--column", "word", code=2)
    assert "bundled corpus" in err


@pytest.mark.parametrize("fmt, row", [("null-parquet", 300), ("null-csv", 1)])
def test_null_is_refused_with_its_row(files, capsys, fmt, row):
    err = _error(capsys, files[fmt], "--column", "word" if fmt == "null-parquet" else "n",
                 code=1)
    assert f"has a null at row {row}" in err and files[fmt].name in err
    with pytest.raises(FormatError, match=f"null at row {row}"):
        list(Corpus(files[fmt], column="word" if fmt == "null-parquet" else "n"))


def test_unreadable_columnar_file(tmp_path, capsys):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not a parquet file at all" * 4)
    err = _error(capsys, bad, code=1)
    assert "bad.parquet: not a readable Parquet file" in err


def test_without_pyarrow_the_error_names_the_extra(files, capsys, monkeypatch):
    for name in [m for m in sys.modules if m == "pyarrow" or m.startswith("pyarrow.")]:
        monkeypatch.setitem(sys.modules, name, None)
    err = _error(capsys, files["parquet"], "--column", "word", code=1)
    assert "needs pyarrow: pip install 'lowram[arrow]'" in err
