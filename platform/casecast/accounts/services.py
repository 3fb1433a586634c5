"""Writes for accounts: participant links and their delivery."""

from django.conf import settings
from django.urls import reverse
from sesame.utils import get_query_string

from casecast.accounts.models import User
from casecast.core.enqueue import enqueue_on_commit


def participant_link(*, user: User) -> str:
    """The personal sign-in link for a participant (valid for SESAME_MAX_AGE)."""
    return f"{settings.SITE_URL}{reverse('accounts:link')}{get_query_string(user)}"


def participant_link_request(*, email: str) -> None:
    """Email a fresh personal link if the address belongs to a participant.

    Says nothing about whether the address exists, so the page cannot be used
    to discover who takes part in a study.
    """
    user = User.objects.filter(email=email.strip().lower(), is_active=True).first()
    if user is None or not user.is_participant:
        return
    from tasks.notifications import send_participant_link

    enqueue_on_commit(send_participant_link, user.pk)
