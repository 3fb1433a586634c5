"""Writes: record, correct and annul outcomes; trigger and run scoring.

A question is resolved by its key across every version of its vignette, so a
forecast made on version 1 and one made on version 2 are scored against the
same outcome. Every change is audited (who, when, why) and enqueues, after
commit, one task that scores or unscores exactly the forecasts it affects.
The tasks run `scoring_pipeline` and `jobs`, which never import this module,
so the dependency runs one way: services → tasks → jobs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from casecast.audit.services import audit_record
from casecast.resolution.models import RescoreJob
from casecast.resolution.outcomes import (
    Outcome,
    OutcomeError,
    date_check_not_future,
    outcome_check,
)
from casecast.studies.models import Study
from casecast.studies.services import DATA_LOCKED_MESSAGE
from casecast.vignettes.models import OutcomeRecord, Question
from casecast.vignettes.outcome_history import outcome_history_add
from tasks.enqueue import enqueue_on_commit
from tasks.scoring import rescore_study, score_questions


def question_siblings(*, question: Question) -> QuerySet[Question]:
    """The question with this key in every version of its vignette."""
    return Question.objects.filter(
        version__vignette_id=question.version.vignette_id, key=question.key
    )


def _study_lock(question: Question) -> Study:
    """Lock the question's study for an outcome change; refuse once its data are locked."""
    study_id = question.version.vignette.study_id
    study = Study.objects.select_for_update().get(pk=study_id)
    if study.data_locked_at is not None:
        raise ValidationError(DATA_LOCKED_MESSAGE)
    return study


def _require_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"Give a reason for the {what}"})
    return reason


def _check(question: Question, outcome: Outcome, known_at: date | None, source: str) -> None:
    try:
        outcome_check(question=question, outcome=outcome)
    except OutcomeError as error:
        raise ValidationError({"outcome": str(error).capitalize()}) from error
    if known_at is None:
        raise ValidationError({"known_at": "Enter the date the outcome became known"})
    try:
        date_check_not_future(known_at)
    except OutcomeError as error:
        raise ValidationError(
            {"known_at": "The date the outcome became known must be today or in the past"}
        ) from error
    if not (source or "").strip():
        raise ValidationError({"source": "Enter where the outcome comes from"})


def _snapshot(question: Question) -> dict[str, Any]:
    outcome = Outcome.of(question)
    return {
        "outcome": outcome.as_json() if outcome else None,
        "known_at": question.outcome_known_at.isoformat() if question.outcome_known_at else None,
        "source": question.outcome_source,
        "annulled": question.annulled,
    }


def _enqueue_questions(question_ids: Sequence[int]) -> None:
    if question_ids:
        enqueue_on_commit(score_questions, sorted(question_ids))


def outcome_apply(
    *,
    question: Question,
    outcome: Outcome,
    known_at: date | None,
    source: str,
    by: Any,
    reason: str = "",
    correction: bool,
) -> list[int]:
    """Set the outcome on every version of the question; return the ids changed.

    Does not enqueue scoring (callers do, once). The caller holds a transaction.
    """
    study = _study_lock(question)
    question = Question.objects.get(pk=question.pk)
    _check(question, outcome, known_at, source)
    if question.annulled:
        raise ValidationError(
            "This question is annulled. Reinstate it before recording an outcome."
        )
    before = _snapshot(question)
    current = Outcome.of(question)
    unchanged = (
        current == outcome
        and question.outcome_known_at == known_at
        and question.outcome_source == source.strip()
    )
    if unchanged:
        return []
    if current is not None and not correction:
        raise ValidationError("This question already has an outcome. Correct it instead.")
    if current is None and correction:
        raise ValidationError("This question has no outcome to correct.")
    if correction:
        reason = _require_reason(reason, "correction")
    siblings = question_siblings(question=question)
    ids = list(siblings.values_list("pk", flat=True))
    siblings.update(outcome_known_at=known_at, outcome_source=source.strip(), **outcome.as_fields())
    question.refresh_from_db()
    outcome_history_add(
        question=question,
        kind=OutcomeRecord.Kind.CORRECTED if correction else OutcomeRecord.Kind.RECORDED,
        by=by,
        reason=reason,
    )
    audit_record(
        action="question.correct" if correction else "question.resolve",
        actor=by,
        study_id=study.pk,
        target=question,
        reason=reason,
        data={
            "question_key": question.key,
            "question_ids": ids,
            "before": before,
            "after": _snapshot(question),
        },
    )
    return ids


@transaction.atomic
def question_resolve(
    *, question: Question, outcome: Outcome, known_at: date, source: str, by: Any, reason: str = ""
) -> list[int]:
    """Record a question's outcome for the first time; scoring follows after commit."""
    ids = outcome_apply(
        question=question,
        outcome=outcome,
        known_at=known_at,
        source=source,
        by=by,
        reason=reason,
        correction=False,
    )
    _enqueue_questions(ids)
    return ids


@transaction.atomic
def question_correct(
    *, question: Question, outcome: Outcome, known_at: date, source: str, by: Any, reason: str
) -> list[int]:
    """Correct a recorded outcome (reason required); its forecasts are rescored."""
    ids = outcome_apply(
        question=question,
        outcome=outcome,
        known_at=known_at,
        source=source,
        by=by,
        reason=reason,
        correction=True,
    )
    _enqueue_questions(ids)
    return ids


def _annulled_set(*, question: Question, annulled: bool, by: Any, reason: str) -> list[int]:
    reason = _require_reason(reason, "annulment" if annulled else "reinstatement")
    study = _study_lock(question)
    question = Question.objects.get(pk=question.pk)
    if question.annulled == annulled:
        return []
    siblings = question_siblings(question=question)
    ids = list(siblings.values_list("pk", flat=True))
    siblings.update(annulled=annulled)
    outcome_history_add(
        question=question,
        kind=OutcomeRecord.Kind.ANNULLED if annulled else OutcomeRecord.Kind.REINSTATED,
        by=by,
        reason=reason,
    )
    audit_record(
        action="question.annul" if annulled else "question.reinstate",
        actor=by,
        study_id=study.pk,
        target=question,
        reason=reason,
        data={"question_key": question.key, "question_ids": ids},
    )
    _enqueue_questions(ids)
    return ids


@transaction.atomic
def question_annul(*, question: Question, by: Any, reason: str) -> list[int]:
    """Annul an ambiguous question: its forecasts leave every score and summary."""
    return _annulled_set(question=question, annulled=True, by=by, reason=reason)


@transaction.atomic
def question_reinstate(*, question: Question, by: Any, reason: str) -> list[int]:
    """Undo an annulment: the question's forecasts are scored again if it has an outcome."""
    return _annulled_set(question=question, annulled=False, by=by, reason=reason)


# --- full rescore ---------------------------------------------------------------------


def rescore_job_create(*, study: Study, by: Any) -> tuple[RescoreJob, bool]:
    """The study's active rescore job, or a new queued one (created=True)."""
    active = RescoreJob.objects.filter(
        study=study, status__in=[RescoreJob.Status.QUEUED, RescoreJob.Status.RUNNING]
    ).first()
    if active is not None:
        return active, False
    try:
        with transaction.atomic():
            job = RescoreJob.objects.create(study=study, created_by=by)
    except IntegrityError:
        # Someone pressed the button at the same moment: theirs is the job.
        job = RescoreJob.objects.get(
            study=study, status__in=[RescoreJob.Status.QUEUED, RescoreJob.Status.RUNNING]
        )
        return job, False
    audit_record(action="study.rescore", actor=by, study_id=study.pk, target=job)
    return job, True


@transaction.atomic
def study_rescore_start(*, study: Study, by: Any) -> RescoreJob:
    """The researcher's button: queue a full rescore (or return the one already running)."""
    job, created = rescore_job_create(study=study, by=by)
    if created:
        enqueue_on_commit(rescore_study, job.pk)
    return job
