"""Decision thresholds: at what probability does each worker act?

For every worker with at least ``min_cases`` decisions linked to their own probability
forecast on the same case, a logistic regression of the action on the log-odds of the
forecast, logit P(act) = a + b·logit(p) (the scoring engine's vectorised fit), gives the
probability at which the worker is as likely to act as not: logit p* = -a/b.

When a worker's data separate perfectly (every forecast with the action above every one
without), the maximum-likelihood fit does not exist; the threshold then lies somewhere
between the highest probability without the action and the lowest with it, reported as
that interval with its midpoint on the log-odds scale as the point value. A worker who
always or never acts has no threshold in the data (NaN); one whose action becomes *less*
likely as the probability rises (b ≤ 0, or the data separated the other way) is flagged
``REVERSED`` and left out of spreads; ``NO_FIT`` marks overlapping data on which the fit
did not converge.

Multi-level decisions (for example no action / assessment / protection plan) give one
threshold per step: "level k or above" against "below k", for each k after the first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import expit

from casecast import scoring

from ._inputs import (
    FloatArray,
    IntArray,
    binary,
    frozen,
    group_count,
    labels,
    log_odds,
    optional_labels,
    positive_int,
    probabilities,
    vector,
)

#: How each worker's threshold was obtained, in ``WorkerThresholds.method``.
LOGISTIC, SEPARATED, NO_SWITCH, REVERSED, TOO_FEW, NO_FIT = 0, 1, 2, 3, 4, 5


@dataclass(frozen=True, eq=False)
class WorkerThresholds:
    """One row per worker (ascending worker label)."""

    worker: np.ndarray
    group: np.ndarray  # the worker's group (arm or council), 0 without groups
    n: npt.NDArray[np.int64]
    threshold: FloatArray  # probability; NaN unless method is LOGISTIC or SEPARATED
    lower: FloatArray  # separation interval (equal to threshold for a logistic fit)
    upper: FloatArray
    slope: FloatArray  # b of the logistic fit; NaN when separated
    method: npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class ThresholdSpread:
    """Spread of worker thresholds per group (ascending labels)."""

    group: np.ndarray
    n_workers: npt.NDArray[np.int64]  # workers with a threshold
    median: FloatArray  # probability
    iqr_low: FloatArray  # 25th and 75th percentiles, probability
    iqr_high: FloatArray
    sd_log_odds: FloatArray  # sample SD of logit thresholds
    pair_disagreement: FloatArray  # share of worker pairs acting differently at one p


def decision_thresholds(
    *,
    p: npt.ArrayLike,
    action: npt.ArrayLike,
    worker: npt.ArrayLike,
    group: npt.ArrayLike | None = None,
    min_cases: int = 6,
) -> WorkerThresholds:
    """Each worker's switching probability from their linked (forecast, action) pairs."""
    prob = probabilities(p)
    n = prob.shape[0]
    act = binary(action, "action", n)
    minimum = positive_int(min_cases, "min_cases")
    w, w_names = labels(worker, "worker", n)
    k = w_names.shape[0]
    worker_group = _worker_group(group, w, k, n)
    count = group_count(w, k)
    fit = scoring.calibration_slope(prob, act, groups=w, n_groups=k)
    a, b = np.asarray(fit.intercept), np.asarray(fit.slope)
    lower, upper, n_act = _separation(prob, act, w, k)
    below, above, _ = _separation(prob, 1.0 - act, w, k)  # the mirror: acting only lower
    fitted_ok = np.isfinite(b)
    method = np.full(k, NO_FIT, dtype=np.int64)  # overlapping data, yet no converged fit
    method[~fitted_ok & (below <= above)] = REVERSED
    method[~fitted_ok & (lower <= upper)] = SEPARATED
    method[fitted_ok] = np.where(b[fitted_ok] > 0, LOGISTIC, REVERSED)
    method[(n_act == 0) | (n_act == count)] = NO_SWITCH
    method[count < minimum] = TOO_FEW
    with np.errstate(divide="ignore", invalid="ignore"):
        fitted = expit(-a / b)
    midpoint = expit(0.5 * (log_odds(lower) + log_odds(upper)))
    threshold = np.where(method == LOGISTIC, fitted, np.nan)
    threshold = np.where(method == SEPARATED, midpoint, threshold)
    separated = method == SEPARATED
    return WorkerThresholds(
        worker=frozen(w_names),
        group=frozen(worker_group),
        n=frozen(count),
        threshold=frozen(threshold),
        lower=frozen(np.where(separated, lower, threshold)),
        upper=frozen(np.where(separated, upper, threshold)),
        slope=frozen(np.where(method == LOGISTIC, b, np.nan)),
        method=frozen(method),
    )


def level_thresholds(
    *,
    p: npt.ArrayLike,
    decision: npt.ArrayLike,
    worker: npt.ArrayLike,
    group: npt.ArrayLike | None = None,
    min_cases: int = 6,
) -> dict[int, WorkerThresholds]:
    """Thresholds of ordered decision levels: key k is "level k or above" vs "below k"."""
    d = vector(decision, "decision")
    if d.dtype.kind not in "biu":
        raise ValueError(f"decision must hold integer levels, got dtype {d.dtype}")
    levels = np.unique(d)
    return {
        int(level): decision_thresholds(
            p=p,
            action=(d >= level).astype(np.int64),
            worker=worker,
            group=group,
            min_cases=min_cases,
        )
        for level in levels[1:]
    }


def threshold_spread(
    thresholds: WorkerThresholds, *, at: npt.ArrayLike | None = None
) -> ThresholdSpread:
    """Spread of thresholds across workers, per group, with the pair disagreement.

    Pair disagreement: with worker w acting at probability p exactly when p ≥ t_w, the
    share of worker pairs that act differently at p is 2k(m - k)/(m(m - 1)), k of the m
    workers having t_w ≤ p; it is averaged over the probabilities ``at`` (by default
    the workers' own thresholds' group, i.e. an even grid 0.01..0.99).
    """
    grid = np.linspace(0.01, 0.99, 99) if at is None else probabilities(at, "at")
    has = np.isfinite(thresholds.threshold)
    t, g = thresholds.threshold[has], np.asarray(thresholds.group)[has]
    names = np.unique(np.asarray(thresholds.group))
    rows = [_spread(t[g == name], grid) for name in names]
    table = np.array(rows, dtype=np.float64).reshape(len(rows), 6)
    return ThresholdSpread(
        group=frozen(names),
        n_workers=frozen(table[:, 0].astype(np.int64)),
        median=frozen(table[:, 1]),
        iqr_low=frozen(table[:, 2]),
        iqr_high=frozen(table[:, 3]),
        sd_log_odds=frozen(table[:, 4]),
        pair_disagreement=frozen(table[:, 5]),
    )


def _spread(t: FloatArray, grid: FloatArray) -> tuple[float, ...]:
    m = t.shape[0]
    if m == 0:
        return (0.0,) + (float("nan"),) * 5
    q25, q50, q75 = np.quantile(t, [0.25, 0.5, 0.75])
    sd = float(np.std(log_odds(t), ddof=1)) if m > 1 else float("nan")
    k = np.searchsorted(np.sort(t), grid, side="right").astype(np.float64)
    pairs = float(np.mean(2.0 * k * (m - k) / (m * (m - 1)))) if m > 1 else float("nan")
    return float(m), float(q50), float(q25), float(q75), sd, pairs


def _worker_group(group: npt.ArrayLike | None, w: IntArray, k: int, n: int) -> np.ndarray:
    codes, names = optional_labels(group, "group", n)
    first = np.full(k, -1, dtype=np.intp)
    first[w[::-1]] = codes[::-1]
    if (first[w] != codes).any():
        raise ValueError("group must be the same on every row of a worker")
    out: np.ndarray = names[first]
    return out


def _separation(
    p: FloatArray, act: FloatArray, w: IntArray, k: int
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int64]]:
    """Highest p without the action and lowest p with it, per worker."""
    lower = np.full(k, -np.inf)
    upper = np.full(k, np.inf)
    yes = act == 1.0
    np.maximum.at(lower, w[~yes], p[~yes])
    np.minimum.at(upper, w[yes], p[yes])
    return lower, upper, group_count(w[yes], k)
