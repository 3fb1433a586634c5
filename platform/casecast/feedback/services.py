"""Writes of the feedback app: recording that a participant saw a feedback page."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from casecast.feedback.models import FeedbackSeen
from casecast.forecasts.models import Assignment
from casecast.studies.models import Participant


def _upsert_sql() -> str:
    table = connection.ops.quote_name(FeedbackSeen._meta.db_table)
    # The same statement on PostgreSQL and SQLite (3.24+). `last_seen_at` never moves
    # back, so two servers whose clocks differ slightly cannot break the row's check.
    return (
        f"INSERT INTO {table} "
        "(participant_id, page, assignment_id, slot, first_seen_at, last_seen_at, times) "
        "VALUES (%s, %s, %s, %s, %s, %s, 1) "
        "ON CONFLICT (participant_id, page, slot) DO UPDATE SET "
        f"times = {table}.times + 1, "
        f"last_seen_at = CASE WHEN excluded.last_seen_at > {table}.last_seen_at "
        f"THEN excluded.last_seen_at ELSE {table}.last_seen_at END"
    )


def feedback_seen_record(
    *, participant: Participant, page: FeedbackSeen.Page, assignment: Assignment | None = None
) -> None:
    """Count one view of a feedback page: the first view adds the row, later ones add one
    to `times` and move `last_seen_at` (one statement, safe when views race)."""
    if (page == FeedbackSeen.Page.CASE) != (assignment is not None):
        raise ValueError("a case's feedback page names its case, and only that page does")
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    assignment_id = assignment.pk if assignment is not None else None
    with connection.cursor() as cursor:
        cursor.execute(
            _upsert_sql(),
            [participant.pk, str(page), assignment_id, assignment_id or 0, now, now],
        )
