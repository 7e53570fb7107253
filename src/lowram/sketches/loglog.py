"""LogLog and SuperLogLog (Durand & Flajolet, 2003): HyperLogLog's ancestors.

They share HyperLogLog's registers (the same hash, register rule, sparse and 6-bit dense
storage, exact merge) and differ only in the estimate:

* LogLog: ``alpha_m * m * 2 ** mean(M)``, relative standard error ``1.30 / sqrt(m)``;
* SuperLogLog: the mean over the smallest 70% of registers only (the truncation rule),
  error ``1.05 / sqrt(m)``.

Both take linear counting ``m ln(m / V)`` while at least ``exp(-2.5)`` of the registers are
empty (below about ``2.5 m`` items), where their asymptotic estimates do not yet hold.

The constants come from the registers' limiting law: with ``lambda`` items per register,
``P(M <= k) = exp(-lambda 2**-k)``; ``alpha = lambda / 2 ** E[statistic]``, averaged over a
period of ``log2 lambda``. For LogLog this reproduces the published ``alpha_inf = 0.39701``
(the tests check it); SuperLogLog's constant has no closed form and is computed the same way.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ._registers import RegisterSketch

__all__ = ["LogLog", "SuperLogLog", "limiting_alpha"]

_SMALL_RANGE = math.exp(-2.5)  # empty-register fraction below which the log-mean applies


def _law(lam: float, top: int = 80) -> np.ndarray:
    """P(M = k), k = 0 .. top, for a register fed Poisson(lam) geometric ranks."""
    k = np.arange(top + 1, dtype=np.float64)
    cdf = np.exp(-lam * np.exp2(-k))
    return np.diff(np.concatenate(([0.0], cdf)))


def _truncated_mean(pmf: np.ndarray, keep: float) -> float:
    """Mean of the smallest ``keep`` fraction of the law (the limit of the truncation rule)."""
    total, mass = 0.0, 0.0
    for k, p in enumerate(pmf):
        if mass >= keep:
            break
        take = min(p, keep - mass)
        total += k * take
        mass += take
    return total / keep


@lru_cache(maxsize=None)
def limiting_alpha(keep: float = 1.0, points: int = 64) -> float:
    """``alpha`` such that ``alpha * m * 2 ** (truncated mean)`` estimates ``lambda * m`` as
    ``m`` and ``lambda`` grow: the geometric mean over one period of ``log2 lambda``.

    >>> round(limiting_alpha(1.0), 5)  # LogLog's published constant is 0.39701
    0.39701
    """
    logs = []
    for i in range(points):
        lam = 2.0 ** (20 + i / points)
        logs.append(math.log(lam) - _truncated_mean(_law(lam), keep) * math.log(2.0))
    return math.exp(sum(logs) / points)


class _LogMeanSketch(RegisterSketch):
    __slots__ = ()
    _KEEP = 1.0
    _ERROR = 1.30

    @property
    def relative_error(self) -> float:
        """Asymptotic relative standard error of :meth:`estimate`."""
        return self._ERROR / math.sqrt(self.m)

    def _alpha(self) -> float:
        return limiting_alpha(self._KEEP)

    def estimate(self) -> float:
        """Estimated number of distinct items. O(m)."""
        counts = self._regs.histogram()
        m = self.m
        empty = int(counts[0])
        if empty >= _SMALL_RANGE * m:
            return m * math.log(m / empty) if empty else 0.0
        keep = int(self._KEEP * m)
        ks = np.arange(counts.shape[0], dtype=np.float64)
        taken = np.minimum(counts, np.maximum(0, keep - (np.cumsum(counts) - counts)))
        mean = float(np.dot(taken, ks)) / keep
        return self._alpha() * m * 2.0 ** mean


class LogLog(_LogMeanSketch):
    """Count distinct items with LogLog: ``2**p`` registers, error ``1.30 / sqrt(2**p)``.

    Same memory and costs as :class:`HyperLogLog` (whose estimate is better: prefer it).

    >>> ll = LogLog(p=12)
    >>> ll.update(range(100_000))
    >>> abs(ll.estimate() - 100_000) < 3 * ll.relative_error * 100_000
    True
    """

    __slots__ = ()
    _KIND = "LogLog"
    _ERROR = 1.30

    def _alpha(self) -> float:
        # Durand & Flajolet's finite-m correction of alpha_inf
        return limiting_alpha(1.0) - (2 * math.pi**2 + math.log(2) ** 2) / (48 * self.m)


class SuperLogLog(_LogMeanSketch):
    """Count distinct items with SuperLogLog (truncated mean of the smallest 70% registers):
    error ``1.05 / sqrt(2**p)``.

    Same memory and costs as :class:`HyperLogLog`.

    >>> sll = SuperLogLog(p=12)
    >>> sll.update(range(100_000))
    >>> abs(sll.estimate() - 100_000) < 3 * sll.relative_error * 100_000
    True
    """

    __slots__ = ()
    _KIND = "SuperLogLog"
    _KEEP = 0.7
    _ERROR = 1.05
