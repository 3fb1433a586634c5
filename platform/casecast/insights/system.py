"""System noise split into level noise and pattern noise (Kahneman, Sibony & Sunstein 2021).

The worker × question table of log-odds forecasts x_wq is fitted by the additive model

    x_wq = μ + a_w + b_q + e_wq

where b_q is the case's own difficulty (not noise), a_w the worker's level (some workers
put every risk higher) and e_wq the worker's idiosyncratic reaction to that case. Then

    level noise²   = variance of a_w over workers            (population variance)
    pattern noise² = mean of e_wq² over the observed cells
    system noise²  = level noise² + pattern noise²

On a complete table this is the classical two-way analysis of variance and system noise²
equals the mean over questions of the (population) variance across workers, exactly the
noise audit's definition. With one forecast per cell, pattern noise includes occasion
noise (the same worker on another day), as in the book.

**Missing cells.** Not every worker sees every case, so the table is incomplete and the
row and column means no longer give the least-squares fit. The model is fitted to the
observed cells by alternating least squares (backfitting): a_w = mean over the worker's
cells of x - μ - b_q, then b_q = mean over the question's cells of x - μ - a_w, repeated
until no effect moves by more than 1e-9 (at most 500 sweeps). Each sweep cannot raise
the residual sum of squares, and on a complete table the first sweep is already exact.
Level noise is then the variance of the fitted a_w over workers, each worker counted
once. The descriptive estimators follow the book; they are not corrected for the
sampling error in a_w (which adds about pattern noise² / questions-per-worker to level
noise²).

The table is held dense (workers × questions), so each sweep is two matrix–vector
products.

**Interval.** A bootstrap over workers (Efron & Tibshirani 1993): workers are drawn with
replacement, all of a drawn worker's cells kept, and the decomposition refitted with the
draw counts as weights; the 2.5th and 97.5th percentiles of the replicates form the 95%
interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._inputs import (
    FloatArray,
    IntArray,
    labels,
    log_odds,
    optional_labels,
    positive_int,
    probabilities,
)

_TOLERANCE = 1e-9
_MAX_SWEEPS = 500
# Replicates fitted together so that a block's replicates × workers arrays stay ~16 MB.
_BLOCK_CELLS = 2_000_000


@dataclass(frozen=True)
class SystemNoise:
    """Noise components in log-odds (standard deviations) with 95% bootstrap intervals."""

    n_workers: int
    n_questions: int
    n_cells: int
    system: float
    level: float
    pattern: float
    system_ci: tuple[float, float]
    level_ci: tuple[float, float]
    pattern_ci: tuple[float, float]
    level_share: float  # level noise² / system noise²


@dataclass(frozen=True, eq=False)
class _Fit:
    level_var: FloatArray  # one per weighting
    pattern_var: FloatArray
    worker_effect: FloatArray  # of the first weighting (the warm start for replicates)
    question_effect: FloatArray


def system_noise(
    *,
    p: npt.ArrayLike,
    worker: npt.ArrayLike,
    question: npt.ArrayLike,
    n_boot: int = 200,
    seed: int = 0,
) -> SystemNoise:
    """Level and pattern noise of one forecast per (worker, question) cell.

    A repeated (worker, question) pair is an error: pass each worker's final forecast.
    """
    prob = probabilities(p)
    n = prob.shape[0]
    replicates = positive_int(n_boot, "n_boot")
    w, w_names = labels(worker, "worker", n)
    q, q_names = labels(question, "question", n)
    n_w, n_q = w_names.shape[0], q_names.shape[0]
    if np.unique(w * n_q + q).shape[0] != n:
        raise ValueError("a worker has more than one forecast on a question; pass one per cell")
    table = _table(log_odds(prob), w, q, n_w, n_q)
    full = _fit(table, np.ones((1, n_w)), None)
    reps = _bootstrap(table, replicates, seed, full)
    level_var, pattern_var = float(full.level_var[0]), float(full.pattern_var[0])
    return SystemNoise(
        n_workers=n_w,
        n_questions=n_q,
        n_cells=n,
        system=float(np.sqrt(level_var + pattern_var)),
        level=float(np.sqrt(level_var)),
        pattern=float(np.sqrt(pattern_var)),
        system_ci=_interval(np.sqrt(reps[:, 0] + reps[:, 1])),
        level_ci=_interval(np.sqrt(reps[:, 0])),
        pattern_ci=_interval(np.sqrt(reps[:, 1])),
        level_share=_share(level_var, pattern_var),
    )


def system_noise_by_group(
    *,
    p: npt.ArrayLike,
    worker: npt.ArrayLike,
    question: npt.ArrayLike,
    group: npt.ArrayLike | None,
    n_boot: int = 200,
    seed: int = 0,
) -> dict[int, SystemNoise]:
    """``system_noise`` on the rows of each group (arm, arm × phase, council), by label."""
    prob = probabilities(p)
    n = prob.shape[0]
    codes, names = optional_labels(group, "group", n)
    w = np.asarray(worker)
    q = np.asarray(question)
    return {
        int(name): system_noise(
            p=prob[codes == k],
            worker=w[codes == k],
            question=q[codes == k],
            n_boot=n_boot,
            seed=seed,
        )
        for k, name in enumerate(names)
    }


def _share(level_var: float, pattern_var: float) -> float:
    total = level_var + pattern_var
    return level_var / total if total > 0 else float("nan")


def _interval(values: FloatArray) -> tuple[float, float]:
    low, high = np.quantile(values, [0.025, 0.975])
    return float(low), float(high)


def _bootstrap(table: _Table, n_boot: int, seed: int, start: _Fit) -> FloatArray:
    """(level variance, pattern variance) per replicate; warm-started from the full fit.

    Replicates are fitted together in blocks, each a matrix of worker weights, so a
    small group (one council) costs a few matrix products, not n_boot Python loops.
    """
    rng = np.random.default_rng(seed)
    n_w = table.mask.shape[0]
    draws = rng.multinomial(n_w, np.full(n_w, 1.0 / n_w), size=n_boot).astype(np.float64)
    block = max(1, _BLOCK_CELLS // n_w)
    fits = [_fit(table, draws[i : i + block], start) for i in range(0, n_boot, block)]
    return np.vstack([np.column_stack([f.level_var, f.pattern_var]) for f in fits])


@dataclass(frozen=True, eq=False)
class _Table:
    """The worker × question table, dense: log-odds (0 where missing) and a 0/1 mask."""

    x: FloatArray
    mask: FloatArray
    row_sum: FloatArray  # Σ_q x over each worker's observed cells
    row_count: FloatArray
    row_square: FloatArray  # Σ_q x²


def _table(x: FloatArray, w: IntArray, q: IntArray, n_w: int, n_q: int) -> _Table:
    # Dense storage (8 bytes × workers × questions, twice) turns every sweep into
    # matrix products; 6,000 workers × 24 questions is 2.3 MB.
    values = np.zeros((n_w, n_q))
    mask = np.zeros((n_w, n_q))
    values[w, q] = x
    mask[w, q] = 1.0
    return _Table(values, mask, values.sum(axis=1), mask.sum(axis=1), (values**2).sum(axis=1))


def _fit(table: _Table, weight: FloatArray, start: _Fit | None) -> _Fit:
    """Weighted backfitting of x = μ + a_w + b_q + e, for R weightings at once.

    ``weight`` is R × workers: each worker's multiplicity (ones for the data, draw counts
    for bootstrap replicates). Effects are R × workers and R × questions.
    """
    m, x = table.mask, table.x
    col_weight = weight @ m
    cells = col_weight.sum(axis=1)
    mu = (weight @ table.row_sum) / cells
    col_sum = weight @ x - mu[:, None] * col_weight
    row_sum = table.row_sum - mu[:, None] * table.row_count
    shape_a = (weight.shape[0], m.shape[0])
    shape_b = (weight.shape[0], m.shape[1])
    a = np.zeros(shape_a) if start is None else np.broadcast_to(start.worker_effect, shape_a)
    b = np.zeros(shape_b) if start is None else np.broadcast_to(start.question_effect, shape_b)
    for _ in range(_MAX_SWEEPS):
        a_new = _divide(row_sum - b @ m.T, table.row_count)
        b_new = _divide(col_sum - (weight * a_new) @ m, col_weight)
        moved = max(float(np.abs(a_new - a).max()), float(np.abs(b_new - b).max()))
        a, b = a_new, b_new
        if moved < _TOLERANCE:
            break
    total = weight.sum(axis=1, keepdims=True)
    a_c = a - (weight * a).sum(axis=1, keepdims=True) / total
    level_var = (weight * a_c * a_c).sum(axis=1) / total[:, 0]
    return _Fit(level_var, _pattern_var(table, weight, mu, a, b) / cells, a[0], b[0])


def _pattern_var(
    table: _Table, weight: FloatArray, mu: FloatArray, a: FloatArray, b: FloatArray
) -> FloatArray:
    """Σ_w weight_w Σ_q m (x - c_w - b_q)² with c = μ + a, expanded into matrix products
    so that no replicates × workers × questions array is formed."""
    m = table.mask
    if weight.shape[0] == 1:  # the data themselves: the residuals directly, no cancellation
        e = (table.x - mu[0] - a[0][:, None] - b[0][None, :]) * m
        return np.array([weight[0] @ (e * e).sum(axis=1)])
    c = mu[:, None] + a
    cross = c * table.row_sum + b @ table.x.T  # Σ_q m x (c + b_q)
    squares = c * c * table.row_count + 2.0 * c * (b @ m.T) + (b * b) @ m.T
    per_worker = table.row_square - 2.0 * cross + squares
    out: FloatArray = np.maximum((weight * per_worker).sum(axis=1), 0.0)
    return out


def _divide(num: FloatArray, den: FloatArray) -> FloatArray:
    out: FloatArray = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    return out
