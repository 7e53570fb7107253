"""Shared fixtures. Tests import the *installed* lowram (pytest --import-mode=importlib)."""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import HealthCheck, settings

from lowram import corpora

# tests/ on sys.path, so test modules in the family folders and worker processes import the
# helpers here (mp_helpers.py, subprocess_runner.py, ...) by name
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# The report's entries are collected before the toy backend joins the table, so report runs
# in fresh processes (which do not have it) see the same structures as this one;
# tests/strings/test_backend_table.py checks in a fresh process that the report picks it up.
import lowram.report.registry  # noqa: E402,F401
import toy_backend  # noqa: E402

toy_backend.install()  # docs/architecture.md's one table line: the generic suites test it

settings.register_profile(
    "default", deadline=None, max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough", deadline=None, max_examples=500,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

SCRIPT_SAMPLES = ("sample-cyrillic", "sample-cjk", "sample-arabic", "sample-emoji",
                  "sample-combining")


@pytest.fixture(scope="session")
def script_words() -> dict[str, list[str]]:
    """Held-back words in other scripts: name -> list of words (bundled samples)."""
    return {name: list(corpora.Corpus.bundled(name)) for name in SCRIPT_SAMPLES}


@pytest.fixture(scope="session")
def english_sample() -> list[str]:
    """Every 50th word of the bundled English list (13,270 words), sorted as in the file."""
    return [w for i, w in enumerate(corpora.Corpus.bundled("english-words")) if i % 50 == 0]


@pytest.fixture
def assert_rejects_corruption():
    """Check that every truncation and every flipped byte of ``blob`` is rejected.

    ``load(bytes)`` must raise ``lowram.FormatError`` for each damaged copy; for large blobs
    pass ``step`` to flip every step-th byte (truncations are always all checked).
    """
    from lowram import FormatError

    def check(blob: bytes, load, step: int = 1):
        for n in range(len(blob)):
            with pytest.raises(FormatError):
                load(blob[:n])
        for i in range(0, len(blob), step):
            damaged = bytearray(blob)
            damaged[i] ^= 0xFF
            with pytest.raises(FormatError):
                load(bytes(damaged))

    return check


@pytest.fixture
def fuzz_payloads():
    """Open mutated copies of payloads, each re-packed in a valid envelope (so the checksum
    passes and the decoder itself is tried): ``run(kind, seeds, load, check, rounds)`` mutates
    a random seed payload (bytes set, the tail cut, runs inserted, another payload's head
    spliced in), and each copy must raise ``lowram.FormatError`` from ``load(blob)`` or open to
    an object that ``check(obj)`` accepts. Returns how many opened."""
    import random

    from lowram import FormatError
    from lowram._fileformat import pack

    def run(kind: str, seeds, load, check, rounds: int = 3000, seed: int = 0) -> int:
        rng = random.Random(seed)
        opened = 0
        for _ in range(rounds):
            data = bytearray(rng.choice(seeds))
            for _ in range(rng.randrange(1, 4)):
                op = rng.randrange(4)
                if op == 0 and data:
                    data[rng.randrange(len(data))] = rng.randrange(256)
                elif op == 1:
                    del data[rng.randrange(len(data) + 1):]
                elif op == 2:
                    at = rng.randrange(len(data) + 1)
                    data[at:at] = bytes(rng.randrange(256) for _ in range(rng.choice((1, 2, 8))))
                else:
                    at = rng.randrange(len(data) + 1)
                    data[at:at + 8] = rng.choice(seeds)[:8]
            try:
                obj = load(pack(kind, 1, bytes(data)))
            except FormatError:
                continue
            check(obj)
            opened += 1
        return opened

    return run


def pytest_report_header(config):
    import lowram

    return f"lowram {lowram.__version__} from {os.path.dirname(lowram.__file__)}"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real ``redis-server`` on 127.0.0.1 at a free port, stopped after the session.

    Skipped where redis-server is not installed, except under CI (which installs it), where
    its absence is a failure.
    """
    import shutil
    import socket
    import subprocess
    import time

    exe = shutil.which("redis-server")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (CI installs Debian's redis-server)")
        pytest.skip("redis-server is not installed")
    redis = pytest.importorskip("redis")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield client
    client.close()
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
