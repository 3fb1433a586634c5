"""Email records, per-study email templates, reminder cadence and feedback notices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from casecast.core.versioning import VersionedContent


class SentEmail(models.Model):
    """One row per logical email, claimed before sending so a retried task never sends twice."""

    class Status(models.TextChoices):
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    key = models.CharField(
        max_length=200,
        unique=True,
        help_text="Identifies the logical message, e.g. 'invitation:participant:42'.",
    )
    kind = models.CharField(max_length=40)
    user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"


class EmailKind(models.TextChoices):
    """Emails a researcher can reword for their study."""

    INVITATION = "invitation", "Invitation"
    REMINDER = "reminder", "Reminder about unfinished cases"
    NEW_WAVE = "new_wave", "New cases available"
    FEEDBACK_AVAILABLE = "feedback_available", "Feedback available"


class StudyEmailTemplate(VersionedContent):
    """One saved wording of one kind of email for a study; the newest number is used."""

    study = models.ForeignKey(
        "studies.Study", on_delete=models.CASCADE, related_name="email_templates"
    )
    kind = models.CharField(max_length=24, choices=EmailKind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text with ((placeholders)).")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["study", "kind", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "kind", "number"], name="email_template_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.number}"


class ReminderPolicy(models.Model):
    """How often participants with unfinished work are reminded (absent row: the defaults)."""

    study = models.OneToOneField(
        "studies.Study", on_delete=models.CASCADE, related_name="reminder_policy"
    )
    enabled = models.BooleanField(default=True)
    every_days = models.PositiveSmallIntegerField(
        default=7, help_text="Days without activity (or since the last reminder) before the next."
    )
    max_reminders = models.PositiveSmallIntegerField(
        default=3, help_text="Reminders a participant gets in all."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(every_days__gte=1) & Q(every_days__lte=90),
                name="reminder_every_days_range",
            ),
            models.CheckConstraint(
                condition=Q(max_reminders__lte=20), name="reminder_max_reminders_range"
            ),
        ]

    def __str__(self) -> str:
        return f"reminders for study {self.study_id}"


class FeedbackNotice(models.Model):
    """How many later-released scores a participant has been told about (a claim, not a log)."""

    participant = models.OneToOneField(
        "studies.Participant", on_delete=models.CASCADE, related_name="feedback_notice"
    )
    scores_notified = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"feedback notice for participant {self.participant_id}"
