"""Personal links: how participants sign in, and why a link can never open a staff account.

A link carries a signed, timestamped token naming the user and their current
`link_key`. It is accepted only if:

- the signature is good and it is younger than `PARTICIPANT_LINK_MAX_AGE_DAYS`;
- its key is the user's current, non-blank `link_key` — issuing a new link
  replaces the key, so older links stop working; staff revoke links, and
  withdrawal revokes them, by blanking it;
- the account is a participant account: no usable password, not a site
  administrator or superuser, no study-staff membership;
- the user still takes part in at least one study (not withdrawn), or was invited
  to practise only (practice mode) and that has not been revoked.

A session opened by a link is marked (`LINK_SESSION_KEY`); staff pages refuse
such sessions even if the account later gains a staff role.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import login
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from casecast.accounts.backends import ACCOUNT_BACKEND
from casecast.accounts.models import User

LINK_SESSION_KEY = "casecast_signed_in_by_link"
_SALT = "casecast.accounts.participant-link"
TOKEN_PARAMETER = "token"


def is_staff_account(user: User) -> bool:
    """A password, an administrator flag or a study role: such accounts never sign in by link."""
    return (
        user.has_usable_password()
        or user.is_site_admin
        or user.is_superuser
        or user.memberships.exists()
    )


def still_taking_part(user: User) -> bool:
    """In a study and not withdrawn, or invited to practise only and not revoked.

    Practice-only access (`practice.PracticeAccess`) is asked through its reverse
    relation: accounts imports no app above it.
    """
    return (
        user.participations.filter(withdrawn_at__isnull=True).exists()
        or user.practice_access.filter(revoked_at__isnull=True).exists()
    )


@transaction.atomic
def link_token_issue(*, user: User) -> str:
    """A new token for `user`, superseding every token issued before.

    Raises ValueError for a staff account or someone no longer taking part, so
    no code path can mint a link that the sign-in page would then refuse.
    """
    if is_staff_account(user):
        raise ValueError("Staff accounts sign in with a password, never by personal link.")
    if not still_taking_part(user):
        raise ValueError("Only people still taking part in a study can be sent a link.")
    user.link_key = secrets.token_urlsafe(18)  # 24 characters, fits link_key
    User.objects.filter(pk=user.pk).update(link_key=user.link_key)
    return signing.dumps([user.pk, user.link_key], salt=_SALT)


def participant_link_path(*, user: User) -> str:
    """The personal sign-in path and query for a participant (supersedes older links)."""
    query = urlencode({TOKEN_PARAMETER: link_token_issue(user=user)})
    return f"{reverse('accounts:link')}?{query}"


def participant_link(*, user: User) -> str:
    """The full personal sign-in URL for a participant (supersedes older links)."""
    return f"{settings.SITE_URL}{participant_link_path(user=user)}"


def participant_links_revoke(*, user: User) -> None:
    """Make every link issued so far stop working, and end every session a link opened
    (staff action, withdrawal).

    A fresh unusable password changes the account's session hash, which is how Django
    ends a user's sessions everywhere; superseding a link (a new key) leaves them be.
    """
    user.link_key = ""
    if not user.has_usable_password():
        user.set_unusable_password()
    User.objects.filter(pk=user.pk).update(link_key="", password=user.password)


@dataclass(frozen=True)
class LinkCheck:
    user: User | None
    reason: str  # "" when accepted; otherwise a short code for the refusal (never shown raw)


def link_user(*, token: str | None) -> LinkCheck:
    """The participant a token signs in, or why it is refused."""
    if not token:
        return LinkCheck(None, "missing")
    try:
        user_id, key = signing.loads(
            token, salt=_SALT, max_age=settings.PARTICIPANT_LINK_MAX_AGE_DAYS * 24 * 60 * 60
        )
    except signing.SignatureExpired:
        return LinkCheck(None, "expired")
    except (signing.BadSignature, ValueError, TypeError):
        return LinkCheck(None, "invalid")
    user = (
        User.objects.filter(pk=user_id, is_active=True).first()
        if isinstance(user_id, int)
        else None
    )
    if user is None:
        return LinkCheck(None, "invalid")
    # The signature is good, so the token really was issued to this user: say
    # why it no longer works before checking whether it is the newest one.
    if is_staff_account(user):
        return LinkCheck(None, "staff")
    if not still_taking_part(user):
        return LinkCheck(None, "withdrawn")
    if not key or not user.link_key or not secrets.compare_digest(str(key), user.link_key):
        return LinkCheck(None, "superseded")
    return LinkCheck(user, "")


def participant_session_start(request: HttpRequest, user: User) -> None:
    """Sign a participant in (after a link or a fresh enrolment) and mark the session as such."""
    if is_staff_account(user):
        raise PermissionDenied("Staff accounts sign in with a password.")
    login(request, user, backend=ACCOUNT_BACKEND)
    request.session[LINK_SESSION_KEY] = True


def is_link_session(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)  # absent for RequestFactory requests
    return bool(session is not None and session.get(LINK_SESSION_KEY))
