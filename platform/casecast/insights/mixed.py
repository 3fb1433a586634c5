"""Population spread of decision thresholds from a random-intercept logistic model.

    logit P(act_i) = β0 + β1·x_i + u_w(i),   u_w ~ N(0, σ²),   x = logit(forecast)

Worker w acts with probability ½ at x = -(β0 + u_w)/β1, so the thresholds are normal on
the log-odds scale with median expit(-β0/β1) and standard deviation σ/β1. Unlike the
spread of per-worker fits, this uses every worker (also those with few cases or
separated data) and shrinks noisy workers toward the population.

**Approximation.** The likelihood integral over u is replaced by the Laplace
approximation and σ² is updated by the EM step for that approximation,
σ² = mean_w(û_w² + 1/H_w), with û_w the posterior mode and H_w = Σ π(1 - π) + 1/σ²
the curvature at it (Breslow & Clayton 1993; Pinheiro & Bates 1995). For a trial σ²,
Newton steps for every û_w (vectorised, a scalar per worker) alternate with steps for
(β0, β1) until nothing moves by more than 1e-8; the σ² where the EM update returns σ²
itself is found by the secant method (a few trials instead of hundreds of EM steps). Like penalised
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
_MAX_NEWTON = 100
_MAX_SECANT = 100
_SIGMA2_FLOOR = 1e-10


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
    """β and σ² at the fixed point σ² = mean(û² + 1/H) of the Laplace-EM iteration.

    Plain EM converges linearly and slowly when σ² is small; the fixed point is found
    instead by the secant method on g(σ²) = σ² - mean(û² + 1/H), starting from one EM
    step, with (β, û) re-solved by Newton's method at each trial σ² (warm-started).
    """
    state = _Modes(np.zeros(2), np.zeros(k))
    s0 = 1.0
    g0 = s0 - _em_target(x, y, w, k, s0, state)
    s1 = max(s0 - g0, _SIGMA2_FLOOR)
    for _ in range(_MAX_SECANT):
        g1 = s1 - _em_target(x, y, w, k, s1, state)
        if abs(g1) < _TOLERANCE * max(1.0, s1):
            return state.beta, s1, state.converged
        slope = (g1 - g0) / (s1 - s0) if s1 != s0 else 1.0
        step = g1 / slope if np.isfinite(slope) and slope > 0 else g1
        s0, g0, s1 = s1, g1, max(s1 - step, _SIGMA2_FLOOR)
    return state.beta, s1, False


class _Modes:
    """(β, û) carried between trial values of σ², so each solve starts close."""

    def __init__(self, beta: FloatArray, u: FloatArray) -> None:
        self.beta, self.u, self.converged = beta, u, True


def _em_target(
    x: FloatArray, y: FloatArray, w: npt.NDArray[np.intp], k: int, sigma2: float, state: _Modes
) -> float:
    """Solve for the joint mode (β, û) at this σ² and return mean(û² + 1/H)."""
    beta, u = state.beta, state.u
    for _ in range(_MAX_NEWTON):
        d_beta, d_u = _newton_step(x, y, w, k, sigma2, beta, u)
        beta, u = beta + d_beta, u + d_u
        if max(float(np.abs(d_u).max()), float(np.abs(d_beta).max())) < _TOLERANCE:
            break
    else:
        state.converged = False
    state.beta, state.u = beta, u
    pi = expit(beta[0] + beta[1] * x + u[w])
    h = np.bincount(w, weights=pi * (1.0 - pi), minlength=k) + 1.0 / sigma2
    return float(np.mean(u * u + 1.0 / h))


def _newton_step(
    x: FloatArray,
    y: FloatArray,
    w: npt.NDArray[np.intp],
    k: int,
    sigma2: float,
    beta: FloatArray,
    u: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """One joint Newton step for (β, û) of the penalised log-likelihood.

    The Hessian is [[A, B], [Bᵀ, diag(h)]] with A the 2 × 2 block for β, B (2 × workers)
    the cross terms and h the workers' curvatures; eliminating û (Schur complement)
    leaves a 2 × 2 system, so a step costs a few passes over the rows.
    """
    pi = expit(beta[0] + beta[1] * x + u[w])
    v = pi * (1.0 - pi)
    r = y - pi
    h = np.bincount(w, weights=v, minlength=k) + 1.0 / sigma2
    g_u = np.bincount(w, weights=r, minlength=k) - u / sigma2
    cross = np.vstack(
        [np.bincount(w, weights=v, minlength=k), np.bincount(w, weights=v * x, minlength=k)]
    )
    a = np.array([[v.sum(), (v * x).sum()], [(v * x).sum(), (v * x * x).sum()]])
    g_beta = np.array([r.sum(), (r * x).sum()])
    schur = a - (cross / h) @ cross.T
    d_beta: FloatArray = np.linalg.solve(schur, g_beta - cross @ (g_u / h))
    d_u: FloatArray = (g_u - cross.T @ d_beta) / h
    return d_beta, d_u
