"""Reads for trial-results studies: what a forecaster sees, and the accuracy of forecasts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from casecast.accounts.models import User
from casecast.core.pseudonyms import pseudonym
from casecast.studies.models import StudyMembership
from casecast.trial_results.accuracy import QuestionAccuracy, question_accuracy
from casecast.trial_results.models import ResultsStudy, TrialForecast, TrialQuestion

MANAGING_ROLES = (StudyMembership.Role.ADMIN, StudyMembership.Role.RESEARCHER)


def can_manage(user: User) -> bool:
    """Site administrators and anyone who runs a study (administrator or researcher)."""
    if getattr(user, "is_site_admin", False) or getattr(user, "is_superuser", False):
        return True
    return StudyMembership.objects.filter(user=user, role__in=MANAGING_ROLES).exists()


def open_studies() -> QuerySet[ResultsStudy]:
    return ResultsStudy.objects.filter(is_open=True).prefetch_related("questions")


@dataclass(frozen=True)
class QuestionForForecaster:
    question: TrialQuestion
    mine: TrialForecast | None


def questions_for(*, study: ResultsStudy, user: User) -> list[QuestionForForecaster]:
    mine = {
        f.question_id: f for f in TrialForecast.objects.filter(question__study=study, user=user)
    }
    return [QuestionForForecaster(q, mine.get(q.pk)) for q in study.questions.all()]


@dataclass(frozen=True)
class GroupAccuracy:
    label: str
    accuracy: QuestionAccuracy


def accuracy_by_group(*, question: TrialQuestion) -> list[GroupAccuracy]:
    """Everyone's accuracy, then staff's and participants' (each when they forecast)."""
    if not question.resolved or question.published_estimate is None:
        return []
    rows = list(question.forecasts.values_list("forecaster", "estimate", "low", "high"))
    groups = [("Everyone", rows)] + [
        (label, [r for r in rows if r[0] == value])
        for value, label in TrialForecast.Forecaster.choices
    ]
    return [
        GroupAccuracy(
            label,
            question_accuracy(
                [r[1] for r in chosen],
                [r[2] for r in chosen],
                [r[3] for r in chosen],
                published=question.published_estimate,
                alpha=question.study.alpha,
            ),
        )
        for label, chosen in groups
        if chosen
    ]


def own_interval_score(*, question: TrialQuestion, forecast: TrialForecast) -> float | None:
    if question.published_estimate is None:
        return None
    result = question_accuracy(
        [forecast.estimate],
        [forecast.low],
        [forecast.high],
        published=question.published_estimate,
        alpha=question.study.alpha,
    )
    return float(result.interval_scores[0])


EXPORT_COLUMNS = [
    "question_id",
    "trial",
    "forecaster_id",
    "forecaster",
    "estimate",
    "low",
    "high",
    "submitted_at",
    "updated_at",
    "published_estimate",
    "interval_score",
]


def export_rows(*, study: ResultsStudy) -> Iterator[list[object]]:
    """One row per forecast; forecasters by a keyed pseudonym of this results study."""
    forecasts = TrialForecast.objects.filter(question__study=study).select_related(
        "question__study"
    )
    for f in forecasts.order_by("question__position", "question_id", "pk").iterator(2000):
        yield [
            f.question_id,
            f.question.trial,
            pseudonym(key=study.pseudonym_key, kind="forecaster", pk=f.user_id),
            f.forecaster,
            f.estimate,
            f.low,
            f.high,
            f.submitted_at,
            f.updated_at,
            f.question.published_estimate,
            own_interval_score(question=f.question, forecast=f),
        ]
