"""Scores of forecasts and their per-participant and per-arm summaries.

Every row here is derived: it can be deleted and rebuilt from forecasts and
question outcomes by `manage.py rescore_study`. The outcome a score was
computed from is copied onto the score, so a later correction is visible.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ForecastScore(models.Model):
    """The scores of one forecast against its question's outcome (null where not applicable)."""

    forecast = models.OneToOneField(
        "forecasts.Forecast", primary_key=True, on_delete=models.CASCADE, related_name="score"
    )
    study = models.ForeignKey("studies.Study", on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(
        "studies.Participant", on_delete=models.CASCADE, related_name="+"
    )
    question = models.ForeignKey("vignettes.Question", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, help_text="The question's kind when scored.")
    probability = models.FloatField(
        null=True, blank=True, help_text="Binary: the forecast probability (0–1) scored."
    )
    # One scale per column: the yes/no Brier score runs 0–1 and the multi-category one 0–2
    # (the Good Judgment Project's form), so they are stored apart (docs/scoring.md).
    brier = models.FloatField(null=True, blank=True, help_text="Yes/no questions, 0–1.")
    brier_multi = models.FloatField(
        null=True, blank=True, help_text="Multiple choice and ordered questions, 0–2."
    )
    log_score = models.FloatField(
        null=True, blank=True, help_text="-ln p(outcome); lower is better."
    )
    spherical = models.FloatField(null=True, blank=True, help_text="0–1; higher is better.")
    rps = models.FloatField(null=True, blank=True, help_text="Ordered categories, 0–1.")
    interval_score = models.FloatField(null=True, blank=True, help_text="Numeric, in the unit.")
    wis = models.FloatField(
        null=True,
        blank=True,
        help_text="Numeric percentiles: weighted interval score of p5/p50/p95, in the unit.",
    )
    outcome_binary = models.BooleanField(null=True, blank=True)
    outcome_category = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome_numeric = models.FloatField(null=True, blank=True)
    is_last = models.BooleanField(
        default=True,
        help_text="The participant's last forecast on this question in this assignment.",
    )
    is_retest = models.BooleanField(default=False, help_text="Made in a test–retest repeat.")
    after_randomisation = models.BooleanField(
        default=True, help_text="Made in or after the phase participants are randomised before."
    )
    scored_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["study", "is_last", "is_retest"]),
            models.Index(fields=["question"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__isnull=True)
                | (Q(probability__gte=0) & Q(probability__lte=1)),
                name="forecast_score_probability_range",
            ),
            models.CheckConstraint(
                condition=Q(brier__isnull=True) | (Q(brier__gte=0) & Q(brier__lte=1)),
                name="forecast_score_brier_range",
            ),
            models.CheckConstraint(
                condition=Q(brier_multi__isnull=True)
                | (Q(brier_multi__gte=0) & Q(brier_multi__lte=2)),
                name="forecast_score_brier_multi_range",
            ),
            # A yes/no Brier score and a multi-category one never share a row.
            models.CheckConstraint(
                condition=Q(brier__isnull=True) | Q(brier_multi__isnull=True),
                name="forecast_score_one_brier_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"score of forecast {self.forecast_id}"

    @property
    def counted(self) -> bool:
        """The forecast summaries use: the last in its assignment, not a retest.

        The primary outcome takes, of these, the yes/no forecasts made after
        randomisation (`after_randomisation`)."""
        return self.is_last and not self.is_retest


class ParticipantSummary(models.Model):
    """One participant's scores over their counted forecasts (last per question, no retests)."""

    study = models.ForeignKey("studies.Study", on_delete=models.CASCADE, related_name="+")
    participant = models.OneToOneField(
        "studies.Participant", on_delete=models.CASCADE, related_name="score_summary"
    )
    arm = models.ForeignKey(
        "studies.Arm", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    n_scored = models.PositiveIntegerField(default=0, help_text="Counted forecasts, all kinds.")
    n_binary = models.PositiveIntegerField(default=0)
    mean_brier = models.FloatField(null=True, blank=True, help_text="Binary questions, all phases.")
    primary_brier = models.FloatField(
        null=True, blank=True, help_text="Binary questions from the randomisation phase on."
    )
    baseline_brier = models.FloatField(
        null=True, blank=True, help_text="Binary questions before randomisation."
    )
    relative_brier = models.FloatField(
        null=True, blank=True, help_text="Mean of Brier minus the question's median Brier."
    )
    mean_brier_multi = models.FloatField(
        null=True, blank=True, help_text="Multiple choice and ordered questions (0–2)."
    )
    mean_log = models.FloatField(null=True, blank=True)
    mean_rps = models.FloatField(null=True, blank=True)
    mean_interval_score = models.FloatField(null=True, blank=True)
    mean_wis = models.FloatField(
        null=True, blank=True, help_text="Numeric percentiles: weighted interval score."
    )
    reliability = models.FloatField(null=True, blank=True)
    resolution = models.FloatField(null=True, blank=True)
    auc = models.FloatField(null=True, blank=True)
    mean_forecast = models.FloatField(null=True, blank=True, help_text="Binary questions.")
    event_rate = models.FloatField(null=True, blank=True, help_text="Binary questions.")
    refreshed_at = models.DateTimeField()

    class Meta:
        ordering = ["study", "participant"]

    def __str__(self) -> str:
        return f"summary of participant {self.participant_id}"


class ArmSummary(models.Model):
    """One arm's primary outcome and its comparison with the control arm."""

    study = models.ForeignKey("studies.Study", on_delete=models.CASCADE, related_name="+")
    arm = models.OneToOneField(
        "studies.Arm", on_delete=models.CASCADE, related_name="score_summary"
    )
    n_participants = models.PositiveIntegerField(default=0)
    n_forecasts = models.PositiveIntegerField(default=0, help_text="Primary binary forecasts.")
    mean_brier = models.FloatField(
        null=True, blank=True, help_text="Mean over participants of their primary Brier."
    )
    difference = models.FloatField(null=True, blank=True, help_text="Arm minus control.")
    se = models.FloatField(null=True, blank=True)
    ci_low = models.FloatField(null=True, blank=True)
    ci_high = models.FloatField(null=True, blank=True)
    n_clusters = models.PositiveIntegerField(null=True, blank=True)
    reliability = models.FloatField(null=True, blank=True)
    resolution = models.FloatField(null=True, blank=True)
    auc = models.FloatField(null=True, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        ordering = ["study", "arm__position", "arm"]

    def __str__(self) -> str:
        return f"summary of arm {self.arm_id}"


class RescoreJob(models.Model):
    """A full rescore of one study, with progress written by the task in chunks."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    study = models.ForeignKey("studies.Study", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0, help_text="Forecasts to score.")
    done = models.PositiveIntegerField(default=0)
    scored = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Forecasts that have a score once the job finished (decisions, reasoning "
        "and forecasts on unresolved or annulled questions have none).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")), name="rescore_done_le_total"
            ),
            models.UniqueConstraint(
                fields=["study"],
                condition=Q(status__in=["queued", "running"]),
                name="rescore_one_active_per_study",
            ),
        ]

    def __str__(self) -> str:
        return f"rescore {self.pk} of study {self.study_id}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class SummaryPending(models.Model):
    """A participant whose scores changed since their summary was last computed.

    Scoring a submission adds a row here instead of refreshing every summary of
    the study; the next refresh (`summaries.pending_refresh`) takes the rows and
    recomputes those participants only, so many submissions share one refresh.
    """

    study = models.ForeignKey("studies.Study", on_delete=models.CASCADE, related_name="+")
    participant = models.OneToOneField(
        "studies.Participant", on_delete=models.CASCADE, related_name="+"
    )

    def __str__(self) -> str:
        return f"summary of participant {self.participant_id} due"


class SummaryState(models.Model):
    """Per study: when its summaries were last refreshed, and whether a refresh is queued."""

    study = models.OneToOneField(
        "studies.Study", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    refreshed_at = models.DateTimeField(null=True, blank=True)
    refresh_queued = models.BooleanField(
        default=False, help_text="A delayed refresh task is on its way (set once per wait)."
    )

    def __str__(self) -> str:
        return f"summary state of study {self.study_id}"
