"""Which feedback pages each participant has seen, and when: the exposure to feedback that
per-protocol analyses need (`exports/exposures.py`, `selectors.feedback_seen_participant_ids`).

One row per participant and page (and per case, for a case's feedback page), counted by one
upsert per view (`services.feedback_seen_record`), so recording never slows the page.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class FeedbackSeen(models.Model):
    """A feedback page a participant has opened: first and last time, and how often."""

    class Page(models.TextChoices):
        HOME = "home", "Feedback overview"
        CASE = "case", "Feedback on a case"
        TRACK_RECORD = "track_record", "Track record"
        STANDING = "standing", "How you compare"

    participant = models.ForeignKey(
        "studies.Participant", on_delete=models.CASCADE, related_name="feedback_seen"
    )
    page = models.CharField(max_length=12, choices=Page.choices)
    assignment = models.ForeignKey(
        "forecasts.Assignment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The case whose feedback was seen (case pages only).",
    )
    # The assignment's id, or 0 for pages about no one case: part of the unique key the
    # upsert conflicts on (a NULL would never conflict).
    slot = models.PositiveBigIntegerField(default=0)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    times = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["participant", "page", "slot"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "page", "slot"], name="feedback_seen_once_per_page"
            ),
            models.CheckConstraint(
                condition=Q(page="case", assignment__isnull=False, slot=F("assignment"))
                | (~Q(page="case") & Q(assignment__isnull=True, slot=0)),
                name="feedback_seen_case_names_its_assignment",
            ),
            models.CheckConstraint(
                condition=Q(page__in=["home", "case", "track_record", "standing"]),
                name="feedback_seen_page_known",
            ),
            models.CheckConstraint(condition=Q(times__gte=1), name="feedback_seen_times_positive"),
            models.CheckConstraint(
                condition=Q(last_seen_at__gte=F("first_seen_at")),
                name="feedback_seen_last_after_first",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_page_display()} seen by participant {self.participant_id}"
