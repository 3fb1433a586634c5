"""Vectorised maximum-likelihood logistic recalibration, all groups at once.

Model: logit P(y = 1) = a + b x with x = logit(p). A Newton-Raphson iteration needs five
weighted sums per group, so one ``bincount`` each serves every group, and the 2 x 2
systems are solved in closed form. A step that lowers a group's likelihood is halved.
One pass over the rows yields the likelihood and the next step's sums together.

The MLE exists only without (quasi-)separation. With one covariate that is exact to test:
the x values of events and of non-events must overlap strictly (Albert & Anderson, 1984).
Groups failing it, with a singular information matrix, or not converging get NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._data import WeightedRows
from ._validate import FloatArray, weighted_sum

_MAX_ITER = 100
_MAX_HALVINGS = 60
_STEP_TOL = 1e-10
# Likelihood drops smaller than this (relative) are rounding, not a worse step.
_LL_SLACK = 1e-12
# Where the information is tiny (offsets far in the tails) rounding in the score sums
# makes the last Newton steps jitter around the optimum at about 1e-9, above _STEP_TOL,
# and how much depends on summation order. A step this small that leaves the
# likelihood unchanged to rounding is converged too.
_FLAT_STEP_TOL = 1e-6


@dataclass(frozen=True)
class _Point:
    """Per-group estimates with their log-likelihood and Newton step (zero once done)."""

    a: FloatArray
    b: FloatArray
    ll: FloatArray
    step_a: FloatArray
    step_b: FloatArray


def fit(rows: WeightedRows, x: FloatArray, fix_slope: bool) -> tuple[FloatArray, FloatArray]:
    """Per-group (a, b); b is fixed at 1 when ``fix_slope``. NaN where no finite MLE."""
    ok = _offset_mle_exists(rows) if fix_slope else _slope_mle_exists(rows, x)
    done = ~ok
    rows, x = _still_iterating(rows, x, done)
    point = _evaluate(rows, x, np.zeros(rows.n_groups), np.ones(rows.n_groups), fix_slope)
    for _ in range(_MAX_ITER):
        bad = ~done & ~(np.isfinite(point.step_a) & np.isfinite(point.step_b))
        ok &= ~bad
        done |= bad
        size = np.abs(point.step_a) + np.abs(point.step_b)
        scale = 1.0 + np.abs(point.a) + np.abs(point.b)
        converged = size <= _STEP_TOL * scale
        previous_ll = point.ll
        point = _line_search(rows, x, point, done, fix_slope)
        flat = np.abs(point.ll - previous_ll) <= _LL_SLACK * (1.0 + np.abs(previous_ll))
        done |= converged | (flat & (size <= _FLAT_STEP_TOL * scale))
        if done.all():
            break
        rows, x = _still_iterating(rows, x, done)
    ok &= done
    return np.where(ok, point.a, np.nan), np.where(ok, point.b, np.nan)


def _still_iterating(
    rows: WeightedRows, x: FloatArray, done: np.ndarray
) -> tuple[WeightedRows, FloatArray]:
    """Only the rows of groups still iterating, so converged groups cost nothing more."""
    keep = ~done[rows.g]
    if keep.all():
        return rows, x
    return rows.subset(keep), x[keep]


def _offset_mle_exists(rows: WeightedRows) -> np.ndarray:
    events = _sum(rows, rows.events)
    return (events > 0) & (events < rows.count())


def _slope_mle_exists(rows: WeightedRows, x: FloatArray) -> np.ndarray:
    lo1, hi1 = _extrema(rows, x, rows.events > 0)
    lo0, hi0 = _extrema(rows, x, rows.non_events > 0)
    return (hi0 > lo1) & (hi1 > lo0)


def _extrema(rows: WeightedRows, x: FloatArray, keep: np.ndarray) -> tuple[FloatArray, FloatArray]:
    lo = np.full(rows.n_groups, np.inf)
    hi = np.full(rows.n_groups, -np.inf)
    np.minimum.at(lo, rows.g[keep], x[keep])
    np.maximum.at(hi, rows.g[keep], x[keep])
    return lo, hi


def _evaluate(
    rows: WeightedRows, x: FloatArray, a: FloatArray, b: FloatArray, fix_slope: bool
) -> _Point:
    """Log-likelihood at (a, b) and the Newton step from there, in one pass."""
    eta = a[rows.g] + b[rows.g] * x
    small = np.exp(-np.abs(eta))  # in (0, 1]: no overflow either side
    inv = 1.0 / (1.0 + small)
    mu = np.where(eta >= 0, inv, small * inv)
    softplus = np.maximum(eta, 0.0) + np.log1p(small)  # log(1 + e^eta)
    ll = _sum(rows, rows.events * eta - rows.total * softplus)
    resid = rows.events - rows.total * mu
    info = rows.total * mu * (1.0 - mu)
    s_r, s_v = _sum(rows, resid), _sum(rows, info)
    # A rejected trial point far out can underflow the information to 0: its step is inf.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if fix_slope:
            return _Point(a, b, ll, s_r / s_v, np.zeros_like(s_r))
        s_rx, s_vx, s_vxx = _sum(rows, resid * x), _sum(rows, info * x), _sum(rows, info * x * x)
        det = s_v * s_vxx - s_vx * s_vx
        det = np.where(det > 0, det, np.nan)  # a singular information matrix has no step
        step_a = (s_vxx * s_r - s_vx * s_rx) / det
        step_b = (s_v * s_rx - s_vx * s_r) / det
    return _Point(a, b, ll, step_a, step_b)


def _sum(rows: WeightedRows, values: FloatArray) -> FloatArray:
    return weighted_sum(rows.g, values, rows.n_groups)


def _line_search(
    rows: WeightedRows, x: FloatArray, start: _Point, frozen: np.ndarray, fix_slope: bool
) -> _Point:
    """Take the Newton step, halving it per group until the likelihood does not drop."""
    t = np.where(frozen, 0.0, 1.0)
    step_a = np.where(frozen, 0.0, start.step_a)
    step_b = np.where(frozen, 0.0, start.step_b)
    for _ in range(_MAX_HALVINGS):
        new = _evaluate(rows, x, start.a + t * step_a, start.b + t * step_b, fix_slope)
        worse = ~frozen & ~(new.ll >= start.ll - _LL_SLACK * (1.0 + np.abs(start.ll)))
        if not worse.any():
            return new
        t[worse] *= 0.5
    return new
