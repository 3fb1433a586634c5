"""Reads for accounts: a participant's personal sign-in link."""

from django.conf import settings
from django.urls import reverse
from sesame.utils import get_query_string

from casecast.accounts.models import User


def participant_link(*, user: User) -> str:
    """The personal sign-in link for a participant (valid for SESAME_MAX_AGE)."""
    return f"{settings.SITE_URL}{reverse('accounts:link')}{get_query_string(user)}"
