"""`simulate_study`: the skill model's effect mapping, and whole simulated studies."""

from __future__ import annotations

import json
from io import StringIO

import numpy as np
import pytest
from casecast.resolution.models import ForecastScore
from casecast.resolution.simulation import (
    SimulationOptions,
    expected_brier,
    mixed,
    mixing_weight,
    reference_population,
    simulate_study,
    to_percent,
)
from casecast.studies.models import Allocation, Participant
from django.core.management import call_command


@pytest.fixture(scope="module")
def population():
    return reference_population(0.5)


@pytest.mark.parametrize("effect", [0.0, 0.05, 0.1, 0.15])
def test_the_mixing_weight_plants_the_relative_reduction_in_expected_brier(population, effect):
    w = mixing_weight(effect=effect, population=population)
    control = expected_brier(to_percent(population.forecast), population.risk)
    treated = expected_brier(mixed(population.forecast, population.risk, w), population.risk)
    assert treated / control == pytest.approx(1 - effect, abs=1e-4)
    assert 0 <= w <= 1


def test_an_effect_beyond_perfect_knowledge_is_refused(population):
    with pytest.raises(ValueError, match="effect must be between"):
        mixing_weight(effect=0.95, population=population)


def test_the_model_over_forecasts_like_the_social_workers_studied(population):
    # Published pooled results: workers over-estimate the likelihood of almost everything.
    assert population.forecast.mean() > population.risk.mean() + 0.05


def check_blocks_balance(report, max_imbalance: int) -> None:
    for council, sizes in report.arm_sizes_by_council.items():
        counts = [sizes.get(arm, 0) for arm in report.arm_sizes]
        assert max(counts) - min(counts) <= max_imbalance, council


def check_estimates(report) -> None:
    treated = [arm for arm in report.arms if not arm["is_control"]]
    assert len(treated) == len(report.arm_sizes) - 1
    for arm in treated:
        assert arm["ci_low"] <= arm["difference"] <= arm["ci_high"]
        assert abs(arm["difference"] - report.planted_difference) <= 3 * arm["se"], arm


@pytest.mark.django_db
def test_a_small_simulated_study_runs_end_to_end_through_the_services():
    report = simulate_study(options=SimulationOptions(participants=80, arms=4, clusters=4, seed=7))
    assert sum(report.arm_sizes.values()) == 80
    assert Allocation.objects.filter(study_id=report.study_id).count() == 80
    check_blocks_balance(report, max_imbalance=2)  # blocks of 1 or 2 per arm within a council
    check_estimates(report)
    assert report.planted_difference < 0
    n = Participant.objects.filter(study_id=report.study_id).count()
    assert ForecastScore.objects.filter(study_id=report.study_id).count() == n * 6 * 6
    assert set(report.timings) >= {"enrol_and_randomise", "forecast", "resolve_and_score"}


@pytest.mark.django_db
def test_the_command_prints_a_json_summary():
    out = StringIO()
    call_command(
        "simulate_study",
        "--participants",
        "24",
        "--arms",
        "2",
        "--scheme",
        "cluster",
        "--clusters",
        "6",
        "--seed",
        "2",
        "--json",
        stdout=out,
    )
    report = json.loads(out.getvalue())
    assert sum(report["arm_sizes"].values()) == 24
    for sizes in report["arm_sizes_by_council"].values():
        assert len(sizes) == 1  # a whole council in one arm
    assert {"study_id", "planted_difference", "arms", "timings"} <= set(report)


@pytest.mark.slow
@pytest.mark.django_db
def test_six_hundred_participants_in_four_arms_recover_the_planted_effect():
    # The project's full-scale end-to-end test (`make test-slow`; CI runs it on PostgreSQL).
    report = simulate_study(options=SimulationOptions(participants=600, arms=4, seed=11))
    assert sum(report.arm_sizes.values()) == 600
    check_blocks_balance(report, max_imbalance=2)
    check_estimates(report)


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("scheme", ["minimisation", "cluster"])
@pytest.mark.xfail(
    strict=False,
    reason=(
        "Known open defect (issue 6): with the allocation seed derived from --seed, seed 11 "
        "overshoots the planted effect by 4.6 SE under cluster randomisation (12 councils), "
        "and minimisation did so by 3.8 SE with 40 councils: the planted-effect calibration "
        "or the SE under these schemes needs investigating. Blocks (the acceptance case) passes."
    ),
)
def test_six_hundred_participants_under_other_schemes(scheme):
    report = simulate_study(
        options=SimulationOptions(participants=600, arms=4, scheme=scheme, clusters=12, seed=11)
    )
    sizes = np.array(list(report.arm_sizes.values()))
    assert sizes.sum() == 600
    if scheme == "minimisation":
        assert sizes.max() - sizes.min() <= 10
    else:
        assert all(len(arms) == 1 for arms in report.arm_sizes_by_council.values())
    check_estimates(report)
