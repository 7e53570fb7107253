"""``lowram-report``: compare every structure's RAM, build and lookup time on a corpus.

Programmatic use: :func:`lowram.report.run_report` returns the records the CLI renders.
"""

from .registry import STRUCTURES, Structure, register, structures_for
from .runner import Record, run_report

__all__ = ["Record", "STRUCTURES", "Structure", "register", "run_report", "structures_for"]
