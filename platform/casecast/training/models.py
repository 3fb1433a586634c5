"""Training modules: versioned content, and each participant's progress through one.

Content is never edited in place: every save is a new numbered
`TrainingModuleVersion` for the study, and an attempt records the version the
participant did. Step records are written once per step.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from casecast.core.versioning import VersionedContent
from casecast.training.content import (
    CONFIDENCE_LEVELS,
    MODULE_KEYS,
    ModuleContent,
    module_from_json,
)


class ModuleKey(models.TextChoices):
    CALIBRATION = "calibration", "Calibration training"
    DEBIASING = "debiasing", "Cognitive debiasing"


assert tuple(ModuleKey.values) == MODULE_KEYS


class TrainingModuleVersion(VersionedContent):
    """One saved version of a study's training module (the newest is current)."""

    study = models.ForeignKey(
        "studies.Study", on_delete=models.CASCADE, related_name="training_versions"
    )
    key = models.CharField(max_length=20, choices=ModuleKey.choices)
    title = models.CharField(max_length=200)
    content = models.JSONField(help_text="Checked content (see casecast/training/content.py).")
    source_yaml = models.TextField(help_text="The YAML as the researcher saved it.")
    note = models.CharField(max_length=300, blank=True, help_text="What changed in this version.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["study", "key", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "key", "number"], name="training_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(key__in=MODULE_KEYS), name="training_version_known_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_key_display()} v{self.number}"

    @property
    def module(self) -> ModuleContent:
        return module_from_json(self.content)


class TrainingAttempt(models.Model):
    """A participant's one pass through their arm's module, on the version they started."""

    participant = models.ForeignKey(
        "studies.Participant", on_delete=models.CASCADE, related_name="training_attempts"
    )
    key = models.CharField(max_length=20, choices=ModuleKey.choices)
    version = models.ForeignKey(
        TrainingModuleVersion, on_delete=models.PROTECT, related_name="attempts"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    seconds_spent = models.PositiveIntegerField(
        default=0,
        help_text="Time on the module's pages; gaps over 10 minutes count as 10 minutes.",
    )

    class Meta:
        ordering = ["participant", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "key"], name="training_attempt_once_per_module"
            ),
        ]

    def __str__(self) -> str:
        return f"training attempt {self.pk}"


class TrainingStepRecord(models.Model):
    """A step done: a lesson read, a check answered or a confidence question answered."""

    attempt = models.ForeignKey(TrainingAttempt, on_delete=models.CASCADE, related_name="steps")
    step_key = models.CharField(max_length=60)
    choice = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="0-based index of the answer chosen (none for a lesson)."
    )
    confidence = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Confidence questions: how sure, 50 to 100 (%)."
    )
    correct = models.BooleanField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["attempt", "recorded_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "step_key"], name="training_step_once"),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__in=CONFIDENCE_LEVELS),
                name="training_confidence_level",
            ),
            models.CheckConstraint(
                condition=Q(choice__isnull=True) | Q(correct__isnull=False),
                name="training_answer_marked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step_key} in attempt {self.attempt_id}"
