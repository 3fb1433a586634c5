"""The demo's API token: the demo researcher's, scoped to the demo study.

Like the demo's second-factor key, its secret is fixed and published (docs/api.md), so the
examples there run against `make run` as they are. Never do this for a real account.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from casecast.api.models import ApiToken
from casecast.api.selectors import token_hash
from casecast.studies.models import Study, StudyMembership

DEMO_TOKEN_PREFIX = "000000000000"
DEMO_TOKEN = f"cc_{DEMO_TOKEN_PREFIX}_casecast-demo-token-for-trying-the-api-0001"
DEMO_TOKEN_NAME = "Demo analysis script"


def seed_demo_token(*, study: Study) -> ApiToken | None:
    """The demo token, made once (a re-seed keeps it, and renews it if it has expired)."""
    admin = (
        StudyMembership.objects.filter(study=study, role=StudyMembership.Role.ADMIN)
        .order_by("pk")
        .first()
    )
    if admin is None:
        return None
    now = timezone.now()
    token, _ = ApiToken.objects.get_or_create(
        prefix=DEMO_TOKEN_PREFIX,
        defaults={
            "user": admin.user,
            "name": DEMO_TOKEN_NAME,
            "secret_hash": token_hash(DEMO_TOKEN),
            "created_at": now,
            "expires_at": now + timedelta(days=365),
        },
    )
    if token.expires_at <= now:
        ApiToken.objects.filter(pk=token.pk).update(expires_at=now + timedelta(days=365))
    token.studies.add(study)
    return token
