"""Population spread of decision thresholds from a random-intercept logistic model.

    logit P(act_i) = β0 + β1·x_i + u_w(i),   u_w ~ N(0, σ²),   x = logit(forecast)

Worker w acts with probability ½ at x = -(β0 + u_w)/β1, so the thresholds are normal on
the log-odds scale with median expit(-β0/β1) and standard deviation σ/β1. Unlike the
spread of per-worker fits, this uses every worker (also those with few cases or
separated data) and shrinks noisy workers toward the population.

**Approximation.** The likelihood integral over u is replaced by the Laplace
approximation and σ² is updated by the EM step for that approximation,
σ² = mean_w(û_w² + 1/H_w), with û_w the posterior mode and H_w = Σ π(1 - π) + 1/σ²
the curvature at it (Breslow & Clayton 1993; Pinheiro & Bates 1995). Each sweep takes
one Newton step for every û_w (vectorised, a scalar per worker), one for (β0, β1) and the
σ² update, until nothing moves by more than 1e-8 (at most 1,000 sweeps). Like penalised
quasi-likelihood it is known to understate σ somewhat when workers have few binary
decisions each; the tests compare it with statsmodels' variational Bayes fit
(``BinomialBayesMixedGLM``) and with simulated data of known spread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import expit

from ._inputs import FloatArray, binary, labels, log_odds, probabilities

_TOLERANCE = 1e-8
_MAX_SWEEPS = 1000


@dataclass(frozen=True)
class PopulationThresholds:
    """Random-intercept logistic fit and the threshold distribution it implies."""

    n: int
    n_workers: int
    intercept: float  # β0
    slope: float  # β1, per unit of forecast log-odds
    sigma: float  # SD of worker intercepts
    median_threshold: float  # expit(-β0/β1), probability
    threshold_sd_log_odds: float  # σ/β1; NaN unless β1 > 0
    converged: bool


def population_thresholds(
    *, p: npt.ArrayLike, action: npt.ArrayLike, worker: npt.ArrayLike
) -> PopulationThresholds:
    """Fit the random-intercept model to all linked (forecast, action) pairs."""
    prob = probabilities(p)
    n = prob.shape[0]
    y = binary(action, "action", n)
    w, names = labels(worker, "worker", n)
    if y.min() == y.max():
        raise ValueError("action must include both 0 and 1 to locate a threshold")
    x = log_odds(prob)
    beta, sigma2, converged = _fit(x, y, w, names.shape[0])
    b0, b1 = float(beta[0]), float(beta[1])
    sigma = float(np.sqrt(sigma2))
    return PopulationThresholds(
        n=n,
        n_workers=int(names.shape[0]),
        intercept=b0,
        slope=b1,
        sigma=sigma,
        median_threshold=float(expit(-b0 / b1)) if b1 > 0 else float("nan"),
        threshold_sd_log_odds=sigma / b1 if b1 > 0 else float("nan"),
        converged=converged,
    )


def _fit(
    x: FloatArray, y: FloatArray, w: npt.NDArray[np.intp], k: int
) -> tuple[FloatArray, float, bool]:
    beta = np.zeros(2)
    u = np.zeros(k)
    sigma2 = 1.0
    for _ in range(_MAX_SWEEPS):
        eta = beta[0] + beta[1] * x + u[w]
        pi = expit(eta)
        h = np.bincount(w, weights=pi * (1.0 - pi), minlength=k) + 1.0 / sigma2
        g = np.bincount(w, weights=y - pi, minlength=k) - u / sigma2
        u_new = u + g / h
        step = _beta_step(x, y, expit(beta[0] + beta[1] * x + u_new[w]))
        beta_new = beta + step
        curvature = h  # at the previous mode; the EM update uses it as the posterior precision
        sigma2_new = max(float(np.mean(u_new * u_new + 1.0 / curvature)), 1e-12)
        moved = max(
            float(np.abs(u_new - u).max()),
            float(np.abs(beta_new - beta).max()),
            abs(sigma2_new - sigma2),
        )
        beta, u, sigma2 = beta_new, u_new, sigma2_new
        if moved < _TOLERANCE:
            return beta, sigma2, True
    return beta, sigma2, False


def _beta_step(x: FloatArray, y: FloatArray, pi: FloatArray) -> FloatArray:
    """One Newton step for (β0, β1) with the worker intercepts as offsets."""
    v = pi * (1.0 - pi)
    r = y - pi
    info = np.array([[v.sum(), (v * x).sum()], [(v * x).sum(), (v * x * x).sum()]])
    score = np.array([r.sum(), (r * x).sum()])
    step: FloatArray = np.linalg.solve(info, score)
    return step
