"""Job bodies the invitation tasks run (`tasks.invitations`): enrolment emails, at most once.

Services enqueue tasks and tasks call these jobs, so nothing here imports
`studies.services` or `tasks` (an import-linter contract keeps it so).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from casecast.accounts.links import participant_link
from casecast.accounts.models import User
from casecast.notifications.services import email_send_once
from casecast.studies.models import Invitation, Participant, Study


def invitation_email_send(*, invitation_id: int) -> bool:
    """Send one invitation email (at most once). Called by the Celery task."""
    invitation = Invitation.objects.select_related("study", "participant__user").get(
        pk=invitation_id
    )
    participant = invitation.participant
    if participant is None or participant.user is None or participant.withdrawn_at:
        return False
    user = participant.user
    sent = email_send_once(
        key=f"invitation:{invitation.pk}",
        kind="invitation",
        user=user,
        template="studies/email/invitation.txt",
        context={
            "study": invitation.study,
            "link": lambda: participant_link(user=user),
            "site_name": settings.SITE_NAME,
        },
    )
    if sent:
        Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
    return sent


def enrolment_link_email_send(*, participant_id: int) -> bool:
    """Email the personal link to someone who enrolled with a code (at most once)."""
    participant = Participant.objects.select_related("study", "user").get(pk=participant_id)
    user = participant.user
    if user is None or participant.withdrawn_at:
        return False
    return email_send_once(
        key=f"enrolled:{participant.pk}",
        kind="enrolment",
        user=user,
        template="studies/email/enrolled.txt",
        context={
            "study": participant.study,
            "link": lambda: participant_link(user=user),
            "site_name": settings.SITE_NAME,
        },
    )


def enrolment_refusal_email_send(*, study_id: int, user_id: int, reason: str) -> bool:
    """Tell an address why it could not join (already joined, or a staff account).

    At most one a day per address and study, so someone typing another person's
    address over and over cannot flood their inbox.
    """
    study = Study.objects.get(pk=study_id)
    user = User.objects.get(pk=user_id)
    return email_send_once(
        key=f"enrol-refused:{study.pk}:{user.pk}:{timezone.localdate().isoformat()}",
        kind="enrolment_refused",
        user=user,
        template="studies/email/enrolment_refused.txt",
        context={
            "study": study,
            "already_joined": reason == "already_joined",
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
        },
    )
