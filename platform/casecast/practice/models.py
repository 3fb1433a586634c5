"""Practice forecasts: a worker's private forecasts about their own live cases.

Nothing here says which case a forecast is about. The worker's label for the
case is kept only in their browser, keyed by `local_id` (a random id, never
the label). Probabilities are whole percents 1–99, as in study forecasts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

LOCAL_ID_PATTERN = r"^[A-Za-z0-9_-]{16,40}$"


class PracticeForecast(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_forecasts"
    )
    local_id = models.CharField(
        max_length=40,
        help_text="Random id the worker's browser files its own label for the case under.",
    )
    question_key = models.CharField(
        max_length=40, blank=True, help_text="A common question (practice.questions), or blank."
    )
    custom_text = models.CharField(
        max_length=200, blank=True, help_text="The worker's own question, checked for identifiers."
    )
    probability_pct = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    outcome = models.BooleanField(null=True, blank=True, help_text="Null until resolved.")
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability_pct__gte=1) & Q(probability_pct__lte=99),
                name="practice_probability_1_99",
            ),
            # Exactly one of a common question and the worker's own.
            models.CheckConstraint(
                condition=(Q(question_key="") & ~Q(custom_text=""))
                | (~Q(question_key="") & Q(custom_text="")),
                name="practice_one_question",
            ),
            models.CheckConstraint(
                condition=(Q(outcome__isnull=True) & Q(resolved_at__isnull=True))
                | (Q(outcome__isnull=False) & Q(resolved_at__isnull=False)),
                name="practice_resolved_together",
            ),
            models.CheckConstraint(
                condition=Q(local_id__regex=LOCAL_ID_PATTERN), name="practice_local_id_format"
            ),
            models.UniqueConstraint(fields=["owner", "local_id"], name="practice_local_id_unique"),
        ]

    def __str__(self) -> str:
        return f"practice forecast {self.pk}"


class PracticeShare(models.Model):
    """A worker's opt-in: the study's staff may see their anonymised practice record."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_shares"
    )
    study = models.ForeignKey(
        "studies.Study", on_delete=models.CASCADE, related_name="practice_shares"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "study"], name="practice_share_unique"),
        ]

    def __str__(self) -> str:
        return f"practice share {self.pk}"


class PracticeAccess(models.Model):
    """A worker a study's administrator invited to practise only (not to take part).

    It lets them sign in by personal link (accounts.links asks through the
    reverse relation `practice_access`) and use practice mode; nothing else.
    Revoking it (`revoked_at`) ends that.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_access"
    )
    study = models.ForeignKey(
        "studies.Study", on_delete=models.CASCADE, related_name="practice_access"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "study"], name="practice_access_unique"),
        ]

    def __str__(self) -> str:
        return f"practice access {self.pk}"
