"""Per-forecast scoring rules: one float64 score per row.

Orientation: Brier, log, RPS, interval, pinball and CRPS scores are losses (lower is
better); the spherical score is positively oriented (higher is better).
References: Brier (1950); Good (1952); Gneiting & Raftery (2007); Epstein (1969) and
Murphy (1971) for the RPS; Koenker & Bassett (1978) for the pinball loss; Bracher et al.
(2021) for the weighted interval score.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._validate import (
    EPS,
    FloatArray,
    as_binary,
    as_categories,
    as_level,
    as_probabilities,
    as_probability_matrix,
    as_real,
    check_broadcast,
    check_length,
)


def _binary(p: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, np.ndarray]:
    prob = as_probabilities(p)
    return prob, as_binary(y, prob.shape[0])


def _multi(P: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, npt.NDArray[np.intp]]:
    matrix = as_probability_matrix(P)
    return matrix, as_categories(y, matrix.shape[0], matrix.shape[1])


def _given_to_outcome(p: FloatArray, y: np.ndarray) -> FloatArray:
    """Probability the forecast gave to what happened: p for an event, 1 - p otherwise."""
    out: FloatArray = np.where(y == 1, p, 1.0 - p)
    return out


def brier(p: npt.ArrayLike, y: npt.ArrayLike) -> FloatArray:
    """(p - y)^2, range 0..1, lower is better."""
    prob, outcome = _binary(p, y)
    out: FloatArray = prob - outcome
    out *= out
    return out


def brier_multi(P: npt.ArrayLike, y: npt.ArrayLike) -> FloatArray:
    """Sum over categories of (P_k - [y = k])^2, range 0..2, lower is better."""
    matrix, category = _multi(P, y)
    # sum_k P_k^2 - 2 P_y + 1, which avoids an (n, K) temporary.
    out = _row_sum_of_squares(matrix)
    out -= 2.0 * matrix[np.arange(matrix.shape[0]), category]
    out += 1.0
    return out


def _row_sum_of_squares(x: FloatArray) -> FloatArray:
    out: FloatArray = np.einsum("ij,ij->i", x, x)
    return out


def log_score(p: npt.ArrayLike, y: npt.ArrayLike) -> FloatArray:
    """-ln(probability given to the outcome), clipped to [EPS, 1 - EPS]; lower is better."""
    prob, outcome = _binary(p, y)
    return _neg_log(_given_to_outcome(prob, outcome))


def log_score_multi(P: npt.ArrayLike, y: npt.ArrayLike) -> FloatArray:
    """-ln(P[y]) with the same clipping as ``log_score``; lower is better."""
    matrix, category = _multi(P, y)
    return _neg_log(matrix[np.arange(matrix.shape[0]), category])


def _neg_log(q: FloatArray) -> FloatArray:
    # Clipping keeps exact 0 at -ln(EPS) = 36.04 instead of inf.
    out = np.clip(q, EPS, 1.0 - EPS)
    np.log(out, out=out)
    np.negative(out, out=out)
    return out


def spherical(p: npt.ArrayLike, y: npt.ArrayLike) -> FloatArray:
    """q / sqrt(p^2 + (1 - p)^2) with q the probability of the outcome; higher is better."""
    prob, outcome = _binary(p, y)
    out = _given_to_outcome(prob, outcome)
    # p^2 + (1 - p)^2 lies in [0.5, 1], so the plain square root needs no hypot guard.
    norm = prob * prob
    norm += (1.0 - prob) ** 2
    out /= np.sqrt(norm, out=norm)
    return out


def spherical_multi(P: npt.ArrayLike, y: npt.ArrayLike) -> FloatArray:
    """P[y] / ||P||_2, range 0..1, higher is better."""
    matrix, category = _multi(P, y)
    out: FloatArray = matrix[np.arange(matrix.shape[0]), category]
    out /= np.sqrt(_row_sum_of_squares(matrix))
    return out


def rps(P: npt.ArrayLike, y: npt.ArrayLike) -> FloatArray:
    """Ranked probability score for ordered categories, range 0..1, lower is better.

    sum_{k < K-1} (F_k - O_k)^2 / (K - 1), with F the cumulative forecast and O the
    cumulative outcome (O_k = 1 when y <= k).
    """
    matrix, category = _multi(P, y)
    k = matrix.shape[1]
    # One column at a time (K is small) keeps memory at a few row-length vectors.
    cumulative = np.zeros(matrix.shape[0])
    out = np.zeros(matrix.shape[0])
    for j in range(k - 1):
        cumulative += matrix[:, j]
        diff = cumulative - (category <= j)
        out += diff * diff
    out /= k - 1
    return out


def interval_score(
    lower: npt.ArrayLike, upper: npt.ArrayLike, y: npt.ArrayLike, alpha: npt.ArrayLike
) -> FloatArray:
    """Gneiting & Raftery (2007) score of a central (1 - alpha) interval; lower is better.

    (u - l) + (2 / alpha)(l - y)[y < l] + (2 / alpha)(y - u)[y > u].
    """
    lo = as_real(lower, "lower")
    n = lo.shape[0]
    hi, obs = as_real(upper, "upper"), as_real(y, "y")
    check_length(n, hi, "upper", "lower")
    check_length(n, obs, "y", "lower")
    if (hi < lo).any():
        raise ValueError("upper is below lower for some rows")
    level = as_level(alpha, "alpha")
    check_broadcast(level, n, "alpha")
    below = np.maximum(lo - obs, 0.0)
    above = np.maximum(obs - hi, 0.0)
    out: FloatArray = (hi - lo) + (2.0 / level) * (below + above)
    return out


def pinball(q: npt.ArrayLike, y: npt.ArrayLike, tau: npt.ArrayLike) -> FloatArray:
    """Quantile (pinball) loss ([y < q] - tau)(q - y) of a tau-quantile; lower is better."""
    quantile = as_real(q, "q")
    obs = as_real(y, "y")
    check_length(quantile.shape[0], obs, "y", "q")
    level = as_level(tau, "tau")
    check_broadcast(level, quantile.shape[0], "tau")
    return _pinball(quantile, obs, level)


def _pinball(q: FloatArray, y: FloatArray, tau: FloatArray) -> FloatArray:
    diff = y - q
    out: FloatArray = np.maximum(tau * diff, (tau - 1.0) * diff)
    return out


def weighted_interval_score(Q: npt.ArrayLike, y: npt.ArrayLike, taus: npt.ArrayLike) -> FloatArray:
    """Weighted interval score: 2 x mean pinball loss over the M elicited levels.

    For a median plus K symmetric pairs of levels this is exactly the WIS of Bracher et
    al. (2021); lower is better. Only with many levels (or an ensemble at midpoint
    levels) does it approach the CRPS, so three quantiles are not called CRPS.
    ``Q`` is (n, M), ``taus`` has length M.
    """
    quantiles = _as_quantile_matrix(Q)
    obs = as_real(y, "y")
    check_length(quantiles.shape[0], obs, "y", "Q")
    level = as_level(taus, "taus")
    if level.ndim != 1 or level.shape[0] != quantiles.shape[1]:
        raise ValueError(f"taus must have one level per column of Q ({quantiles.shape[1]})")
    loss = _pinball(quantiles, obs[:, None], level[None, :])
    out: FloatArray = 2.0 * loss.mean(axis=1)
    return out


def _as_quantile_matrix(Q: npt.ArrayLike) -> FloatArray:
    arr = np.asarray(Q)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"Q must be a non-empty (n, M) matrix, got shape {arr.shape}")
    return as_real(arr.ravel(), "Q").reshape(arr.shape)
