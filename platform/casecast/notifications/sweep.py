"""The email sweep: send invitation emails whose task was never delivered.

An email invitation enqueues its send after commit; if the broker was down
the send is lost. The sweep (`tasks.sweep.sweep_emails`) sends every
invitation that has no record of a send attempt. `email_send_once` claims the
message by its key first, so the sweep and a late task never both send it,
and an attempt that failed at the mail server is not repeated (at most once).

The periodic emails (reminders, new-wave and feedback announcements) need no
sweep: each run already sends whatever is due and has not been sent. A
personal link asked for on the "new link" page is not re-sent: nothing records
the request, and the participant can ask again.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Concat
from django.utils import timezone

from casecast.notifications.models import SentEmail
from casecast.studies.jobs import invitation_email_send
from casecast.studies.models import Invitation

GRACE = timedelta(minutes=2)  # let the normal task send it first
BATCH = 500


def invitations_unsent() -> list[int]:
    """Email invitations older than GRACE with no send attempt, oldest first."""
    key = Concat(Value("invitation:"), OuterRef("pk"), output_field=CharField())
    return list(
        Invitation.objects.filter(
            kind=Invitation.Kind.EMAIL,
            sent_at__isnull=True,
            participant__isnull=False,
            participant__withdrawn_at__isnull=True,
            created_at__lt=timezone.now() - GRACE,
        )
        .exclude(Exists(SentEmail.objects.filter(key=key)))
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    )


def email_sweep() -> int:
    """Send the invitations left behind; return how many were sent."""
    return sum(invitation_email_send(invitation_id=pk) for pk in invitations_unsent())
