"""An append-only audit trail: who did what, when and why.

Rows are never updated or deleted: the model refuses it, and on PostgreSQL a
trigger refuses it even for raw SQL (see migration 0002).
"""

from typing import Any

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    pass


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # No cascade: an audit row outlives the account it names (and must never be updated).
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        help_text="Who acted; empty for the system (tasks, imports run from the command line).",
    )
    action = models.CharField(max_length=80, help_text="Dotted verb, e.g. 'question.resolve'.")
    study_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events are append-only.")
