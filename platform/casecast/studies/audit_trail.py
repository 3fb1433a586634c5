"""Reads of the audit trail for the study audit page (views/audit.py) and its CSV.

A study's events are those recorded with its `study_id`. Who acted is shown
by what they are to the study: study staff by email, a participant only as
"A participant" (the audit page must not become a second participants list),
a site administrator by email, tasks and imports as "System".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from casecast.audit.models import AuditEvent
from casecast.studies.models import Study

SYSTEM = "System"
A_PARTICIPANT = "A participant"


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    target: str
    reason: str
    details: str


def study_events(
    *,
    study: Study,
    actor_id: int | None = None,
    action: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """The study's events, newest first; `since` and `until` are whole days, inclusive."""
    events = AuditEvent.objects.filter(study_id=study.pk)
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if action:
        events = events.filter(action=action)
    if since is not None:
        events = events.filter(at__gte=_start_of(since))
    if until is not None:
        events = events.filter(at__lt=_start_of(until + timedelta(days=1)))
    return events.order_by("-at", "-id")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def study_actions(*, study: Study) -> list[str]:
    """Every action recorded in the study, for the filter's choices."""
    return sorted(
        AuditEvent.objects.filter(study_id=study.pk).values_list("action", flat=True).distinct()
    )


def study_actors(*, study: Study) -> list[tuple[int, str]]:
    """(user id, label) of everyone but participants who acted in the study, by label."""
    ids = set(
        AuditEvent.objects.filter(study_id=study.pk, actor_id__isnull=False)
        .values_list("actor_id", flat=True)
        .distinct()
    )
    labels = actor_labels(study=study, actor_ids=ids)
    return sorted(
        ((pk, label) for pk, label in labels.items() if label != A_PARTICIPANT),
        key=lambda item: item[1],
    )


def actor_labels(*, study: Study, actor_ids: Iterable[int]) -> dict[int, str]:
    """Staff of this study and site administrators by email; anyone else as a participant.

    Only those two are named: an account that is neither acted here as a participant,
    perhaps one erased from this study since (their account lives on if they take part
    elsewhere), so an email must never identify them.
    """
    ids = set(actor_ids)
    staff = set(study.memberships.filter(user_id__in=ids).values_list("user_id", flat=True))
    users = get_user_model().objects.filter(pk__in=ids)
    labels: dict[int, str] = {}
    for user in users:
        named = user.pk in staff or user.is_site_admin or user.is_superuser
        labels[user.pk] = str(user.email) if named else A_PARTICIPANT
    # An account since deleted (erasure): the event stays, the person does not.
    return {pk: labels.get(pk, "A deleted account") for pk in ids}


def audit_rows(*, study: Study, events: Iterable[AuditEvent]) -> list[AuditRow]:
    events = list(events)
    labels = actor_labels(study=study, actor_ids={e.actor_id for e in events if e.actor_id})
    return [
        AuditRow(
            at=event.at,
            actor=labels[event.actor_id] if event.actor_id else SYSTEM,
            action=event.action,
            target=_target(event),
            reason=event.reason,
            details=_details(event.data),
        )
        for event in events
    ]


def _target(event: AuditEvent) -> str:
    if not event.target_type:
        return ""
    model = event.target_type.rpartition(".")[2]
    if model == "participant":
        return "A participant"  # no id: it would let staff line events up with arms
    return f"{model} {event.target_id}"


def _details(data: Any) -> str:
    if not isinstance(data, dict):
        return str(data)
    return "; ".join(f"{key}: {value}" for key, value in sorted(data.items()))
