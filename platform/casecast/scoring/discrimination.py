"""Discrimination: the area under the ROC curve.

AUC is the Mann-Whitney probability that a random event got a higher forecast than a
random non-event, ties counting one half (Hanley & McNeil, 1982). Within each group the
rows are taken in forecast order; every run of equal forecasts contributes
``events_in_run x (non-events below the run + non-events_in_run / 2)``. All counts are
whole numbers, so the sums are exact in float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._data import WeightedRows, finish, group_order, prepare_binary, weighted_rows
from ._validate import FloatArray, weighted_sum

Value = float | FloatArray
Count = int | npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class AreaUnderCurve:
    """ROC AUC (higher is better; 0.5 is chance) and the class counts behind it."""

    auc: Value
    n_events: Count
    n_non_events: Count


def auc(
    p: npt.ArrayLike,
    y: npt.ArrayLike,
    groups: npt.ArrayLike | None = None,
    n_groups: int | None = None,
) -> AreaUnderCurve:
    """ROC AUC with ties as one half; NaN for a group without both events and non-events."""
    rows = _sorted(weighted_rows(prepare_binary(p, y, groups, n_groups)))
    pos, neg = rows.events, rows.non_events
    run, run_group = _runs(rows)
    run_pos, run_neg = weighted_sum(run, pos), weighted_sum(run, neg)
    n_pos = weighted_sum(run_group, run_pos, rows.n_groups)
    n_neg = weighted_sum(run_group, run_neg, rows.n_groups)
    below = _non_events_below(run_neg, run_group, n_neg)
    u = weighted_sum(run_group, run_pos * (below + 0.5 * run_neg), rows.n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where((n_pos > 0) & (n_neg > 0), u / (n_pos * n_neg), np.nan)
    return finish(
        AreaUnderCurve,
        groups is not None,
        auc=value,
        n_events=n_pos.astype(np.int64),
        n_non_events=n_neg.astype(np.int64),
    )


def _sorted(rows: WeightedRows) -> WeightedRows:
    if rows.ordered:
        return rows
    order = group_order(rows.p, rows.g, rows.n_groups)
    return WeightedRows(
        rows.p[order],
        rows.events[order],
        rows.non_events[order],
        rows.total[order],
        rows.g[order],
        rows.n_groups,
        True,
    )


def _runs(rows: WeightedRows) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Run id of each row (equal group and forecast) and the group of each run."""
    starts = np.empty(rows.p.shape[0], dtype=bool)
    starts[0] = True
    np.not_equal(rows.p[1:], rows.p[:-1], out=starts[1:])
    starts[1:] |= rows.g[1:] != rows.g[:-1]
    run = np.cumsum(starts) - 1
    return run, rows.g[starts]


def _non_events_below(run_neg: FloatArray, run_group: np.ndarray, n_neg: FloatArray) -> FloatArray:
    """Non-events of the same group with a strictly lower forecast than each run."""
    before_run = np.cumsum(run_neg) - run_neg
    before_group = np.cumsum(n_neg) - n_neg
    out: FloatArray = before_run - before_group[run_group]
    return out
