"""Shared fixtures. Tests import the *installed* lowram (pytest --import-mode=importlib)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from lowram import corpora

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


def pytest_report_header(config):
    import lowram

    return f"lowram {lowram.__version__} from {os.path.dirname(lowram.__file__)}"
