"""Input checks shared by every scoring function.

Each checker converts an array-like into the dtype the engine computes with and raises
``ValueError`` naming the argument and the problem. Range checks use ``min``/``max``
first because they are single fast passes; the slower diagnosis only runs on failure.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Tolerance on the row sums of a probability matrix.
ROW_SUM_TOLERANCE = 1e-9

#: Probabilities are clipped to [EPS, 1 - EPS] wherever a logarithm or logit is taken,
#: the float64 machine epsilon as scikit-learn's log_loss uses, so 0 and 1 stay finite.
EPS = float(np.finfo(np.float64).eps)

# Integer labels spanning at most this many values per row are factorised with bincount
# (linear time); wider ranges fall back to np.unique's sort.
_DENSE_LABEL_FACTOR = 4


def as_vector(x: npt.ArrayLike, name: str) -> np.ndarray:
    """A non-empty 1-D array; a scalar counts as one element."""
    arr = np.asarray(x)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    return arr


def check_length(n: int, other: np.ndarray, name: str, reference: str) -> None:
    if other.shape[0] != n:
        raise ValueError(
            f"{name} has {other.shape[0]} rows but {reference} has {n}: lengths must match"
        )


def _require_numeric(arr: np.ndarray, name: str) -> None:
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")


def as_real(x: npt.ArrayLike, name: str) -> FloatArray:
    """Finite real numbers (scores, quantiles, observations)."""
    arr = as_vector(x, name)
    _require_numeric(arr, name)
    out = arr.astype(np.float64, copy=False)
    if not (np.isfinite(out.min()) and np.isfinite(out.max())):
        _raise_non_finite(out, name)
    return out


def _raise_non_finite(arr: np.ndarray, name: str) -> None:
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN")
    raise ValueError(f"{name} contains infinite values")


def as_probabilities(p: npt.ArrayLike, name: str = "p") -> FloatArray:
    """Probabilities in [0, 1] as float64, without NaN."""
    out = float_array(p, name)
    check_unit_interval(out, name)
    return out


def float_array(x: npt.ArrayLike, name: str) -> FloatArray:
    """A numeric vector as float64; the caller still checks its values."""
    arr = as_vector(x, name)
    _require_numeric(arr, name)
    return arr.astype(np.float64, copy=False)


def check_unit_interval(arr: np.ndarray, name: str) -> None:
    # min/max propagate NaN, and NaN fails both comparisons, so one test covers both.
    lo, hi = arr.min(), arr.max()
    if lo >= 0.0 and hi <= 1.0:
        return
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN")
    raise ValueError(
        f"{name} contains values outside [0, 1] (min {float(lo)!r}, max {float(hi)!r})"
    )


def as_binary(y: npt.ArrayLike, n: int, name: str = "y", reference: str = "p") -> np.ndarray:
    """0/1 outcomes as an integer array (booleans and exact 0.0/1.0 floats are accepted)."""
    arr = outcome_array(y, n, name, reference)
    if arr.min() < 0 or arr.max() > 1:
        raise ValueError(f"{name} must contain only 0 and 1 outcomes")
    return arr


def outcome_array(y: npt.ArrayLike, n: int, name: str = "y", reference: str = "p") -> np.ndarray:
    """Outcomes as integers; the caller still checks that integer input is only 0 and 1."""
    arr = as_vector(y, name)
    check_length(n, arr, name, reference)
    if arr.dtype == np.bool_:
        return arr.view(np.int8)
    if arr.dtype.kind in "iu":
        return arr  # a narrowing copy would cost a pass
    if arr.dtype.kind == "f":
        if np.isnan(arr).any():
            raise ValueError(f"{name} contains NaN")
        if not ((arr == 0.0) | (arr == 1.0)).all():
            raise ValueError(f"{name} must contain only 0 and 1 outcomes")
        return arr.astype(np.int8)
    raise ValueError(f"{name} must contain 0/1 outcomes, got dtype {arr.dtype}")


def as_probability_matrix(P: npt.ArrayLike, name: str = "P") -> FloatArray:
    """An (n, K) matrix of probabilities whose rows sum to 1, K >= 2."""
    arr = np.asarray(P)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a two-dimensional (n, K) matrix, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty")
    if arr.shape[1] < 2:
        raise ValueError(f"{name} needs at least 2 categories, got {arr.shape[1]}")
    _require_numeric(arr, name)
    out = arr.astype(np.float64, copy=False)
    check_unit_interval(out, name)
    _check_row_sums(out, name)
    return out


def _check_row_sums(P: FloatArray, name: str) -> None:
    error = np.abs(P @ np.ones(P.shape[1]) - 1.0)
    worst = int(error.argmax())
    if error[worst] > ROW_SUM_TOLERANCE:
        raise ValueError(
            f"rows of {name} must sum to 1 (within {ROW_SUM_TOLERANCE:g}); "
            f"row {worst} sums to {float(P[worst].sum())!r}"
        )


def as_categories(y: npt.ArrayLike, n: int, k: int, name: str = "y") -> IntArray:
    """Category indices 0..k-1 as intp (whole-number floats are accepted)."""
    arr = as_vector(y, name)
    check_length(n, arr, name, "P")
    if arr.dtype.kind == "f":
        if np.isnan(arr).any():
            raise ValueError(f"{name} contains NaN")
        if not (arr == np.round(arr)).all():
            raise ValueError(f"{name} must contain whole-number category indices")
    elif arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must contain integer category indices, got dtype {arr.dtype}")
    if arr.min() < 0 or arr.max() > k - 1:
        raise ValueError(f"{name} contains categories outside 0..{k - 1}")
    return arr.astype(np.intp, copy=False)


def as_group_codes(
    groups: npt.ArrayLike, n: int, n_groups: int | None, name: str = "groups"
) -> tuple[IntArray, int]:
    """Integer group codes 0..G-1 and G (from ``n_groups`` or the largest code + 1)."""
    arr = group_array(groups, n, name)
    lo, hi = int(arr.min()), int(arr.max())
    if lo < 0:
        raise ValueError(f"{name} contains negative codes; codes must be 0..G-1")
    if n_groups is None:
        return arr, hi + 1
    count = as_count(n_groups, "n_groups", minimum=1)
    if hi >= count:
        raise ValueError(f"{name} contains code {hi} but n_groups is {count}")
    return arr, count


def group_array(groups: npt.ArrayLike, n: int, name: str = "groups") -> IntArray:
    """Group codes as intp; the caller still checks their range."""
    arr = as_vector(groups, name)
    check_length(n, arr, name, "p")
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must contain integer codes 0..G-1, got dtype {arr.dtype}")
    return arr.astype(np.intp, copy=False)


def as_count(value: object, name: str, minimum: int) -> int:
    """A whole number >= minimum (bins, replicates, group counts)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def as_level(value: npt.ArrayLike, name: str) -> FloatArray:
    """A level strictly inside (0, 1), scalar or one per row (alpha, tau)."""
    arr = np.asarray(value)
    _require_numeric(arr, name)
    out = arr.astype(np.float64, copy=False)
    if out.size == 0:
        raise ValueError(f"{name} is empty")
    if np.isnan(out).any():
        raise ValueError(f"{name} contains NaN")
    if not ((out > 0.0) & (out < 1.0)).all():
        raise ValueError(f"{name} must lie strictly between 0 and 1")
    return out


def check_broadcast(level: FloatArray, n: int, name: str) -> None:
    if level.ndim > 1 or (level.ndim == 1 and level.shape[0] not in (1, n)):
        raise ValueError(f"{name} must be a scalar or have one value per row ({n})")


def factorize(labels: np.ndarray, name: str) -> tuple[IntArray, np.ndarray]:
    """Codes 0..U-1 in ascending label order, and the U distinct labels.

    The codes depend only on the label values, never on row order, which keeps every
    downstream result (and every bootstrap draw) independent of how rows are sorted.
    """
    if labels.dtype.kind in "iu":
        lo, hi = int(labels.min()), int(labels.max())
        if hi - lo < _DENSE_LABEL_FACTOR * labels.shape[0] + 1024:
            return _factorize_dense(labels, lo, hi)
    elif labels.dtype.kind not in "UST":
        raise ValueError(f"{name} must contain integer or string labels, got {labels.dtype}")
    uniques, inverse = np.unique(labels, return_inverse=True)
    return inverse.astype(np.intp, copy=False), uniques


def _factorize_dense(labels: np.ndarray, lo: int, hi: int) -> tuple[IntArray, np.ndarray]:
    shifted = labels.astype(np.intp) - lo
    present = np.bincount(shifted, minlength=hi - lo + 1) > 0
    new_code = np.cumsum(present) - 1
    uniques = (np.flatnonzero(present) + lo).astype(labels.dtype)
    return new_code[shifted].astype(np.intp, copy=False), uniques


def weighted_sum(codes: IntArray, weights: npt.ArrayLike, n: int = 0) -> FloatArray:
    """Sum of weights per code (np.bincount, typed as the float64 it returns)."""
    return np.bincount(codes, weights=weights, minlength=n).astype(np.float64, copy=False)
