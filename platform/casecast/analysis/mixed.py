"""Sensitivity analysis: a linear mixed model with a random intercept for each council.

The fixed part is the primary ANCOVA's (arm dummies and covariates); the council
intercept's variance sigma_u^2 and the residual variance sigma_e^2 are estimated by
REML (statsmodels ``MixedLM``). The intra-cluster correlation is
ICC = sigma_u^2 / (sigma_u^2 + sigma_e^2). Its 95% interval is Searle's (1971) F-based
interval from the one-way analysis of variance of the ANCOVA residuals by council, with
Donner's (1986) average cluster size n0 for unequal councils: exact for balanced
councils and normal errors, approximate otherwise. The design effect uses Eldridge,
Ashby & Kerry (2006): 1 + ((cv^2 + 1) m - 1) ICC, m the mean council size and cv its
coefficient of variation, reducing to Kish's 1 + (m - 1) ICC for equal councils.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.stats import f as f_dist
from scipy.stats import norm

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class MixedModel:
    """Random-intercept model by council: arm effects, variance components, ICC."""

    difference: tuple[float, ...]  # each non-control arm minus control, adjusted
    se: tuple[float, ...]
    ci_low: tuple[float, ...]
    ci_high: tuple[float, ...]
    council_variance: float
    residual_variance: float
    icc: float
    icc_low: float
    icc_high: float
    design_effect: float
    mean_cluster_size: float
    converged: bool


def mixed_model(
    *, y: FloatArray, X: FloatArray, cluster: IntArray, contrasts: IntArray, residual: FloatArray
) -> MixedModel:
    from statsmodels.regression.mixed_linear_model import MixedLM

    with warnings.catch_warnings():
        # Boundary fits (sigma_u^2 = 0) warn; a zero ICC is a legitimate answer here.
        warnings.simplefilter("ignore")
        fit = MixedLM(y, X, groups=cluster).fit(reml=True)
    fe = np.asarray(fit.fe_params, dtype=np.float64)
    cov = np.asarray(fit.cov_params(), dtype=np.float64)[: X.shape[1], : X.shape[1]]
    se = np.sqrt(np.diag(cov)[contrasts])
    council = float(np.asarray(fit.cov_re).ravel()[0])
    resid = float(fit.scale)
    icc = council / (council + resid) if council + resid > 0 else 0.0
    low, high = icc_interval(residual, cluster)
    sizes = np.bincount(cluster).astype(np.float64)
    sizes = sizes[sizes > 0]
    m = float(sizes.mean())
    cv2 = float(sizes.var() / m**2)
    half = norm.ppf(0.975) * se  # MixedLM's Wald interval
    return MixedModel(
        difference=_floats(fe[contrasts]),
        se=_floats(se),
        ci_low=_floats(fe[contrasts] - half),
        ci_high=_floats(fe[contrasts] + half),
        council_variance=council,
        residual_variance=resid,
        icc=icc,
        icc_low=low,
        icc_high=high,
        design_effect=1.0 + ((cv2 + 1.0) * m - 1.0) * icc,
        mean_cluster_size=m,
        converged=bool(fit.converged),
    )


def _floats(values: FloatArray) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


def icc_interval(
    residual: FloatArray, cluster: IntArray, level: float = 0.95
) -> tuple[float, float]:
    """Searle's F-based interval for the ICC from a one-way ANOVA by cluster."""
    codes = np.unique(cluster, return_inverse=True)[1]
    sizes = np.bincount(codes).astype(np.float64)
    g, n = sizes.shape[0], residual.shape[0]
    means = np.bincount(codes, weights=residual) / sizes
    msb = float((sizes * (means - residual.mean()) ** 2).sum() / (g - 1))
    msw = float(((residual - means[codes]) ** 2).sum() / (n - g))
    n0 = (n - float((sizes**2).sum()) / n) / (g - 1)
    if msw <= 0:
        return 0.0, 1.0
    ratio = msb / msw
    tail = (1.0 - level) / 2.0
    upper_f = f_dist.ppf(1.0 - tail, g - 1, n - g)
    lower_f = f_dist.ppf(tail, g - 1, n - g)
    low = (ratio / upper_f - 1.0) / (ratio / upper_f + n0 - 1.0)
    high = (ratio / lower_f - 1.0) / (ratio / lower_f + n0 - 1.0)
    return max(0.0, float(low)), min(1.0, max(0.0, float(high)))
