"""How accurate the forecasts of one trial's result were, and the crowd's (pure numpy).

Each forecaster gives an estimate and a central range at the study's level (80% by
default). A forecast is scored with the interval score of its range (Gneiting &
Raftery 2007, `casecast.scoring.interval_score`; lower is better, in the outcome's
unit) and the absolute error of its estimate. The crowd's forecast is the median of
the estimates with the medians of the lower and upper ends as its range (quantile
averaging, "Vincentization", Ratcliff 1979): a range built that way keeps the level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from casecast.scoring import interval_score

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class QuestionAccuracy:
    n: int
    published: float
    crowd_estimate: float
    crowd_low: float
    crowd_high: float
    crowd_interval_score: float
    crowd_abs_error: float
    interval_scores: FloatArray  # one per forecast, in the order given
    mean_interval_score: float
    median_interval_score: float
    mean_abs_error: float
    coverage: float  # share of ranges that contained the published estimate
    crowd_beats: float  # share of forecasters whose interval score is worse than the crowd's


def question_accuracy(
    estimate: npt.ArrayLike,
    low: npt.ArrayLike,
    high: npt.ArrayLike,
    *,
    published: float,
    alpha: float,
) -> QuestionAccuracy:
    est = np.asarray(estimate, dtype=np.float64)
    lo, hi = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
    if est.ndim != 1 or est.size == 0 or lo.shape != est.shape or hi.shape != est.shape:
        raise ValueError("estimate, low and high must be equal-length, non-empty vectors")
    if ((lo > est) | (est > hi)).any():
        raise ValueError("each range must contain its estimate (low ≤ estimate ≤ high)")
    if not np.isfinite(published):
        raise ValueError("published must be a finite number")
    y = np.full(est.size, published)
    scores = interval_score(lo, hi, y, alpha)
    crowd = (float(np.median(est)), float(np.median(lo)), float(np.median(hi)))
    crowd_score = float(interval_score([crowd[1]], [crowd[2]], [published], alpha)[0])
    return QuestionAccuracy(
        n=int(est.size),
        published=float(published),
        crowd_estimate=crowd[0],
        crowd_low=crowd[1],
        crowd_high=crowd[2],
        crowd_interval_score=crowd_score,
        crowd_abs_error=abs(crowd[0] - published),
        interval_scores=scores,
        mean_interval_score=float(np.mean(scores)),
        median_interval_score=float(np.median(scores)),
        mean_abs_error=float(np.mean(np.abs(est - published))),
        coverage=float(np.mean((lo <= published) & (published <= hi))),
        crowd_beats=float(np.mean(scores > crowd_score)),
    )


@dataclass(frozen=True)
class Bar:
    low: float
    high: float
    count: int


def estimate_histogram(estimate: npt.ArrayLike, *, bins: int = 10) -> list[Bar]:
    """Counts of estimates in equal-width bins (no individual's answer is shown)."""
    est = np.asarray(estimate, dtype=np.float64)
    if est.size == 0:
        return []
    lo, hi = float(est.min()), float(est.max())
    if lo == hi:
        return [Bar(lo, hi, int(est.size))]
    counts, edges = np.histogram(est, bins=bins, range=(lo, hi))
    return [Bar(float(edges[i]), float(edges[i + 1]), int(counts[i])) for i in range(counts.size)]
