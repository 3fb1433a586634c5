"""Noise audit: how much do colleagues judging the same case disagree?

After Kahneman, Sibony & Sunstein (2021), *Noise*, ch. 6 and appendix A. Per question:
the spread of forecasts, the mean absolute difference between two workers, and the
chance that two workers choose different decisions. Test–retest: how much the same
worker's answer to the same case moves. System noise across the study, split into level
and pattern noise, is in ``system``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._inputs import (
    FloatArray,
    IntArray,
    frozen,
    group_count,
    group_sd,
    group_sum,
    labels,
    log_odds,
    probabilities,
    ratio,
    sort_within,
    vector,
)


@dataclass(frozen=True, eq=False)
class QuestionNoise:
    """Per question (arrays in ascending question order)."""

    question: np.ndarray
    n: npt.NDArray[np.int64]
    sd_pp: FloatArray  # sample SD of forecasts, percentage points
    sd_log_odds: FloatArray  # sample SD of clipped log-odds
    pairwise_abs_diff_pp: FloatArray  # mean |p_i - p_j| over pairs, percentage points
    decision_disagreement: FloatArray  # P(two workers choose differently); NaN without decisions


@dataclass(frozen=True)
class RetestConsistency:
    """The same worker's first and repeated answer to the same case."""

    n: int
    mean_abs_change_pp: float
    correlation: float  # Pearson, between first and repeated forecast
    flip_rate: float  # share of repeats with a different decision; NaN without decisions
    n_decisions: int


def pairwise_abs_diff(values: npt.ArrayLike, groups: npt.ArrayLike | None = None) -> FloatArray:
    """Mean |x_i - x_j| over all pairs i < j within each group, exactly, in O(n log n).

    With a group sorted ascending, x_(i) (0-based rank i of n) is the larger member of i
    pairs and the smaller of n - 1 - i, so Σ_{i<j} |x_i - x_j| = Σ_i (2i - n + 1) x_(i).
    NaN for a group with fewer than two values.
    """
    x = vector(values, "values").astype(np.float64)
    codes, names = labels(
        np.zeros(x.shape[0], dtype=np.int64) if groups is None else groups, "groups", x.shape[0]
    )
    return _pairwise(x, codes, names.shape[0])


def _pairwise(x: FloatArray, codes: IntArray, g: int) -> FloatArray:
    ordered, sorted_codes = sort_within(x, codes)
    count = group_count(codes, g)
    start = np.cumsum(count) - count
    rank = np.arange(x.shape[0]) - start[sorted_codes]
    weight = 2.0 * rank - count[sorted_codes] + 1.0
    # The weights sum to 0 within a group, so measuring from the group's minimum changes
    # nothing but rounding: equal values then give exactly 0.
    shifted = ordered - ordered[np.minimum(start, x.shape[0] - 1)][sorted_codes]
    total = group_sum(weight * shifted, sorted_codes, g)
    pairs = count * (count - 1) / 2.0
    return np.where(count > 1, ratio(total, pairs), np.nan)


def decision_disagreement(
    decision: npt.ArrayLike, groups: npt.ArrayLike | None = None
) -> FloatArray:
    """1 - Σ_k n_k(n_k - 1) / (n(n - 1)) per group: the chance two distinct workers differ."""
    d = vector(decision, "decision")
    d_codes, d_names = labels(d, "decision", d.shape[0])
    codes, names = labels(
        np.zeros(d.shape[0], dtype=np.int64) if groups is None else groups, "groups", d.shape[0]
    )
    return _disagreement(d_codes, d_names.shape[0], codes, names.shape[0])


def _disagreement(d_codes: IntArray, levels: int, codes: IntArray, g: int) -> FloatArray:
    table = np.bincount(codes * levels + d_codes, minlength=g * levels).reshape(g, levels)
    n = table.sum(axis=1).astype(np.float64)
    same = (table * (table - 1)).sum(axis=1).astype(np.float64)
    return np.where(n > 1, 1.0 - ratio(same, n * (n - 1)), np.nan)


def question_noise(
    *,
    p: npt.ArrayLike,
    question: npt.ArrayLike,
    decision: npt.ArrayLike | None = None,
) -> QuestionNoise:
    """Spread of the forecasts (and decisions) on each question."""
    prob = probabilities(p)
    n = prob.shape[0]
    q_codes, q_names = labels(question, "question", n)
    g = q_names.shape[0]
    if decision is None:
        disagree = np.full(g, np.nan)
    else:
        d_codes, d_names = labels(decision, "decision", n)
        disagree = _disagreement(d_codes, d_names.shape[0], q_codes, g)
    return QuestionNoise(
        question=frozen(q_names),
        n=frozen(group_count(q_codes, g)),
        sd_pp=frozen(100.0 * group_sd(prob, q_codes, g)),
        sd_log_odds=frozen(group_sd(log_odds(prob), q_codes, g)),
        pairwise_abs_diff_pp=frozen(100.0 * _pairwise(prob, q_codes, g)),
        decision_disagreement=frozen(disagree),
    )


def retest_consistency(
    *,
    first: npt.ArrayLike,
    second: npt.ArrayLike,
    first_decision: npt.ArrayLike | None = None,
    second_decision: npt.ArrayLike | None = None,
) -> RetestConsistency:
    """Row i holds one worker's forecast on a case and on its later repeat."""
    a = probabilities(first, "first")
    b = probabilities(second, "second", a.shape[0])
    flip, n_dec = float("nan"), 0
    if (first_decision is None) != (second_decision is None):
        raise ValueError("give both first_decision and second_decision, or neither")
    if first_decision is not None and second_decision is not None:
        da = vector(first_decision, "first_decision", a.shape[0])
        db = vector(second_decision, "second_decision", a.shape[0])
        flip, n_dec = float(np.mean(da != db)), int(a.shape[0])
    return RetestConsistency(
        n=int(a.shape[0]),
        mean_abs_change_pp=float(100.0 * np.mean(np.abs(b - a))),
        correlation=_pearson(a, b),
        flip_rate=flip,
        n_decisions=n_dec,
    )


def _pearson(a: FloatArray, b: FloatArray) -> float:
    da, db = a - a.mean(), b - b.mean()
    den = float(np.sqrt((da * da).sum() * (db * db).sum()))
    return float((da * db).sum() / den) if den > 0 else float("nan")
