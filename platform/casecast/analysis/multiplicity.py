"""Adjusting p-values for several arms compared with one control.

Holm (1979) controls the family-wise error rate under any dependence and is never less
powerful than Bonferroni. Dunnett (1955) uses the joint distribution of the contrasts
(they share the control arm): here a multivariate t with the correlation of the robust
estimates and the smallest of their Satterthwaite degrees of freedom, so it stays
consistent with the adjusted, cluster-robust analysis instead of assuming equal
variances as ``scipy.stats.dunnett`` does on raw samples.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.stats import multivariate_t
from scipy.stats import t as student_t

FloatArray = npt.NDArray[np.float64]

METHODS = ("holm", "dunnett", "none")


def holm(p: npt.ArrayLike) -> FloatArray:
    """Holm step-down adjusted p-values, in the order given."""
    raw = np.asarray(p, dtype=np.float64)
    m = raw.shape[0]
    order = np.argsort(raw, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * raw[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


def dunnett(t: FloatArray, correlation: FloatArray, df: float, seed: int = 0) -> FloatArray:
    """Single-step adjusted p: P(max_j |T_j| >= |t_i|) for T ~ multivariate t(df, R).

    The integral is by randomised quasi-Monte Carlo (Genz), seeded so that the same
    inputs give the same p-values; its error is below 1e-4.
    """
    q = t.shape[0]
    if q == 1:
        return np.asarray(2.0 * student_t.sf(np.abs(t), df), dtype=np.float64)
    law = multivariate_t(loc=np.zeros(q), shape=correlation, df=df, seed=seed)
    out = np.empty(q)
    for i, value in enumerate(np.abs(t)):
        bound = np.full(q, value)
        inside = float(law.cdf(bound, lower_limit=-bound, maxpts=200_000 * q))
        out[i] = min(1.0, max(0.0, 1.0 - inside))
    return out
