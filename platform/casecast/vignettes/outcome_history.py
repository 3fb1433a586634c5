"""The outcome history: one `OutcomeRecord` per change to a question's outcome.

Called by whatever changes an outcome (resolution services, bank import) in the same
transaction as the change, so the history and the question never disagree. Imports only
models, so both callers can use it without an import cycle.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from casecast.vignettes.models import OutcomeRecord, Question


def outcome_history_add(
    *,
    question: Question,
    kind: OutcomeRecord.Kind,
    by: Any = None,
    reason: str = "",
    at: datetime | None = None,
) -> OutcomeRecord:
    """Append the question's outcome as it now stands (annulments and reinstatements carry
    no value). `by` is the staff user, or None for the command line."""
    with_value = kind in OutcomeRecord.WITH_VALUE
    record = OutcomeRecord(
        study_id=question.version.vignette.study_id,
        vignette_id=question.version.vignette_id,
        question_key=question.key,
        question=question,
        kind=kind,
        outcome_binary=question.outcome_binary if with_value else None,
        outcome_category=question.outcome_category if with_value else None,
        outcome_numeric=question.outcome_numeric if with_value else None,
        outcome_known_at=question.outcome_known_at if with_value else None,
        outcome_source=question.outcome_source if with_value else "",
        by=by if getattr(by, "is_authenticated", False) else None,
        reason=(reason or "").strip(),
    )
    # Set here rather than by the field's default, so the time comes from `timezone.now`
    # as it is when called (tests pin the clock by patching it).
    record.at = at if at is not None else timezone.now()
    record.save()
    return record
