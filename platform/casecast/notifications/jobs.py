"""Job body of the sign-in link email (`tasks.notifications.send_participant_link`).

`accounts.services.participant_link_request` enqueues the task and the task
runs this job, which imports the link from `accounts.links`, never
`accounts.services`, so the dependency runs one way. The scheduled emails'
jobs are in `notifications.scheduled`.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from casecast.accounts.links import participant_link
from casecast.accounts.models import User
from casecast.notifications.services import email_send_once


def participant_link_email_send(*, user_id: int) -> bool:
    user = User.objects.get(pk=user_id)
    # A new link may be asked for many times; one email per request minute is enough.
    minute = timezone.now().strftime("%Y%m%d%H%M")
    return email_send_once(
        key=f"link:{user.pk}:{minute}",
        kind="link",
        user=user,
        template="notifications/email/participant_link.txt",
        context={"link": lambda: participant_link(user=user), "site_name": settings.SITE_NAME},
    )
