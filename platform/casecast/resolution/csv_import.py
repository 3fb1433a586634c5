"""Import question outcomes from a CSV file: all rows or none.

Columns (header row required, any order, extra columns ignored):
vignette, question, outcome, known_at, source, and optionally reason (required
on rows that change an outcome already recorded). Rows are numbered as a
spreadsheet shows them: the header is row 1, the first outcome row 2.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from casecast.core.csv_safety import CsvUnreadable, csv_table_read, formula_row
from casecast.resolution import selectors
from casecast.resolution.outcomes import (
    Outcome,
    OutcomeError,
    date_check_not_future,
    date_parse,
    outcome_parse,
    resolvable_shape,
)
from casecast.resolution.services import _enqueue_questions, outcome_apply
from casecast.studies.models import Study
from casecast.vignettes import kinds
from casecast.vignettes.models import Question

REQUIRED_COLUMNS = ("vignette", "question", "outcome", "known_at", "source")
OPTIONAL_COLUMNS = ("reason",)
MAX_ROWS = 5000


@dataclass(frozen=True)
class CsvRowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if not self.column:
            return f"row {self.row}: {self.message}"
        return f"row {self.row}, column {self.column}: {self.message}"


class OutcomeCsvError(Exception):
    def __init__(self, errors: list[CsvRowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class _Row:
    number: int
    question: Question
    outcome: Outcome
    known_at: date
    source: str
    reason: str
    correction: bool


@dataclass
class ImportResult:
    resolved: int = 0
    corrected: int = 0
    unchanged: int = 0
    question_ids: list[int] = field(default_factory=list)


EXPECTED_HEADER = ",".join((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))


def missing_columns_error(missing: list[str], header: list[str]) -> CsvRowError:
    """One error for the header row: which columns are missing and what it should hold."""
    names = ", ".join(missing)
    found = ", ".join(name for name in header if name) or "nothing"
    plural = "columns" if len(missing) > 1 else "column"
    return CsvRowError(
        1,
        "",
        f"the header row is missing the {plural} {names} (it has: {found}). The first "
        f"row must name the columns, in any order: {EXPECTED_HEADER} (reason is optional). "
        "Nothing else was checked",
    )


def _questions_by_key(study: Study) -> dict[tuple[str, str], Question]:
    """The latest version's question for each (vignette key, question key)."""
    found: dict[tuple[str, str], Question] = {}
    questions = (
        Question.objects.filter(version__vignette__study=study)
        .select_related("version__vignette")
        .order_by("version__number")
    )
    for question in questions:
        found[(question.version.vignette.key, question.key)] = question
    return found


def _read(csv_text: str) -> tuple[list[str], list[dict[str, str]]]:
    try:
        table = csv_table_read(csv_text)
    except CsvUnreadable as unreadable:
        raise OutcomeCsvError([CsvRowError(unreadable.row, "", unreadable.message)]) from None
    return table.header, table.rows


def _check_row(
    number: int, row: dict[str, str], questions: dict[tuple[str, str], Question]
) -> tuple[_Row | None, list[CsvRowError]]:
    errors: list[CsvRowError] = []
    question = questions.get((row["vignette"], row["question"]))
    if question is None:
        column = "vignette" if not any(k[0] == row["vignette"] for k in questions) else "question"
        value = row[column]
        return None, [CsvRowError(number, column, f"'{value}' is not a {column} in this study")]
    outcome = known_at = None
    try:
        outcome = outcome_parse(question=question, text=row["outcome"])
    except OutcomeError as error:
        errors.append(CsvRowError(number, "outcome", str(error)))
    try:
        known_at = date_parse(row["known_at"])
        date_check_not_future(known_at)
    except OutcomeError as error:
        known_at = None
        errors.append(CsvRowError(number, "known_at", str(error)))
    if not row["source"]:
        errors.append(CsvRowError(number, "source", "enter where the outcome comes from"))
    if question.annulled:
        errors.append(CsvRowError(number, "question", "this question is annulled"))
    current = Outcome.of(question)
    correction = current is not None and outcome is not None and current != outcome
    if correction and not row.get("reason"):
        errors.append(CsvRowError(number, "reason", "give a reason to change a recorded outcome"))
    if errors or outcome is None or known_at is None:
        return None, errors
    return _Row(
        number,
        question,
        outcome,
        known_at,
        row["source"],
        row.get("reason", ""),
        current is not None,
    ), []


def outcomes_check_csv(*, study: Study, csv_text: str) -> list[_Row]:
    """Validate every row; raise OutcomeCsvError listing all problems."""
    header, rows = _read(csv_text)
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise OutcomeCsvError([missing_columns_error(missing, header)])
    if not rows:
        raise OutcomeCsvError([CsvRowError(2, "vignette", "the file has no outcome rows")])
    if len(rows) > MAX_ROWS:
        raise OutcomeCsvError([CsvRowError(MAX_ROWS + 2, "vignette", f"at most {MAX_ROWS} rows")])
    questions = _questions_by_key(study)
    checked: list[_Row] = []
    errors: list[CsvRowError] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows, start=2):
        slot = (row.get("vignette", ""), row.get("question", ""))
        if slot in seen:
            errors.append(CsvRowError(number, "question", f"repeats row {seen[slot]}"))
            continue
        seen[slot] = number
        good, problems = _check_row(number, row, questions)
        errors.extend(problems)
        if good is not None:
            checked.append(good)
    if errors:
        raise OutcomeCsvError(errors)
    return checked


@transaction.atomic
def outcomes_import_csv(
    *, study: Study, csv_text: str, by: Any, enqueue: bool = True
) -> ImportResult:
    """Record or correct every outcome in the file, or nothing; score once, after commit.

    `enqueue=False` leaves scoring to the caller (the simulation scores in-process).
    """
    result = ImportResult()
    for row in outcomes_check_csv(study=study, csv_text=csv_text):
        ids = outcome_apply(
            question=row.question,
            outcome=row.outcome,
            known_at=row.known_at,
            source=row.source,
            by=by,
            reason=row.reason or "Imported from CSV",
            correction=row.correction,
        )
        if not ids:
            result.unchanged += 1
        elif row.correction:
            result.corrected += 1
        else:
            result.resolved += 1
        result.question_ids.extend(ids)
    if enqueue:
        _enqueue_questions(result.question_ids)
    return result


def outcomes_template_csv(*, study: Study) -> str:
    """A file to start from: the header, and one example row for the first question of the
    study still waiting for its outcome (or the first question, as a correction), whose
    outcome cell says what to write and is refused until it is filled in."""
    lines = [EXPECTED_HEADER]
    question = selectors.first_unresolved_question(study=study)
    reason = ""
    if question is None:
        rows = [r for r in selectors.resolution_rows(study=study) if not r.question.annulled]
        if not rows:
            return EXPECTED_HEADER + "\n"
        question = rows[0].question
        reason = "Why the recorded outcome changes"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(
        formula_row(
            [
                question.version.vignette.key,
                question.key,
                _example_outcome(question),
                timezone.localdate().isoformat(),
                "<where the outcome is recorded>",
                reason,
            ]
        )
    )
    return "\n".join(lines) + "\n" + buffer.getvalue()


def _example_outcome(question: Question) -> str:
    """What to write, not a value: an unedited template must not record a made-up outcome,
    so this cell fails the import until it is replaced."""
    shape = resolvable_shape(question)
    if shape == kinds.Outcome.YES_NO:
        return "<yes or no>"
    if shape == kinds.Outcome.OPTION:
        options = [str(option) for option in question.options or []]
        return f"<one of: {'; '.join(options)}>" if options else "<option number>"
    return "<a number>"
