"""What participants are given and what they answer.

`Assignment` is one vignette in one participant's phase, pinned to the version
they saw (the phase plan it is drawn from, `PhaseVignette`, lives in
`casecast.vignettes.models`). `Forecast` rows are immutable: an update is a new row. Drafts hold
unsubmitted typing so nothing is lost when a tab closes.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q


class Assignment(models.Model):
    participant = models.ForeignKey(
        "studies.Participant", on_delete=models.CASCADE, related_name="assignments"
    )
    phase = models.ForeignKey("studies.Phase", on_delete=models.PROTECT, related_name="+")
    vignette_version = models.ForeignKey(
        "vignettes.VignetteVersion", on_delete=models.PROTECT, related_name="assignments"
    )
    position = models.PositiveSmallIntegerField(help_text="Order within the participant's phase.")
    is_retest = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    # Set by `selectors.assignment_for_user` (not columns): the cases in this phase, and
    # whether the participant must agree to changed information before going on, and
    # whether the study's data are locked.
    case_count: int
    reconsent_due: bool
    data_locked: bool

    class Meta:
        ordering = ["participant", "phase__position", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "phase", "position"], name="assignment_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"assignment {self.pk}"


class StageVisit(models.Model):
    """Server-side timing: when a stage was first shown and when it was submitted."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="visits")
    stage = models.ForeignKey("vignettes.Stage", on_delete=models.PROTECT, related_name="+")
    first_viewed_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "stage"], name="stage_visit_once"),
        ]

    def __str__(self) -> str:
        return f"visit to stage {self.stage_id} of assignment {self.assignment_id}"


class Draft(models.Model):
    """Unsubmitted answers for one stage, saved on every change."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="drafts")
    stage = models.ForeignKey("vignettes.Stage", on_delete=models.CASCADE, related_name="+")
    answers = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "stage"], name="draft_once_per_stage"),
        ]

    def __str__(self) -> str:
        return f"draft of stage {self.stage_id} of assignment {self.assignment_id}"


class Forecast(models.Model):
    """One submitted answer to one question. Never updated; an update is a new row."""

    participant = models.ForeignKey(
        "studies.Participant", on_delete=models.CASCADE, related_name="forecasts"
    )
    question = models.ForeignKey(
        "vignettes.Question", on_delete=models.PROTECT, related_name="forecasts"
    )
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="forecasts")
    idempotency_key = models.UUIDField(default=uuid.uuid4)
    submitted_at = models.DateTimeField(auto_now_add=True, db_index=True)
    is_update = models.BooleanField(default=False, help_text="Replaces an earlier forecast.")
    # Binary: a whole percentage.
    probability_pct = models.PositiveSmallIntegerField(null=True, blank=True)
    # Multiple choice / ordered: whole percentages per option, summing to 100.
    probabilities_pct = models.JSONField(null=True, blank=True)
    # Numeric: quantiles (p5, p50, p95) or an interval with its stated confidence.
    lower = models.FloatField(null=True, blank=True)
    median = models.FloatField(null=True, blank=True)
    upper = models.FloatField(null=True, blank=True)
    interval_confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    # Decision: index into the question's options, with confidence 1..5.
    decision = models.PositiveSmallIntegerField(null=True, blank=True)
    decision_confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    rationale = models.TextField(blank=True)
    seen_team = models.BooleanField(
        default=False,
        help_text="Made after the participant opened their team's forecasts on an earlier "
        "asking of this question (team arms, docs/teams.md). Set by the server, never the form.",
    )

    class Meta:
        ordering = ["submitted_at", "pk"]
        indexes = [models.Index(fields=["question", "participant"])]
        constraints = [
            # A key is the participant's own, for one part: unique per assignment
            # and question, the same scope as the replay lookup in
            # `services.stage_submit` (assignment, the part's questions, key), so
            # a clash always finds the row to replay and another participant's
            # key can neither collide nor replay.
            models.UniqueConstraint(
                fields=["assignment", "question", "idempotency_key"],
                name="forecast_idempotent_per_assignment",
            ),
            models.CheckConstraint(
                condition=Q(probability_pct__isnull=True)
                | (Q(probability_pct__gte=1) & Q(probability_pct__lte=99)),
                name="forecast_probability_1_99",
            ),
            models.CheckConstraint(
                condition=Q(decision_confidence__isnull=True)
                | (Q(decision_confidence__gte=1) & Q(decision_confidence__lte=5)),
                name="forecast_decision_confidence_1_5",
            ),
            # An interval (no median): the upper bound is above the lower bound.
            models.CheckConstraint(
                condition=Q(median__isnull=False)
                | Q(lower__isnull=True)
                | Q(upper__isnull=True)
                | Q(lower__lt=models.F("upper")),
                name="forecast_lower_below_upper",
            ),
            # Quantiles (p5, p50, p95) may repeat, as for counts (0, 0, 3), but never go down.
            models.CheckConstraint(
                condition=Q(median__isnull=True)
                | (Q(lower__lte=models.F("median")) & Q(median__lte=models.F("upper"))),
                name="forecast_quantiles_in_order",
            ),
            models.CheckConstraint(
                condition=Q(interval_confidence__isnull=True)
                | (Q(interval_confidence__gt=0) & Q(interval_confidence__lt=100)),
                name="forecast_interval_confidence_range",
            ),
        ]

    def __str__(self) -> str:
        return f"forecast {self.pk} on question {self.question_id}"
