"""Comparison of study arms with a forecaster- or cluster-level bootstrap.

Each forecaster's mean score is computed first and an arm's mean is the mean over its
forecasters, so every participant weighs the same however many forecasts they made.
The bootstrap resamples whole units within each arm (forecasters, or clusters such as
councils under cluster randomisation), draws every arm's replicates at once as an
(n_boot x units) index matrix (in blocks that cap memory), never looping over replicates.

With clusters, arms often have only a handful of units, where a plain bootstrap is too
confident (its variance is (m - 1)/m of the unbiased one, and percentiles ignore how few
units there are). Each arm's replicates are therefore spread by sqrt(m / (m - 1)) about
the arm's mean, and the 95% interval is difference +/- t(0.975, df) x SE with Welch-Satterthwaite
df from the two arms' replicate variances and cluster counts (Cameron & Miller 2015, J. Human
Resources 50(2), section VI; Hayes & Moulton 2017, ch. 9).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.stats import t as student_t

from ._validate import (
    FloatArray,
    IntArray,
    as_count,
    as_real,
    as_vector,
    check_length,
    factorize,
    weighted_sum,
)

# Cap on drawn indices held at once; larger studies draw in blocks of replicates.
_MAX_DRAWS = 1 << 16


@dataclass(frozen=True, eq=False)
class ArmComparison:
    """Each non-control arm against the control; arrays are ordered by arm code."""

    arm: npt.NDArray[np.int64]
    n: npt.NDArray[np.int64]  # forecasters per arm
    mean: FloatArray  # mean over the arm's forecasters of their mean score
    difference: FloatArray  # arm mean minus control mean
    se: FloatArray  # bootstrap standard deviation of the difference
    ci_low: FloatArray  # 95% interval: bootstrap percentiles, or t-based with clusters
    ci_high: FloatArray
    control: int
    control_mean: float
    n_control: int
    n_clusters: npt.NDArray[np.int64] | None  # clusters per arm, with a cluster bootstrap
    n_boot: int


@dataclass(frozen=True)
class _Units:
    """Resampling units: sum of forecaster means, forecaster count and arm of each unit."""

    total: FloatArray
    size: FloatArray
    arm: npt.NDArray[np.int64]


def compare_arms(
    score: npt.ArrayLike,
    forecaster: npt.ArrayLike,
    arm: npt.ArrayLike,
    control: int = 0,
    cluster: npt.ArrayLike | None = None,
    n_boot: int = 2000,
    seed: int = 0,
) -> ArmComparison:
    """Difference of each arm's mean score from the control's, with bootstrap SE and 95% CI.

    ``arm`` must be constant within a forecaster; with ``cluster``, each forecaster must
    belong to one cluster and each cluster to one arm. Deterministic for a given seed and
    independent of row order: units are drawn in ascending order of their codes.
    """
    values = as_real(score, "score")
    n = values.shape[0]
    f_codes, _ = factorize(_labels(forecaster, n, "forecaster"), "forecaster")
    n_forecasters = int(f_codes.max()) + 1
    f_mean = np.bincount(f_codes, weights=values) / np.bincount(f_codes)
    f_arm = _constant_within(_integer_labels(arm, n, "arm"), f_codes, n_forecasters, "arm")
    units = _forecaster_units(f_mean, f_arm)
    if cluster is not None:
        units = _cluster_units(_labels(cluster, n, "cluster"), f_codes, f_mean, f_arm)
    boots = as_count(n_boot, "n_boot", minimum=2)
    return _compare(units, f_arm, _control(control, f_arm), boots, _seed(seed), cluster is not None)


def _labels(x: npt.ArrayLike, n: int, name: str) -> np.ndarray:
    arr = as_vector(x, name)
    check_length(n, arr, name, "score")
    return arr


def _integer_labels(x: npt.ArrayLike, n: int, name: str) -> npt.NDArray[np.int64]:
    arr = _labels(x, n, name)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must contain integer codes, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def _constant_within(
    labels: npt.NDArray[np.int64], codes: IntArray, n_units: int, name: str
) -> npt.NDArray[np.int64]:
    """The label of each unit, raising if a unit carries more than one."""
    lo = np.full(n_units, np.iinfo(np.int64).max)
    hi = np.full(n_units, np.iinfo(np.int64).min)
    np.minimum.at(lo, codes, labels)
    np.maximum.at(hi, codes, labels)
    if (lo != hi).any():
        raise ValueError(f"{name} must be constant within each forecaster")
    return lo


def _forecaster_units(f_mean: FloatArray, f_arm: npt.NDArray[np.int64]) -> _Units:
    return _Units(f_mean, np.ones_like(f_mean), f_arm)


def _cluster_units(
    cluster: np.ndarray, f_codes: IntArray, f_mean: FloatArray, f_arm: npt.NDArray[np.int64]
) -> _Units:
    c_codes, _ = factorize(cluster, "cluster")
    f_cluster = _constant_within(c_codes.astype(np.int64), f_codes, f_mean.shape[0], "cluster")
    n_clusters = int(c_codes.max()) + 1
    lo = np.full(n_clusters, np.iinfo(np.int64).max)
    hi = np.full(n_clusters, np.iinfo(np.int64).min)
    np.minimum.at(lo, f_cluster, f_arm)
    np.maximum.at(hi, f_cluster, f_arm)
    if (lo != hi).any():
        raise ValueError("each cluster must lie in a single arm (cluster randomisation)")
    total = weighted_sum(f_cluster, f_mean, n_clusters)
    size = np.bincount(f_cluster, minlength=n_clusters).astype(np.float64)
    return _Units(total, size, lo)


def _control(control: int, f_arm: npt.NDArray[np.int64]) -> int:
    if isinstance(control, bool) or not isinstance(control, int | np.integer):
        raise ValueError(f"control must be an integer arm code, got {control!r}")
    if not (f_arm == control).any():
        raise ValueError(f"control arm {control} has no forecasters")
    return int(control)


def _seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def _compare(
    units: _Units,
    f_arm: npt.NDArray[np.int64],
    control: int,
    n_boot: int,
    seed: int,
    clustered: bool,
) -> ArmComparison:
    codes = np.unique(f_arm)
    rng = np.random.default_rng(seed)
    means = {int(a): _arm_mean(units, a) for a in codes}
    boots = {int(a): _bootstrap(units, a, n_boot, rng) for a in codes}
    n_units = {int(a): int((units.arm == a).sum()) for a in codes}
    if clustered:
        boots = {a: _small_sample_spread(b, means[a], n_units[a]) for a, b in boots.items()}
    others = [int(a) for a in codes if a != control]
    diffs = np.array([boots[a] - boots[control] for a in others]).reshape(len(others), n_boot)
    se = diffs.std(axis=1, ddof=1)
    difference = np.array([means[a] - means[control] for a in others])
    if clustered:
        half = student_t.ppf(0.975, _welch_df(boots, n_units, others, control)) * se
        low, high = difference - half, difference + half
    else:
        low, high = np.percentile(diffs, [2.5, 97.5], axis=1)
    n_arm = {int(a): int((f_arm == a).sum()) for a in codes}
    clusters = np.array([n_units[a] for a in others], dtype=np.int64)
    return ArmComparison(
        arm=_frozen(np.array(others, dtype=np.int64)),
        n=_frozen(np.array([n_arm[a] for a in others], dtype=np.int64)),
        mean=_frozen(np.array([means[a] for a in others])),
        difference=_frozen(difference),
        se=_frozen(se),
        ci_low=_frozen(low),
        ci_high=_frozen(high),
        control=control,
        control_mean=means[control],
        n_control=n_arm[control],
        n_clusters=_frozen(clusters) if clustered else None,
        n_boot=n_boot,
    )


def _arm_mean(units: _Units, arm: np.int64) -> float:
    inside = units.arm == arm
    return float(units.total[inside].sum() / units.size[inside].sum())


def _bootstrap(units: _Units, arm: np.int64, n_boot: int, rng: np.random.Generator) -> FloatArray:
    """n_boot replicate arm means, resampling the arm's units with replacement."""
    inside = np.flatnonzero(units.arm == arm)  # ascending unit codes: row-order free
    total, size = units.total[inside], units.size[inside]
    m = inside.shape[0]
    singletons = bool((size == 1).all())  # forecaster units: the denominator is always m
    out = np.empty(n_boot)
    block = max(1, _MAX_DRAWS // m)
    for start in range(0, n_boot, block):
        stop = min(start + block, n_boot)
        draw = rng.integers(0, m, size=(stop - start, m), dtype=_index_dtype(m))
        drawn = m if singletons else size[draw].sum(axis=1)
        out[start:stop] = total[draw].sum(axis=1) / drawn
    return out


def _welch_df(
    boots: dict[int, FloatArray], n_units: dict[int, int], others: list[int], control: int
) -> FloatArray:
    """Welch-Satterthwaite degrees of freedom of each difference, from each arm's (corrected)
    replicate variance and its number of clusters: with unequal arms, far fewer than the
    pooled m_arm + m_control - 2."""
    v_control = boots[control].var(ddof=1)
    df = []
    for a in others:
        v = boots[a].var(ddof=1)
        denominator = v**2 / (n_units[a] - 1) + v_control**2 / (n_units[control] - 1)
        df.append((v + v_control) ** 2 / denominator if denominator > 0 else np.inf)
    return np.array(df)


def _small_sample_spread(replicates: FloatArray, mean: float, m: int) -> FloatArray:
    """Replicates spread about the arm mean so their variance is unbiased for m units."""
    if m < 2:
        raise ValueError("cluster randomisation needs at least 2 clusters in every arm")
    spread: FloatArray = mean + (replicates - mean) * np.sqrt(m / (m - 1))
    return spread


def _index_dtype(m: int) -> type[np.signedinteger]:
    # 32-bit indices halve the memory traffic of the draw matrix.
    return np.int32 if m < 2**31 else np.int64


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.setflags(write=False)
    return arr
