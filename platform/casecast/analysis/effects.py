"""Effect sizes: relative change, Hedges' g, and Brier skill against the base rate."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def hedges_g(difference: float, a: FloatArray, b: FloatArray) -> float:
    """The difference in units of the pooled SD, times Hedges' (1981) small-sample factor
    J = 1 - 3 / (4 (n_a + n_b) - 9), which removes most of Cohen's d's upward bias."""
    na, nb = a.shape[0], b.shape[0]
    pooled = ((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2)
    if pooled <= 0:
        return float("nan")
    return float(difference / np.sqrt(pooled) * (1.0 - 3.0 / (4.0 * (na + nb) - 9.0)))


def base_rate_brier(outcome: npt.ArrayLike) -> float:
    """Brier score of always forecasting the questions' base rate: ybar (1 - ybar)."""
    y = np.asarray(outcome, dtype=np.float64)
    if y.ndim != 1 or y.size == 0 or not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("question_outcome must be a non-empty vector of 0/1 outcomes")
    rate = float(y.mean())
    if rate in (0.0, 1.0):
        raise ValueError("question_outcome has a single outcome: the base rate scores 0")
    return rate * (1.0 - rate)


def brier_skill(mean_brier: float, reference: float) -> float:
    """1 - Brier / reference: 0 is no better than the base rate, 1 is perfect."""
    return 1.0 - mean_brier / reference
