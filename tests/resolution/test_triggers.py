"""Scoring is triggered after commit: by a submission to a resolved question, and by
resolving, correcting or annulling a question — touching exactly the forecasts affected."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from casecast.forecasts import services as journey_services
from casecast.forecasts.models import Forecast
from casecast.resolution import scoring_pipeline, services
from casecast.resolution.models import ArmSummary, ForecastScore, ParticipantSummary
from casecast.resolution.outcomes import Outcome
from django.core.exceptions import ValidationError
from django.utils import timezone

pytestmark = pytest.mark.django_db

KNOWN = date(2024, 5, 1)


def resolve(question, outcome, by, capture):
    with capture(execute=True) as callbacks:
        services.question_resolve(
            question=question, outcome=outcome, known_at=KNOWN, source="Case file", by=by
        )
    return callbacks


def test_submission_to_a_resolved_question_is_scored_at_once(
    casebook, people, researcher, django_capture_on_commit_callbacks
):
    q = casebook.q("rereferral")
    resolve(q, Outcome(binary=True), researcher, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        forecast = casebook.answer(people["ann"], q, probability_pct=90)
        other = casebook.answer(people["ann"], casebook.q("plan"), probabilities_pct=[40, 30, 30])
        journey_services.forecasts_submitted(
            study_id=people["ann"].study_id, forecast_ids=[forecast.pk, other.pk]
        )
    assert len(callbacks) == 1  # one task per submission, not per forecast
    assert ForecastScore.objects.get(forecast=forecast).brier == pytest.approx(0.01)
    assert not ForecastScore.objects.filter(forecast=other).exists()  # plan is unresolved
    assert ParticipantSummary.objects.get(participant=people["ann"]).n_binary == 1


def test_submission_to_unresolved_questions_enqueues_nothing(
    casebook, people, django_capture_on_commit_callbacks
):
    forecast = casebook.answer(people["ann"], casebook.q("rereferral"), probability_pct=90)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        journey_services.forecasts_submitted(
            study_id=people["ann"].study_id, forecast_ids=[forecast.pk]
        )
    assert callbacks == []
    assert not ForecastScore.objects.exists()


def test_an_update_submitted_later_takes_over_as_the_counted_forecast(
    casebook, people, researcher, django_capture_on_commit_callbacks
):
    q = casebook.q("rereferral")
    first = casebook.answer(people["ann"], q, probability_pct=50)
    resolve(q, Outcome(binary=True), researcher, django_capture_on_commit_callbacks)
    assert ForecastScore.objects.get(forecast=first).is_last
    with django_capture_on_commit_callbacks(execute=True):
        update = casebook.answer(people["ann"], q, probability_pct=80, is_update=True)
        journey_services.forecasts_submitted(
            study_id=people["ann"].study_id, forecast_ids=[update.pk]
        )
    assert not ForecastScore.objects.get(forecast=first).is_last
    assert ParticipantSummary.objects.get(participant=people["ann"]).mean_brier == pytest.approx(
        0.04
    )


def test_resolving_scores_only_that_questions_forecasts(
    casebook, people, researcher, django_capture_on_commit_callbacks
):
    plan = casebook.q("plan")
    untouched = casebook.answer(people["ben"], plan, probabilities_pct=[10, 10, 80])
    resolve(plan, Outcome(category=2), researcher, django_capture_on_commit_callbacks)
    before = ForecastScore.objects.get(forecast=untouched).scored_at
    forecast = casebook.answer(people["ann"], casebook.q("rereferral"), probability_pct=60)
    resolve(
        casebook.q("rereferral"),
        Outcome(binary=False),
        researcher,
        django_capture_on_commit_callbacks,
    )
    assert ForecastScore.objects.get(forecast=forecast).brier == pytest.approx(0.36)
    assert ForecastScore.objects.get(forecast=untouched).scored_at == before


def test_correcting_rescores_with_the_new_outcome_and_needs_a_reason(
    casebook, people, researcher, django_capture_on_commit_callbacks
):
    q = casebook.q("rereferral")
    forecast = casebook.answer(people["ann"], q, probability_pct=70)
    other = casebook.answer(people["ann"], casebook.q("visits"), lower=1, median=2, upper=3)
    resolve(q, Outcome(binary=True), researcher, django_capture_on_commit_callbacks)
    resolve(
        casebook.q("visits"), Outcome(numeric=2), researcher, django_capture_on_commit_callbacks
    )
    other_before = ForecastScore.objects.get(forecast=other).scored_at
    with pytest.raises(ValidationError):
        services.question_correct(
            question=q,
            outcome=Outcome(binary=False),
            known_at=KNOWN,
            source="Case file",
            by=researcher,
            reason=" ",
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.question_correct(
            question=q,
            outcome=Outcome(binary=False),
            known_at=KNOWN,
            source="Case file",
            by=researcher,
            reason="Misread the file",
        )
    score = ForecastScore.objects.get(forecast=forecast)
    assert score.brier == pytest.approx(0.49) and score.outcome_binary is False
    assert ForecastScore.objects.get(forecast=other).scored_at == other_before


def test_resolving_an_already_resolved_question_with_another_outcome_is_refused(
    casebook, researcher, django_capture_on_commit_callbacks
):
    q = casebook.q("rereferral")
    resolve(q, Outcome(binary=True), researcher, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        services.question_resolve(
            question=q,
            outcome=Outcome(binary=False),
            known_at=KNOWN,
            source="Case file",
            by=researcher,
        )


def test_annulling_unscores_the_question_and_reinstating_scores_it_again(
    casebook, people, researcher, django_capture_on_commit_callbacks
):
    q = casebook.q("rereferral")
    forecast = casebook.answer(people["ann"], q, probability_pct=70)
    kept = casebook.answer(people["ann"], casebook.q("severity"), probabilities_pct=[30, 30, 40])
    resolve(q, Outcome(binary=True), researcher, django_capture_on_commit_callbacks)
    resolve(
        casebook.q("severity"), Outcome(category=0), researcher, django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.question_annul(question=q, by=researcher, reason="Ambiguous wording")
    assert not ForecastScore.objects.filter(forecast=forecast).exists()
    assert ForecastScore.objects.filter(forecast=kept).exists()
    summary = ParticipantSummary.objects.get(participant=people["ann"])
    assert summary.n_binary == 0 and summary.mean_brier is None and summary.n_scored == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.question_reinstate(question=q, by=researcher, reason="Wording was clear")
    assert ForecastScore.objects.get(forecast=forecast).brier == pytest.approx(0.09)


def test_annulling_needs_a_reason(casebook, researcher):
    with pytest.raises(ValidationError):
        services.question_annul(question=casebook.q("rereferral"), by=researcher, reason="")
    assert not casebook.q("rereferral").annulled


def test_arm_summaries_compare_each_arm_with_control(
    casebook, people, researcher, django_capture_on_commit_callbacks
):
    q = casebook.q("rereferral")
    for name, pct in [("ann", 40), ("ben", 60), ("cat", 80), ("dan", 90)]:
        casebook.answer(people[name], q, probability_pct=pct)
    resolve(q, Outcome(binary=True), researcher, django_capture_on_commit_callbacks)
    control = ArmSummary.objects.get(arm__key="control")
    feedback = ArmSummary.objects.get(arm__key="feedback")
    assert control.n_participants == 2 and control.mean_brier == pytest.approx((0.36 + 0.16) / 2)
    assert feedback.mean_brier == pytest.approx((0.04 + 0.01) / 2)
    assert feedback.difference == pytest.approx(0.025 - 0.26)
    assert control.difference is None
    assert feedback.ci_low <= feedback.difference <= feedback.ci_high


def test_the_coalesced_task_scores_every_recent_unscored_forecast_of_the_study_once(
    casebook, people, researcher, django_capture_on_commit_callbacks
):
    q = casebook.q("rereferral")
    resolve(q, Outcome(binary=True), researcher, django_capture_on_commit_callbacks)
    # Submitted since the task's start point, never scored (their tasks were shared).
    ann = casebook.answer(people["ann"], q, probability_pct=90)
    ben = casebook.answer(people["ben"], q, probability_pct=20)
    # Too old for this task (the sweep's), and a question still without an outcome.
    old = casebook.answer(people["cat"], q, probability_pct=60)
    since = timezone.now() - timedelta(seconds=30)
    Forecast.objects.filter(pk=old.pk).update(submitted_at=since - timedelta(seconds=1))
    unresolved = casebook.answer(people["ann"], casebook.q("plan"), probabilities_pct=[40, 30, 30])

    other_study = scoring_pipeline.score_recent(study_id=casebook.study.pk + 1000, since=since)
    assert other_study.scored == 0 and not ForecastScore.objects.exists()

    first = scoring_pipeline.score_recent(study_id=casebook.study.pk, since=since)
    assert first.scored == 2
    scored = set(ForecastScore.objects.values_list("forecast_id", flat=True))
    assert scored == {ann.pk, ben.pk}
    assert old.pk not in scored and unresolved.pk not in scored
    assert ForecastScore.objects.get(forecast=ben).brier == pytest.approx(0.64)

    again = scoring_pipeline.score_recent(study_id=casebook.study.pk, since=since)
    assert again.scored == 0
    assert set(ForecastScore.objects.values_list("forecast_id", flat=True)) == scored
