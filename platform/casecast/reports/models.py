"""A computed trial report, cached under the hash of everything it was computed from.

A report is derived data: delete the rows and the next request computes them again. The
key is (study, input hash): the hash covers the scores and outcomes that make every
array, the analysis plan and the engine version (`compute.input_hash`), so a new score,
a corrected outcome or a changed plan gives a new hash and a new report, and an unchanged
study is never analysed twice.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class TrialReport(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    study = models.ForeignKey("studies.Study", on_delete=models.CASCADE, related_name="+")
    input_hash = models.CharField(max_length=64)
    sap_version = models.PositiveIntegerField(help_text="The design version whose plan was used.")
    engine_version = models.CharField(max_length=200)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    percent = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=120, blank=True)
    result = models.JSONField(null=True, blank=True, help_text="`compute.compute_report`.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "input_hash"], name="trial_report_once_per_inputs"
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="trial_report_percent"),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(result__isnull=False),
                name="trial_report_done_has_result",
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.pk} of study {self.study_id}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
