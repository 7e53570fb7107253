"""Eight threads on one container, for every mutable kind: no crash, no torn read, no hang.

Each kind of ``tools/thread_stress.py``'s table runs in its own interpreter for a few
seconds (``LOWRAM_STRESS_SECONDS``, default 2): a crash then fails that kind's test instead
of the test run, and a hang ends in the harness's exit status 2. The long run, with its
figures, is ``benchmarks/stress_threads.py``. The table must cover every mutable public class
and every sketch kind: a new one without an entry fails here.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import lowram
from lowram.sketches._base import KINDS as SKETCH_KINDS

HARNESS = Path(__file__).resolve().parents[2] / "tools" / "thread_stress.py"
SECONDS = float(os.environ.get("LOWRAM_STRESS_SECONDS", "2"))

pytestmark = pytest.mark.skipif(not HARNESS.exists(), reason="tools/ is not beside the tests")


def _harness():
    spec = importlib.util.spec_from_file_location("thread_stress", HARNESS)
    module = importlib.util.module_from_spec(spec)
    sys.modules["thread_stress"] = module   # (its dataclasses look themselves up there)
    spec.loader.exec_module(module)
    return module


STRESS = _harness() if HARNESS.exists() else None
KINDS = sorted(STRESS.KINDS) if STRESS else []

#: what makes a public class mutable: any of these methods
MUTATORS = ("append", "add", "update", "increment", "__setitem__", "__delitem__", "clear")


def test_every_mutable_class_and_sketch_kind_is_stressed():
    public = [getattr(lowram, name) for name in lowram.__all__]
    mutable = sorted(cls.__name__ for cls in public if inspect.isclass(cls)
                     and not issubclass(cls, BaseException)
                     and any(hasattr(cls, m) for m in MUTATORS))
    assert "IntList" in mutable and "MutableStringMap" in mutable
    missing = [name for name in sorted(set(mutable) | set(SKETCH_KINDS)) if name not in STRESS.KINDS]
    assert not missing, f"add these to tools/thread_stress.py's KINDS: {missing}"


@pytest.mark.parametrize("kind", KINDS)
def test_eight_threads_on_one_container(kind):
    proc = subprocess.run(
        [sys.executable, str(HARNESS), kind, "--seconds", str(SECONDS), "--threads", "8",
         "--grace", "30"],
        capture_output=True, text=True, timeout=SECONDS + 120)
    assert proc.returncode >= 0, \
        f"{kind} crashed the interpreter (signal {-proc.returncode}):\n{proc.stderr[-4000:]}"
    assert proc.returncode != 2, f"{kind}: a thread hung:\n{proc.stderr[-4000:]}"
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["torn"] == 0 and summary["errors"] == 0 and summary["check"] is None, \
        summary["examples"] or summary["check"]
    assert proc.returncode == 0, proc.stderr[-4000:]
    never = [op for op, (runs, _) in summary["per_op"].items() if runs == 0]
    assert not never, f"ops that never ran: {never}"
