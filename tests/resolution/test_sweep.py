"""The scoring sweep finds work a lost task left undone, and only that.

Each test loses a task on purpose — it changes the database the way a
submission or a resolution does, without sending the scoring task — then runs
the sweep as Celery beat would.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from casecast.forecasts.models import Forecast
from casecast.resolution.models import ForecastScore, ParticipantSummary
from casecast.resolution.outcomes import Outcome
from casecast.resolution.scoring_pipeline import score_questions
from casecast.resolution.sweep import scoring_sweep
from casecast.vignettes.models import Question
from django.db.models import F

from tasks import sweep as sweep_tasks
from tests.resolution.test_idempotency import answer_everything, resolve_all, snapshot


def submitted_minutes_ago(minutes: int) -> None:
    Forecast.objects.update(submitted_at=F("submitted_at") - timedelta(minutes=minutes))


@pytest.mark.django_db
def test_forecasts_whose_scoring_task_was_lost_are_scored_by_the_sweep(casebook, people):
    answer_everything(casebook, people.values())
    question_ids = resolve_all(casebook)  # outcomes set, no task sent
    submitted_minutes_ago(10)
    assert ForecastScore.objects.count() == 0

    assert sweep_tasks.sweep_scoring.apply().get() == 3  # the three answered questions
    assert ForecastScore.objects.count() == 12  # 4 people x 3 questions
    assert ParticipantSummary.objects.filter(n_scored=3).count() == 4
    swept = snapshot()
    score_questions(question_ids=question_ids)  # what the lost task would have written
    assert snapshot() == swept


@pytest.mark.django_db
def test_a_second_sweep_finds_nothing_to_do(casebook, people, django_assert_max_num_queries):
    answer_everything(casebook, people.values())
    resolve_all(casebook)
    submitted_minutes_ago(10)
    scoring_sweep()
    with django_assert_max_num_queries(
        3
    ):  # three reads (scores, stale scores, summaries due), no writes
        assert scoring_sweep() == []


@pytest.mark.django_db
def test_just_submitted_forecasts_are_left_to_their_own_task(casebook, people):
    answer_everything(casebook, people.values())
    resolve_all(casebook)
    assert scoring_sweep() == []
    submitted_minutes_ago(3)
    assert len(scoring_sweep()) == 3


@pytest.mark.django_db
def test_a_lost_correction_is_rescored_against_the_new_outcome(casebook, people):
    answer_everything(casebook, people.values())
    score_questions(question_ids=resolve_all(casebook))
    question = casebook.q("rereferral")
    before = dict(ForecastScore.objects.filter(question=question).values_list("forecast", "brier"))

    # The correction committed, its task was lost.
    Question.objects.filter(pk=question.pk).update(outcome_binary=False)

    assert scoring_sweep() == [question.pk]
    after = ForecastScore.objects.filter(question=question)
    assert {score.outcome_binary for score in after} == {False}
    for score in after:
        p = score.probability
        assert before[score.forecast_id] == pytest.approx((1 - p) ** 2)
        assert score.brier == pytest.approx(p**2)
    assert scoring_sweep() == []


@pytest.mark.django_db
def test_a_lost_annulment_removes_the_scores(casebook, people):
    answer_everything(casebook, people.values())
    score_questions(question_ids=resolve_all(casebook))
    question = casebook.q("plan")
    Question.objects.filter(pk=question.pk).update(annulled=True)

    assert scoring_sweep() == [question.pk]
    assert not ForecastScore.objects.filter(question=question).exists()
    assert ForecastScore.objects.count() == 8
    assert ParticipantSummary.objects.filter(n_scored=2).count() == 4


@pytest.mark.django_db
def test_unresolved_questions_are_not_swept(casebook, people):
    answer_everything(casebook, people.values())
    submitted_minutes_ago(60)
    assert scoring_sweep() == []
    assert casebook.q("rereferral").outcome_binary is None
    assert Outcome.of(casebook.q("rereferral")) is None
