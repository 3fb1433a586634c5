"""The numbers behind a participant's judgement profile (issue 12, item 6).

Per worker, from their own final forecasts on resolved yes/no questions:

* over/under-confidence: mean forecast minus event rate over their forecasts above 50%
  and below 50% (as in ``calibration``);
* distance from colleagues: on each question, the gap between the worker's forecast and
  the mean forecast of the *other* workers in the same peer group (council or arm) on
  that question, averaged over the worker's questions — both signed (positive: puts
  risks higher than colleagues) and absolute, in percentage points. Only an average of
  at least ``min_colleagues`` others is ever used, so no other individual's answer can
  be read back from it.

How much a worker updates between stages is ``belief_updating(..., group=worker)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._inputs import (
    FloatArray,
    binary,
    frozen,
    group_count,
    group_mean,
    group_sum,
    labels,
    optional_labels,
    positive_int,
    probabilities,
    ratio,
)


@dataclass(frozen=True, eq=False)
class JudgementProfile:
    """One row per worker (ascending worker label)."""

    worker: np.ndarray
    n: npt.NDArray[np.int64]
    over_high: FloatArray  # mean p - event rate, forecasts above 0.5; NaN if none
    n_high: npt.NDArray[np.int64]
    over_low: FloatArray  # mean p - event rate, forecasts below 0.5; NaN if none
    n_low: npt.NDArray[np.int64]
    peer_gap_pp: FloatArray  # mean (own - colleagues' mean), percentage points
    peer_abs_gap_pp: FloatArray  # mean |own - colleagues' mean|
    n_peer_questions: npt.NDArray[np.int64]  # questions with enough colleagues


def judgement_profile(
    *,
    p: npt.ArrayLike,
    y: npt.ArrayLike,
    worker: npt.ArrayLike,
    question: npt.ArrayLike,
    peer_group: npt.ArrayLike | None = None,
    min_colleagues: int = 3,
) -> JudgementProfile:
    """Each worker's calibration tendencies and distance from colleagues on the same cases."""
    prob = probabilities(p)
    n = prob.shape[0]
    out = binary(y, "y", n)
    w, w_names = labels(worker, "worker", n)
    q, q_names = labels(question, "question", n)
    g, _ = optional_labels(peer_group, "peer_group", n)
    k = w_names.shape[0]
    if np.unique(w * q_names.shape[0] + q).shape[0] != n:
        raise ValueError("a worker has more than one forecast on a question; pass one per cell")
    high, low = prob > 0.5, prob < 0.5
    gap, usable = _peer_gap(
        prob, g * q_names.shape[0] + q, positive_int(min_colleagues, "min_colleagues")
    )
    n_peer = group_count(w[usable], k)
    return JudgementProfile(
        worker=frozen(w_names),
        n=frozen(group_count(w, k)),
        over_high=frozen(group_mean((prob - out)[high], w[high], k)),
        n_high=frozen(group_count(w[high], k)),
        over_low=frozen(group_mean((prob - out)[low], w[low], k)),
        n_low=frozen(group_count(w[low], k)),
        peer_gap_pp=frozen(100.0 * ratio(group_sum(gap[usable], w[usable], k), n_peer)),
        peer_abs_gap_pp=frozen(100.0 * ratio(group_sum(np.abs(gap[usable]), w[usable], k), n_peer)),
        n_peer_questions=frozen(n_peer),
    )


def _peer_gap(
    p: FloatArray, cell: npt.NDArray[np.intp], minimum: int
) -> tuple[FloatArray, np.ndarray]:
    """Own forecast minus the mean of the others in the same (peer group, question) cell."""
    _, inverse = np.unique(cell, return_inverse=True)
    count = np.bincount(inverse)
    total = np.bincount(inverse, weights=p)
    others = count[inverse] - 1
    usable = others >= minimum
    gap = p - ratio(total[inverse] - p, np.maximum(others, 1))
    return np.where(usable, gap, np.nan), usable
