"""Everything the exports know about question kinds, in one place.

Which kinds each file holds and how the `kind` column describes them, the columns holding
an answer of each kind (a probability, one per option, percentiles or an interval, a
decision, reasoning text), and how a scored outcome is written. When question kinds are
declared in one registry (vignettes/kinds.py), this module is the one to point at it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from casecast.resolution.exports.columns import Column, ColumnType, Field, Row, number_cell
from casecast.studies.models import Study
from casecast.vignettes.models import DEFAULT_DECISIONS, Question

Kind = Question.Kind

# The kinds each file holds, in the order the dictionary lists them.
SCORED_KINDS: tuple[str, ...] = (Kind.BINARY, Kind.MULTIPLE_CHOICE, Kind.ORDERED, Kind.NUMERIC)
ANSWERED_KINDS: tuple[str, ...] = tuple(Kind.values)
# How the dictionary glosses a kind whose key does not explain itself.
_GLOSS: dict[str, str] = {Kind.BINARY: "yes/no", Kind.RATIONALE: "free-text reasoning"}


def kind_column(*, kinds: Sequence[str], read: str) -> Column[Row]:
    """The question's kind, e.g. "binary (yes/no), multiple_choice, ordered or numeric"."""
    named = [f"{kind} ({_GLOSS[kind]})" if kind in _GLOSS else kind for kind in kinds]
    return Column(
        "kind",
        ColumnType.TEXT,
        "Question kind",
        f"{', '.join(named[:-1])} or {named[-1]}",
        Field(read),
        value_labels=tuple((kind, Kind(kind).label) for kind in kinds),
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


def answer_columns(*, forecast: str) -> list[Column[Row]]:
    """The forecast itself, one column per part of an answer of any scored kind. `forecast`
    is the path from the query's model to the Forecast ("" when it is the Forecast)."""
    return [
        Column(
            "probability",
            ColumnType.NUMBER,
            "Probability of yes (yes/no question)",
            "Yes/no question: forecast probability of yes, 0-1",
            Field(f"{forecast}probability_pct", probability),
        ),
        Column(
            "probabilities",
            ColumnType.TEXT,
            "Probability of each option, ;-separated",
            "Multiple choice or ordered question: the probability of each option, 0-1, "
            "in the question's option order (option 1 first), separated by ';', e.g. "
            "0.2;0.5;0.3. The number of options is fixed per question. R: "
            "strsplit(x, ';'); Stata: split probabilities, parse(;) destring",
            Field(f"{forecast}probabilities_pct", probabilities),
        ),
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
    """Question id -> option labels of every decision question in the study (one query)."""
    return {
        pk: [str(o) for o in options] or list(DEFAULT_DECISIONS)
        for pk, options in Question.objects.filter(
            version__vignette__study=study, kind=Kind.DECISION
        ).values_list("pk", "options")
    }


def decision_columns(labels: dict[int, list[str]]) -> list[Column[Row]]:
    """A decision (the option, numbered from 1, and its label) and the confidence in it.
    `labels` are the study's decision options by question id (`decision_labels`)."""

    def label(row: Row) -> str | None:
        decision = row.db["decision"]
        options = labels.get(row.db["question_id"], [])
        return options[decision] if decision is not None and decision < len(options) else None

    return [
        Column(
            "decision",
            ColumnType.INTEGER,
            "Decision: option number (1 = first)",
            "Decision question: the option chosen, numbered from 1 in the question's order",
            Field("decision", _one_based),
        ),
        Column(
            "decision_label",
            ColumnType.TEXT,
            "Decision: option label",
            "Decision question: the label of that option",
            label,
            reads=("decision", "question_id"),
        ),
        Column(
            "decision_confidence",
            ColumnType.INTEGER,
            "Decision: confidence, 1-5",
            "Decision question: confidence in the decision, 1 (not at all confident) to 5 "
            "(completely confident)",
            Field("decision_confidence"),
        ),
    ]


def rationale_column() -> Column[Row]:
    return Column(
        "rationale",
        ColumnType.TEXT,
        "Reasoning (free text)",
        "Reasoning the participant typed, as written (may contain line breaks; a "
        "leading ' is added to text starting with = + - or @ so spreadsheets do not "
        "treat it as a formula). Free text can contain identifying details: read it "
        "before sharing the file",
        Field("rationale"),
        free_text=True,
    )


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
