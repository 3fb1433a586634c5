"""Forecasting skill across waves: difficulty-adjusted, shrunk to the crowd, with intervals.

A person's raw mean Brier score mixes skill with luck (how many questions they answered)
and with the questions' difficulty (who happened to get the hard cases). Following the
Good Judgment Project's standardised Brier scores (Mellers et al. 2015) and
empirical-Bayes shrinkage (Efron & Morris 1975):

1. each Brier score is standardised within its question: ``z = (b − mean_q) / sd_q``
   over everyone who answered that question (0 when everyone scored the same), so 0 is
   the average forecaster on that question and negative is better;
2. a person's mean ``z̄`` over their ``n`` questions estimates their skill ``θ`` with
   sampling variance ``σ² / n``, where ``σ²`` is the pooled within-person variance;
3. skills vary across people with variance ``τ²`` (method of moments, floored at 0),
   so the estimate ``μ + B (z̄ − μ)`` with ``B = τ² / (τ² + σ²/n)`` pulls a person with
   few questions towards the crowd's mean ``μ``; its posterior standard deviation
   ``sqrt(B σ² / n)`` gives a 95% interval.

``persistence`` asks the tournament question: of the best forecasters in one wave, how
many stay better than average — and better than chance — in the next?
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.stats import spearmanr

from ._inputs import FloatArray, IntArray, labels, vector

Z95 = 1.959963984540054
CHANCE_BRIER = 0.25  # always answering 50% on a yes/no question
TIE = 1e-9  # estimates this close to 0 are the average (rounding), not better than it


@dataclass(frozen=True)
class SkillEstimates:
    """One entry per person, in ascending order of the person labels given."""

    person: npt.NDArray[np.int64]
    n: IntArray
    raw: FloatArray  # mean standardised Brier z̄ (negative is better)
    estimate: FloatArray  # shrunk estimate of skill θ
    lower: FloatArray
    upper: FloatArray
    mean_brier: FloatArray  # plain mean Brier, for reading against chance (0.25)
    shrinkage: FloatArray  # B: 1 keeps z̄, 0 is the crowd's mean
    mu: float
    tau2: float
    sigma2: float


def standardised_brier(question: npt.ArrayLike, brier: npt.ArrayLike) -> FloatArray:
    """Each Brier score minus its question's mean, over the question's standard deviation."""
    b = vector(brier, "brier").astype(np.float64)
    q, _ = labels(question, "question", b.size)
    count = np.bincount(q).astype(np.float64)
    mean = np.bincount(q, weights=b) / count
    deviation = b - mean[q]
    sd = np.sqrt(np.bincount(q, weights=deviation**2) / count)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(sd[q] > 0, deviation / sd[q], 0.0)
    return z.astype(np.float64)


def skill_estimates(
    person: npt.ArrayLike, question: npt.ArrayLike, brier: npt.ArrayLike
) -> SkillEstimates:
    """Difficulty-adjusted, shrunk skill per person from one Brier score per person × question.

    ``brier`` holds yes/no Brier scores on the 0–1 scale; each (person, question) pair
    must appear at most once (the caller picks each person's final forecast).
    """
    b = vector(brier, "brier").astype(np.float64)
    if np.isnan(b).any() or b.min() < 0 or b.max() > 1:
        raise ValueError("brier must hold 0–1 Brier scores without NaN")
    p, people = labels(person, "person", b.size)
    q, _ = labels(question, "question", b.size)
    pairs = p.astype(np.int64) * (int(q.max()) + 1) + q
    if np.unique(pairs).size != pairs.size:
        raise ValueError("a person answers each question at most once (give final forecasts)")
    z = standardised_brier(q, b)
    n = np.bincount(p).astype(np.intp)
    raw = np.bincount(p, weights=z) / n
    within = z - raw[p]
    dof = b.size - people.size
    sigma2 = float(np.sum(within**2) / dof) if dof > 0 else 0.0
    mu = float(np.mean(raw))
    tau2 = max(float(np.var(raw, ddof=1)) - float(np.mean(sigma2 / n)), 0.0) if n.size > 1 else 0.0
    noise = sigma2 / n
    with np.errstate(invalid="ignore", divide="ignore"):
        shrink = np.where(tau2 + noise > 0, tau2 / (tau2 + noise), 1.0)
    estimate = mu + shrink * (raw - mu)
    sd = np.sqrt(shrink * noise)
    mean_brier = np.bincount(p, weights=b) / n
    return SkillEstimates(
        person=people.astype(np.int64),
        n=n,
        raw=raw.astype(np.float64),
        estimate=estimate.astype(np.float64),
        lower=(estimate - Z95 * sd).astype(np.float64),
        upper=(estimate + Z95 * sd).astype(np.float64),
        mean_brier=mean_brier.astype(np.float64),
        shrinkage=shrink.astype(np.float64),
        mu=mu,
        tau2=tau2,
        sigma2=sigma2,
    )


@dataclass(frozen=True)
class Persistence:
    """The top of wave A followed into wave B (only people with at least ``min_n`` in both)."""

    n_both: int  # people in both waves
    n_top: int  # the top of wave A among them
    top_better_than_average: float | None  # share of the top with a wave-B estimate below 0
    everyone_better_than_average: float | None  # the same share for all, as a yardstick
    top_better_than_chance: float | None  # share of the top with wave-B mean Brier < 0.25
    top_stay_top: float | None  # share of the top still in wave B's top
    expected_stay_top: float | None  # what chance alone gives: the top's share of everyone
    rank_correlation: float | None  # Spearman between the two waves' estimates
    # False when wave A shows no detectable skill differences (τ² = 0): every estimate
    # is then the crowd's mean and "the top" is an arbitrary choice among equals.
    distinguishable: bool = True


def persistence(
    first: SkillEstimates, second: SkillEstimates, *, top_fraction: float = 0.1, min_n: int = 1
) -> Persistence:
    """How many of wave A's top ``top_fraction`` (at least one person) stay good in wave B."""
    if not 0 < top_fraction <= 1:
        raise ValueError("top_fraction must be in (0, 1]")
    a = {int(pid): i for i, pid in enumerate(first.person) if first.n[i] >= min_n}
    b = {int(pid): i for i, pid in enumerate(second.person) if second.n[i] >= min_n}
    both = sorted(a.keys() & b.keys())
    if not both:
        return Persistence(0, 0, None, None, None, None, None, None, first.tau2 > 0)
    est_a = np.array([first.estimate[a[pid]] for pid in both])
    est_b = np.array([second.estimate[b[pid]] for pid in both])
    brier_b = np.array([second.mean_brier[b[pid]] for pid in both])
    k = max(1, int(np.floor(top_fraction * len(both))))
    top = _lowest(est_a, k)
    top_b = set(_lowest(est_b, k).tolist())
    correlation = None
    if len(both) > 2 and np.ptp(est_a) > 0 and np.ptp(est_b) > 0:
        correlation = float(spearmanr(est_a, est_b).statistic)
    return Persistence(
        n_both=len(both),
        n_top=k,
        top_better_than_average=float(np.mean(est_b[top] < -TIE)),
        everyone_better_than_average=float(np.mean(est_b < -TIE)),
        top_better_than_chance=float(np.mean(brier_b[top] < CHANCE_BRIER)),
        top_stay_top=float(np.mean([i in top_b for i in top.tolist()])),
        expected_stay_top=k / len(both),
        rank_correlation=correlation,
        distinguishable=first.tau2 > 0,
    )


def _lowest(values: FloatArray, k: int) -> IntArray:
    """Indices of the k lowest values; ties broken by position, so the result is stable."""
    return np.argsort(values, kind="stable")[:k].astype(np.intp)
