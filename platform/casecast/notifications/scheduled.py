"""Scheduled emails: reminders, new-wave and feedback-available notices.

Each `*_send` function is called by a Celery beat task (tasks/beat.py), loads
fresh state, and sends through `email_send_once` with a key that names the
logical message, so running it twice — a retry, two beat ticks, two workers —
sends nothing twice.

- Reminder `n` to a participant has key `reminder:<participant>:<n>`. A
  participant is due when they have unfinished work, have not opted out, have
  had fewer than the study's maximum, and neither they nor a reminder has been
  active for the study's `every_days`.
- A new wave (a phase whose `opens_at` has passed in the last 14 days) is
  announced once per participant who can now start it: `new_wave:<phase>:<participant>`.
- "Feedback available" is sent when scores the participant did not see at the
  time (released later by the study's timing, or resolved later) become
  visible: `feedback_available:<participant>:<count>`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from casecast.accounts.links import participant_link
from casecast.feedback.selectors import later_visible_score_count
from casecast.forecasts import selectors as journey
from casecast.forecasts.models import Assignment, Forecast
from casecast.notifications.models import EmailKind, FeedbackNotice, ReminderPolicy, SentEmail
from casecast.notifications.services import email_send_once, reminder_policy_for, unsubscribe_url
from casecast.studies.models import Participant, Phase, Study
from casecast.training.models import TrainingAttempt

logger = logging.getLogger(__name__)

ACTIVE_STUDY = (Study.Status.RECRUITING, Study.Status.RUNNING)
NEW_WAVE_WINDOW = timedelta(days=14)
UNFINISHED = (
    journey.PhaseState.IN_PROGRESS,
    journey.PhaseState.READY,
    journey.PhaseState.TRAINING_REQUIRED,
)


def _link(participant: Participant) -> Callable[[], str]:
    """The participant's new link, issued only if the email is actually sent.

    Issuing a link supersedes older ones, so it must not happen for an email
    that `email_send_once` then skips as already sent.
    """
    user = participant.user
    assert user is not None
    return lambda: participant_link(user=user)


def _active_participants(study: Study) -> list[Participant]:
    return list(
        Participant.objects.filter(
            study=study,
            withdrawn_at__isnull=True,
            consented_at__isnull=False,
            user__isnull=False,
            user__is_active=True,
        ).select_related("study", "arm", "user")
    )


# --- unfinished work -------------------------------------------------------------------


@dataclass(frozen=True)
class Unfinished:
    cases: int
    training: bool
    baseline: bool

    @property
    def any(self) -> bool:
        return bool(self.cases or self.training or self.baseline)

    def describe(self) -> str:
        parts = []
        if self.baseline:
            parts.append("a few questions about you")
        if self.training:
            parts.append("a short training module")
        if self.cases:
            parts.append(f"{self.cases} case{'s' if self.cases != 1 else ''}")
        return " and ".join(parts) if parts else "nothing"


def unfinished_work(*, participant: Participant, now: datetime | None = None) -> Unfinished:
    """What the participant could do now and has not (later waves not yet open do not count)."""
    if participant.baseline_completed_at is None:
        return Unfinished(cases=0, training=False, baseline=True)
    cases = 0
    training = False
    for overview in journey.phase_overviews(participant=participant, now=now):
        if overview.state == journey.PhaseState.IN_PROGRESS:
            cases += sum(1 for a in overview.assignments if a.completed_at is None)
        elif overview.state == journey.PhaseState.READY:
            cases += overview.planned_count
        elif overview.state == journey.PhaseState.TRAINING_REQUIRED:
            training = True
            cases += overview.planned_count
    return Unfinished(cases=cases, training=training, baseline=False)


def last_activity(*, participant: Participant) -> datetime:
    """The participant's latest sign of activity in the study."""
    moments = [
        participant.enrolled_at,
        participant.consented_at,
        participant.baseline_completed_at,
        participant.randomised_at,
    ]
    moments.append(
        Forecast.objects.filter(participant=participant).aggregate(t=Max("submitted_at"))["t"]
    )
    moments.append(
        Assignment.objects.filter(participant=participant).aggregate(t=Max("started_at"))["t"]
    )
    moments.append(
        TrainingAttempt.objects.filter(participant=participant).aggregate(t=Max("last_seen_at"))[
            "t"
        ]
    )
    return max(moment for moment in moments if moment is not None)


# --- reminders ---------------------------------------------------------------------------


def _reminders_of(participant: Participant) -> list[SentEmail]:
    return list(
        SentEmail.objects.filter(
            kind=EmailKind.REMINDER, key__startswith=f"reminder:{participant.pk}:"
        ).order_by("created_at")
    )


@dataclass(frozen=True)
class ReminderDue:
    participant: Participant
    sequence: int
    unfinished: Unfinished


def reminder_due(
    *, participant: Participant, now: datetime, policy: ReminderPolicy | None = None
) -> ReminderDue | None:
    """The reminder this participant should get now, if any."""
    policy = policy or reminder_policy_for(study=participant.study)
    if not policy.enabled or participant.reminders_opt_out or participant.withdrawn_at:
        return None
    earlier = _reminders_of(participant)
    delivered = [e for e in earlier if e.status != SentEmail.Status.FAILED]
    if len(delivered) >= policy.max_reminders:
        return None
    quiet_since = max([last_activity(participant=participant)] + [e.created_at for e in delivered])
    if now - quiet_since < timedelta(days=policy.every_days):
        return None
    unfinished = unfinished_work(participant=participant, now=now)
    if not unfinished.any:
        return None
    return ReminderDue(participant, len(earlier) + 1, unfinished)


def reminder_send(*, due: ReminderDue) -> bool:
    participant = due.participant
    assert participant.user is not None
    unsubscribe = unsubscribe_url(participant=participant)
    return email_send_once(
        key=f"reminder:{participant.pk}:{due.sequence}",
        kind=EmailKind.REMINDER,
        user=participant.user,
        template="",
        study=participant.study,
        context={
            "link": _link(participant),
            "cases_to_do": due.unfinished.describe(),
            "unsubscribe_link": unsubscribe,
        },
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def study_reminders_send(*, study: Study, now: datetime | None = None) -> int:
    now = now or timezone.now()
    if study.status not in ACTIVE_STUDY:
        return 0
    policy = reminder_policy_for(study=study)
    if not policy.enabled:
        return 0
    sent = 0
    for participant in _active_participants(study):
        due = reminder_due(participant=participant, now=now, policy=policy)
        if due is not None and reminder_send(due=due):
            sent += 1
    logger.info("reminders: study %s, %s sent", study.pk, sent)
    return sent


def reminders_send(*, now: datetime | None = None) -> int:
    """Every active study's due reminders (the daily beat task)."""
    return sum(
        study_reminders_send(study=study, now=now)
        for study in Study.objects.filter(status__in=ACTIVE_STUDY)
    )


# --- new waves -------------------------------------------------------------------------------


def new_wave_emails_send(*, now: datetime | None = None) -> int:
    """Tell each participant who can now start a newly opened phase (once per phase)."""
    now = now or timezone.now()
    sent = 0
    phases = Phase.objects.filter(
        opens_at__lte=now, opens_at__gt=now - NEW_WAVE_WINDOW, study__status__in=ACTIVE_STUDY
    ).select_related("study")
    for phase in phases:
        for participant in _active_participants(phase.study):
            if participant.baseline_completed_at is None:
                continue
            state = journey.phase_overview(participant=participant, phase=phase).state
            if state not in (journey.PhaseState.READY, journey.PhaseState.TRAINING_REQUIRED):
                continue
            assert participant.user is not None
            sent += email_send_once(
                key=f"new_wave:{phase.pk}:{participant.pk}",
                kind=EmailKind.NEW_WAVE,
                user=participant.user,
                template="",
                study=phase.study,
                context={"link": _link(participant), "phase_name": phase.name},
            )
    return sent


# --- feedback available ------------------------------------------------------------------


def feedback_available_emails_send(*, now: datetime | None = None) -> int:
    """Tell participants in feedback arms when scores they have not seen become visible."""
    sent = 0
    participants = Participant.objects.filter(
        study__status__in=(*ACTIVE_STUDY, Study.Status.CLOSED),
        withdrawn_at__isnull=True,
        user__isnull=False,
        arm__isnull=False,
    ).select_related("study", "arm", "user")
    for participant in participants:
        assert participant.arm is not None and participant.user is not None
        if not participant.arm.feedback_policies:
            continue
        count = later_visible_score_count(participant=participant)
        if count == 0:
            continue
        notice, _ = FeedbackNotice.objects.get_or_create(participant=participant)
        # Claim the new count first: a concurrent run finds nothing left to claim.
        claimed = FeedbackNotice.objects.filter(pk=notice.pk, scores_notified__lt=count).update(
            scores_notified=count
        )
        if not claimed:
            continue
        sent += email_send_once(
            key=f"feedback_available:{participant.pk}:{count}",
            kind=EmailKind.FEEDBACK_AVAILABLE,
            user=participant.user,
            template="",
            study=participant.study,
            context={"link": _link(participant)},
        )
    return sent
