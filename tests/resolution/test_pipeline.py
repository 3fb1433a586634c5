"""Per-forecast scores follow the question's kind; values checked against hand-worked formulas."""

from __future__ import annotations

from datetime import date

import pytest
from casecast.resolution.models import ForecastScore, ParticipantSummary
from casecast.resolution.outcomes import Outcome
from casecast.resolution.scoring_pipeline import rescore_study, score_questions
from casecast.resolution.services import outcome_apply
from casecast.vignettes.models import Question
from django.db import transaction

pytestmark = pytest.mark.django_db

KNOWN = date(2024, 3, 1)


def resolve_quietly(question: Question, outcome: Outcome, by=None) -> list[int]:
    """Set the outcome without enqueueing, so the test calls the pipeline itself."""
    with transaction.atomic():
        return outcome_apply(
            question=question,
            outcome=outcome,
            known_at=KNOWN,
            source="case file",
            by=by,
            correction=False,
        )


def score_of(forecast) -> ForecastScore:
    return ForecastScore.objects.get(forecast=forecast)


def test_binary_forecast_gets_brier_log_and_spherical(casebook, people):
    q = casebook.q("rereferral")
    hit = casebook.answer(people["ann"], q, probability_pct=70)
    miss = casebook.answer(people["ben"], q, probability_pct=20)
    score_questions(question_ids=resolve_quietly(q, Outcome(binary=True)))
    s = score_of(hit)
    assert s.brier == pytest.approx(0.09)  # (0.7 - 1)^2
    assert s.log_score == pytest.approx(0.356675, abs=1e-6)  # -ln 0.7
    assert s.spherical == pytest.approx(0.919145, abs=1e-6)  # 0.7 / sqrt(0.49 + 0.09)
    assert s.probability == pytest.approx(0.7)
    assert s.outcome_binary is True
    assert s.rps is None and s.wis is None and s.interval_score is None and s.brier_multi is None
    assert score_of(miss).brier == pytest.approx(0.64)  # (0.2 - 1)^2


def test_multiple_choice_forecast_gets_multi_category_scores(casebook, people):
    q = casebook.q("plan")
    forecast = casebook.answer(people["ann"], q, probabilities_pct=[50, 30, 20])
    score_questions(question_ids=resolve_quietly(q, Outcome(category=1)))
    s = score_of(forecast)
    assert s.brier_multi == pytest.approx(0.78)  # 0.5^2 + 0.7^2 + 0.2^2
    assert s.brier is None  # the 0-1 column holds yes/no scores only
    assert s.log_score == pytest.approx(1.203973, abs=1e-6)  # -ln 0.3
    assert s.spherical == pytest.approx(0.486664, abs=1e-6)  # 0.3 / sqrt(0.38)
    assert s.rps is None


def test_ordered_forecast_gets_rps_and_brier(casebook, people):
    q = casebook.q("severity")
    forecast = casebook.answer(people["ann"], q, probabilities_pct=[20, 50, 30])
    score_questions(question_ids=resolve_quietly(q, Outcome(category=2)))
    s = score_of(forecast)
    assert s.rps == pytest.approx(0.265)  # cumulative (0.2, 0.7) vs (0, 0): (0.04 + 0.49) / 2
    assert s.brier_multi == pytest.approx(0.78)  # 0.2^2 + 0.5^2 + 0.7^2
    assert s.brier is None


def test_numeric_quantiles_get_wis_and_90_percent_interval_score(casebook, people):
    q = casebook.q("visits")
    forecast = casebook.answer(people["ann"], q, lower=10, median=20, upper=40)
    score_questions(question_ids=resolve_quietly(q, Outcome(numeric=50)))
    s = score_of(forecast)
    assert s.interval_score == pytest.approx(230)  # (40 - 10) + (2 / 0.1) * (50 - 40)
    # 2 * mean pinball: (0.05 * 40 + 0.5 * 30 + 0.95 * 10) / 3 * 2
    assert s.wis == pytest.approx(2 * 26.5 / 3)


def test_numeric_interval_uses_its_stated_confidence(casebook, people):
    q = casebook.q("days")
    forecast = casebook.answer(people["ann"], q, lower=10, upper=30, interval_confidence=80)
    score_questions(question_ids=resolve_quietly(q, Outcome(numeric=5)))
    s = score_of(forecast)
    assert s.interval_score == pytest.approx(70)  # 20 + (2 / 0.2) * 5
    assert s.wis is None


def test_forecasts_on_every_version_of_a_question_are_scored_against_one_outcome(casebook, people):
    v1 = casebook.answer(people["ann"], casebook.q("rereferral", 1), probability_pct=60)
    v2 = casebook.answer(people["cat"], casebook.q("rereferral", 2), probability_pct=60)
    ids = resolve_quietly(casebook.q("rereferral", 2), Outcome(binary=False))
    score_questions(question_ids=ids)
    assert score_of(v1).brier == pytest.approx(0.36)
    assert score_of(v2).brier == pytest.approx(0.36)


def test_unresolved_questions_are_not_scored(casebook, people):
    casebook.answer(people["ann"], casebook.q("rereferral"), probability_pct=60)
    rescore_study(study_id=casebook.study.pk)
    assert not ForecastScore.objects.exists()


def test_participant_summary_matches_hand_computed_means(casebook, people):
    q = casebook.q("rereferral")
    casebook.answer(people["ann"], q, probability_pct=70)
    casebook.answer(people["ann"], q, phase=casebook.baseline, probability_pct=40)
    score_questions(question_ids=resolve_quietly(q, Outcome(binary=True)))
    summary = ParticipantSummary.objects.get(participant=people["ann"])
    assert summary.n_binary == 2
    assert summary.mean_brier == pytest.approx((0.09 + 0.36) / 2)
    assert summary.primary_brier == pytest.approx(0.09)  # after randomisation only
    assert summary.baseline_brier == pytest.approx(0.36)
    assert summary.mean_forecast == pytest.approx(0.55)
    assert summary.event_rate == pytest.approx(1.0)
