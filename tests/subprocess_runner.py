"""Running code in a fresh interpreter, for the tests: a crash there fails one test instead
of killing the suite, and nothing imported by the test session leaks into it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

__all__ = ["run_ok", "run_python"]


def run_python(code: str, *args: str, timeout: float = 120, preamble: str = "",
               env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    """Run ``preamble`` then ``code`` (each dedented) as ``python -c`` with ``args``;
    ``env`` is added to this process's environment."""
    source = textwrap.dedent(preamble) + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", source, *args], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd,
                          env=None if env is None else {**os.environ, **env})


def run_ok(code: str, *args: str, **kwargs) -> str:
    """:func:`run_python`, asserting exit status 0; its stripped standard output."""
    proc = run_python(code, *args, **kwargs)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stderr[-3000:]}"
    return proc.stdout.strip()
