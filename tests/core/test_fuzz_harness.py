"""tools/fuzz.py: one target per saved kind, each run briefly; its saved findings replayed."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import fuzz  # noqa: E402


def test_a_target_per_saved_kind_with_its_seeds():
    with open(os.path.join(fuzz.DATA, "expected.json")) as fh:
        structures = json.load(fh)["structures"]
    classes = {s["class"] for s in structures.values()
               if any(f["open"] == "from_bytes" for f in s["files"])}
    targets = fuzz.targets()
    assert {t["class"] for t in targets.values()} == classes
    assert {"StringSet/marisa", "StringMap/marisa", "HyperLogLog/redis", "IntSet"} <= set(targets)
    for kind, t in targets.items():
        assert t["seeds"], kind


def test_every_target_short_run():
    """Every target over its seeds and 60 structured mutations, in this process: the seeds
    open, some mutations are refused, and nothing else happens (a finding would raise)."""
    stats = fuzz.smoke(60, seed=4)
    targets = fuzz.targets()
    assert set(stats) == set(targets)
    for kind, counts in stats.items():
        assert counts["opened"] >= len(targets[kind]["seeds"]), (kind, counts)
        assert counts["refused"] > 0, (kind, counts)


def test_an_exercise_that_fails_is_a_finding():
    """The target reraises what is not a clear refusal (a check that could not fail would
    let a crash of the exercise pass as 'refused')."""
    t = fuzz.targets()["StringSet/sorted"]
    one = fuzz.opener("StringSet/sorted", t)
    assert one(t["seeds"][0]) == "opened"
    cls = fuzz._class("StringSet")
    orig = cls.__len__
    try:
        cls.__len__ = lambda self: 1 / 0
        with pytest.raises(ZeroDivisionError):
            one(t["seeds"][0])
    finally:
        cls.__len__ = orig


def test_saved_findings_replay():
    """Every file under tools/fuzz/regressions opens or is refused (none raises)."""
    out = fuzz.replay()
    assert set(out.values()) <= {"refused", "opened", "refused later"}
    assert len(out) == sum(len(files) for _, _, files in os.walk(fuzz.REGRESSIONS))


def test_atheris_runs_a_target():
    pytest.importorskip("atheris")
    out = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "fuzz.py"), "--all",
                          "--runs", "400", "--only", "StringSet/marisa"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    row = json.loads(out.stdout.splitlines()[0])
    assert row["inputs"] == 400 and row["coverage"] > 0
    assert row["crashes"] == row["hangs"] == row["ooms"] == 0
