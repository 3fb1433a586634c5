"""Writes: creating and revoking tokens (audited), marking a token used, and the one
audit row every API request leaves."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casecast.api.models import ApiToken
from casecast.api.selectors import studies_user_may_scope, token_hash
from casecast.audit.services import audit_record
from casecast.studies.models import Study

# How often `last_used_at` is written at most (one UPDATE per token per minute, not per call).
LAST_USED_EVERY = timedelta(minutes=1)


def may_hold_tokens(user: Any) -> bool:
    """Staff accounts (a password, not a personal link) may hold tokens; participants never."""
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.has_usable_password()
    )


def _new_secret() -> tuple[str, str]:
    prefix = secrets.token_hex(6)
    return prefix, f"cc_{prefix}_{secrets.token_urlsafe(32)}"


@transaction.atomic
def token_create(
    *, user: Any, name: str, studies: Iterable[Study], days: int
) -> tuple[ApiToken, str]:
    """A new token for `user`, read-only, scoped to `studies`, expiring in `days` days.

    Returns the token and its secret, which is shown once and never stored."""
    if not may_hold_tokens(user):
        raise ValidationError("Only study staff accounts can have API tokens.")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Enter a name for the token."})
    if len(name) > 100:
        raise ValidationError({"name": "The name must be 100 characters or fewer."})
    chosen = {study.pk for study in studies}
    if not chosen:
        raise ValidationError({"studies": "Choose at least one study the token may read."})
    allowed = set(studies_user_may_scope(user=user).values_list("pk", flat=True))
    if chosen - allowed:
        raise ValidationError(
            {"studies": "You can only choose studies whose data you may read on their team."}
        )
    max_days = settings.API_TOKEN_MAX_DAYS
    if not 1 <= days <= max_days:
        raise ValidationError({"expires_in": f"A token lasts from 1 to {max_days} days."})
    prefix, secret = _new_secret()
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        secret_hash=token_hash(secret),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    token.studies.set(chosen)
    for study_id in sorted(chosen):
        audit_record(
            action="api.token_create",
            actor=user,
            study_id=study_id,
            target=token,
            data={"prefix": prefix, "name": name, "studies": sorted(chosen), "days": days},
        )
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, by: Any) -> bool:
    """Revoke a token now; False if it was already revoked."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        return False
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    for study_id in sorted(locked.studies.values_list("pk", flat=True)):
        audit_record(
            action="api.token_revoke",
            actor=by,
            study_id=study_id,
            target=locked,
            data={"prefix": locked.prefix, "name": locked.name},
        )
    token.revoked_at = locked.revoked_at
    return True


def token_used(*, token: ApiToken) -> None:
    """Note that the token was used (at most once a minute, so reads stay cheap)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def api_request_audit(
    *, token: ApiToken, study_id: int | None, method: str, path: str, query: str, status: int
) -> None:
    """The one audit row of an API request that carried a valid token (any outcome)."""
    audit_record(
        action="api.request",
        actor=token.user,
        study_id=study_id,
        target=token,
        data={
            "token": token.prefix,
            "method": method,
            "path": path,
            "query": query[:1000],
            "status": status,
        },
    )
