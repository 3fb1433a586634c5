"""Input checks and grouped reductions shared by the insights modules.

Every public function converts its array-likes here, so a bad argument fails with a
``ValueError`` that names it, before anything is computed.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.special import logit

from casecast.scoring import EPS

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def vector(x: npt.ArrayLike, name: str, n: int | None = None) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} rows but the forecasts have {n}")
    return arr


def probabilities(x: npt.ArrayLike, name: str = "p", n: int | None = None) -> FloatArray:
    arr = vector(x, name, n)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    out = arr.astype(np.float64)
    if np.isnan(out).any() or out.min() < 0.0 or out.max() > 1.0:
        raise ValueError(f"{name} must hold probabilities in [0, 1] without NaN")
    return out


def binary(x: npt.ArrayLike, name: str, n: int) -> FloatArray:
    arr = vector(x, name, n)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric 0/1, got dtype {arr.dtype}")
    out = arr.astype(np.float64)
    if not np.isin(out, (0.0, 1.0)).all():
        raise ValueError(f"{name} must hold only 0 and 1")
    return out


def labels(x: npt.ArrayLike, name: str, n: int) -> tuple[IntArray, np.ndarray]:
    """Dense codes 0..G-1 for integer labels, and the labels in ascending order."""
    arr = vector(x, name, n)
    if arr.dtype.kind not in "biu":
        raise ValueError(f"{name} must hold integer labels, got dtype {arr.dtype}")
    values, codes = np.unique(arr, return_inverse=True)
    return codes.astype(np.intp), values


def optional_labels(x: npt.ArrayLike | None, name: str, n: int) -> tuple[IntArray, np.ndarray]:
    """Like ``labels``; None means one group labelled 0."""
    if x is None:
        return np.zeros(n, dtype=np.intp), np.zeros(1, dtype=np.int64)
    return labels(x, name, n)


def log_odds(p: FloatArray) -> FloatArray:
    """logit p after clipping to [EPS, 1 - EPS], the scoring engine's convention."""
    out: FloatArray = logit(np.clip(p, EPS, 1.0 - EPS))
    return out


def positive_int(value: object, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def group_sum(values: FloatArray, codes: IntArray, n: int) -> FloatArray:
    out: FloatArray = np.bincount(codes, weights=values, minlength=n).astype(np.float64)
    return out


def group_count(codes: IntArray, n: int) -> npt.NDArray[np.int64]:
    return np.bincount(codes, minlength=n).astype(np.int64)


def ratio(num: FloatArray, den: npt.ArrayLike) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.asarray(num, dtype=np.float64) / np.asarray(den, dtype=np.float64)
    return out


def group_mean(values: FloatArray, codes: IntArray, n: int) -> FloatArray:
    return ratio(group_sum(values, codes, n), group_count(codes, n))


def sort_within(values: FloatArray, codes: IntArray) -> tuple[FloatArray, IntArray]:
    """Values and codes sorted by (code, value): each group a contiguous ascending run."""
    order = np.lexsort((values, codes))
    return values[order], codes[order]


def group_median(values: FloatArray, codes: IntArray, n: int) -> FloatArray:
    ordered, _ = sort_within(values, codes)
    count = group_count(codes, n)
    start = np.cumsum(count) - count
    has = count > 0
    out = np.full(n, np.nan)
    lower = ordered[(start + (count - 1) // 2)[has]]
    upper = ordered[(start + count // 2)[has]]
    out[has] = 0.5 * (lower + upper)
    return out


def group_sd(values: FloatArray, codes: IntArray, n: int) -> FloatArray:
    """Sample standard deviation (divisor n - 1) per group; NaN below two values."""
    count = group_count(codes, n)
    mean = group_mean(values, codes, n)
    dev = values - mean[codes]
    var = ratio(group_sum(dev * dev, codes, n), np.maximum(count - 1, 0))
    out: FloatArray = np.where(count > 1, np.sqrt(np.abs(var)), np.nan)
    return out


def frozen(arr: npt.ArrayLike) -> np.ndarray:
    out = np.array(arr)
    out.setflags(write=False)
    return out
