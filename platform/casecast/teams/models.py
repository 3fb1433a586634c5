"""Team arms (docs/teams.md): who is in which team, who has seen their team, and comments.

A team belongs to one arm of one study. Membership is written once, in the same
transaction as the participant's allocation, and never moved. A participant
sees their teammates' forecasts on a question only after submitting their own
(`TeamReveal` records the first look); comments may be hidden by staff, with
the reason kept.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

COMMENT_MAX_CHARS = 1000


class Team(models.Model):
    study = models.ForeignKey("studies.Study", on_delete=models.CASCADE, related_name="teams")
    arm = models.ForeignKey("studies.Arm", on_delete=models.PROTECT, related_name="teams")
    number = models.PositiveSmallIntegerField(help_text="1, 2, … in the order teams were opened.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["study", "arm", "number"]
        constraints = [
            models.UniqueConstraint(fields=["arm", "number"], name="team_number_unique_in_arm"),
            models.CheckConstraint(condition=Q(number__gte=1), name="team_number_positive"),
        ]

    def __str__(self) -> str:
        return f"team {self.number} of arm {self.arm_id}"


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    participant = models.OneToOneField(
        "studies.Participant", on_delete=models.PROTECT, related_name="team_membership"
    )
    position = models.PositiveSmallIntegerField(
        help_text="0-based order of joining: teammates are labelled A, B, C… by it."
    )
    council = models.ForeignKey(
        "studies.Council",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The participant's council when placed (what placement balanced on).",
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "position"], name="team_membership_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"participant {self.participant_id} in team {self.team_id}"

    @property
    def label(self) -> str:
        return f"Teammate {chr(ord('A') + self.position)}"


class TeamReveal(models.Model):
    """The first time a participant opened their team's forecasts on a question."""

    participant = models.ForeignKey(
        "studies.Participant", on_delete=models.CASCADE, related_name="team_reveals"
    )
    question = models.ForeignKey(
        "vignettes.Question", on_delete=models.PROTECT, related_name="team_reveals"
    )
    revealed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "question"], name="team_reveal_once_per_question"
            ),
        ]

    def __str__(self) -> str:
        return f"participant {self.participant_id} saw team on question {self.question_id}"


class TeamComment(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="comments")
    question = models.ForeignKey(
        "vignettes.Question", on_delete=models.PROTECT, related_name="team_comments"
    )
    author = models.ForeignKey(
        "studies.Participant", on_delete=models.CASCADE, related_name="team_comments"
    )
    text = models.TextField(max_length=COMMENT_MAX_CHARS)
    created_at = models.DateTimeField(auto_now_add=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hidden_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["team", "question", "created_at", "pk"]
        constraints = [
            # A hidden comment always says who hid it, when and why; a shown one none of these.
            models.CheckConstraint(
                condition=(
                    Q(hidden_at__isnull=True, hidden_by__isnull=True, hidden_reason="")
                    | (Q(hidden_at__isnull=False, hidden_by__isnull=False) & ~Q(hidden_reason=""))
                ),
                name="team_comment_hidden_fields_together",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="team_comment_not_empty"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} in team {self.team_id}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None
