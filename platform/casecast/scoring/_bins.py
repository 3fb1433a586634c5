"""Equal-width, right-closed probability bins and the per-bin sums the summaries share.

Bin ``k`` of ``B`` is ``(k/B, (k+1)/B]`` and bin 0 also holds 0, as in scikit-learn's
``calibration_curve``, so 0.3 is in bin 2 of 10 and 0.7 in bin 6. A forecast is compared
with the edge ``fl(k/B)`` (the double nearest ``k/B``) itself, because the rounding of
``p * B`` can carry a forecast across an edge (the double just above 1/3, times 3, is 1.0).

Two paths give identical bins:

* whole-percent grid: when every forecast equals ``fl(j/100)`` the engine counts forecasts
  per (group, percent, outcome) cell in one integer pass and derives every sum from that
  small table; bin membership is exact integer arithmetic on ``j``;
* general: any other input (aggregates, off-grid values) is binned value by value.

Rows are processed in chunks so temporaries stay small and are reused by the allocator.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._validate import FloatArray, IntArray, as_count, as_probabilities

CHUNK = 1 << 16
PERCENT = 100
#: The whole-percent forecasts fl(j/100), j = 0..100.
GRID = np.arange(PERCENT + 1) / PERCENT


def row_chunks(n: int) -> Iterator[slice]:
    for start in range(0, n, CHUNK):
        yield slice(start, min(start + CHUNK, n))


def edges(bins: int) -> FloatArray:
    """The B + 1 bin edges fl(k/B)."""
    return np.arange(bins + 1) / bins


def general_bins(p: FloatArray, bins: int) -> IntArray:
    """Bin of each forecast, exact against the edges fl(k/B) for any float input."""
    edge = edges(bins)
    guess = np.ceil(p * bins).astype(np.intp)
    guess -= 1
    np.clip(guess, 0, bins - 1, out=guess)
    # p * B is off by at most one rounding, so the guess is at most one bin out either way.
    guess -= (p <= edge[guess]) & (guess > 0)
    guess += p > edge[guess + 1]
    return guess


def percent_to_bin(bins: int) -> IntArray:
    """Bin of each whole percent j: ceil(j * B / 100) - 1 in integers, with 0 in bin 0."""
    j = np.arange(PERCENT + 1, dtype=np.intp)
    out = (j * bins - 1) // PERCENT
    out[0] = 0
    return out


def bin_index(p: npt.ArrayLike, bins: int = 10) -> IntArray:
    """Bin (0..bins-1) of each forecast under the engine's right-closed convention."""
    prob = as_probabilities(p)
    size = as_count(bins, "bins", minimum=1)
    out = np.empty(prob.shape[0], dtype=np.intp)
    for sl in row_chunks(prob.shape[0]):
        out[sl] = general_bins(prob[sl], size)
    return out


@dataclass(frozen=True)
class BinStats:
    """Per-(group, bin) sums; every array is (G, B) except ``brier_sum`` (G,)."""

    count: FloatArray
    sum_p: FloatArray
    sum_y: FloatArray
    sq_dev: FloatArray  # sum of (p - bin mean forecast)^2
    co_dev: FloatArray  # sum of (p - bin mean forecast) (y - bin event rate)
    brier_sum: FloatArray

    @property
    def n(self) -> FloatArray:
        out: FloatArray = self.count.sum(axis=1)
        return out

    @property
    def mean_forecast(self) -> FloatArray:
        return ratio(self.sum_p, self.count)

    @property
    def observed_rate(self) -> FloatArray:
        return ratio(self.sum_y, self.count)


def ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    """num / den with NaN where den is 0 (an empty bin or group)."""
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def bin_stats(
    p: FloatArray,
    y: np.ndarray,
    g: IntArray,
    n_groups: int,
    bins: int,
    table: IntArray | None,
    within: bool = True,
) -> BinStats:
    """Per-bin sums from the whole-percent table when there is one, else row by row."""
    if table is not None:
        return stats_from_table(table, bins)
    return _stats_from_rows(p, y, g, n_groups, bins, within)


def stats_from_table(table: IntArray, bins: int) -> BinStats:
    """BinStats from (G, 101, 2) counts through exact integer moments of j = 100 p.

    Per bin, n = sum c, S1 = sum c j, S2 = sum c j^2, Y = sum of events and E = sum of
    events x j are whole numbers, so sum (p - f_k)^2 = (n S2 - S1^2) / (10^4 n) and
    sum (p - f_k)(y - o_k) = (n E - Y S1) / (100 n) have exact numerators, rounded once.
    """
    n, s1, s2, events, e1 = _bin_moments(table, bins)
    j = np.arange(PERCENT + 1, dtype=np.int64)
    brier_num = table[:, :, 0] @ (j * j) + table[:, :, 1] @ ((PERCENT - j) ** 2)
    return BinStats(
        n.astype(np.float64),
        s1 / PERCENT,
        events.astype(np.float64),
        _exact_ratio(n * s2 - s1 * s1, n * PERCENT**2),
        _exact_ratio(n * e1 - events * s1, n * PERCENT),
        brier_num / PERCENT**2,
    )


def _bin_moments(table: IntArray, bins: int) -> np.ndarray:
    """(5, G, B) integer sums per bin: count, sum j, sum j^2, events, sum of events x j.

    A bin is a run of consecutive percents, so each is a small slice of the table; looping
    over the B bins (not the groups) keeps every temporary G x 3 in size, and the integer
    products need no BLAS (whose threads make small products erratic on a busy machine).
    """
    j = np.arange(PERCENT + 1, dtype=np.int64)
    powers = np.stack([np.ones_like(j), j, j * j], axis=1)  # (101, 3)
    starts = np.searchsorted(percent_to_bin(bins), np.arange(bins + 1))
    out = np.zeros((5, table.shape[0], bins), dtype=np.int64)
    for k in range(bins):
        lo, hi = starts[k], starts[k + 1]
        if lo == hi:
            continue  # with more than 100 bins some hold no whole percent
        events = table[:, lo:hi, 1] @ powers[lo:hi]
        out[:3, :, k] = (table[:, lo:hi, 0] @ powers[lo:hi] + events).T
        out[3:, :, k] = events[:, :2].T
    return out


def _exact_ratio(num: npt.NDArray[np.int64], den: npt.NDArray[np.int64]) -> FloatArray:
    """num / den rounded once, 0 where den is 0 (an empty bin)."""
    out = np.zeros(num.shape)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _zero_empty(x: FloatArray) -> FloatArray:
    # Empty bins hold no rows, so any finite stand-in keeps NaN out of the sums.
    return np.nan_to_num(x, nan=0.0)


def _stats_from_rows(
    p: FloatArray, y: np.ndarray, g: IntArray, n_groups: int, bins: int, within: bool
) -> BinStats:
    cells = n_groups * bins
    count, sum_p, sum_y = np.zeros(cells), np.zeros(cells), np.zeros(cells)
    brier_sum = np.zeros(n_groups)
    for sl in row_chunks(p.shape[0]):
        code = _cell_code(p[sl], g[sl], bins)
        count += np.bincount(code, minlength=cells)
        sum_p += np.bincount(code, weights=p[sl], minlength=cells)
        sum_y += np.bincount(code, weights=y[sl], minlength=cells)
        brier_sum += np.bincount(g[sl], weights=(p[sl] - y[sl]) ** 2, minlength=n_groups)
    sq_dev, co_dev = np.zeros(cells), np.zeros(cells)
    if within:
        _within_bin_sums(p, y, g, bins, count, sum_p, sum_y, sq_dev, co_dev)
    shape = (n_groups, bins)
    return BinStats(
        count.reshape(shape),
        sum_p.reshape(shape),
        sum_y.reshape(shape),
        sq_dev.reshape(shape),
        co_dev.reshape(shape),
        brier_sum,
    )


def _cell_code(p: FloatArray, g: IntArray, bins: int) -> IntArray:
    code = general_bins(p, bins)
    code += g * bins
    return code


def _within_bin_sums(
    p: FloatArray,
    y: np.ndarray,
    g: IntArray,
    bins: int,
    count: FloatArray,
    sum_p: FloatArray,
    sum_y: FloatArray,
    sq_dev: FloatArray,
    co_dev: FloatArray,
) -> None:
    # A second pass around the bin means: the one-pass sum(p^2) - sum(p)^2 / n cancels badly.
    fbar, obar = _zero_empty(ratio(sum_p, count)), _zero_empty(ratio(sum_y, count))
    for sl in row_chunks(p.shape[0]):
        code = _cell_code(p[sl], g[sl], bins)
        dev_p = p[sl] - fbar[code]
        dev_y = y[sl] - obar[code]
        sq_dev += np.bincount(code, weights=dev_p * dev_p, minlength=sq_dev.shape[0])
        co_dev += np.bincount(code, weights=dev_p * dev_y, minlength=co_dev.shape[0])
