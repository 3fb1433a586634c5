"""Belief updating: when a case unfolds, do workers move their forecast the right way?

Each row is one worker's forecast on one question at an earlier stage (``before``) and
their updated forecast at a later stage (``after``), with the question's outcome. An
update moves *toward the outcome* when |after - y| < |before - y|; rows where the
forecast did not change are counted in the mean absolute update (as 0) but not in the
share moving toward the outcome. Brier before and after are means over the same rows,
so their difference is the value of the new information as used (Tetlock & Gardner
2015, ch. 7, on "perpetual beta" updating; Atanasov et al. 2020, on update frequency and
magnitude, *Management Science*).
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
    optional_labels,
    probabilities,
    ratio,
)


@dataclass(frozen=True, eq=False)
class Updating:
    """Per group (arrays in ascending group order)."""

    group: np.ndarray
    n: npt.NDArray[np.int64]  # before/after pairs
    n_changed: npt.NDArray[np.int64]  # pairs where the forecast moved
    mean_abs_update_pp: FloatArray
    share_toward_outcome: FloatArray  # among changed pairs; NaN when none changed
    brier_before: FloatArray
    brier_after: FloatArray


def belief_updating(
    *,
    before: npt.ArrayLike,
    after: npt.ArrayLike,
    y: npt.ArrayLike,
    group: npt.ArrayLike | None = None,
) -> Updating:
    """How much and how well forecasts move between stages, per group (for example arm)."""
    p0 = probabilities(before, "before")
    n = p0.shape[0]
    p1 = probabilities(after, "after", n)
    out = binary(y, "y", n)
    codes, names = optional_labels(group, "group", n)
    g = names.shape[0]
    changed = p1 != p0
    toward = np.abs(p1 - out) < np.abs(p0 - out)
    n_changed = group_count(codes[changed], g)
    return Updating(
        group=frozen(names),
        n=frozen(group_count(codes, g)),
        n_changed=frozen(n_changed),
        mean_abs_update_pp=frozen(100.0 * group_mean(np.abs(p1 - p0), codes, g)),
        share_toward_outcome=frozen(
            ratio(np.bincount(codes[changed & toward], minlength=g).astype(float), n_changed)
        ),
        brier_before=frozen(group_mean((p0 - out) ** 2, codes, g)),
        brier_after=frozen(group_mean((p1 - out) ** 2, codes, g)),
    )
