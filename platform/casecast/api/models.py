"""Personal API tokens: hashed, scoped to chosen studies, with an expiry.

Only a SHA-256 of the token is stored, with a short visible prefix to find it by; the
token itself is shown once, when it is created. A token reads a study only while it is
in the token's scope **and** its owner is still on the study's team (checked per request).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'R analysis'.")
    prefix = models.CharField(
        max_length=24, unique=True, help_text="The token's visible start, used to look it up."
    )
    secret_hash = models.CharField(max_length=64, help_text="SHA-256 of the whole token, in hex.")
    studies = models.ManyToManyField("studies.Study", related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="api_token_name_not_empty"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="api_token_expires_after_creation"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=F("created_at")),
                name="api_token_revoked_after_creation",
            ),
            models.CheckConstraint(
                condition=Q(secret_hash__regex=r"^[0-9a-f]{64}$"), name="api_token_hash_is_sha256"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def status(self) -> str:
        """As the token page shows it: Active, Expired or Revoked."""
        if self.revoked_at is not None:
            return "Revoked"
        return "Active" if self.is_active else "Expired"
