"""Everything the exports know about question kinds, asked of the registry.

Which kinds each file holds and how the `kind` column describes them come from
`vignettes/kinds.py`, read when a file or the data dictionary is built (so a kind registered
later, such as a test's toy kind, is listed). The answer columns are declared here once per
answer shape (a probability, one per option, percentiles or an interval, a decision,
reasoning text); a file shows the shapes its kinds are answered in, so a new kind that
reuses a shape needs no change here. Also here: how a scored outcome is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from casecast.resolution.exports.columns import Column, ColumnType, Field, Row, number_cell
from casecast.studies.models import Study
from casecast.vignettes import kinds as registry
from casecast.vignettes.kinds import AnswerShape, QuestionKind
from casecast.vignettes.models import Question


def scored() -> tuple[QuestionKind, ...]:
    """The kinds scores.csv holds: the forecasts, in the registry's order."""
    return tuple(kind for kind in registry.registered() if kind.is_forecast)


def answered() -> tuple[QuestionKind, ...]:
    """The kinds forecasts.csv holds: every kind, in the registry's order."""
    return registry.registered()


def kind_column(*, kinds: Sequence[QuestionKind], read: str) -> Column[Row]:
    """The question's kind, e.g. "binary (yes/no), multiple_choice, ordered or numeric"."""
    return Column(
        "kind",
        ColumnType.TEXT,
        "Question kind",
        registry.describe(kinds),
        Field(read),
        value_labels=tuple(kind.choice for kind in kinds),
    )


# --- answers ---------------------------------------------------------------------------


def probability(pct: int | None) -> float | None:
    """A probability stored as a whole percentage, as a fraction of 1."""
    return pct / 100 if pct is not None else None


def probabilities(pcts: Sequence[int] | None) -> str | None:
    """One probability per option, in the question's option order, separated by `;`."""
    if not pcts:
        return None
    return ";".join(number_cell(v / 100) for v in pcts)


def answer_columns(
    study: Study, *, kinds: Sequence[QuestionKind], forecast: str
) -> list[Column[Row]]:
    """The columns holding an answer of any of `kinds`: those of each answer shape the kinds
    use, in `AnswerShape` order. `forecast` is the path from the query's model to the
    Forecast ("" when it is the Forecast)."""
    shapes = {kind.answer for kind in kinds}
    return [
        column
        for shape in AnswerShape
        if shape in shapes
        for column in _SHAPE_COLUMNS[shape](study, forecast)
    ]


def _probability_columns(study: Study, forecast: str) -> list[Column[Row]]:
    return [
        Column(
            "probability",
            ColumnType.NUMBER,
            "Probability of yes (yes/no question)",
            "Yes/no question: forecast probability of yes, 0-1",
            Field(f"{forecast}probability_pct", probability),
        )
    ]


def _distribution_columns(study: Study, forecast: str) -> list[Column[Row]]:
    return [
        Column(
            "probabilities",
            ColumnType.TEXT,
            "Probability of each option, ;-separated",
            "Multiple choice or ordered question: the probability of each option, 0-1, "
            "in the question's option order (option 1 first), separated by ';', e.g. "
            "0.2;0.5;0.3. The number of options is fixed per question. R: "
            "strsplit(x, ';'); Stata: split probabilities, parse(;) destring",
            Field(f"{forecast}probabilities_pct", probabilities),
        )
    ]


def _quantity_columns(study: Study, forecast: str) -> list[Column[Row]]:
    return [
        Column(
            "lower",
            ColumnType.NUMBER,
            "Numeric: 5th percentile or lower bound",
            "Numeric question: 5th percentile, or the interval's lower bound",
            Field(f"{forecast}lower"),
        ),
        Column(
            "median",
            ColumnType.NUMBER,
            "Numeric: 50th percentile",
            "Numeric question: 50th percentile (percentiles only)",
            Field(f"{forecast}median"),
        ),
        Column(
            "upper",
            ColumnType.NUMBER,
            "Numeric: 95th percentile or upper bound",
            "Numeric question: 95th percentile, or the interval's upper bound",
            Field(f"{forecast}upper"),
        ),
        Column(
            "interval_confidence",
            ColumnType.INTEGER,
            "Numeric interval: stated confidence (%)",
            "Numeric interval: the confidence the participant stated, in percent",
            Field(f"{forecast}interval_confidence"),
        ),
    ]


def decision_labels(study: Study) -> dict[int, list[str]]:
    """Question id -> option labels of every question in the study answered by choosing an
    option (one query); a question listing no options offers its kind's default ones."""
    questions = Question.objects.filter(
        version__vignette__study=study,
        kind__in=registry.values_answered_as(AnswerShape.CHOICE),
    ).values_list("pk", "kind", "options")
    return {
        pk: [str(o) for o in options] or list(registry.get(kind).default_options)
        for pk, kind, options in questions
    }


def _choice_columns(study: Study, forecast: str) -> list[Column[Row]]:
    """A decision (the option, numbered from 1, and its label) and the confidence in it."""
    labels = decision_labels(study)
    decision_path, question_path = f"{forecast}decision", f"{forecast}question_id"

    def label(row: Row) -> str | None:
        decision = row.db[decision_path]
        options = labels.get(row.db[question_path], [])
        return options[decision] if decision is not None and decision < len(options) else None

    return [
        Column(
            "decision",
            ColumnType.INTEGER,
            "Decision: option number (1 = first)",
            "Decision question: the option chosen, numbered from 1 in the question's order",
            Field(decision_path, _one_based),
        ),
        Column(
            "decision_label",
            ColumnType.TEXT,
            "Decision: option label",
            "Decision question: the label of that option",
            label,
            reads=(decision_path, question_path),
        ),
        Column(
            "decision_confidence",
            ColumnType.INTEGER,
            "Decision: confidence, 1-5",
            "Decision question: confidence in the decision, 1 (not at all confident) to 5 "
            "(completely confident)",
            Field(f"{forecast}decision_confidence"),
        ),
    ]


def _text_columns(study: Study, forecast: str) -> list[Column[Row]]:
    return [
        Column(
            "rationale",
            ColumnType.TEXT,
            "Reasoning (free text)",
            "Reasoning the participant typed, as written (may contain line breaks; a "
            "leading ' is added to text starting with = + - or @ so spreadsheets do not "
            "treat it as a formula). Only in files exported with reasoning included (the "
            "tick box, or --include-reasoning). Free text can contain identifying details: "
            "read it before sharing the file",
            Field(f"{forecast}rationale"),
            free_text=True,
        )
    ]


# The columns each answer shape fills, in the order files show them. Each reads the
# `Forecast` fields the registry names for its shape (`kinds.ANSWER_COLUMNS`).
_SHAPE_COLUMNS: dict[AnswerShape, Callable[[Study, str], list[Column[Row]]]] = {
    AnswerShape.PROBABILITY: _probability_columns,
    AnswerShape.DISTRIBUTION: _distribution_columns,
    AnswerShape.QUANTITY: _quantity_columns,
    AnswerShape.CHOICE: _choice_columns,
    AnswerShape.TEXT: _text_columns,
}


# --- outcomes --------------------------------------------------------------------------


def _one_based(index: int | None) -> int | None:
    return index + 1 if index is not None else None


def _scored_outcome(row: Row) -> Any:
    if row.db["outcome_binary"] is not None:
        return row.db["outcome_binary"]
    if row.db["outcome_category"] is not None:
        return row.db["outcome_category"] + 1  # 1-based, as in the CSV import
    return row.db["outcome_numeric"]


def outcome_column() -> Column[Row]:
    """The outcome a stored score was scored against (a field of ForecastScore)."""
    return Column(
        "outcome",
        ColumnType.NUMBER,
        "Outcome scored against",
        "The outcome the forecast was scored against: 1 (yes) or 0 (no); the option "
        "number from 1 (multiple choice, ordered); or the number (numeric)",
        _scored_outcome,
        reads=("outcome_binary", "outcome_category", "outcome_numeric"),
    )


# --- the Brier score, one column per scale -------------------------------------------


def brier_columns() -> list[Column[Row]]:
    """The Brier score in two columns, one per scale, as stored, so a column never mixes
    scales: a yes/no question's Brier runs 0-1 and a multi-category one's 0-2."""
    return [
        Column(
            "brier",
            ColumnType.NUMBER,
            "Brier score, yes/no questions, 0-1 (lower is better)",
            "Brier score of a yes/no question, (p - y)^2, 0-1 (lower is better); empty for "
            "other kinds (see brier_multi). The primary outcome's score",
            Field("brier"),
        ),
        Column(
            "brier_multi",
            ColumnType.NUMBER,
            "Brier score, multiple choice and ordered, 0-2 (lower is better)",
            "Multi-category Brier score of a multiple choice or ordered question, summed "
            "over the options as the Good Judgment Project reports it, 0-2 (lower is "
            "better; a yes/no question scored this way would score twice brier); empty "
            "for other kinds",
            Field("brier_multi"),
        ),
    ]
