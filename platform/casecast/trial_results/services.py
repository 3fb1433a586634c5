"""Writes for trial-results studies: set-up, forecasts, resolution (audited)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from casecast.accounts.links import is_staff_account
from casecast.accounts.models import User
from casecast.audit.services import audit_record
from casecast.trial_results.models import ResultsStudy, TrialForecast, TrialQuestion

STUDY_FIELDS = ("title", "description", "interval_level", "is_open")
RESERVED_SLUGS = {"manage"}  # a URL of its own (urls.py)
QUESTION_FIELDS = ("trial", "description", "outcome", "unit", "closes_at", "position")


def _unique_slug(title: str) -> str:
    base = slugify(title)[:60] or "results"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or ResultsStudy.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def results_study_save(
    *, by: User, study: ResultsStudy | None = None, **fields: Any
) -> ResultsStudy:
    unknown = set(fields) - set(STUDY_FIELDS)
    if unknown:
        raise ValueError(f"not results-study fields: {', '.join(sorted(unknown))}")
    created = study is None
    if study is None:
        study = ResultsStudy(created_by=by, slug=_unique_slug(fields.get("title", "")))
    for name, value in fields.items():
        setattr(study, name, value)
    study.full_clean()
    study.save()
    audit_record(
        action="trial_results.study_create" if created else "trial_results.study_change",
        actor=by,
        target=study,
        data={name: str(value) for name, value in fields.items()},
    )
    return study


@transaction.atomic
def question_save(
    *, study: ResultsStudy, by: User, question: TrialQuestion | None = None, **fields: Any
) -> TrialQuestion:
    unknown = set(fields) - set(QUESTION_FIELDS)
    if unknown:
        raise ValueError(f"not question fields: {', '.join(sorted(unknown))}")
    if question is not None and question.forecasts.exists():
        changed = [
            name
            for name in ("description", "outcome", "unit")
            if name in fields and fields[name] != getattr(question, name)
        ]
        if changed:
            raise ValidationError(
                "People have already forecast this trial, so what it asks cannot change. "
                "Add a new question instead."
            )
    question = question or TrialQuestion(study=study)
    for name, value in fields.items():
        setattr(question, name, value)
    question.full_clean()
    question.save()
    audit_record(action="trial_results.question_save", actor=by, target=question, data={})
    return question


def _forecaster_kind(user: User) -> str:
    staff = is_staff_account(user)
    return TrialForecast.Forecaster.STAFF if staff else TrialForecast.Forecaster.PARTICIPANT


@transaction.atomic
def forecast_submit(
    *, question: TrialQuestion, user: User, estimate: float, low: float, high: float
) -> TrialForecast:
    """Give or change one's forecast of a trial's result, until it closes or is resolved.

    Sending the same numbers twice changes nothing (a double click is harmless)."""
    question = TrialQuestion.objects.select_for_update().get(pk=question.pk)
    if question.resolved:
        raise ValidationError("The result of this trial has been published: forecasts are closed.")
    if question.closes_at is not None and timezone.now() >= question.closes_at:
        raise ValidationError(
            "Forecasts for this trial closed on "
            f"{timezone.localtime(question.closes_at):%-d %B %Y at %H:%M}."
        )
    if not low <= estimate <= high:
        raise ValidationError(
            {
                "low": "The range must contain your estimate: the lowest value must be at or "
                "below it and the highest at or above it"
            }
        )
    values = {"estimate": estimate, "low": low, "high": high}
    try:
        forecast, _ = TrialForecast.objects.update_or_create(
            question=question,
            user=user,
            defaults=values,
            create_defaults={**values, "forecaster": _forecaster_kind(user)},
        )
    except IntegrityError as error:  # the database's own check: never store a bad range
        raise ValidationError("The range must contain your estimate.") from error
    return forecast


@transaction.atomic
def question_resolve(
    *,
    question: TrialQuestion,
    by: User,
    estimate: float,
    low: float | None = None,
    high: float | None = None,
    source: str = "",
    reason: str = "",
) -> TrialQuestion:
    """Record the published estimate (and its interval). A correction needs a reason."""
    question = TrialQuestion.objects.select_for_update().get(pk=question.pk)
    correction = question.resolved
    if correction and not reason.strip():
        raise ValidationError({"reason": "Say why the published result is being corrected"})
    if low is not None and high is not None and low > high:
        raise ValidationError({"published_low": "The lower end must not be above the upper end"})
    before = {
        "estimate": question.published_estimate,
        "low": question.published_low,
        "high": question.published_high,
    }
    question.published_estimate, question.published_low = estimate, low
    question.published_high, question.published_source = high, source
    question.resolved_at, question.resolved_by = timezone.now(), by
    question.save()
    audit_record(
        action="trial_results.correct" if correction else "trial_results.resolve",
        actor=by,
        target=question,
        reason=reason,
        data={
            "estimate": estimate,
            "low": low,
            "high": high,
            "source": source,
            **({"before": before} if correction else {}),
        },
    )
    return question
