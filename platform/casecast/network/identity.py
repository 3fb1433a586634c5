"""The network pseudonym: one code per consenting person across every Casecast study.

Study exports name a participant with a keyed HMAC of the participant row and the
study's own key, so two studies' files cannot be joined. A person who agrees to link
their answers (`Participant.linked_across_studies_at`) also gets a network id: a keyed
HMAC of their account with the installation's `NETWORK_PSEUDONYM_KEY`, the same in every
study they agreed in. Nobody who did not agree ever gets one (see docs/privacy.md).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.crypto import salted_hmac

from casecast.core.pseudonyms import pseudonym

DISPLAY_LENGTH = 10


def network_key() -> str:
    """The installation's key; derived from SECRET_KEY when not set (a deploy check warns)."""
    configured: str = getattr(settings, "NETWORK_PSEUDONYM_KEY", "")
    return configured or salted_hmac("casecast.network", "pseudonym-key").hexdigest()


def network_pseudonym(*, user_id: int | None, key: str | None = None) -> str:
    """The full network id (64 hex digits) of an account; empty for none."""
    return pseudonym(key=key or network_key(), kind="person", pk=user_id)


def network_label(full: str) -> str:
    """A short form for pages, e.g. `N-3f9a1c07b2`."""
    return f"N-{full[:DISPLAY_LENGTH]}" if full else ""
