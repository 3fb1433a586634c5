"""Crowd wisdom per question: is the pooled judgement better than its members?

For every question (or every question within a group, such as a council) the four crowd
aggregates of the scoring engine — mean, median, geometric mean of odds and the
extremized geometric mean of odds (Satopää et al. 2014) — are scored with the Brier
score and set against the members' own Brier scores: their mean (the "average member")
and their median (the "median member"). Across questions, the share where each
aggregate scores strictly lower than the average and the median member summarises
whether pooling helps (Surowiecki's "wisdom of crowds"; Mellers et al. 2014).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from casecast import scoring

from ._inputs import (
    FloatArray,
    binary,
    frozen,
    group_count,
    group_mean,
    group_median,
    labels,
    optional_labels,
    probabilities,
)

#: The aggregates compared, in the order of ``CrowdWisdom.share_*`` arrays.
Aggregate = Literal["mean", "median", "geo_mean_odds", "extremized"]
AGGREGATES: tuple[Aggregate, ...] = ("mean", "median", "geo_mean_odds", "extremized")


@dataclass(frozen=True, eq=False)
class CrowdWisdom:
    """One row per (group, question) cell that has forecasts; arrays of equal length."""

    group: np.ndarray
    question: np.ndarray
    n: npt.NDArray[np.int64]
    outcome: npt.NDArray[np.int64]
    mean: FloatArray
    median: FloatArray
    geo_mean_odds: FloatArray
    extremized: FloatArray
    brier_mean: FloatArray
    brier_median: FloatArray
    brier_geo_mean_odds: FloatArray
    brier_extremized: FloatArray
    mean_member_brier: FloatArray
    median_member_brier: FloatArray
    # Per group (rows: the groups in ``groups``; columns: AGGREGATES), the share of
    # that group's questions where the aggregate beats the average / median member.
    groups: np.ndarray
    share_beats_average: FloatArray
    share_beats_median_member: FloatArray


def crowd_wisdom(
    *,
    p: npt.ArrayLike,
    y: npt.ArrayLike,
    question: npt.ArrayLike,
    group: npt.ArrayLike | None = None,
    extremizing: float = 2.0,
) -> CrowdWisdom:
    """Aggregates and their Brier scores per question, optionally within groups.

    ``y`` is each forecast's outcome and must be the same on every row of a question.
    ``extremizing`` is the exponent ``a`` of the extremized aggregate.
    """
    prob = probabilities(p)
    n = prob.shape[0]
    out = binary(y, "y", n)
    q_codes, q_names = labels(question, "question", n)
    g_codes, g_names = optional_labels(group, "group", n)
    cell_id = g_codes * q_names.shape[0] + q_codes
    cells, cell = np.unique(cell_id, return_inverse=True)
    k = cells.shape[0]
    outcome = group_mean(out, cell, k)
    if not np.isin(outcome, (0.0, 1.0)).all():
        raise ValueError("y must be the same on every row of a question")
    member = (prob - out) ** 2
    agg = {
        m: scoring.aggregate(prob, cell, method=m, n_groups=k, a=extremizing) for m in AGGREGATES
    }
    brier = {m: (agg[m] - outcome) ** 2 for m in AGGREGATES}
    mean_member = group_mean(member, cell, k)
    median_member = group_median(member, cell, k)
    cell_group = cells // q_names.shape[0]
    beats_avg = np.column_stack([brier[m] < mean_member for m in AGGREGATES])
    beats_med = np.column_stack([brier[m] < median_member for m in AGGREGATES])
    return CrowdWisdom(
        group=frozen(g_names[cell_group]),
        question=frozen(q_names[cells % q_names.shape[0]]),
        n=frozen(group_count(cell, k)),
        outcome=frozen(outcome.astype(np.int64)),
        mean=frozen(agg["mean"]),
        median=frozen(agg["median"]),
        geo_mean_odds=frozen(agg["geo_mean_odds"]),
        extremized=frozen(agg["extremized"]),
        brier_mean=frozen(brier["mean"]),
        brier_median=frozen(brier["median"]),
        brier_geo_mean_odds=frozen(brier["geo_mean_odds"]),
        brier_extremized=frozen(brier["extremized"]),
        mean_member_brier=frozen(mean_member),
        median_member_brier=frozen(median_member),
        groups=frozen(g_names),
        share_beats_average=frozen(_share(beats_avg, cell_group, g_names.shape[0])),
        share_beats_median_member=frozen(_share(beats_med, cell_group, g_names.shape[0])),
    )


def _share(beats: np.ndarray, cell_group: np.ndarray, g: int) -> FloatArray:
    """Share of each group's questions (rows) where each aggregate (column) wins."""
    count = np.bincount(cell_group, minlength=g)
    wins = np.column_stack(
        [np.bincount(cell_group, weights=beats[:, j], minlength=g) for j in range(beats.shape[1])]
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = wins / count[:, None]
    return out
