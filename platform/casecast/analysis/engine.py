"""The trial's primary analysis: arrays in, one frozen ``Analysis`` out.

Participant-level ANCOVA, outcome ~ arm dummies + covariates, with
* HC2 standard errors and Bell-McCaffrey degrees of freedom for individual
  randomisation, CR2 and Satterthwaite degrees of freedom for cluster randomisation
  (``_robust``);
* raw and Holm- (or Dunnett-) adjusted two-sided p-values (``multiplicity``);
* the effect as a difference, a relative change and Hedges' g, and each arm's Brier
  skill against always answering the base rate (``effects``);
* optionally, the "vignettes like these" estimand by the two-way bootstrap over
  participants (or councils) and questions (``twoway``), and a mixed model with a
  random intercept for council with the ICC and the design effect (``mixed``).
Methods and references: docs/analysis.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.stats import norm
from scipy.stats import t as student_t

from . import effects
from ._robust import cluster_layout, robust_fit, singleton_layout
from .mixed import MixedModel, mixed_model
from .multiplicity import METHODS, dunnett, holm
from .twoway import pigeonhole_differences

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class ArmEffect:
    """One non-control arm against the control. Differences are arm minus control."""

    arm: int
    n: int
    n_clusters: int | None
    mean: float  # unadjusted mean outcome of the arm
    sd: float
    unadjusted_difference: float
    difference: float  # adjusted for the covariates (ANCOVA)
    se: float  # HC2 or CR2
    df: float  # Satterthwaite (Bell-McCaffrey)
    ci_low: float
    ci_high: float
    p: float
    p_adjusted: float
    relative_change: float  # difference / control mean
    hedges_g: float
    brier_skill: float | None  # 1 - mean / base-rate Brier, when outcomes were given


@dataclass(frozen=True)
class QuestionsEstimand:
    """The same differences with uncertainty over participants and questions."""

    difference: tuple[float, ...]
    se: tuple[float, ...]
    ci_low: tuple[float, ...]
    ci_high: tuple[float, ...]
    n_questions: int
    n_boot: int


@dataclass(frozen=True)
class Analysis:
    control: int
    n_control: int
    n_clusters_control: int | None
    control_mean: float
    control_sd: float
    control_brier_skill: float | None
    method: str  # "HC2" or "CR2"
    multiplicity: str
    covariates: tuple[str, ...]
    alpha: float
    effects: tuple[ArmEffect, ...]
    vignettes_like_these: QuestionsEstimand | None
    mixed: MixedModel | None


def analyse(
    outcome: npt.ArrayLike,
    arm: npt.ArrayLike,
    covariates: Mapping[str, npt.ArrayLike] | None = None,
    *,
    cluster: npt.ArrayLike | None = None,
    question_matrix: npt.ArrayLike | None = None,
    question_outcome: npt.ArrayLike | None = None,
    control: int = 0,
    multiplicity: str = "holm",
    alpha: float = 0.05,
    n_boot: int = 1000,
    seed: int = 0,
    mixed: bool = True,
) -> Analysis:
    """Analyse one trial: one row per participant (``outcome``, ``arm`` integer codes).

    ``covariates`` are numeric columns (baseline Brier, dummies of stratification
    factors); ``cluster`` the council of each participant under cluster randomisation;
    ``question_matrix`` participants x questions scores whose row means are ``outcome``
    (enables the "vignettes like these" estimand); ``question_outcome`` the questions'
    0/1 outcomes (enables Brier skill).
    """
    y = _real_vector(outcome, "outcome")
    n = y.shape[0]
    arms = _integer_codes(arm, n, "arm")
    if multiplicity not in METHODS:
        raise ValueError(f"multiplicity must be one of {METHODS}, got {multiplicity!r}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    others = _other_arms(arms, control)
    names, columns = _covariate_columns(covariates, n)
    X = np.column_stack([np.ones(n), *[(arms == a).astype(np.float64) for a in others], *columns])
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise ValueError("covariates are collinear with each other or with the arms")
    contrasts = np.arange(1, len(others) + 1, dtype=np.intp)
    clusters = _cluster_codes(cluster, n, arms) if cluster is not None else None
    layout = cluster_layout(clusters) if clusters is not None else singleton_layout(n)
    fit = robust_fit(X[None], y[None], layout, contrasts)
    coef, se, df = fit.coef[0, contrasts], fit.se[0], fit.df[0]
    t_stat = coef / se
    p = 2.0 * student_t.sf(np.abs(t_stat), df)
    adjusted = _adjust(p, t_stat, df, multiplicity, fit.cov[0])
    reference = effects.base_rate_brier(question_outcome) if question_outcome is not None else None
    half = student_t.ppf(1.0 - alpha / 2.0, df) * se
    control_y = y[arms == control]
    rows = []
    for j, a in enumerate(others):
        mine = y[arms == a]
        rows.append(
            ArmEffect(
                arm=a,
                n=int(mine.shape[0]),
                n_clusters=_count_clusters(clusters, arms == a),
                mean=float(mine.mean()),
                sd=float(mine.std(ddof=1)) if mine.shape[0] > 1 else float("nan"),
                unadjusted_difference=float(mine.mean() - control_y.mean()),
                difference=float(coef[j]),
                se=float(se[j]),
                df=float(df[j]),
                ci_low=float(coef[j] - half[j]),
                ci_high=float(coef[j] + half[j]),
                p=float(p[j]),
                p_adjusted=float(adjusted[j]),
                relative_change=float(coef[j] / control_y.mean()),
                hedges_g=effects.hedges_g(float(coef[j]), mine, control_y),
                brier_skill=_skill(mine, reference),
            )
        )
    questions = None
    if question_matrix is not None:
        questions = _questions_estimand(
            question_matrix, y, X, arms, clusters, contrasts, coef, alpha, n_boot, seed
        )
    model = None
    if mixed and clusters is not None:
        model = mixed_model(
            y=y, X=X, cluster=clusters, contrasts=contrasts, residual=fit.residual[0]
        )
    return Analysis(
        control=control,
        n_control=int(control_y.shape[0]),
        n_clusters_control=_count_clusters(clusters, arms == control),
        control_mean=float(control_y.mean()),
        control_sd=float(control_y.std(ddof=1)) if control_y.shape[0] > 1 else float("nan"),
        control_brier_skill=_skill(control_y, reference),
        method="CR2" if clusters is not None else "HC2",
        multiplicity=multiplicity,
        covariates=names,
        alpha=alpha,
        effects=tuple(rows),
        vignettes_like_these=questions,
        mixed=model,
    )


def _real_vector(x: npt.ArrayLike, name: str) -> FloatArray:
    arr = np.asarray(x)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty one-dimensional array")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    out = arr.astype(np.float64)
    if not np.isfinite(out).all():
        raise ValueError(f"{name} has missing or infinite values: drop those rows first")
    return out


def _integer_codes(x: npt.ArrayLike, n: int, name: str) -> IntArray:
    arr = np.asarray(x)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have one entry per participant ({n}), got {arr.shape}")
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must contain integer codes, got dtype {arr.dtype}")
    return arr.astype(np.intp)


def _other_arms(arms: IntArray, control: int) -> list[int]:
    codes = [int(a) for a in np.unique(arms)]
    if control not in codes:
        raise ValueError(f"control arm {control} has no participants")
    if len(codes) < 2:
        raise ValueError("need at least two arms with participants")
    for a in codes:
        if (arms == a).sum() < 2:
            raise ValueError(f"arm {a} has fewer than 2 participants")
    return [a for a in codes if a != control]


def _covariate_columns(
    covariates: Mapping[str, npt.ArrayLike] | None, n: int
) -> tuple[tuple[str, ...], list[FloatArray]]:
    if not covariates:
        return (), []
    columns = []
    for name, values in covariates.items():
        column = _real_vector(values, f"covariate {name!r}")
        if column.shape[0] != n:
            raise ValueError(f"covariate {name!r} has {column.shape[0]} rows, outcome has {n}")
        columns.append(column)
    return tuple(covariates), columns


def _cluster_codes(cluster: npt.ArrayLike, n: int, arms: IntArray) -> IntArray:
    labels = np.asarray(cluster)
    if labels.shape != (n,):
        raise ValueError(f"cluster must have one entry per participant ({n}), got {labels.shape}")
    codes = np.unique(labels, return_inverse=True)[1].astype(np.intp)
    g = int(codes.max()) + 1
    low = np.full(g, np.iinfo(np.intp).max)
    high = np.full(g, np.iinfo(np.intp).min)
    np.minimum.at(low, codes, arms)
    np.maximum.at(high, codes, arms)
    if (low != high).any():
        raise ValueError("each cluster must lie in a single arm (cluster randomisation)")
    for a in np.unique(arms):
        if np.unique(codes[arms == a]).shape[0] < 2:
            raise ValueError(f"arm {a} has fewer than 2 clusters: no cluster-robust SE exists")
    return codes


def _count_clusters(clusters: IntArray | None, inside: npt.NDArray[np.bool_]) -> int | None:
    return None if clusters is None else int(np.unique(clusters[inside]).shape[0])


def _skill(values: FloatArray, reference: float | None) -> float | None:
    return None if reference is None else effects.brier_skill(float(values.mean()), reference)


def _adjust(
    p: FloatArray, t_stat: FloatArray, df: FloatArray, method: str, cov: FloatArray
) -> FloatArray:
    if method == "none":
        return p
    if method == "holm":
        return holm(p)
    d = np.sqrt(np.diag(cov))
    return dunnett(t_stat, cov / np.outer(d, d), float(df.min()))


def _questions_estimand(
    question_matrix: npt.ArrayLike,
    y: FloatArray,
    X: FloatArray,
    arms: IntArray,
    clusters: IntArray | None,
    contrasts: IntArray,
    coef: FloatArray,
    alpha: float,
    n_boot: int,
    seed: int,
) -> QuestionsEstimand:
    scores = np.asarray(question_matrix, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[0] != y.shape[0]:
        raise ValueError("question_matrix must be participants x questions, one row per outcome")
    if not np.allclose(np.nanmean(scores, axis=1), y, atol=1e-9, rtol=0.0):
        raise ValueError("outcome must be each participant's mean over question_matrix's row")
    if n_boot < 100:
        raise ValueError(f"n_boot must be at least 100, got {n_boot}")
    unit = clusters if clusters is not None else np.arange(y.shape[0], dtype=np.intp)
    unit_arm = np.zeros(int(unit.max()) + 1, dtype=np.intp)
    unit_arm[unit] = arms
    replicates = pigeonhole_differences(
        scores=scores, X=X, unit=unit, unit_arm=unit_arm, contrasts=contrasts,
        n_boot=n_boot, seed=seed,
    )  # fmt: skip
    se = replicates.std(axis=0, ddof=1)
    half = norm.ppf(1.0 - alpha / 2.0) * se
    return QuestionsEstimand(
        difference=tuple(float(c) for c in coef),
        se=tuple(float(s) for s in se),
        ci_low=tuple(float(v) for v in coef - half),
        ci_high=tuple(float(v) for v in coef + half),
        n_questions=int(scores.shape[1]),
        n_boot=n_boot,
    )
