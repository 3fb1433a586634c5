"""Reads for tokens and for what a token may see."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from django.db.models import QuerySet

from casecast.api.models import ApiToken
from casecast.studies.models import Study, StudyMembership

# cc_<12 hex: the prefix stored in clear>_<43 url-safe characters: the secret>
TOKEN_PATTERN = re.compile(r"^cc_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


def token_hash(raw: str) -> str:
    """What is stored for a token: SHA-256 of the whole token, in hex. The token is 256
    random bits, so a plain (unsalted, fast) hash is safe: nothing can be guessed from it."""
    return hashlib.sha256(raw.encode()).hexdigest()


def token_for_secret(*, raw: str) -> ApiToken | None:
    """The token whose secret `raw` is (whatever its state), or None."""
    match = TOKEN_PATTERN.match(raw)
    if match is None:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=match.group(1)).first()
    if token is None or not hmac.compare_digest(token.secret_hash, token_hash(raw)):
        return None
    return token


def tokens_for_user(*, user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).prefetch_related("studies")


def token_of_user(*, user: Any, pk: int) -> ApiToken | None:
    return ApiToken.objects.filter(user=user, pk=pk).prefetch_related("studies").first()


# Roles that read a study's data (as `studies.permissions.READERS`): never a council lead,
# who sees only their council's progress counts.
READING_ROLES = (
    StudyMembership.Role.ADMIN,
    StudyMembership.Role.RESEARCHER,
    StudyMembership.Role.ANALYST,
    StudyMembership.Role.DMC,
)


def studies_token_may_read(*, token: ApiToken) -> QuerySet[Study]:
    """Studies in the token's scope whose team its owner is still on, in a reading role."""
    return (
        Study.objects.filter(
            pk__in=token.studies.values("pk"),
            memberships__user=token.user_id,
            memberships__role__in=READING_ROLES,
        )
        .distinct()
        .order_by("slug")
    )


def study_in_scope(*, token: ApiToken, slug: str) -> Study | None:
    return token.studies.filter(slug=slug).first()


def role_in(*, token: ApiToken, study: Study) -> StudyMembership.Role | None:
    """The owner's reading role in the study now (None once removed from its team, or
    if their role there does not read data)."""
    role = (
        StudyMembership.objects.filter(user=token.user_id, study=study, role__in=READING_ROLES)
        .values_list("role", flat=True)
        .first()
    )
    return StudyMembership.Role(role) if role else None


def studies_user_may_scope(*, user: Any) -> QuerySet[Study]:
    """The studies a new token of this user may be scoped to: those they read as staff."""
    return (
        Study.objects.filter(memberships__user=user, memberships__role__in=READING_ROLES)
        .distinct()
        .order_by("title", "pk")
    )
