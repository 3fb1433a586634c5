"""Scores relative to the crowd on each question, and crowd aggregates.

References: Good Judgment Project practice for standardized Brier scores (Mellers et al.,
2014); Satopää et al. (2014) for the extremized log-odds aggregate.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.special import expit

from ._data import group_order
from ._validate import (
    FloatArray,
    IntArray,
    as_group_codes,
    as_probabilities,
    as_real,
    as_vector,
    check_length,
    factorize,
)
from .calibration import clipped_logit

Method = Literal["mean", "median", "geo_mean_odds", "extremized"]
METHODS: tuple[str, ...] = ("mean", "median", "geo_mean_odds", "extremized")


def _scores_by_question(
    scores: npt.ArrayLike, question: npt.ArrayLike
) -> tuple[FloatArray, IntArray, int]:
    values = as_real(scores, "scores")
    labels = as_vector(question, "question")
    check_length(values.shape[0], labels, "question", "scores")
    codes, uniques = factorize(labels, "question")
    return values, codes, uniques.shape[0]


def standardized_brier(scores: npt.ArrayLike, question: npt.ArrayLike) -> FloatArray:
    """(score - question mean) / question population SD; NaN where the SD is 0.

    Negative is better for a loss such as the Brier score. A question answered once, or
    on which every score is identical, has SD 0.
    """
    values, codes, n_questions = _scores_by_question(scores, question)
    count = np.bincount(codes, minlength=n_questions)
    mean = np.bincount(codes, weights=values, minlength=n_questions) / count
    dev = values - mean[codes]
    sd = np.sqrt(np.bincount(codes, weights=dev * dev, minlength=n_questions) / count)
    # Test constancy exactly: a mean of identical values can differ from them by rounding.
    constant = group_min(values, codes, n_questions) == group_max(values, codes, n_questions)
    sd[constant] = np.nan
    out: FloatArray = dev / sd[codes]
    return out


def relative_brier(scores: npt.ArrayLike, question: npt.ArrayLike) -> FloatArray:
    """Score minus the median score on its question (the forecaster included)."""
    values, codes, n_questions = _scores_by_question(scores, question)
    out: FloatArray = values - group_median(values, codes, n_questions)[codes]
    return out


def aggregate(
    p: npt.ArrayLike,
    groups: npt.ArrayLike,
    method: Method = "median",
    a: float = 2.0,
    n_groups: int | None = None,
) -> FloatArray:
    """One crowd forecast per group (question); NaN for a group with no forecasts.

    ``mean`` and ``median`` of the probabilities; ``geo_mean_odds`` is the geometric mean
    of the odds, expit(mean logit p); ``extremized`` is expit(a x mean logit p). Logits use
    probabilities clipped to [EPS, 1 - EPS].
    """
    prob = as_probabilities(p)
    codes, count = as_group_codes(groups, prob.shape[0], n_groups)
    if method == "mean":
        return group_mean(prob, codes, count)
    if method == "median":
        return group_median(prob, codes, count)
    if method in ("geo_mean_odds", "extremized"):
        power = 1.0 if method == "geo_mean_odds" else _extremizing(a)
        out: FloatArray = expit(power * group_mean(clipped_logit(prob), codes, count))
        return out
    raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")


def _extremizing(a: float) -> float:
    value = float(a)
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"a must be a positive finite number, got {a!r}")
    return value


def group_mean(values: FloatArray, codes: IntArray, n_groups: int) -> FloatArray:
    count = np.bincount(codes, minlength=n_groups)
    total = np.bincount(codes, weights=values, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = total / count
    return out


def group_median(values: FloatArray, codes: IntArray, n_groups: int) -> FloatArray:
    """Median per group from one sort by (group, value); NaN for an empty group."""
    ordered = values[group_order(values, codes, n_groups)]
    count = np.bincount(codes, minlength=n_groups)
    start = np.cumsum(count) - count
    has = count > 0
    lower = ordered[(start + (count - 1) // 2)[has]]
    upper = ordered[(start + count // 2)[has]]
    out = np.full(n_groups, np.nan)
    out[has] = 0.5 * (lower + upper)
    return out


def group_min(values: FloatArray, codes: IntArray, n_groups: int) -> FloatArray:
    out = np.full(n_groups, np.inf)
    np.minimum.at(out, codes, values)
    return out


def group_max(values: FloatArray, codes: IntArray, n_groups: int) -> FloatArray:
    out = np.full(n_groups, -np.inf)
    np.maximum.at(out, codes, values)
    return out
