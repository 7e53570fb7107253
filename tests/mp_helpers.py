"""Picklable helpers for tests that run code in worker processes.

Test modules are imported by pytest under names other processes cannot import; this module
sits on ``sys.path`` (see conftest.py), so spawned and forkserver workers import it by name.
"""

import os
import signal


class ExplodingChunk:
    """A chunk whose iteration raises in the worker."""

    def __iter__(self):
        raise ZeroDivisionError("boom in a worker")


class KillingChunk:
    """A chunk whose iteration kills the worker process outright."""

    def __iter__(self):
        os.kill(os.getpid(), signal.SIGKILL)
        yield "never"  # pragma: no cover
