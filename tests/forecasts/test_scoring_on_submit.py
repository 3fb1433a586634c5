"""A forecast on a question whose outcome is already known is scored at once."""

import pytest
from casecast.forecasts.models import Forecast
from casecast.resolution.models import ForecastScore
from casecast.vignettes.models import Question
from django.db import IntegrityError, transaction

from .conftest import stages_of, submit

pytestmark = pytest.mark.django_db


def test_submitting_to_a_resolved_question_scores_the_forecast(
    case_assignment, django_capture_on_commit_callbacks
):
    first = stages_of(case_assignment)[0]
    binary = first.questions.get(kind=Question.Kind.BINARY)
    assert binary.outcome_binary is not None, "the staged vignette carries outcomes"
    with django_capture_on_commit_callbacks(execute=True):
        submit(case_assignment, first, **{f"q{binary.pk}": "35"})
    forecast = Forecast.objects.get(question=binary)
    score = ForecastScore.objects.get(forecast=forecast)
    happened = 1.0 if binary.outcome_binary else 0.0
    assert score.brier == pytest.approx((0.35 - happened) ** 2)


def test_a_rejected_submission_enqueues_nothing(
    case_assignment, django_capture_on_commit_callbacks
):
    first = stages_of(case_assignment)[0]
    binary = first.questions.get(kind=Question.Kind.BINARY)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit(case_assignment, first, **{f"q{binary.pk}": "0"})
    assert callbacks == []
    assert not ForecastScore.objects.exists()


def test_repeated_quantiles_are_stored_and_scored(
    case_assignment, django_capture_on_commit_callbacks
):
    first = stages_of(case_assignment)[0]
    sessions = first.questions.get(kind=Question.Kind.NUMERIC)
    assert sessions.outcome_numeric == 14, "the staged vignette: Mia missed 14 sessions"
    prefix = f"q{sessions.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        result = submit(
            case_assignment,
            first,
            **{f"{prefix}-p5": "0", f"{prefix}-p50": "0", f"{prefix}-p95": "3"},
        )
    assert result.ok
    score = ForecastScore.objects.get(forecast__question=sessions)
    # Worked by hand for the outcome 14. Pinball losses at levels 0.05, 0.5 and 0.95:
    # 0.05 x 14 = 0.7, 0.5 x 14 = 7, 0.95 x (14 - 3) = 10.45; WIS = 2 x their mean = 12.1.
    assert score.wis == pytest.approx(12.1)
    # The 5-95 interval (0, 3) misses 14 by 11: width 3 + (2 / 0.1) x 11 = 223.
    assert score.interval_score == pytest.approx(223)


def _numeric_row(assignment, **values) -> Forecast:
    question = stages_of(assignment)[0].questions.get(kind=Question.Kind.NUMERIC)
    return Forecast(
        participant=assignment.participant, question=question, assignment=assignment, **values
    )


@pytest.mark.parametrize("lower, median, upper", [(0, 0, 3), (0, 3, 3), (3, 3, 3)])
def test_the_database_accepts_repeated_quantiles(case_assignment, lower, median, upper):
    _numeric_row(case_assignment, lower=lower, median=median, upper=upper).save()
    assert Forecast.objects.filter(lower=lower, median=median, upper=upper).count() == 1


@pytest.mark.parametrize(
    "values",
    [
        {"lower": 5, "median": 3, "upper": 9},  # quantiles going down
        {"lower": 1, "median": 9, "upper": 5},
        {"lower": 3, "upper": 3, "interval_confidence": 90},  # an interval needs a width
        {"lower": 8, "upper": 3, "interval_confidence": 90},
    ],
)
def test_the_database_refuses_numbers_out_of_order(case_assignment, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        _numeric_row(case_assignment, **values).save()
    assert not Forecast.objects.exists()
