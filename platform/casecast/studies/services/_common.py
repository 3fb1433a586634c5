"""Shared by the studies services: status rules and checks several modules make."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from casecast.studies.models import Council, Invitation, Participant, Study, StudyMembership

Role = StudyMembership.Role
Status = Study.Status

# Status changes a study may make, and the states in which people may enrol or be randomised.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.RECRUITING,),
    Status.RECRUITING: (Status.RUNNING, Status.CLOSED),
    Status.RUNNING: (Status.RECRUITING, Status.CLOSED),
    Status.CLOSED: (Status.ARCHIVED,),
    Status.ARCHIVED: (),
}
RANDOMISING = (Status.RECRUITING, Status.RUNNING)


def _code_taken(code: str, *, study: Study | None = None) -> bool:
    studies = Study.objects.filter(enrolment_code=code)
    if study is not None:
        studies = studies.exclude(pk=study.pk)
    return (
        studies.exists()
        or Council.objects.filter(enrolment_code=code).exists()
        or Invitation.objects.filter(code=code).exists()
    )


def _active(participant: Participant) -> None:
    if participant.withdrawn_at is not None:
        raise ValidationError("You have withdrawn from this study.")
