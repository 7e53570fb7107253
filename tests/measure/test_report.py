"""lowram-report: registry, runner, renderers and the command line."""

import csv
import io
import json
import subprocess
import sys

import pytest

from lowram.corpora import Corpus
from lowram.report import STRUCTURES, Structure, register, run_report, structures_for
from lowram.report.cli import main
from lowram.report.render import render

SMALL = "sample-cyrillic"


def test_registry_entries_resolve_and_are_unique():
    from lowram.report.registry import resolve

    names = [s.name for s in STRUCTURES]
    assert len(names) == len(set(names))
    for s in STRUCTURES:
        if s.available():
            assert callable(resolve(s.builder)), s.name
            if s.error:
                assert callable(resolve(s.error)), s.name


def test_registry_validation():
    with pytest.raises(ValueError, match="unknown query"):
        Structure("x", ("words",), "builtins:set", query="teleport")
    with pytest.raises(ValueError, match="error function"):
        Structure("x", ("words",), "builtins:set", exact=False)
    with pytest.raises(ValueError, match="already registered"):
        register(Structure("set", ("words",), "builtins:set"))
    with pytest.raises(KeyError, match="unknown structure"):
        structures_for("words", ["no-such-structure"])


def test_structures_for_filters_by_kind():
    assert "Counter" not in [s.name for s in structures_for("words")]
    assert "numpy int64" in [s.name for s in structures_for("ints")]


def test_run_report_small_corpus_in_process():
    corpus = Corpus.bundled(SMALL)
    records, facts = run_report([corpus], lambda c: structures_for(c.kind, ["set", "list"]),
                                queries=50, isolated=False, timing_repeat=3)
    assert facts[SMALL]["items"] == 136 and facts[SMALL]["distinct"] == 136
    by = {r.structure: r for r in records}
    assert by["set"].hit_ns > 0 and by["set"].miss_ns > 0 and by["set"].stored == 136
    assert by["list"].getitem_ns > 0 and by["list"].hit_ns is None
    assert by["set"].deep_bytes > by["list"].deep_bytes
    assert by["set"].rss_bytes is None  # not measured: shown as missing, never zero


def test_hits_are_new_objects_equal_to_corpus_items():
    # a set queried with its own stored objects matches them by identity without reading the
    # key: the report's hits must be equal copies, as a user's parsed queries would be
    from lowram.report.runner import _truth

    corpus = Corpus.bundled(SMALL)
    truth = _truth(corpus, queries=50, seed=0)
    stored = {id(x) for x in truth.items_list}
    assert len(truth.hits) == 50 and set(truth.hits) <= set(truth.items_list)
    assert not any(id(h) in stored for h in truth.hits if len(h) > 1)


@pytest.mark.slow
def test_run_report_isolated_ratios():
    corpus = Corpus.bundled("english-words")
    records, _ = run_report([corpus], lambda c: structures_for(c.kind, ["set", "list"]),
                            queries=200, timing_repeat=3)
    by = {r.structure: r for r in records}
    assert by["set"].ratio_vs_set == 1.0
    assert 0.4 < by["list"].ratio_vs_set < 0.9
    # a set holds only Python objects, so the ground truth (RSS in a fresh process) and the
    # Python view (pympler) must agree; they differ only by allocator overhead (within 10%)
    for name in ("set", "list"):
        assert 0.9 < by[name].rss_bytes / by[name].deep_bytes < 1.1, by[name]
    assert by["set"].ratio_vs_utf8 > 5


def test_approximate_structure_error_is_reported():
    register_name = "test-approx-set"
    if not any(s.name == register_name for s in STRUCTURES):
        register(Structure(register_name, ("words",), "builtins:set", exact=False,
                           error="lowram.report.baselines:SortedList", default=False))
    try:
        corpus = Corpus.bundled(SMALL)
        records, _ = run_report([corpus], lambda c: structures_for(c.kind, [register_name]),
                                queries=10, isolated=False, timing_repeat=1)
        # the error function here is a stand-in that fails: the record says so, no crash
        assert records[0].problem
    finally:
        STRUCTURES[:] = [s for s in STRUCTURES if s.name != register_name]


@pytest.fixture(scope="module")
def small_records():
    corpus = Corpus.bundled(SMALL)
    return run_report([corpus], lambda c: structures_for(c.kind, ["set", "list",
                                                                  "sorted list+bisect"]),
                      queries=20, isolated=False, timing_repeat=1)


def test_render_formats(small_records):
    records, facts = small_records
    doc = json.loads(render(records, facts, "json"))
    assert doc["versions"]["python"] and doc["machine"]["cores"] and doc["command"]
    assert {r["structure"] for r in doc["records"]} == {"set", "list", "sorted list+bisect"}
    rows = list(csv.DictReader(io.StringIO(render(records, facts, "csv"))))
    assert len(rows) == 3 and rows[0]["corpus"] == SMALL
    md = render(records, facts, "markdown")
    assert md.count("\n| ") >= 4 and "B/item" in md
    with pytest.raises(ValueError, match="unknown format"):
        render(records, facts, "yaml")


def test_plot_writes_png(small_records, tmp_path):
    from lowram.report.plot import plot

    path = tmp_path / "r.png"
    plot(small_records[0], str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_cli_json_to_file(tmp_path, capsys):
    out = tmp_path / "r.json"
    rc = main([SMALL, "--structures", "set,list", "--format", "json", "--output", str(out),
               "--queries", "20", "--quiet"])
    assert rc == 0
    doc = json.loads(out.read_text())
    assert [r["structure"] for r in doc["records"]] == ["set", "list"]  # order as asked
    # 136 words fit in heap pages the interpreter already has: growth may be 0, but it is
    # measured (an int), not missing
    assert all(isinstance(r["rss_bytes"], int) and r["rss_bytes"] >= 0 for r in doc["records"])


def test_cli_user_file_with_kind(tmp_path, capsys):
    path = tmp_path / "ints.txt"
    path.write_text("\n".join(str(i * 7) for i in range(2000)) + "\n")
    rc = main([str(path), "--kind", "ints", "--structures", "list,numpy int64",
               "--format", "csv", "--queries", "10", "--quiet", "--no-isolated"])
    assert rc == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["structure"] for r in rows] == ["list", "numpy int64"]


@pytest.mark.parametrize("argv, code, message", [
    (["/no/such/file.txt"], 1, "corpus not found"),
    (["--structures", "bogus"], 2, "unknown structure"),
    (["--format", "yaml"], 2, "invalid choice"),
    (["--queries", "0"], 2, "--queries must be at least 1"),
    (["--plot", "chart.svg"], 2, "PNG"),
    (["--output", "/no/such/dir/r.json"], 2, "does not exist"),
])
def test_cli_bad_input_one_line_nonzero(argv, code, message, capsys):
    assert main(argv) == code
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_cli_bad_corpus_files(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok\n\xff\n")
    for path, message in [(empty, "empty file"), (tmp_path, "directory"), (bad, "line 2")]:
        assert main([str(path), "--quiet"]) == 1
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1


def test_cli_list(capsys):
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    assert "english-words" in out and "sorted list+bisect" in out


def test_console_script_installed():
    out = subprocess.run([sys.executable, "-m", "lowram.report.cli", "--list"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "wordnet-tokens" in out.stdout
