"""Forecasting the results of the centre's own trials before they are published.

A *results study* is a kind of study of its own: no arms, randomisation or consent
form, and its forecasters are anyone signed in (study staff, council leads and
participants alike), as on the Social Science Prediction Platform. Each question
describes a trial and asks for the effect on its primary outcome as an estimate with
a range; a researcher resolves it with the published estimate, and forecasts are
scored with the interval score of the range (docs/trial-results.md).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q


def _new_key() -> str:
    return secrets.token_hex(32)


class ResultsStudy(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True, help_text="Shown to forecasters (plain text).")
    interval_level = models.PositiveSmallIntegerField(
        default=80,
        help_text="The range forecasters give should contain the published estimate with "
        "this probability (percent); the interval score uses it.",
    )
    is_open = models.BooleanField(default=True, help_text="Listed for forecasters.")
    pseudonym_key = models.CharField(max_length=64, default=_new_key, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "results studies"
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_level__gte=50) & Q(interval_level__lte=99),
                name="results_study_interval_level_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def alpha(self) -> float:
        return 1 - self.interval_level / 100


class TrialQuestion(models.Model):
    study = models.ForeignKey(ResultsStudy, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    trial = models.CharField(max_length=200, help_text="The trial's short name.")
    description = models.TextField(help_text="What the trial tested, on whom, against what.")
    outcome = models.CharField(
        max_length=300, help_text="The primary outcome and how the effect is expressed."
    )
    unit = models.CharField(max_length=60, help_text="e.g. percentage points, Brier points.")
    closes_at = models.DateTimeField(
        null=True, blank=True, help_text="No forecasts after this moment (empty: until resolved)."
    )
    published_estimate = models.FloatField(null=True, blank=True)
    published_low = models.FloatField(null=True, blank=True)
    published_high = models.FloatField(null=True, blank=True)
    published_source = models.CharField(max_length=300, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["study", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, published_estimate__isnull=True)
                | Q(resolved_at__isnull=False, published_estimate__isnull=False),
                name="trial_question_resolved_with_estimate",
            ),
            models.CheckConstraint(
                condition=Q(published_low__isnull=True)
                | Q(published_high__isnull=True)
                | Q(published_low__lte=F("published_high")),
                name="trial_question_published_interval_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.trial

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None


class TrialForecast(models.Model):
    class Forecaster(models.TextChoices):
        STAFF = "staff", "Study staff"
        PARTICIPANT = "participant", "Participant"

    question = models.ForeignKey(TrialQuestion, on_delete=models.CASCADE, related_name="forecasts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trial_forecasts"
    )
    forecaster = models.CharField(max_length=12, choices=Forecaster.choices)
    estimate = models.FloatField()
    low = models.FloatField()
    high = models.FloatField()
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["question", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="trial_forecast_once"),
            models.CheckConstraint(
                condition=Q(low__lte=F("estimate")) & Q(estimate__lte=F("high")),
                name="trial_forecast_range_contains_estimate",
            ),
        ]

    def __str__(self) -> str:
        return f"forecast {self.pk} on {self.question}"
