"""Writes for practice mode. Each refuses bad input with a `ValidationError` naming the field,
and changes nothing when it refuses.

A worker's practice is theirs: nothing here records the case a forecast is
about (that label stays in their browser), and the audit trail records only
the opt-in to share and the deletion of everything, never a question.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casecast.accounts.models import User
from casecast.audit.services import audit_record
from casecast.practice.identifying import identifying_problems
from casecast.practice.models import LOCAL_ID_PATTERN, PracticeForecast, PracticeShare
from casecast.practice.questions import CUSTOM, CUSTOM_MAX_CHARS, QUESTIONS
from casecast.practice.selectors import practising_studies
from casecast.studies.models import Study

LONGEST_AHEAD = timedelta(days=3 * 366)  # a due date at most about three years away


def new_local_id() -> str:
    """A random id for the browser to file its label under (carries no information)."""
    return secrets.token_urlsafe(18)


def _question(question: str, custom_text: str) -> tuple[str, str]:
    """(question_key, custom_text) to store, or a ValidationError at the field to change."""
    if question in QUESTIONS:
        return question, ""
    if question != CUSTOM:
        raise ValidationError({"question": "Choose a question, or choose to write your own"})
    text = " ".join(custom_text.split())
    if not text:
        raise ValidationError({"custom_text": "Write your question"})
    if len(text) > CUSTOM_MAX_CHARS:
        raise ValidationError(
            {"custom_text": f"Your question must be {CUSTOM_MAX_CHARS} characters or fewer"}
        )
    problems = identifying_problems(text)
    if problems:
        raise ValidationError(
            {"custom_text": ["Your question must not say who the case is about.", *problems]}
        )
    return "", text


@transaction.atomic
def practice_forecast_create(
    *,
    owner: User,
    question: str,
    custom_text: str,
    probability_pct: int,
    due_on: date,
    local_id: str,
    today: date | None = None,
) -> PracticeForecast:
    today = today or timezone.localdate()
    question_key, text = _question(question, custom_text)
    if not 1 <= probability_pct <= 99:
        raise ValidationError({"probability_pct": "Give a whole percentage from 1 to 99"})
    if due_on <= today:
        raise ValidationError({"due_on": "The date you will know must be in the future"})
    if due_on > today + LONGEST_AHEAD:
        raise ValidationError({"due_on": "The date you will know must be within 3 years"})
    if not re.fullmatch(LOCAL_ID_PATTERN, local_id):
        raise ValidationError("This form is out of date. Go back to your practice and start again.")
    if PracticeForecast.objects.filter(owner=owner, local_id=local_id).exists():
        # The same form sent twice (a double click): keep the first.
        raise ValidationError("You have already saved this forecast.")
    return PracticeForecast.objects.create(
        owner=owner,
        local_id=local_id,
        question_key=question_key,
        custom_text=text,
        probability_pct=probability_pct,
        due_on=due_on,
    )


@transaction.atomic
def practice_forecast_resolve(
    *, owner: User, forecast: PracticeForecast, happened: bool, now: datetime | None = None
) -> PracticeForecast:
    """Record (or correct) what happened. Only the owner may resolve their forecast."""
    if forecast.owner_id != owner.pk:
        raise ValidationError("This is not your forecast.")
    forecast.outcome = happened
    forecast.resolved_at = now or timezone.now()
    forecast.save(update_fields=["outcome", "resolved_at"])
    return forecast


@transaction.atomic
def practice_everything_delete(*, owner: User) -> int:
    """Delete every practice forecast and share of the owner; return how many forecasts."""
    deleted = PracticeForecast.objects.filter(owner=owner).count()
    PracticeForecast.objects.filter(owner=owner).delete()
    PracticeShare.objects.filter(owner=owner).delete()
    audit_record(action="practice.delete_all", actor=owner, data={"forecasts": deleted})
    return deleted


@transaction.atomic
def practice_sharing_set(*, owner: User, studies: list[Study]) -> list[Study]:
    """Share the anonymised practice record with exactly these studies (the owner's own)."""
    allowed = {study.pk: study for study in practising_studies(user=owner)}
    chosen = {study.pk for study in studies}
    if chosen - set(allowed):
        raise ValidationError({"studies": "You can only share with a study you take part in"})
    current = set(PracticeShare.objects.filter(owner=owner).values_list("study_id", flat=True))
    for study_id in chosen - current:
        PracticeShare.objects.create(owner=owner, study_id=study_id)
        audit_record(action="practice.share", actor=owner, study_id=study_id)
    for study_id in current - chosen:
        PracticeShare.objects.filter(owner=owner, study_id=study_id).delete()
        audit_record(action="practice.unshare", actor=owner, study_id=study_id)
    return [allowed[pk] for pk in sorted(chosen)]
