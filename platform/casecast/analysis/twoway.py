"""Uncertainty over participants (or councils) *and* questions: the pigeonhole bootstrap.

For the estimand "vignettes like these" the questions are a sample too. Each replicate
draws participants (or whole councils, under cluster randomisation) with replacement
within their arm and, independently, the questions with replacement, the same draw of
questions for every arm because every arm answers the same questions (so question
difficulty cancels from the difference; what remains is how the effect varies between
questions). Each participant's outcome is recomputed as their mean over the drawn
questions and the ANCOVA is refitted as weighted least squares, the weights being how
often the participant was drawn. Owen (2007) shows this bootstrap is mildly
conservative (its variance adds a multiple of the interaction variance over
participants x questions), which we accept rather than undercover.

Replicates are computed in blocks of matrix products: no Python loop over replicates.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

_BLOCK = 250  # replicates per block: bounds memory at 6,000 participants


def pigeonhole_differences(
    *,
    scores: FloatArray,
    X: FloatArray,
    unit: IntArray,
    unit_arm: IntArray,
    contrasts: IntArray,
    n_boot: int,
    seed: int,
) -> FloatArray:
    """(n_boot, q) replicate estimates of the contrasts' coefficients.

    ``scores`` is participants x questions (NaN where not answered); ``unit`` maps each
    participant to its resampling unit (itself, or its council), ``unit_arm`` gives
    each unit's arm. X's outcome-independent columns are held fixed.
    """
    rng = np.random.default_rng(seed)
    answered = ~np.isnan(scores)
    filled = np.where(answered, scores, 0.0)
    n_questions = scores.shape[1]
    n_units = unit_arm.shape[0]
    outer = (X[:, :, None] * X[:, None, :]).reshape(X.shape[0], -1)
    out = np.empty((n_boot, contrasts.shape[0]))
    for start in range(0, n_boot, _BLOCK):
        b = min(_BLOCK, n_boot - start)
        q_counts = _counts(rng.integers(0, n_questions, (b, n_questions)), n_questions)
        u_counts = np.zeros((b, n_units))
        for arm in np.unique(unit_arm):
            members = np.flatnonzero(unit_arm == arm)
            drawn = members[rng.integers(0, members.shape[0], (b, members.shape[0]))]
            u_counts += _counts(drawn, n_units)
        weight = u_counts[:, unit]  # (b, n)
        outcome = (filled @ q_counts.T) / (answered @ q_counts.T)  # (n, b)
        # A participant who answered none of the drawn questions has no outcome: weight 0.
        missing = ~np.isfinite(outcome.T)
        weight = np.where(missing, 0.0, weight)
        outcome_t = np.where(missing, 0.0, outcome.T)
        k = X.shape[1]
        xtwx = (weight @ outer).reshape(b, k, k)
        xtwy = (weight * outcome_t) @ X
        coef = np.linalg.solve(xtwx, xtwy[:, :, None])[:, :, 0]
        out[start : start + b] = coef[:, contrasts]
    return out


def _counts(draws: npt.NDArray[np.int64], size: int) -> FloatArray:
    """How often each index appears in each row of ``draws``."""
    rows = draws.shape[0]
    flat = (draws + size * np.arange(rows)[:, None]).ravel()
    return np.bincount(flat, minlength=rows * size).reshape(rows, size).astype(np.float64)
