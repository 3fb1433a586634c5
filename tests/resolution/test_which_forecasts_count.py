"""Every forecast is scored; summaries use the last one per participant, question and stage,
and leave test–retest repeats out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from casecast.forecasts.models import Forecast
from casecast.resolution.models import ForecastScore, ParticipantSummary
from casecast.resolution.outcomes import Outcome
from casecast.resolution.scoring_pipeline import score_questions
from casecast.resolution.selectors import counted_forecasts

from tests.resolution.test_pipeline import resolve_quietly

pytestmark = pytest.mark.django_db


def test_an_update_replaces_the_earlier_forecast_in_summaries_but_both_are_scored(casebook, people):
    q = casebook.q("rereferral")
    first = casebook.answer(people["ann"], q, probability_pct=30)
    update = casebook.answer(people["ann"], q, probability_pct=80, is_update=True)
    score_questions(question_ids=resolve_quietly(q, Outcome(binary=True)))
    scores = {s.forecast_id: s for s in ForecastScore.objects.all()}
    assert scores[first.pk].brier == pytest.approx(0.49) and not scores[first.pk].is_last
    assert scores[update.pk].brier == pytest.approx(0.04) and scores[update.pk].is_last
    assert ParticipantSummary.objects.get(participant=people["ann"]).mean_brier == pytest.approx(
        0.04
    )


def test_the_last_submitted_counts_even_if_created_out_of_order(casebook, people):
    q = casebook.q("rereferral")
    later = casebook.answer(people["ann"], q, probability_pct=90)
    earlier = casebook.answer(people["ann"], q, probability_pct=10)
    Forecast.objects.filter(pk=earlier.pk).update(
        submitted_at=later.submitted_at - timedelta(hours=1)
    )
    score_questions(question_ids=resolve_quietly(q, Outcome(binary=False)))
    assert ForecastScore.objects.get(forecast=later).is_last
    assert not ForecastScore.objects.get(forecast=earlier).is_last
    assert list(counted_forecasts(study=casebook.study)) == [later]


def test_retest_repeats_are_scored_flagged_and_left_out_of_the_primary_outcome(casebook, people):
    q = casebook.q("rereferral")
    original = casebook.answer(people["ann"], q, probability_pct=70)
    repeat = casebook.answer(people["ann"], q, retest=True, probability_pct=10)
    score_questions(question_ids=resolve_quietly(q, Outcome(binary=True)))
    repeat_score = ForecastScore.objects.get(forecast=repeat)
    assert repeat_score.is_retest and repeat_score.is_last and not repeat_score.counted
    summary = ParticipantSummary.objects.get(participant=people["ann"])
    assert summary.n_binary == 1 and summary.mean_brier == pytest.approx(0.09)
    assert list(counted_forecasts(study=casebook.study)) == [original]
    with_retests = counted_forecasts(study=casebook.study, include_retest=True)
    assert {(f.pk, f.is_retest) for f in with_retests} == {(original.pk, False), (repeat.pk, True)}


def test_counted_forecasts_selector_agrees_with_the_pipeline_flags(casebook, people):
    for name, values in [("ann", (20, 40, 60)), ("ben", (50,)), ("cat", (90, 10))]:
        for position, pct in enumerate(values):
            casebook.answer(
                people[name], casebook.q("rereferral"), probability_pct=pct, is_update=position > 0
            )
    casebook.answer(people["dan"], casebook.q("plan"), probabilities_pct=[20, 30, 50])
    score_questions(question_ids=resolve_quietly(casebook.q("rereferral"), Outcome(binary=True)))
    flagged = set(ForecastScore.objects.filter(is_last=True).values_list("forecast_id", flat=True))
    selected = set(
        counted_forecasts(study=casebook.study)
        .filter(question__key="rereferral")
        .values_list("pk", flat=True)
    )
    assert flagged == selected and len(selected) == 3


def test_withdrawn_participants_who_took_their_data_back_leave_summaries(casebook, people):
    q = casebook.q("rereferral")
    casebook.answer(people["ann"], q, probability_pct=70)
    casebook.answer(people["ben"], q, probability_pct=70)
    people["ben"].withdrawn_at = people["ben"].enrolled_at
    people["ben"].keep_data = False
    people["ben"].save()
    score_questions(question_ids=resolve_quietly(q, Outcome(binary=True)))
    assert set(ParticipantSummary.objects.values_list("participant_id", flat=True)) == {
        people["ann"].pk
    }
