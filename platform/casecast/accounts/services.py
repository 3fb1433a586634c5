"""Writes for accounts: participant links and their delivery."""

from django.conf import settings

from casecast.accounts.links import is_staff_account, participant_link, participant_links_revoke
from casecast.accounts.models import User
from casecast.accounts.throttle import throttle_hit

__all__ = ["participant_link", "participant_link_request", "participant_links_revoke"]


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
    if not user.participations.filter(withdrawn_at__isnull=True).exists():
        return
    from tasks.notifications import send_participant_link

    send_participant_link.delay_on_commit(user.pk)
