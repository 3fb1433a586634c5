"""Murphy decomposition of the Brier score and the Brier skill score.

References: Murphy (1973); Stephenson, Coelho & Jolliffe (2008) for the two within-bin
terms; Ferro & Fricker (2012) for the bias-corrected components.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._bins import BinStats, bin_stats
from ._data import finish, prepare_binary
from ._validate import FloatArray, as_count

# Scalar fields become length-G arrays when the summary is grouped.
Value = float | FloatArray


@dataclass(frozen=True, eq=False)
class MurphyDecomposition:
    """Brier score = reliability - generalized_resolution + uncertainty (lower is better)."""

    brier: Value
    reliability: Value
    resolution: Value
    uncertainty: Value
    within_bin_variance: Value
    within_bin_covariance: Value
    generalized_resolution: Value
    reliability_ff: Value
    resolution_ff: Value
    uncertainty_ff: Value
    n: int | npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class BrierSkill:
    """1 - brier / reference_brier (higher is better; 0 = no better than the reference)."""

    skill: Value
    brier: Value
    reference_brier: Value
    n: int | npt.NDArray[np.int64]


def murphy(
    p: npt.ArrayLike,
    y: npt.ArrayLike,
    bins: int = 10,
    groups: npt.ArrayLike | None = None,
    n_groups: int | None = None,
) -> MurphyDecomposition:
    """Murphy decomposition with Stephenson's within-bin terms and Ferro-Fricker corrections.

    Undefined values are NaN: every field of a group with no rows, and the Ferro-Fricker
    fields of a group with a single row.
    """
    size = as_count(bins, "bins", minimum=1)
    data = prepare_binary(p, y, groups, n_groups)
    stats = bin_stats(data.p, data.y, data.g, data.n_groups, size, data.table)
    return finish(MurphyDecomposition, data.grouped, **_murphy_fields(stats))


def _murphy_fields(stats: BinStats) -> dict[str, np.ndarray]:
    n = stats.n
    with np.errstate(divide="ignore", invalid="ignore"):
        base = stats.sum_y.sum(axis=1) / n
        fbar = np.nan_to_num(stats.mean_forecast)
        obar = np.nan_to_num(stats.observed_rate)
        reliability = (stats.count * (fbar - obar) ** 2).sum(axis=1) / n
        resolution = (stats.count * (obar - base[:, None]) ** 2).sum(axis=1) / n
        uncertainty = base * (1.0 - base)
        variance = stats.sq_dev.sum(axis=1) / n
        covariance = 2.0 * stats.co_dev.sum(axis=1) / n
        correction = _ferro_fricker_correction(stats.count, obar) / n
        return {
            "brier": stats.brier_sum / n,
            "reliability": reliability,
            "resolution": resolution,
            "uncertainty": uncertainty,
            "within_bin_variance": variance,
            "within_bin_covariance": covariance,
            "generalized_resolution": resolution - variance + covariance,
            "reliability_ff": reliability - correction,
            "resolution_ff": resolution - correction + uncertainty / (n - 1.0),
            "uncertainty_ff": uncertainty * n / (n - 1.0),
            "n": n.astype(np.int64),
        }


def _ferro_fricker_correction(count: FloatArray, obar: FloatArray) -> FloatArray:
    """Sum over bins of n_k o_k (1 - o_k) / (n_k - 1); bins with n_k < 2 add nothing."""
    term = np.zeros_like(count)
    np.divide(count * obar * (1.0 - obar), count - 1.0, out=term, where=count >= 2)
    out: FloatArray = term.sum(axis=1)
    return out


def brier_skill(
    p: npt.ArrayLike,
    y: npt.ArrayLike,
    reference: float | None = None,
    groups: npt.ArrayLike | None = None,
    n_groups: int | None = None,
) -> BrierSkill:
    """Brier skill score against the group's own base rate (None) or a constant forecast.

    NaN where the reference Brier score is 0 (a base rate of 0 or 1 with ``reference=None``)
    or the group has no rows.
    """
    ref = _as_reference(reference)
    data = prepare_binary(p, y, groups, n_groups)
    stats = bin_stats(data.p, data.y, data.g, data.n_groups, 1, data.table, within=False)
    n, events = stats.n, stats.sum_y[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        brier = stats.brier_sum / n
        rate = events / n
        if ref is None:
            reference_brier = rate * (1.0 - rate)
        else:
            reference_brier = rate * (1.0 - ref) ** 2 + (1.0 - rate) * ref**2
        skill = np.where(reference_brier > 0, 1.0 - brier / reference_brier, np.nan)
    fields = {"skill": skill, "brier": brier, "reference_brier": reference_brier}
    return finish(BrierSkill, data.grouped, **fields, n=n.astype(np.int64))


def _as_reference(reference: float | None) -> float | None:
    if reference is None:
        return None
    value = float(reference)
    if not 0.0 <= value <= 1.0:  # also rejects NaN
        raise ValueError(f"reference must be a probability in [0, 1], got {reference!r}")
    return value
