"""Withdrawal from a study and erasure of a participant's data."""

from __future__ import annotations

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction
from django.utils import timezone

from casecast.accounts.links import participant_links_revoke, still_taking_part
from casecast.accounts.models import User
from casecast.audit.services import audit_record
from casecast.forecasts.models import Assignment, Forecast
from casecast.notifications.models import SentEmail
from casecast.studies.models import Participant
from tasks.enqueue import enqueue_on_commit
from tasks.scoring import refresh_summaries_of


def _erase(participant: Participant) -> None:
    Forecast.objects.filter(participant=participant).delete()
    Assignment.objects.filter(participant=participant).delete()  # cascades drafts and visits
    # Team arms: what they wrote to their team, and when they looked (their team place stays,
    # like their allocation). Through the reverse relations: studies does not import teams.
    participant.team_comments.all().delete()
    participant.team_reveals.all().delete()
    user = participant.user
    participant.baseline = {}
    participant.user = None
    participant.erased_at = timezone.now()
    participant.save(update_fields=["baseline", "user", "erased_at"])
    if user is not None and not user.participations.exists() and not user.memberships.exists():
        _forget_account(user)


def _forget_account(user: User) -> None:
    """Delete the account and every record elsewhere that names the person.

    Devices, drafts and the like cascade with the user row. Sign-in logs
    (django-axes) name people by the email typed and their address, with no
    foreign key, so they are deleted by email; an email's delivery error may
    quote the address, so it is blanked (the row itself keeps the at-most-once
    claim, now pointing at no one).
    """
    if user.email:
        for log in (AccessAttempt, AccessFailureLog, AccessLog):
            log.objects.filter(username__iexact=user.email).delete()
    SentEmail.objects.filter(user=user).update(error="")
    user.delete()


@transaction.atomic
def participant_withdraw(
    *, participant: Participant, keep_data: bool, by: User | None, reason: str = ""
) -> Participant:
    """Withdraw; unless data may be kept, erase answers, forecasts and personal data.

    The Participant row (now pseudonymous) and its allocation stay, so the
    allocation log and CONSORT counts remain whole. Withdrawing again to ask
    for erasure is allowed; nothing else is undone. `by` is the participant, or
    the staff member recording a request made by email or phone (with `reason`).
    """
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.erased_at is not None:
        return participant
    already_withdrawn = participant.withdrawn_at is not None
    if not already_withdrawn:
        participant.withdrawn_at = timezone.now()
        participant.status = Participant.Status.WITHDRAWN
    participant.keep_data = keep_data
    participant.save(update_fields=["withdrawn_at", "status", "keep_data"])
    if participant.user is not None and not still_taking_part(participant.user):
        participant_links_revoke(user=participant.user)
    if not keep_data:
        _erase(participant)
        # The arm figures counted this participant's scores until now.
        enqueue_on_commit(refresh_summaries_of, participant.study_id, [participant.pk])
    audit_record(
        action="participant.erase" if not keep_data else "participant.withdraw",
        actor=by,
        study_id=participant.study_id,
        target=participant,
        data={
            "keep_data": keep_data,
            "already_withdrawn": already_withdrawn,
            **({"reason": reason} if reason else {}),
        },
    )
    return participant
