"""Tasks are safe to run twice or at once, and cost a fixed number of queries."""

from __future__ import annotations

import threading

import pytest
from casecast.resolution.models import ArmSummary, ForecastScore, ParticipantSummary
from casecast.resolution.outcomes import Outcome
from casecast.resolution.scoring_pipeline import rescore_study, score_questions
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from tasks import scoring as scoring_tasks
from tests.fixtures_studies import create_participant
from tests.resolution.test_pipeline import resolve_quietly

SCORE_COLUMNS = (
    "forecast_id",
    "brier",
    "brier_multi",
    "log_score",
    "spherical",
    "rps",
    "wis",
    "is_last",
)
SUMMARY_COLUMNS = ("participant_id", "n_scored", "mean_brier", "reliability", "auc")


def snapshot() -> tuple[list, list, list]:
    return (
        sorted(ForecastScore.objects.values_list(*SCORE_COLUMNS)),
        sorted(ParticipantSummary.objects.values_list(*SUMMARY_COLUMNS)),
        sorted(ArmSummary.objects.values_list("arm_id", "mean_brier", "difference", "ci_low")),
    )


def answer_everything(casebook, participants) -> None:
    for i, person in enumerate(participants):
        casebook.answer(person, casebook.q("rereferral"), probability_pct=10 + 7 * i % 80)
        casebook.answer(person, casebook.q("plan"), probabilities_pct=[30, 30, 40])
        casebook.answer(person, casebook.q("visits"), lower=1, median=3 + i, upper=20)


def resolve_all(casebook) -> list[int]:
    ids = resolve_quietly(casebook.q("rereferral"), Outcome(binary=True))
    ids += resolve_quietly(casebook.q("plan"), Outcome(category=0))
    ids += resolve_quietly(casebook.q("visits"), Outcome(numeric=6))
    return ids


@pytest.mark.django_db
def test_running_the_task_twice_leaves_the_same_rows(casebook, people):
    answer_everything(casebook, people.values())
    ids = resolve_all(casebook)
    scoring_tasks.score_questions.apply(args=[ids]).get()
    first = snapshot()
    scoring_tasks.score_questions.apply(args=[ids]).get()
    assert snapshot() == first
    assert ForecastScore.objects.count() == 12


@pytest.mark.django_db
def test_a_full_rescore_reproduces_incremental_scoring(casebook, people):
    answer_everything(casebook, people.values())
    score_questions(question_ids=resolve_all(casebook))
    incremental = snapshot()
    ForecastScore.objects.all().delete()
    ParticipantSummary.objects.all().delete()
    rescore_study(study_id=casebook.study.pk)
    assert snapshot() == incremental


def queries_to_score(casebook, n_people: int) -> int:
    study = casebook.study
    participants = [
        create_participant(
            study=study,
            email=f"p{n_people}-{i}@example.org",
            arm="control" if i % 2 else "feedback",
        )
        for i in range(n_people)
    ]
    answer_everything(casebook, participants)
    ids = resolve_all(casebook)
    with CaptureQueriesContext(connection) as context:
        score_questions(question_ids=ids)
    return len(context.captured_queries)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_number_of_forecasts(casebook, study):
    few = queries_to_score(casebook, 2)
    from casecast.forecasts.models import Forecast
    from casecast.vignettes.models import Question

    Forecast.objects.all().delete()
    Question.objects.update(outcome_binary=None, outcome_category=None, outcome_numeric=None)
    many = queries_to_score(casebook, 12)
    assert many == few


@pytest.mark.django_db
def test_a_full_rescore_uses_a_fixed_number_of_queries(casebook, people):
    answer_everything(casebook, people.values())
    score_questions(question_ids=resolve_all(casebook))
    with CaptureQueriesContext(connection) as context:
        rescore_study(study_id=casebook.study.pk)
    assert len(context.captured_queries) < 25


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_concurrent_runs_on_postgresql_agree(casebook, people):
    answer_everything(casebook, people.values())
    ids = resolve_all(casebook)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            score_questions(question_ids=ids)
            rescore_study(study_id=casebook.study.pk)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    together = snapshot()
    score_questions(question_ids=ids)
    assert snapshot() == together
    assert ForecastScore.objects.count() == 12
    assert ParticipantSummary.objects.count() == 4
