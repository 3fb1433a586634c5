"""Writes for accounts: asking for a participant's personal link by email.

Links are issued and revoked in `accounts.links`; the email is sent by a task
(`tasks.notifications.send_participant_link`), whose job imports `accounts.links`,
never this module, so the dependency runs one way.
"""

from django.conf import settings

from casecast.accounts.links import is_staff_account, still_taking_part
from casecast.accounts.models import User
from casecast.accounts.throttle import throttle_hit
from tasks.enqueue import enqueue_on_commit
from tasks.notifications import send_participant_link


def participant_link_request(*, email: str) -> None:
    """Email a fresh personal link if the address belongs to someone still taking part.

    Says nothing about whether the address exists, so the page cannot be used
    to discover who takes part in a study. At most `LINK_REQUESTS_PER_EMAIL`
    links an hour go to one address, so the form cannot flood an inbox (or keep
    superseding the link someone is about to click).
    """
    email = email.strip().lower()
    hits = throttle_hit(scope="link-request-email", key=email, window_seconds=60 * 60)
    if hits > settings.LINK_REQUESTS_PER_EMAIL:
        return
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None or is_staff_account(user):
        return
    if not still_taking_part(user):
        return
    enqueue_on_commit(send_participant_link, user.pk)
