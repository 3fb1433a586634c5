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
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from casecast.accounts.links import is_staff_account, participant_links_revoke, still_taking_part
from casecast.accounts.models import User
from casecast.audit.services import audit_record
from casecast.practice.identifying import identifying_problems
from casecast.practice.models import (
    LOCAL_ID_PATTERN,
    PracticeAccess,
    PracticeForecast,
    PracticeShare,
)
from casecast.practice.questions import CUSTOM, CUSTOM_MAX_CHARS, QUESTIONS
from casecast.practice.selectors import practising_studies
from casecast.studies.models import Study
from tasks.enqueue import enqueue_on_commit
from tasks.notifications import send_practice_invitation

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


# --- practice-only workers (invited by a study's administrator) ----------------------------


@transaction.atomic
def practice_only_invite(*, study: Study, email: str, by: User) -> PracticeAccess:
    """Invite a worker to practise only, and email them their personal link.

    The account is the worker's existing one if the address has one (a participant
    of another study, say), else a new account with no password. Staff accounts are
    refused: they never sign in by link. Inviting someone whose access was revoked
    invites them afresh.
    """
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"email": "Enter an email address in the correct format, like name@example.org"}
        ) from None
    user = User.objects.filter(email=email).first()
    if user is not None and is_staff_account(user):
        raise ValidationError(
            {
                "email": "This address belongs to a staff account, which cannot be invited to "
                "practise. Use the worker's own address."
            }
        )
    if user is None:
        user = User.objects.create_user(email=email)
    earlier = PracticeAccess.objects.select_for_update().filter(user=user, study=study).first()
    if earlier is not None and earlier.revoked_at is None:
        raise ValidationError({"email": "This worker is already invited to practise."})
    if earlier is not None:
        earlier.delete()  # a fresh invitation, with a fresh email (the audit trail keeps both)
    access = PracticeAccess.objects.create(user=user, study=study, invited_by=by)
    audit_record(action="practice.invite", actor=by, study_id=study.pk, target=access)
    enqueue_on_commit(send_practice_invitation, access.pk)
    return access


@transaction.atomic
def practice_only_revoke(*, access: PracticeAccess, by: User) -> bool:
    """End a practice-only invitation; if nothing else lets them in, their links stop working.

    Returns False when it was already revoked. Their practice forecasts stay theirs
    (they can ask for them to be deleted); nobody else sees them.
    """
    access = PracticeAccess.objects.select_for_update().select_related("user").get(pk=access.pk)
    if access.revoked_at is not None:
        return False
    access.revoked_at = timezone.now()
    access.save(update_fields=["revoked_at"])
    if not still_taking_part(access.user):
        participant_links_revoke(user=access.user)
    audit_record(action="practice.revoke", actor=by, study_id=access.study_id, target=access)
    return True
