"""Writes for team arms: opening the team panel, commenting, and hiding a comment.

Placement in a team happens at randomisation (`teams.placement`). Every check
that protects a teammate's answers is made here, on the server: a participant
who has not submitted their own forecast on a question can neither open the
team's forecasts on it nor comment.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from casecast.accounts.models import User
from casecast.audit.services import audit_record
from casecast.core.control_characters import refuse_control_characters
from casecast.studies.models import Participant
from casecast.teams import selectors
from casecast.teams.models import COMMENT_MAX_CHARS, TeamComment, TeamReveal
from casecast.vignettes.models import Question

REASON_MAX_CHARS = 300
NOT_YET = "Submit your own forecast on this question before you see your team's."


def team_reveal_refuse_if_early(*, participant: Participant, question: Question) -> None:
    """PermissionDenied until the participant's own forecast on the question is submitted."""
    if (
        participant.withdrawn_at is not None
        or selectors.membership_for(participant=participant) is None
        or not selectors.own_forecast_submitted(participant=participant, question=question)
    ):
        raise PermissionDenied(NOT_YET)


def team_reveal_record(*, participant: Participant, question: Question) -> TeamReveal:
    """Note that the participant has chosen to see their team's forecasts on this question
    (once; only from their POST, so a prefetched or crawled link records nothing).

    Later forecasts that update this question are flagged `seen_team` by the
    journey's submission service.
    """
    team_reveal_refuse_if_early(participant=participant, question=question)
    reveal, created = TeamReveal.objects.get_or_create(participant=participant, question=question)
    if created:
        audit_record(
            action="team.reveal",
            actor=participant.user,
            study_id=participant.study_id,
            target=participant,
            data={"question": question.pk},
        )
    return reveal


def team_comment_post(*, participant: Participant, question: Question, text: str) -> TeamComment:
    """Post a short comment to the team on one question, after one's own forecast."""
    membership = selectors.membership_for(participant=participant)
    if membership is None or not selectors.own_forecast_submitted(
        participant=participant, question=question
    ):
        raise PermissionDenied(NOT_YET)
    if participant.study.is_data_locked:
        raise ValidationError({"text": "This study has finished collecting answers."})
    cleaned = text.strip()
    if not cleaned:
        raise ValidationError({"text": "Enter a comment"})
    if len(cleaned) > COMMENT_MAX_CHARS:
        raise ValidationError(
            {"text": f"Your comment must be {COMMENT_MAX_CHARS} characters or fewer"}
        )
    refuse_control_characters(cleaned)
    return TeamComment.objects.create(
        team=membership.team, question=question, author=participant, text=cleaned
    )


@transaction.atomic
def team_comment_hide(*, comment: TeamComment, by: User, reason: str) -> TeamComment:
    """Hide a comment from the team, with the reason (audited). Hiding twice changes nothing."""
    cleaned = reason.strip()
    if not cleaned:
        raise ValidationError({"reason": "Enter why you are hiding this comment"})
    if len(cleaned) > REASON_MAX_CHARS:
        raise ValidationError(
            {"reason": f"The reason must be {REASON_MAX_CHARS} characters or fewer"}
        )
    refuse_control_characters(cleaned)
    # The row lock stops two staff hiding at once from overwriting each other's reason.
    comment = TeamComment.objects.select_for_update().get(pk=comment.pk)
    if comment.is_hidden:
        return comment
    comment.hidden_at = timezone.now()
    comment.hidden_by = by
    comment.hidden_reason = cleaned
    comment.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    audit_record(
        action="team.comment_hide",
        actor=by,
        study_id=comment.team.study_id,
        target=comment,
        reason=cleaned,
    )
    return comment
