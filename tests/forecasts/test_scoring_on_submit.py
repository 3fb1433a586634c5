"""A forecast on a question whose outcome is already known is scored at once."""

import pytest
from casecast.forecasts.models import Forecast
from casecast.resolution.models import ForecastScore
from casecast.vignettes.models import Question

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
