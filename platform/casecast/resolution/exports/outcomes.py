"""`outcomes.csv`: the outcome history, one row per change: every outcome recorded or
corrected and every annulment or reinstatement, in the order they were made.

A change applies to a question key in every version of its vignette, so rows name the
vignette and the question key (as `questions` does), and the question it was made on.
Who made a change is a keyed pseudonym of their staff account; the reason is what staff
typed, formula-neutralised like every text cell.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from casecast.resolution.exports.columns import (
    CHUNK,
    Column,
    ColumnType,
    Field,
    PseudonymOf,
    Pseudonyms,
    Row,
    Source,
    fields_read,
    table,
)
from casecast.resolution.exports.shared import outcome_label_column
from casecast.studies.models import Study
from casecast.vignettes import kinds as registry
from casecast.vignettes.models import OutcomeRecord

FILENAME = "outcomes.csv"


class OutcomeRow(Row):
    READS = ("question__kind", "question__options")
    __slots__ = ("options", "sequence")

    def __init__(self, db: dict[str, Any], names: Pseudonyms, sequence: int) -> None:
        super().__init__(db, names)
        self.sequence = sequence
        kind = registry.find(db["question__kind"])
        self.options = [str(o) for o in db["question__options"] or []] or list(
            kind.default_options if kind is not None else ()
        )


def _outcome(row: OutcomeRow) -> Any:
    if row.db["outcome_binary"] is not None:
        return row.db["outcome_binary"]
    if row.db["outcome_category"] is not None:
        return row.db["outcome_category"] + 1  # 1-based, as in questions and the import
    return row.db["outcome_numeric"]


def outcome_columns(study: Study) -> list[Column[OutcomeRow]]:
    return [
        Column(
            "entry",
            ColumnType.INTEGER,
            "History entry number (1 = first)",
            "Order of the change in the study's outcome history, 1 = first (key of this file)",
            lambda row: row.sequence,
        ),
        Column(
            "vignette",
            ColumnType.TEXT,
            "Vignette (case) key",
            "Vignette key",
            Field("vignette__key"),
        ),
        Column(
            "question",
            ColumnType.TEXT,
            "Question key",
            "Question key: the change applies to this question in every vignette version",
            Field("question_key"),
        ),
        Column(
            "question_id",
            ColumnType.INTEGER,
            "Question id the change was made on",
            "question_id (see questions) of the version the change was made on; it applies "
            "to every version's question with the same vignette and question key",
            Field("question_id"),
        ),
        Column(
            "change",
            ColumnType.TEXT,
            "What changed",
            "recorded (first outcome), corrected, annulled (excluded from scores), "
            "reinstated, or existing (the outcome as it stood when the history began)",
            Field("kind"),
            value_labels=tuple(OutcomeRecord.Kind.choices),
        ),
        Column(
            "outcome",
            ColumnType.NUMBER,
            "Outcome after the change",
            "The outcome recorded: 1 (yes) or 0 (no); the option number from 1 (multiple "
            "choice, ordered); or the number (numeric); empty for annulled and reinstated",
            _outcome,
            reads=("outcome_binary", "outcome_category", "outcome_numeric"),
        ),
        outcome_label_column(),
        Column(
            "outcome_known_at",
            ColumnType.TEXT,
            "Date the outcome became known (YYYY-MM-DD)",
            "Date the outcome became known, YYYY-MM-DD, as recorded with this change",
            Field("outcome_known_at"),
        ),
        Column(
            "outcome_source",
            ColumnType.TEXT,
            "Source of the outcome",
            "Where the outcome was recorded from, as recorded with this change",
            Field("outcome_source"),
            free_text=True,
        ),
        Column(
            "changed_by",
            ColumnType.TEXT,
            "Staff member who made the change (pseudonym)",
            "Keyed pseudonym of the staff account that made the change (the same in every "
            "row of this study); empty for the command line, bank files imported without "
            "an account, and the entries the history began with",
            PseudonymOf("by_id", kind="staff"),
        ),
        Column(
            "changed_at",
            ColumnType.TIME,
            "When the change was made (UTC)",
            "When the change was made (UTC)",
            Field("at"),
        ),
        Column(
            "reason",
            ColumnType.TEXT,
            "Reason given",
            "The reason staff gave (required for corrections, annulments and reinstatements)",
            Field("reason"),
            free_text=True,
        ),
    ]


def outcome_source(*, study: Study, unblinded: bool = False) -> Source[OutcomeRow]:
    """One row per entry of the study's outcome history, oldest first. Names no arm, so
    `unblinded` changes nothing."""
    columns = outcome_columns(study)
    names = Pseudonyms(study)
    rows = (
        OutcomeRecord.objects.filter(study=study)
        .order_by("at", "pk")
        .values(*fields_read(columns, OutcomeRow))
    )
    return Source(
        columns,
        (
            OutcomeRow(db, names, sequence)
            for sequence, db in enumerate(rows.iterator(chunk_size=CHUNK), start=1)
        ),
    )


def outcome_export_rows(*, study: Study) -> Iterator[list[str]]:
    """The header, then the CSV cells of `outcome_source`."""
    return table(study=study, source=outcome_source(study=study))
