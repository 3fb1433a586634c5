"""Writes for accounts: asking for a participant's personal link by email.

The link itself is built by `accounts.selectors.participant_link`; the email is
sent by a task (`tasks.notifications.send_participant_link`), whose job imports
the selector, never this module, so the dependency runs one way.
"""

from casecast.accounts.models import User
from tasks.notifications import send_participant_link


def participant_link_request(*, email: str) -> None:
    """Email a fresh personal link if the address belongs to a participant.

    Says nothing about whether the address exists, so the page cannot be used
    to discover who takes part in a study.
    """
    user = User.objects.filter(email=email.strip().lower(), is_active=True).first()
    if user is None or not user.is_participant:
        return
    send_participant_link.delay_on_commit(user.pk)
