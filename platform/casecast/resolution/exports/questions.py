"""`questions.csv`: one row per question of each vignette version, with its outcome.

The question a forecast or score answered is its `question_id`; the text, options, unit
and outcome are here once rather than on every answer. Written by staff, so every text
cell is formula-neutralised like everything else.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q

from casecast.resolution.exports import kinds
from casecast.resolution.exports.columns import (
    CHUNK,
    Column,
    ColumnType,
    Field,
    Pseudonyms,
    Row,
    Source,
    fields_read,
    flag,
    table,
)
from casecast.resolution.exports.shared import outcome_label_column
from casecast.studies.models import Study
from casecast.vignettes import kinds as registry
from casecast.vignettes.models import Question

FILENAME = "questions.csv"


class QuestionRow(Row):
    READS = ("kind", "options")
    __slots__ = ("options",)

    def __init__(self, db: dict[str, Any], names: Pseudonyms) -> None:
        super().__init__(db, names)
        kind = registry.find(db["kind"])
        self.options = [str(o) for o in db["options"] or []] or list(
            kind.default_options if kind is not None else ()
        )


def _outcome(row: QuestionRow) -> Any:
    if row.db["outcome_binary"] is not None:
        return row.db["outcome_binary"]
    if row.db["outcome_category"] is not None:
        return row.db["outcome_category"] + 1
    return row.db["outcome_numeric"]


def _text(name: str, label: str, description: str, path: str) -> Column[QuestionRow]:
    return Column(name, ColumnType.TEXT, label, description, Field(path), free_text=True)


def question_columns(study: Study) -> list[Column[QuestionRow]]:
    return [
        Column(
            "question_id",
            ColumnType.INTEGER,
            "Question id",
            "Row id of the question in this vignette version (key of this file)",
            Field("pk"),
        ),
        Column(
            "vignette",
            ColumnType.TEXT,
            "Vignette (case) key",
            "Vignette key",
            Field("version__vignette__key"),
        ),
        Column(
            "vignette_version",
            ColumnType.INTEGER,
            "Vignette version",
            "Version number of the vignette",
            Field("version__number"),
        ),
        Column(
            "vignette_tags",
            ColumnType.TEXT,
            "Vignette tags, ;-separated",
            "Tags of the vignette version, separated by ';'",
            Field("version__tags", _tags),
            free_text=True,
        ),
        Column(
            "stage",
            ColumnType.INTEGER,
            "Stage of the case (1 = first)",
            "Stage (part) of the case, 1 = first",
            Field("stage__position"),
        ),
        Column(
            "question",
            ColumnType.TEXT,
            "Question key",
            "Question key (the same in every vignette version)",
            Field("key"),
        ),
        kinds.kind_column(kinds=kinds.answered(), read="kind"),
        _text("text", "Question text", "The question as participants read it", "text"),
        Column(
            "options",
            ColumnType.TEXT,
            "Option labels, ;-separated, option 1 first",
            "The options in the question's order (option 1 first), separated by ';'; "
            "empty for kinds without options",
            lambda row: ";".join(row.options) or None,
            free_text=True,
        ),
        Column(
            "n_options",
            ColumnType.INTEGER,
            "Number of options",
            "How many options the question offers; empty for kinds without options",
            lambda row: len(row.options) or None,
        ),
        _text("unit", "Unit (numeric questions)", "Unit of a numeric question", "unit"),
        Column(
            "relates_to_id",
            ColumnType.INTEGER,
            "Decision: the forecast question it relates to",
            "For a decision: question_id of the probability question it relates to",
            Field("relates_to_id"),
        ),
        Column(
            "earlier_id",
            ColumnType.INTEGER,
            "Update: the earlier question it repeats",
            "For an update: question_id of the same forecast at an earlier stage",
            Field("earlier_id"),
        ),
        Column(
            "outcome",
            ColumnType.NUMBER,
            "Outcome",
            "The recorded outcome: 1 (yes) or 0 (no); the option number from 1 (multiple "
            "choice, ordered); or the number (numeric); empty until recorded",
            _outcome,
            reads=("outcome_binary", "outcome_category", "outcome_numeric"),
        ),
        outcome_label_column(),
        Column(
            "outcome_known_at",
            ColumnType.TEXT,
            "Date the outcome became known (YYYY-MM-DD)",
            "Date the outcome became known, YYYY-MM-DD",
            Field("outcome_known_at"),
        ),
        _text(
            "outcome_source",
            "Source of the outcome",
            "Where the outcome was recorded from",
            "outcome_source",
        ),
        flag(
            "annulled",
            "Annulled (excluded from scores)",
            "1 if the question was annulled and is excluded from scores",
            Field("annulled"),
        ),
    ]


def _tags(value: Any) -> str | None:
    return ";".join(str(tag) for tag in value) if value else None


def question_source(
    *, study: Study, only: Q | None = None, unblinded: bool = False
) -> Source[QuestionRow]:
    """One row per question of every version of the study's vignettes (`only` narrows the
    rows further, as the research API's pages do). Names no arm, so `unblinded` (which
    every file's source takes, for `export_study --unblinded`) changes nothing."""
    columns = question_columns(study)
    names = Pseudonyms(study)
    rows = (
        Question.objects.filter(version__vignette__study=study)
        .filter(only or Q())
        .order_by("version__vignette__key", "version__number", "stage__position", "position", "pk")
        .values(*fields_read(columns, QuestionRow))
    )
    return Source(columns, (QuestionRow(db, names) for db in rows.iterator(chunk_size=CHUNK)))


def question_export_rows(*, study: Study) -> Iterator[list[str]]:
    """The header, then the CSV cells of `question_source`."""
    return table(study=study, source=question_source(study=study))
