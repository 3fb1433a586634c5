"""Parse and check a participant's answers, one answer shape at a time.

Pure: no database, no Django. A `QuestionSpec` says what a question expects
and which form fields carry its answer; `parse_stage` turns the posted strings
into typed `Answer`s or into `FieldError`s that name the field to fix, in page
order, worded for the person who typed them. A question's kind is looked up in
the registry (`vignettes/kinds.py`), whose answer shape picks the parser here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from casecast.vignettes import kinds
from casecast.vignettes.kinds import AnswerShape

QUANTILES = "quantiles"
INTERVAL = "interval"

RATIONALE_MAX_CHARS = 2000
CONFIDENCE_LEVELS = 5

MESSAGE_NOT_CERTAIN = (
    "Enter a whole number between 1 and 99. No case is completely certain, "
    "so 0% and 100% are not allowed."
)
MESSAGE_WHOLE_NUMBER = "Enter the percentage as a whole number, like 30"

# A choice answer's two fields, "<prefix>-decision" and "<prefix>-confidence" (saved drafts
# are keyed by these names, so they stay as they are).
CHOICE_PART = "decision"
CONFIDENCE_PART = "confidence"

# Numeric answer parts: (field suffix, how the field is named in messages).
QUANTILE_PARTS = (("p5", "low estimate"), ("p50", "middle estimate"), ("p95", "high estimate"))
INTERVAL_PARTS = (("lower", "lower bound"), ("upper", "upper bound"))

_PERCENT = re.compile(r"^\s*(-?\d+)\s*%?\s*$")
_NUMBER_JUNK = re.compile(r"[\s,£%]")
_PLAIN_NUMBER = re.compile(r"^(\d+\.?\d*|\.\d+)$")


@dataclass(frozen=True)
class QuestionSpec:
    """What one question expects. `prefix` names its form fields (e.g. "q12")."""

    prefix: str
    kind: str
    options: tuple[str, ...] = ()
    numeric_format: str = QUANTILES
    interval_confidence: int | None = None
    required: bool = True
    max_chars: int = RATIONALE_MAX_CHARS


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass(frozen=True)
class Answer:
    """A checked answer, shaped like a `Forecast` row."""

    prefix: str
    probability_pct: int | None = None
    probabilities_pct: tuple[int, ...] | None = None
    lower: float | None = None
    median: float | None = None
    upper: float | None = None
    interval_confidence: int | None = None
    decision: int | None = None
    decision_confidence: int | None = None
    rationale: str = ""


@dataclass
class ParsedStage:
    answers: list[Answer] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors


# --- field names -----------------------------------------------------------


def option_field(spec: QuestionSpec, index: int) -> str:
    return f"{spec.prefix}-{index}"


def part_field(spec: QuestionSpec, part: str) -> str:
    return f"{spec.prefix}-{part}"


def numeric_parts(spec: QuestionSpec) -> tuple[tuple[str, str], ...]:
    return INTERVAL_PARTS if spec.numeric_format == INTERVAL else QUANTILE_PARTS


def answer_shape(spec: QuestionSpec) -> AnswerShape:
    return kinds.get(spec.kind).answer


def field_names(spec: QuestionSpec) -> list[str]:
    """Every form field that carries this question's answer, in page order."""
    shape = answer_shape(spec)
    if shape == AnswerShape.DISTRIBUTION:
        return [option_field(spec, i) for i in range(len(spec.options))]
    if shape == AnswerShape.QUANTITY:
        return [part_field(spec, part) for part, _ in numeric_parts(spec)]
    if shape == AnswerShape.CHOICE:
        return [part_field(spec, CHOICE_PART), part_field(spec, CONFIDENCE_PART)]
    return [spec.prefix]


# --- single values ---------------------------------------------------------


def parse_percentage(raw: str, *, missing: str) -> int | str:
    """A whole percentage from 1 to 99, or the message explaining what is wrong."""
    if not raw.strip():
        return missing
    match = _PERCENT.match(raw)
    if match is None:
        return MESSAGE_WHOLE_NUMBER
    value = int(match.group(1))
    if not 1 <= value <= 99:
        return MESSAGE_NOT_CERTAIN
    return value


def parse_number(raw: str, *, name: str) -> float | str:
    """A number of 0 or more written out ("1,200", "3.5", "12 %" are fine), or a message.

    Numeric questions ask how many or how much (school sessions, missing episodes,
    days), so a negative answer is a slip, not a forecast. Python's float() also reads
    "1e3", "inf" and "nan"; nobody means those, so only plain decimals are accepted.
    """
    cleaned = _NUMBER_JUNK.sub("", raw)
    if not cleaned:
        return f"Enter the {name}"
    if cleaned.startswith("-") and _PLAIN_NUMBER.match(cleaned[1:]):
        return f"Enter the {name} as 0 or more"
    if not _PLAIN_NUMBER.match(cleaned):
        return f"Enter the {name} as a number, like 12"
    value = float(cleaned)
    if not math.isfinite(value):  # hundreds of digits overflow to infinity
        return f"Enter the {name} as a number, like 12"
    return value


def parse_choice(raw: str, *, count: int) -> int | None:
    """An index into `count` options (0-based), or None."""
    if not raw.strip().isdigit():
        return None
    value = int(raw)
    return value if 0 <= value < count else None


# --- one question per answer shape ---------------------------------------------


def _probability(spec: QuestionSpec, data: Mapping[str, str]) -> Answer | list[FieldError]:
    value = parse_percentage(data.get(spec.prefix, ""), missing="Enter a percentage from 1 to 99")
    if isinstance(value, str):
        return [FieldError(spec.prefix, value)]
    return Answer(spec.prefix, probability_pct=value)


def _distribution(spec: QuestionSpec, data: Mapping[str, str]) -> Answer | list[FieldError]:
    errors: list[FieldError] = []
    values: list[int] = []
    for index, option in enumerate(spec.options):
        name = option_field(spec, index)
        value = parse_percentage(data.get(name, ""), missing=f"Enter a percentage for {option}")
        if isinstance(value, str):
            errors.append(FieldError(name, value))
        else:
            values.append(value)
    if errors:
        return errors
    total = sum(values)
    if total != 100:
        # About the question as a whole, not one option: named by the question's prefix.
        message = f"The percentages add up to {total}%. Change them so they add up to 100%."
        return [FieldError(spec.prefix, message)]
    return Answer(spec.prefix, probabilities_pct=tuple(values))


def _numeric(spec: QuestionSpec, data: Mapping[str, str]) -> Answer | list[FieldError]:
    parts = numeric_parts(spec)
    errors: list[FieldError] = []
    values: list[float] = []
    for part, name in parts:
        value = parse_number(data.get(part_field(spec, part), ""), name=name)
        if isinstance(value, str):
            errors.append(FieldError(part_field(spec, part), value))
        else:
            values.append(value)
    if errors:
        return errors
    # Quantiles may repeat (0, 0, 3 sessions missed is a fair answer for a count) but never
    # go down; an interval's upper bound must be above its lower bound. Each number is
    # checked against the highest one before it, and the message names that one.
    interval = spec.numeric_format == INTERVAL
    highest = 0
    for index in range(1, len(parts)):
        part, name = parts[index]
        floor_name, floor = parts[highest][1], values[highest]
        if interval and values[index] <= floor:
            message = f"The {name} must be more than the {floor_name}"
        elif values[index] < floor:
            message = f"The {name} must be the same as or more than the {floor_name}"
        else:
            highest = index
            continue
        errors.append(FieldError(part_field(spec, part), message))
    if errors:
        return errors
    if interval:
        return Answer(
            spec.prefix,
            lower=values[0],
            upper=values[1],
            interval_confidence=spec.interval_confidence,
        )
    return Answer(spec.prefix, lower=values[0], median=values[1], upper=values[2])


def _choice(spec: QuestionSpec, data: Mapping[str, str]) -> Answer | list[FieldError]:
    decision = parse_choice(data.get(part_field(spec, CHOICE_PART), ""), count=len(spec.options))
    confidence = parse_choice(
        data.get(part_field(spec, CONFIDENCE_PART), ""), count=CONFIDENCE_LEVELS + 1
    )
    errors = []
    if decision is None:
        errors.append(
            FieldError(part_field(spec, CHOICE_PART), "Select the decision you would take")
        )
    if confidence is None or confidence == 0:
        message = "Select how confident you are in this decision"
        errors.append(FieldError(part_field(spec, CONFIDENCE_PART), message))
    if errors:
        return errors
    return Answer(spec.prefix, decision=decision, decision_confidence=confidence)


def _text(spec: QuestionSpec, data: Mapping[str, str]) -> Answer | list[FieldError]:
    text = data.get(spec.prefix, "").strip().replace("\r\n", "\n")
    if not text:
        return [FieldError(spec.prefix, "Explain your reasoning")]
    if len(text) > spec.max_chars:
        message = f"Your reasoning must be {spec.max_chars:,} characters or fewer"
        return [FieldError(spec.prefix, message)]
    return Answer(spec.prefix, rationale=text)


_PARSERS = {
    AnswerShape.PROBABILITY: _probability,
    AnswerShape.DISTRIBUTION: _distribution,
    AnswerShape.QUANTITY: _numeric,
    AnswerShape.CHOICE: _choice,
    AnswerShape.TEXT: _text,
}


def is_blank(spec: QuestionSpec, data: Mapping[str, str]) -> bool:
    return all(not data.get(name, "").strip() for name in field_names(spec))


def parse_answer(spec: QuestionSpec, data: Mapping[str, str]) -> Answer | list[FieldError] | None:
    """The typed answer, the errors to show, or None for a skipped optional question."""
    if not spec.required and is_blank(spec, data):
        return None
    return _PARSERS[answer_shape(spec)](spec, data)


def parse_stage(specs: Sequence[QuestionSpec], data: Mapping[str, str]) -> ParsedStage:
    parsed = ParsedStage()
    for spec in specs:
        result = parse_answer(spec, data)
        if isinstance(result, list):
            parsed.errors.extend(result)
        elif result is not None:
            parsed.answers.append(result)
    return parsed
