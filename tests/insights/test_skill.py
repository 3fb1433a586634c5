"""Skill across waves: standardised Brier, empirical-Bayes shrinkage and persistence."""

from __future__ import annotations

import numpy as np
import pytest
from casecast.insights.skill import (
    SkillEstimates,
    persistence,
    skill_estimates,
    standardised_brier,
)


def test_standardised_brier_by_hand():
    # Question 0: scores 0.1, 0.3 -> mean 0.2, population sd 0.1 -> z = -1, +1.
    # Question 1: everyone 0.25 -> z = 0 (no spread, nobody better or worse).
    z = standardised_brier([0, 0, 1, 1], [0.1, 0.3, 0.25, 0.25])
    np.testing.assert_allclose(z, [-1.0, 1.0, 0.0, 0.0])


def test_everyone_equal_gives_everyone_the_crowd_mean():
    person = np.repeat(np.arange(5), 4)
    question = np.tile(np.arange(4), 5)
    result = skill_estimates(person, question, np.full(20, 0.2))
    assert result.tau2 == 0.0
    np.testing.assert_allclose(result.estimate, 0.0)
    np.testing.assert_allclose(result.raw, 0.0)


def test_small_case_matches_a_hand_computation():
    # Three people, two questions each, no ties; worked with plain Python below.
    person = [1, 1, 2, 2, 3, 3]
    question = [0, 1, 0, 1, 0, 1]
    brier = [0.04, 0.09, 0.16, 0.25, 0.36, 0.49]
    z = {}
    for qq in (0, 1):
        rows = [i for i in range(6) if question[i] == qq]
        m = sum(brier[i] for i in rows) / len(rows)
        s = (sum((brier[i] - m) ** 2 for i in rows) / len(rows)) ** 0.5
        for i in rows:
            z[i] = (brier[i] - m) / s
    means = {p: (z[2 * k] + z[2 * k + 1]) / 2 for k, p in enumerate((1, 2, 3))}
    sigma2 = sum((z[i] - means[person[i]]) ** 2 for i in range(6)) / (6 - 3)
    mu = sum(means.values()) / 3
    var_means = sum((v - mu) ** 2 for v in means.values()) / 2
    tau2 = max(var_means - sigma2 / 2, 0.0)
    shrink = tau2 / (tau2 + sigma2 / 2)
    expected = [mu + shrink * (means[p] - mu) for p in (1, 2, 3)]

    result = skill_estimates(person, question, brier)
    np.testing.assert_allclose(result.estimate, expected, atol=1e-12)
    assert result.person.tolist() == [1, 2, 3]
    assert result.n.tolist() == [2, 2, 2]
    np.testing.assert_allclose(result.mean_brier, [0.065, 0.205, 0.425])


def test_fewer_questions_means_more_shrinkage():
    rng = np.random.default_rng(3)
    person, question, brier = [], [], []
    for p in range(60):
        n = 4 if p < 30 else 30
        for q in rng.choice(40, size=n, replace=False):
            person.append(p)
            question.append(int(q))
            brier.append(float(np.clip(0.2 + 0.03 * (p % 7 - 3) + rng.normal(0, 0.05), 0, 1)))
    result = skill_estimates(person, question, brier)
    assert result.tau2 > 0
    assert result.shrinkage[:30].max() < result.shrinkage[30:].min()


def test_shrinkage_beats_raw_means_and_intervals_cover_the_truth():
    """Simulated forecasters: Brier = 0.2 + skill + noise, each answering 3–40 of 60 cases.

    With many answers per question the standardisation is nearly a fixed rescaling, so
    the true standardised skill is (skill − mean skill) / sd of a score."""
    rng = np.random.default_rng(11)
    n_people, n_questions = 600, 60
    theta = rng.normal(0, 0.02, n_people)
    person, question, brier = [], [], []
    for p in range(n_people):
        for q in rng.choice(n_questions, size=int(rng.integers(3, 41)), replace=False):
            person.append(p)
            question.append(int(q))
            brier.append(0.2 + theta[p] + rng.normal(0, 0.05))
    brier = np.clip(brier, 0, 1)
    result = skill_estimates(person, question, brier)
    truth = (theta - theta.mean()) / np.sqrt(0.02**2 + 0.05**2)
    mse_shrunk = np.mean((result.estimate - truth) ** 2)
    mse_raw = np.mean((result.raw - truth) ** 2)
    assert mse_shrunk < 0.8 * mse_raw
    coverage = np.mean((result.lower <= truth) & (truth <= result.upper))
    assert 0.92 <= coverage <= 0.98


def _estimates(person, estimate, mean_brier, n=10) -> SkillEstimates:
    k = len(person)
    arr = np.asarray(estimate, dtype=float)
    return SkillEstimates(
        person=np.asarray(person, dtype=np.int64),
        n=np.full(k, n, dtype=np.intp),
        raw=arr,
        estimate=arr,
        lower=arr - 0.1,
        upper=arr + 0.1,
        mean_brier=np.asarray(mean_brier, dtype=float),
        shrinkage=np.ones(k),
        mu=0.0,
        tau2=1.0,
        sigma2=1.0,
    )


def test_persistence_by_hand():
    # Ten people in both waves; the top 20% of wave A are people 0 and 1.
    first = _estimates(range(10), [-0.9, -0.8, -0.1, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0.2] * 10)
    # In wave B person 0 is still best; person 1 falls to slightly worse than average
    # but still beats chance; people 2-9 keep their order.
    second = _estimates(
        [*range(10), 99],  # person 99 only in wave B: not counted
        [-0.7, 0.05, -0.5, -0.1, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, -2.0],
        [0.1, 0.24, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.3, 0.0],
    )
    result = persistence(first, second, top_fraction=0.2)
    assert result.n_both == 10 and result.n_top == 2
    assert result.top_better_than_average == 0.5  # person 0 yes, person 1 no
    assert result.everyone_better_than_average == 0.3  # people 0, 2, 3
    assert result.top_better_than_chance == 1.0
    assert result.top_stay_top == 0.5  # wave B's top two: people 0 and 2
    assert result.expected_stay_top == 0.2
    assert result.rank_correlation is not None and result.rank_correlation > 0.8


def test_a_wave_without_detectable_differences_is_flagged_and_ties_are_not_better():
    person = np.repeat(np.arange(6), 4)
    question = np.tile(np.arange(4), 6)
    flat = skill_estimates(person, question, np.full(24, 0.2))
    result = persistence(flat, flat, top_fraction=0.5)
    assert result.distinguishable is False
    assert result.top_better_than_average == 0.0  # the average is not better than itself
    assert result.rank_correlation is None


def test_persistence_needs_people_in_both_waves():
    first = _estimates([1, 2], [0.0, 0.1], [0.2, 0.2])
    second = _estimates([3, 4], [0.0, 0.1], [0.2, 0.2])
    assert persistence(first, second).n_both == 0


@pytest.mark.parametrize(
    ("person", "question", "brier", "message"),
    [
        ([1, 1], [0, 0], [0.1, 0.2], "at most once"),
        ([1, 2], [0, 0], [0.1, 1.2], "0–1 Brier"),
        ([1], [0, 1], [0.1, 0.2], "person has 1 rows"),
    ],
)
def test_bad_input_is_refused_by_name(person, question, brier, message):
    with pytest.raises(ValueError, match=message):
        skill_estimates(person, question, brier)
