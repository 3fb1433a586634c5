"""Calibration by group: the CORP reliability diagram beside the engine's summaries.

CORP (Dimitriadis, Gneiting & Jordan 2021, PNAS 118(8) e2016191118): the reliability
curve is the isotonic (pool-adjacent-violators) regression of the outcome on the
forecast, so it needs no choice of bins, and the Brier score splits exactly into

    brier = MCB - DSC + UNC

with MCB = S(p) - S(c) (miscalibration), DSC = S(ȳ) - S(c) (discrimination) and
UNC = S(ȳ) (uncertainty), S the mean Brier score and c the recalibrated forecasts.
Consistency bands come from resampling outcomes as if the forecasts were calibrated
(y* ~ Bernoulli(p)), refitting, and taking pointwise quantiles: a curve outside its
band is evidence of miscalibration at that forecast value.

Forecasts are pooled on their distinct values first, so the isotonic fit and every
resample run on at most ~101 points for forecasts on the whole-percent grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import isotonic_regression

from casecast import scoring

from ._inputs import (
    FloatArray,
    IntArray,
    binary,
    frozen,
    optional_labels,
    positive_int,
    probabilities,
    ratio,
)


@dataclass(frozen=True, eq=False)
class ReliabilityCurve:
    """CORP reliability diagram and score decomposition of one group."""

    forecast: FloatArray  # distinct forecast values, ascending
    count: npt.NDArray[np.int64]  # forecasts at each value
    calibrated: FloatArray  # isotonic recalibrated probability at each value
    band_low: FloatArray  # consistency band under calibration, at each value
    band_high: FloatArray
    brier: float
    mcb: float
    dsc: float
    unc: float
    n: int


@dataclass(frozen=True, eq=False)
class GroupCalibration:
    """Calibration summaries per group (arrays of length G) and a CORP curve per group."""

    group: np.ndarray  # the group labels, ascending
    n: npt.NDArray[np.int64]
    brier: FloatArray
    reliability_ff: FloatArray  # Murphy components, Ferro & Fricker bias-corrected
    resolution_ff: FloatArray
    uncertainty_ff: FloatArray
    slope: FloatArray
    intercept: FloatArray
    auc: FloatArray
    over_high: FloatArray  # mean p - event rate over forecasts above 0.5
    n_high: npt.NDArray[np.int64]
    over_low: FloatArray  # mean p - event rate over forecasts below 0.5
    n_low: npt.NDArray[np.int64]
    curves: tuple[ReliabilityCurve, ...]


def corp_reliability(
    *,
    p: npt.ArrayLike,
    y: npt.ArrayLike,
    n_resamples: int = 200,
    band_level: float = 0.9,
    seed: int = 0,
) -> ReliabilityCurve:
    """The CORP reliability curve of binary forecasts ``p`` of outcomes ``y``."""
    prob = probabilities(p)
    out = binary(y, "y", prob.shape[0])
    positive_int(n_resamples, "n_resamples")
    if not 0.0 < band_level < 1.0:
        raise ValueError(f"band_level must lie strictly between 0 and 1, got {band_level!r}")
    value, inverse = np.unique(prob, return_inverse=True)
    count = np.bincount(inverse).astype(np.int64)
    events = np.bincount(inverse, weights=out).astype(np.float64)
    return _curve(value, count, events, n_resamples, band_level, np.random.default_rng(seed))


def _curve(
    value: FloatArray,
    count: npt.NDArray[np.int64],
    events: FloatArray,
    n_resamples: int,
    band_level: float,
    rng: np.random.Generator,
) -> ReliabilityCurve:
    n = int(count.sum())
    calibrated = _isotonic(events / count, count)
    base = float(events.sum()) / n
    score_p = _pooled_brier(value, count, events)
    score_c = _pooled_brier(calibrated, count, events)
    unc = base * (1.0 - base)
    low, high = _band(value, count, n_resamples, band_level, rng)
    return ReliabilityCurve(
        forecast=frozen(value),
        count=frozen(count),
        calibrated=frozen(calibrated),
        band_low=frozen(low),
        band_high=frozen(high),
        brier=score_p,
        mcb=score_p - score_c,
        dsc=unc - score_c,
        unc=unc,
        n=n,
    )


def _isotonic(rate: FloatArray, weight: npt.ArrayLike) -> FloatArray:
    fitted: FloatArray = isotonic_regression(rate, weights=weight, increasing=True).x
    return fitted


def _pooled_brier(f: FloatArray, count: npt.NDArray[np.int64], events: FloatArray) -> float:
    """Mean (f - y)² from counts: Σ n f² - 2 f e + e, over n."""
    return float((count * f * f - 2.0 * f * events + events).sum() / count.sum())


def _band(
    value: FloatArray,
    count: npt.NDArray[np.int64],
    n_resamples: int,
    band_level: float,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    # Under calibration the events at a value are Binomial(count, value): drawing the
    # counts directly is equivalent to drawing every outcome and pooling.
    draws = rng.binomial(count, value, size=(n_resamples, value.shape[0]))
    refits = np.vstack([_isotonic(row / count, count) for row in draws])
    tail = (1.0 - band_level) / 2.0
    low, high = np.quantile(refits, [tail, 1.0 - tail], axis=0)
    return low, high


def calibration(
    *,
    p: npt.ArrayLike,
    y: npt.ArrayLike,
    group: npt.ArrayLike | None = None,
    bins: int = 10,
    n_resamples: int = 200,
    band_level: float = 0.9,
    seed: int = 0,
) -> GroupCalibration:
    """Calibration of binary forecasts per group (for example arm × phase as one code).

    Murphy components, slope, intercept and AUC are the scoring engine's; the CORP curve
    and over/under-confidence are computed here. Each group's resamples use its own
    generator, spawned from ``seed`` in ascending group order.
    """
    prob = probabilities(p)
    out = binary(y, "y", prob.shape[0])
    codes, names = optional_labels(group, "group", prob.shape[0])
    g = names.shape[0]
    murphy = scoring.murphy(prob, out, bins=bins, groups=codes, n_groups=g)
    slope = scoring.calibration_slope(prob, out, groups=codes, n_groups=g)
    area = scoring.auc(prob, out, groups=codes, n_groups=g)
    over_high, n_high = _confidence(prob, out, codes, g, prob > 0.5)
    over_low, n_low = _confidence(prob, out, codes, g, prob < 0.5)
    seeds = np.random.SeedSequence(seed).spawn(g)
    curves = tuple(
        corp_reliability(
            p=prob[codes == k],
            y=out[codes == k],
            n_resamples=n_resamples,
            band_level=band_level,
            seed=int(seeds[k].generate_state(1)[0]),
        )
        for k in range(g)
    )
    return GroupCalibration(
        group=frozen(names),
        n=frozen(np.bincount(codes, minlength=g).astype(np.int64)),
        brier=frozen(murphy.brier),
        reliability_ff=frozen(murphy.reliability_ff),
        resolution_ff=frozen(murphy.resolution_ff),
        uncertainty_ff=frozen(murphy.uncertainty_ff),
        slope=frozen(slope.slope),
        intercept=frozen(slope.intercept),
        auc=frozen(area.auc),
        over_high=frozen(over_high),
        n_high=frozen(n_high),
        over_low=frozen(over_low),
        n_low=frozen(n_low),
        curves=curves,
    )


def _confidence(
    p: FloatArray, y: FloatArray, codes: IntArray, g: int, keep: np.ndarray
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Mean forecast minus event rate over the kept rows of each group."""
    n = np.bincount(codes[keep], minlength=g).astype(np.int64)
    gap = np.bincount(codes[keep], weights=p[keep] - y[keep], minlength=g).astype(np.float64)
    return ratio(gap, n), n
