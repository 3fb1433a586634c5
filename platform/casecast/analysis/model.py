"""The synthetic forecasters' skill model, shared by ``simulate_study`` and the planner.

Each question has a true risk r with logit(r) ~ N(-0.7, 1.2) and an outcome
y ~ Bernoulli(r). Forecaster i in council c has discrimination k_i = exp(s_i),
s_i ~ N(0, sigma), and logit bias b_i = u_c + v_i, v_i ~ N(0.4, 0.4) (social workers
over-estimate), u_c ~ N(0, tau) the council's shared lean (tau = 0: no council effect).
Their forecast is

    p = expit(k_i * logit(r) + b_i + e),   e ~ N(0, 0.8) per forecast,

and in an intervention arm it is pulled toward the truth, p' = (1 - w) p + w r, then
rounded to a whole percent in 1..99. The weight w is chosen by bisection so that the
expected Brier score over the population of questions and forecasters is
(1 - effect) times the control's.

The council SD tau is set from the intra-cluster correlation (ICC) wanted for the
primary outcome, each participant's mean Brier over the questions: the between-council
variance Var_u(E[Brier | u]) is computed by Gauss-Hermite quadrature over u, the
within-council variance from a reference sample of participants at u = 0, and tau is
found by bisection (``council_sd``). The within-council variance changes little with
u, so the ICC realised is close to the one asked for; the planner reports the ICC it
observes in its simulated trials beside it.

Pure numpy/scipy: ``casecast.resolution.simulation`` writes these forecasts to the
database, ``casecast.analysis.power`` analyses them in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from numpy.polynomial.hermite_e import hermegauss
from scipy.special import expit, logit, ndtr

FloatArray = npt.NDArray[np.float64]

RISK_MEAN, RISK_SD = -0.7, 1.2
BIAS_MEAN, BIAS_SD = 0.4, 0.4
NOISE_SD = 0.8
REFERENCE_DRAWS = 200_000
REFERENCE_SEED = 20240601
SKILL_NODES = 48  # Gauss-Hermite nodes over log discrimination in `percent_distribution`
COUNCIL_NODES = 16  # Gauss-Hermite nodes over the council shift in `council_sd`
PERCENTS = np.arange(1, 100)


@dataclass(frozen=True)
class Population:
    """Draws of (true risk, control forecast) pairs describing the population."""

    risk: FloatArray
    forecast: FloatArray


def forecasters_draw(
    rng: np.random.Generator,
    n: int | tuple[int, ...],
    sigma: float,
    council_shift: FloatArray | None = None,
    bias_mean: float = BIAS_MEAN,
) -> tuple[FloatArray, FloatArray]:
    """Discrimination k = exp(s), s ~ N(0, sigma), and logit bias b of n forecasters,
    plus each forecaster's council shift when given (one value per forecaster)."""
    k, bias = np.exp(rng.normal(0.0, sigma, n)), rng.normal(bias_mean, BIAS_SD, n)
    if council_shift is not None:
        bias = bias + council_shift
    return k, bias


def council_shift_draw(
    rng: np.random.Generator, n_councils: int | tuple[int, ...], sd: float
) -> FloatArray:
    """Each council's shared lean u_c ~ N(0, sd) on the logit scale."""
    return rng.normal(0.0, sd, n_councils)


def risks_draw(rng: np.random.Generator, n: int | tuple[int, ...]) -> FloatArray:
    return np.asarray(expit(rng.normal(RISK_MEAN, RISK_SD, n)), dtype=np.float64)


def control_forecast(
    rng: np.random.Generator, risk: FloatArray, k: FloatArray, bias: FloatArray
) -> FloatArray:
    return np.asarray(expit(k * logit(risk) + bias + rng.normal(0.0, NOISE_SD, risk.shape)))


def to_percent(p: FloatArray) -> npt.NDArray[np.int64]:
    return np.clip(np.rint(p * 100), 1, 99).astype(np.int64)


def mixed(p: FloatArray, risk: FloatArray, w: float) -> npt.NDArray[np.int64]:
    """The intervention's forecast in whole percent: a w-mix toward the true risk."""
    return to_percent((1.0 - w) * p + w * risk)


def expected_brier(percent: npt.NDArray[np.int64], risk: FloatArray) -> float:
    """E over y ~ Bernoulli(r) of (p - y)^2 = (p - r)^2 + r(1 - r), averaged."""
    p = percent / 100.0
    return float(np.mean((p - risk) ** 2 + risk * (1.0 - risk)))


def reference_population(sigma: float, bias_mean: float = BIAS_MEAN) -> Population:
    risk, latent = _reference_latent(float(sigma))
    return Population(risk, np.asarray(expit(latent + bias_mean), dtype=np.float64))


@lru_cache(maxsize=8)
def _reference_latent(sigma: float) -> tuple[FloatArray, FloatArray]:
    """Risks and k logit(r) + (b - mean bias) + e of the reference draws, drawn once:
    the planner asks for the same population at many biases and effects."""
    rng = np.random.default_rng(REFERENCE_SEED)
    risk = risks_draw(rng, REFERENCE_DRAWS)
    k, bias = forecasters_draw(rng, REFERENCE_DRAWS, sigma, bias_mean=0.0)
    latent = k * logit(risk) + bias + rng.normal(0.0, NOISE_SD, REFERENCE_DRAWS)
    return risk, latent


def mixing_weight(*, effect: float, population: Population, tol: float = 1e-6) -> float:
    """The w whose expected Brier is (1 - effect) x the control's, by bisection on [0, 1]."""
    control = expected_brier(to_percent(population.forecast), population.risk)
    target = (1.0 - effect) * control
    best = expected_brier(mixed(population.forecast, population.risk, 1.0), population.risk)
    if effect < 0 or target < best:
        raise ValueError(f"effect must be between 0 and {1 - best / control:.3f} for this model")
    lo, hi = 0.0, 1.0
    while hi - lo > tol:
        mid = (lo + hi) / 2
        if (
            expected_brier(mixed(population.forecast, population.risk, mid), population.risk)
            > target
        ):
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def max_effect(population: Population) -> float:
    """The largest relative reduction the model allows: everyone forecasting the truth."""
    control = expected_brier(to_percent(population.forecast), population.risk)
    best = expected_brier(mixed(population.forecast, population.risk, 1.0), population.risk)
    return 1.0 - best / control


def bias_mean_for_brier(*, control_brier: float, sigma: float) -> float:
    """The mean logit bias at which the control's expected Brier is ``control_brier``.

    Over-forecasting (bias above its best value) is what the model describes, so the
    search runs upward from the bias that scores best."""
    grid = np.linspace(-1.0, 3.0, 41)
    scores = [_control_brier(sigma, float(b)) for b in grid]
    best = int(np.argmin(scores))
    if not scores[best] <= control_brier <= scores[-1]:
        raise ValueError(
            f"control_brier must be between {scores[best]:.3f} and {scores[-1]:.3f} "
            f"for this model (sigma {sigma:g})"
        )
    lo, hi = float(grid[best]), float(grid[-1])
    while hi - lo > 1e-4:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _control_brier(sigma, mid) < control_brier else (lo, mid)
    return (lo + hi) / 2


def _control_brier(sigma: float, bias_mean: float) -> float:
    population = reference_population(sigma, bias_mean)
    return expected_brier(to_percent(population.forecast), population.risk)


def council_sd(*, icc: float, sigma: float, questions: int, bias_mean: float = BIAS_MEAN) -> float:
    """The council SD tau whose primary outcome (mean Brier over ``questions``) has this ICC."""
    if not 0.0 <= icc < 0.5:
        raise ValueError(f"icc must be at least 0 and below 0.5, got {icc!r}")
    if icc == 0.0:
        return 0.0
    return _council_sd(round(icc, 6), float(sigma), int(questions), float(bias_mean))


@lru_cache(maxsize=64)
def _council_sd(icc: float, sigma: float, questions: int, bias_mean: float) -> float:
    shifts, response, within = _shift_response(sigma, questions, bias_mean)
    target = icc / (1.0 - icc) * within  # between-council variance wanted
    lo, hi = 0.0, float(shifts[-1]) / 4.0  # the quadrature's outer node stays on the grid
    if _between_council_variance(hi, shifts, response) < target:
        raise ValueError(f"an ICC of {icc:g} is beyond what a council lean can produce here")
    while hi - lo > 1e-5:
        mid = (lo + hi) / 2
        below = _between_council_variance(mid, shifts, response) < target
        lo, hi = (mid, hi) if below else (lo, mid)
    return (lo + hi) / 2


def _between_council_variance(tau: float, shifts: FloatArray, response: FloatArray) -> float:
    """Var over u ~ N(0, tau) of a council's expected outcome on a fixed question set,
    averaged over question sets (Gauss-Hermite over u, interpolating ``response``)."""
    nodes, weights = hermegauss(COUNCIL_NODES)
    weights = weights / weights.sum()
    means = np.stack([np.interp(tau * nodes, shifts, row) for row in response])
    centre = means @ weights
    return float(((means - centre[:, None]) ** 2 @ weights).mean())


@lru_cache(maxsize=16)
def _shift_response(
    sigma: float, questions: int, bias_mean: float
) -> tuple[FloatArray, FloatArray, float]:
    """For reference question sets (with realised outcomes): the mean outcome of their
    forecasters at each logit shift on a grid, and the variance between participants
    answering the same set at no shift (averaged over sets)."""
    rng = np.random.default_rng(REFERENCE_SEED + 1)
    sets, people = 240, 80
    risk = risks_draw(rng, (sets, 1, questions))
    outcome = rng.random(risk.shape) < risk
    k, bias = forecasters_draw(rng, (sets, people), sigma, bias_mean=bias_mean)
    noise = rng.normal(0.0, NOISE_SD, (sets, people, questions))
    latent = k[:, :, None] * logit(risk) + bias[:, :, None] + noise
    shifts = np.linspace(-6.0, 6.0, 49)
    response = np.empty((sets, shifts.shape[0]))
    for j, shift in enumerate(shifts):
        brier = (to_percent(expit(latent + shift)) / 100.0 - outcome) ** 2
        response[:, j] = brier.mean(axis=(1, 2))
    at_zero = ((to_percent(expit(latent)) / 100.0 - outcome) ** 2).mean(axis=2)
    return shifts, response, float(at_zero.var(axis=1, ddof=1).mean())


def percent_distribution(risk: FloatArray, w: float, sigma: float) -> FloatArray:
    """P(forecast = j%) for j = 1..99 on each question (rows), for a random forecaster.

    Exact in the logit bias and the noise, which add up to one normal variable
    z ~ N(BIAS_MEAN, sqrt(BIAS_SD^2 + NOISE_SD^2)): the mixed forecast
    (1 - w) expit(k logit(r) + z) + w r rounds to at most j% exactly when
    z < logit(u_j) - k logit(r), with u_j = ((j + 0.5)/100 - w r) / (1 - w).
    The log discrimination log k ~ N(0, sigma) is integrated by Gauss-Hermite quadrature.
    Without a council effect: with one, the bias's spread includes the council's too.
    """
    risk = np.asarray(risk, dtype=np.float64)
    if w >= 1.0:  # everyone forecasts the true risk
        out = np.zeros((risk.shape[0], PERCENTS.shape[0]))
        out[np.arange(risk.shape[0]), to_percent(risk) - 1] = 1.0
        return out
    nodes, weights = hermegauss(SKILL_NODES)
    weights = weights / weights.sum()
    k = np.exp(sigma * nodes)
    edges = (PERCENTS[:-1] + 0.5) / 100.0  # between j% and (j + 1)%
    u = (edges[None, :] - w * risk[:, None]) / (1.0 - w)
    with np.errstate(divide="ignore"):
        z_edge = logit(np.clip(u, 0.0, 1.0))  # -inf / +inf outside (0, 1)
    shift = k[None, :] * logit(risk)[:, None]  # (questions, nodes)
    spread = float(np.hypot(BIAS_SD, NOISE_SD))
    below = ndtr((z_edge[:, None, :] - shift[:, :, None] - BIAS_MEAN) / spread)
    cdf = np.einsum("qne,n->qe", below, weights)
    ends = np.ones((risk.shape[0], 1))
    distribution: FloatArray = np.diff(
        np.concatenate([np.zeros_like(ends), cdf, ends], axis=1), axis=1
    )
    return distribution


def study_expected_brier(
    risk: FloatArray, outcome: npt.NDArray[np.bool_], w: float, sigma: float
) -> float:
    """Mean over these questions of E[(p' - y)^2] given their risks and realised outcomes.

    The expectation is over forecasters (skill, bias) and per-forecast noise, with the
    rounding to a whole percent; the questions and outcomes are held fixed.
    """
    y = np.asarray(outcome, dtype=np.float64)
    squared_error = (PERCENTS[None, :] / 100.0 - y[:, None]) ** 2
    return float(np.mean((percent_distribution(risk, w, sigma) * squared_error).sum(axis=1)))
