"""Calibration summaries: reliability table, ECE, Spiegelhalter's z, logistic recalibration.

References: Wilson (1927); Naeini, Cooper & Hauskrecht (2015) for ECE; Spiegelhalter (1986);
Cox (1958) and Van Calster et al. (2016) for calibration slope and calibration-in-the-large.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import logit, ndtr, ndtri

from . import _logistic
from ._bins import BinStats, bin_stats, ratio
from ._data import finish, prepare_binary, weighted_rows
from ._validate import EPS, FloatArray, as_count, weighted_sum

Value = float | FloatArray
Count = int | npt.NDArray[np.int64]

#: Two-sided 95% normal quantile, 1.959963984540054.
Z_95 = float(ndtri(0.975))


@dataclass(frozen=True, eq=False)
class CalibrationTable:
    """Per-bin counts and rates (arrays of length B, or G x B when grouped)."""

    count: npt.NDArray[np.int64]
    mean_forecast: FloatArray
    observed_rate: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray


@dataclass(frozen=True, eq=False)
class ExpectedCalibrationError:
    """Count-weighted mean |observed rate - mean forecast| over bins (lower is better)."""

    ece: Value
    n: Count


@dataclass(frozen=True, eq=False)
class SpiegelhalterTest:
    """Spiegelhalter's z (0 under perfect calibration) and its two-sided p-value."""

    z: Value
    p_value: Value
    n: Count


@dataclass(frozen=True, eq=False)
class CalibrationSlope:
    """ML fit of logit P(y=1) = intercept + slope * logit(p); ideal (0, 1)."""

    intercept: Value
    slope: Value
    n: Count


@dataclass(frozen=True, eq=False)
class CalibrationInTheLarge:
    """ML fit of logit P(y=1) = intercept + logit(p) (slope fixed at 1); ideal 0."""

    intercept: Value
    n: Count


def calibration_table(
    p: npt.ArrayLike,
    y: npt.ArrayLike,
    bins: int = 10,
    groups: npt.ArrayLike | None = None,
    n_groups: int | None = None,
) -> CalibrationTable:
    """Reliability-diagram table with Wilson 95% intervals; empty bins have NaN rates."""
    size = as_count(bins, "bins", minimum=1)
    data = prepare_binary(p, y, groups, n_groups)
    stats = bin_stats(data.p, data.y, data.g, data.n_groups, size, data.table, within=False)
    low, high = wilson_interval(stats.sum_y, stats.count)
    return finish(
        CalibrationTable,
        data.grouped,
        count=stats.count.astype(np.int64),
        mean_forecast=stats.mean_forecast,
        observed_rate=stats.observed_rate,
        ci_low=low,
        ci_high=high,
    )


def wilson_interval(
    events: FloatArray, count: FloatArray, z: float = Z_95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for events / count; NaN where count is 0."""
    rate = ratio(events, count)
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = (rate + z2 / (2 * count)) / (1 + z2 / count)
        half = z / (1 + z2 / count) * np.sqrt(rate * (1 - rate) / count + z2 / (4 * count**2))
    # Rounding can leave an endpoint a hair outside [0, 1] when the rate is 0 or 1.
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def ece(
    p: npt.ArrayLike,
    y: npt.ArrayLike,
    bins: int = 10,
    groups: npt.ArrayLike | None = None,
    n_groups: int | None = None,
) -> ExpectedCalibrationError:
    """Expected calibration error over equal-width bins; NaN for a group with no rows."""
    size = as_count(bins, "bins", minimum=1)
    data = prepare_binary(p, y, groups, n_groups)
    stats = bin_stats(data.p, data.y, data.g, data.n_groups, size, data.table, within=False)
    return finish(
        ExpectedCalibrationError, data.grouped, ece=_ece(stats), n=stats.n.astype(np.int64)
    )


def _ece(stats: BinStats) -> FloatArray:
    gap = np.abs(stats.sum_y - stats.sum_p)  # = n_k |o_k - f_k|, and 0 for an empty bin
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = gap.sum(axis=1) / stats.n
    return out


def spiegelhalter(
    p: npt.ArrayLike,
    y: npt.ArrayLike,
    groups: npt.ArrayLike | None = None,
    n_groups: int | None = None,
) -> SpiegelhalterTest:
    """z = sum (y - p)(1 - 2p) / sqrt(sum (1 - 2p)^2 p (1 - p)).

    NaN where the denominator is 0: every forecast is 0, 0.5 or 1, or the group is empty.
    """
    rows = weighted_rows(prepare_binary(p, y, groups, n_groups))
    spread = 1.0 - 2.0 * rows.p
    # sum over forecasts of (y - p) becomes events - total x p on a row of equal forecasts.
    numerator = weighted_sum(rows.g, (rows.events - rows.total * rows.p) * spread, rows.n_groups)
    variance = rows.sum(spread * spread * rows.p * (1.0 - rows.p))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(variance > 0, numerator / np.sqrt(variance), np.nan)
    n = rows.count().astype(np.int64)
    return finish(SpiegelhalterTest, groups is not None, z=z, p_value=2.0 * ndtr(-np.abs(z)), n=n)


def calibration_slope(
    p: npt.ArrayLike,
    y: npt.ArrayLike,
    groups: npt.ArrayLike | None = None,
    n_groups: int | None = None,
) -> CalibrationSlope:
    """Logistic recalibration intercept and slope by maximum likelihood.

    NaN where no finite estimate exists: one outcome class only, all forecasts equal,
    (quasi-)complete separation, or no convergence.
    """
    rows = weighted_rows(prepare_binary(p, y, groups, n_groups))
    a, b = _logistic.fit(rows, clipped_logit(rows.p), fix_slope=False)
    n = rows.count().astype(np.int64)
    return finish(CalibrationSlope, groups is not None, intercept=a, slope=b, n=n)


def calibration_in_the_large(
    p: npt.ArrayLike,
    y: npt.ArrayLike,
    groups: npt.ArrayLike | None = None,
    n_groups: int | None = None,
) -> CalibrationInTheLarge:
    """Intercept of the recalibration with slope fixed at 1 (logit(p) as an offset).

    NaN where the group has only events or only non-events (the estimate is infinite).
    """
    rows = weighted_rows(prepare_binary(p, y, groups, n_groups))
    a, _ = _logistic.fit(rows, clipped_logit(rows.p), fix_slope=True)
    n = rows.count().astype(np.int64)
    return finish(CalibrationInTheLarge, groups is not None, intercept=a, n=n)


def clipped_logit(p: FloatArray) -> FloatArray:
    """logit(p) with p clipped to [EPS, 1 - EPS], so 0 and 1 map to about -/+36.04."""
    out: FloatArray = logit(np.clip(p, EPS, 1.0 - EPS))
    return out
