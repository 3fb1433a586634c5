"""Writes for training: module versions (researchers) and attempts (participants).

Participants' steps are recorded once each and in order; the attempt is
complete when every step has a record. Time spent is accumulated from the
gaps between a participant's requests, each gap capped, so it works without
JavaScript and a tab left open overnight counts as a few minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from casecast.audit.services import audit_record
from casecast.studies.models import Participant, Study
from casecast.training.content import (
    CONFIDENCE,
    CONFIDENCE_LEVELS,
    ContentError,
    Step,
    bundled_yaml,
    module_parse,
)
from casecast.training.models import TrainingAttempt, TrainingModuleVersion, TrainingStepRecord

IDLE_CAP = timedelta(minutes=10)


class TrainingError(ValueError):
    """Something the participant can be told ("Choose how sure you are")."""


def module_version_save(
    *, study: Study, key: str, source_yaml: str, by: Any, note: str = ""
) -> TrainingModuleVersion:
    """Check the YAML and store it as the module's next version. Raises ContentError."""
    content = module_parse(source_yaml, key=key)
    with transaction.atomic():
        Study.objects.select_for_update().filter(pk=study.pk).first()
        version = TrainingModuleVersion.objects.create(
            study=study,
            key=key,
            number=TrainingModuleVersion.objects.filter(study=study, key=key).next_number(),
            title=content.title,
            content=content.as_json(),
            source_yaml=source_yaml,
            note=note,
            created_by=by,
        )
        audit_record(
            action="training.version_save",
            actor=by,
            study_id=study.pk,
            target=version,
            data={"key": key, "number": version.number},
        )
    return version


def module_version_current(*, study: Study, key: str) -> TrainingModuleVersion:
    """The newest version, creating version 1 from the bundled content if there is none."""
    version = TrainingModuleVersion.objects.filter(study=study, key=key).current()
    if version is not None:
        return version
    try:
        return module_version_save(
            study=study,
            key=key,
            source_yaml=bundled_yaml(key=key),
            by=None,
            note="Bundled content",
        )
    except IntegrityError:  # another request created it first
        created = TrainingModuleVersion.objects.filter(study=study, key=key).current()
        assert created is not None, "the version that collided with ours exists"
        return created


def training_start(*, participant: Participant, now: datetime | None = None) -> TrainingAttempt:
    """Start (or resume) the participant's arm's module, pinned to the current version."""
    key = participant.arm.training_module if participant.arm else ""
    if not key:
        raise TrainingError("Your study group has no training module.")
    existing = TrainingAttempt.objects.filter(participant=participant, key=key).first()
    if existing is not None:
        return existing
    version = module_version_current(study=participant.study, key=key)
    try:
        with transaction.atomic():
            return TrainingAttempt.objects.create(
                participant=participant,
                key=key,
                version=version,
                last_seen_at=now or timezone.now(),
            )
    except IntegrityError:
        return TrainingAttempt.objects.get(participant=participant, key=key)


def training_touch(*, attempt: TrainingAttempt, now: datetime | None = None) -> None:
    """Add the time since the participant's last request (capped) to their time spent."""
    if attempt.completed_at is not None:
        return
    now = now or timezone.now()
    gap = min(max(now - attempt.last_seen_at, timedelta(0)), IDLE_CAP)
    TrainingAttempt.objects.filter(pk=attempt.pk, completed_at__isnull=True).update(
        seconds_spent=F("seconds_spent") + int(gap.total_seconds()), last_seen_at=now
    )
    attempt.refresh_from_db(fields=["seconds_spent", "last_seen_at"])


def _check_order(attempt: TrainingAttempt, steps: list[Step], index: int) -> None:
    done = set(attempt.steps.values_list("step_key", flat=True))
    if any(step.key not in done for step in steps[:index]):
        raise TrainingError("Finish the earlier steps first.")


def _answer_fields(step: Step, choice: int | None, confidence: int | None) -> dict[str, object]:
    if step.type == CONFIDENCE:
        if choice not in (0, 1):
            raise TrainingError("Choose an answer.")
        if confidence not in CONFIDENCE_LEVELS:
            raise TrainingError("Choose how sure you are.")
        return {"choice": choice, "confidence": confidence, "correct": choice == step.correct}
    if step.check is not None:
        if choice is None or not 0 <= choice < len(step.check.options):
            raise TrainingError("Choose an answer.")
        return {"choice": choice, "correct": choice == step.check.correct}
    return {}


def training_step_record(
    *,
    attempt: TrainingAttempt,
    step_key: str,
    choice: int | None = None,
    confidence: int | None = None,
    now: datetime | None = None,
) -> TrainingStepRecord:
    """Record one step once (a second submission returns the first record unchanged)."""
    existing = attempt.steps.filter(step_key=step_key).first()
    if existing is not None:
        return existing
    steps = attempt.version.module.steps
    index = next((i for i, s in enumerate(steps) if s.key == step_key), None)
    if index is None:
        raise TrainingError("There is no such step in this module.")
    _check_order(attempt, steps, index)
    fields = _answer_fields(steps[index], choice, confidence)
    try:
        with transaction.atomic():
            record = TrainingStepRecord.objects.create(attempt=attempt, step_key=step_key, **fields)
    except IntegrityError:
        return attempt.steps.get(step_key=step_key)
    _complete_if_done(attempt, [s.key for s in steps], now or timezone.now())
    return record


def _complete_if_done(attempt: TrainingAttempt, keys: list[str], now: datetime) -> None:
    if attempt.steps.filter(step_key__in=keys).count() < len(keys):
        return
    training_touch(attempt=attempt, now=now)
    TrainingAttempt.objects.filter(pk=attempt.pk, completed_at__isnull=True).update(
        completed_at=now
    )
    attempt.refresh_from_db(fields=["completed_at"])


__all__ = [
    "ContentError",
    "TrainingError",
    "bundled_yaml",
    "module_version_current",
    "module_version_save",
    "training_start",
    "training_step_record",
    "training_touch",
]
