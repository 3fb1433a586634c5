"""Outcome values: what a question's outcome is, parsed from text and checked by the
outcome shape its kind declares (vignettes/kinds.py). Forecast kinds are resolvable.

Used by the record/correct forms and by the CSV import, so both give the same
error messages ("'maybe' is not yes/no").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from casecast.vignettes import kinds
from casecast.vignettes.models import Question

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


class OutcomeError(ValueError):
    """A value that is not a valid outcome for the question; the message is for people."""


@dataclass(frozen=True)
class Outcome:
    """Exactly one of the three is set, according to the question's kind."""

    binary: bool | None = None
    category: int | None = None
    numeric: float | None = None

    @classmethod
    def of(cls, question: Question) -> Outcome | None:
        if not question.has_outcome:
            return None
        return cls(question.outcome_binary, question.outcome_category, question.outcome_numeric)

    def as_fields(self) -> dict[str, Any]:
        return {
            "outcome_binary": self.binary,
            "outcome_category": self.category,
            "outcome_numeric": self.numeric,
        }

    def as_json(self) -> dict[str, Any]:
        return {"binary": self.binary, "category": self.category, "numeric": self.numeric}


def resolvable_shape(question: Question) -> kinds.Outcome | None:
    """The shape of the question's outcome, or None if its kind is not resolved."""
    kind = kinds.find(question.kind)
    return kind.outcome if kind is not None and kind.is_forecast else None


def outcome_check(*, question: Question, outcome: Outcome) -> None:
    """Raise OutcomeError unless `outcome` fits the question's kind and options."""
    shape = resolvable_shape(question)
    if shape is None:
        raise OutcomeError(f"a {question.get_kind_display().lower()} question has no outcome")
    if shape == kinds.Outcome.YES_NO:
        if outcome.binary is None or outcome.category is not None or outcome.numeric is not None:
            raise OutcomeError("a yes/no question needs a yes or no outcome")
    elif shape == kinds.Outcome.OPTION:
        options = len(question.options or [])
        if outcome.category is None or outcome.binary is not None or outcome.numeric is not None:
            raise OutcomeError("this question needs one of its options as the outcome")
        if not 0 <= outcome.category < options:
            raise OutcomeError(f"option {outcome.category + 1} does not exist (1 to {options})")
    elif outcome.numeric is None or not math.isfinite(outcome.numeric):
        raise OutcomeError("this question needs a number as the outcome")


def outcome_parse(*, question: Question, text: str) -> Outcome:
    """Parse what a researcher typed: yes/no, an option's label or number, or a number."""
    value = (text or "").strip()
    if not value:
        raise OutcomeError("enter the outcome")
    shape = resolvable_shape(question)
    if shape == kinds.Outcome.YES_NO:
        return _parse_binary(value)
    if shape == kinds.Outcome.OPTION:
        return Outcome(category=_parse_option(value, list(question.options or [])))
    if shape == kinds.Outcome.NUMBER:
        return Outcome(numeric=_parse_number(value))
    raise OutcomeError(f"a {question.get_kind_display().lower()} question has no outcome")


def _parse_binary(value: str) -> Outcome:
    lowered = value.lower()
    if lowered in YES:
        return Outcome(binary=True)
    if lowered in NO:
        return Outcome(binary=False)
    raise OutcomeError(f"'{value}' is not yes/no")


def _parse_option(value: str, options: list[str]) -> int:
    for index, label in enumerate(options):
        if str(label).strip().lower() == value.lower():
            return index
    if value.isdigit() and 1 <= int(value) <= len(options):
        return int(value) - 1
    choices = ", ".join(f"'{label}'" for label in options)
    raise OutcomeError(f"'{value}' is not one of the options ({choices}) or 1 to {len(options)}")


def _parse_number(value: str) -> float:
    try:
        number = float(value.replace(",", ""))
    except ValueError:
        raise OutcomeError(f"'{value}' is not a number") from None
    if not math.isfinite(number):
        raise OutcomeError(f"'{value}' is not a number")
    return number


def date_parse(text: str) -> date:
    """An ISO date (YYYY-MM-DD), as R, Stata and spreadsheets export it."""
    value = (text or "").strip()
    if not value:
        raise OutcomeError("enter the date the outcome became known")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise OutcomeError(f"'{value}' is not a date in the form YYYY-MM-DD") from None


def date_check_not_future(value: date, *, today: date | None = None) -> None:
    """An outcome cannot have become known after today (in the site's time zone)."""
    today = today or timezone.localdate()
    if value > today:
        raise OutcomeError(
            f"'{value.isoformat()}' is after today ({today.isoformat()}): enter the date the "
            "outcome became known, today or earlier"
        )


def outcome_label(*, question: Question, outcome: Outcome | None) -> str:
    """How an outcome reads on a page or in an export."""
    if outcome is None:
        return ""
    if outcome.binary is not None:
        return "yes" if outcome.binary else "no"
    if outcome.category is not None:
        options = list(question.options or [])
        return str(options[outcome.category]) if outcome.category < len(options) else ""
    if outcome.numeric is not None:
        return number_text(outcome.numeric)
    return ""


def number_text(value: float) -> str:
    """A number as typed: 1200, not 1200.0 or 1.2e+03; 3.5 as 3.5."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))
