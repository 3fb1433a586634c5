"""Question kinds: the one registry.

Every kind a question can have (binary, multiple choice, …) is declared here,
once, as a `QuestionKind`: its label, how a participant answers it (and so
which form fields, parser and `Forecast` columns it uses), which scoring rules
score it, what its outcome looks like, which extra fields it takes in a bank
file, and which template draws it. Everything else — the model's choices,
answer parsing, bank import and export, the scoring pipeline and the stage
template — looks a kind up here instead of naming it.

Pure Python: no Django, no other app, so every layer may import it. The
behaviour behind a shape (how a `PROBABILITY` answer is parsed, how `EVENT`
rules score) lives with the code that does it and is looked up by shape; a new
kind that reuses existing shapes is one `register(...)` call. See
docs/architecture.md, "Question kinds: the registry".
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class AnswerShape(enum.Enum):
    """What a participant gives; `forecasts/answers.py` has one parser per shape."""

    PROBABILITY = "probability"  # one whole percentage, 1–99
    DISTRIBUTION = "distribution"  # a percentage per option, adding up to 100
    QUANTITY = "quantity"  # three quantiles, or an interval with its confidence
    CHOICE = "choice"  # one option, and confidence in it on a 1–5 scale
    TEXT = "text"  # free text


# The `Forecast` columns that hold each shape's answer (the rest stay empty).
ANSWER_COLUMNS: dict[AnswerShape, tuple[str, ...]] = {
    AnswerShape.PROBABILITY: ("probability_pct",),
    AnswerShape.DISTRIBUTION: ("probabilities_pct",),
    AnswerShape.QUANTITY: ("lower", "median", "upper", "interval_confidence"),
    AnswerShape.CHOICE: ("decision", "decision_confidence"),
    AnswerShape.TEXT: ("rationale",),
}


class Scoring(enum.Enum):
    """Which rules of `casecast.scoring` score a kind (see docs/scoring.md)."""

    EVENT = "event"  # Brier, log and spherical scores of one probability
    CATEGORIES = "categories"  # multi-category Brier, log and spherical scores
    ORDERED_CATEGORIES = "ordered_categories"  # multi-category Brier and the RPS
    QUANTITY = "quantity"  # weighted interval score of quantiles, interval score


class Outcome(enum.Enum):
    """What a resolved question's outcome is, and the `Question.outcome_*` field holding it."""

    YES_NO = "outcome_binary"
    OPTION = "outcome_category"  # an index into the question's options
    NUMBER = "outcome_numeric"


# Bank-file fields a kind may take beyond the common ones (key, kind, text, …). The checks
# behind each field live in `bank_schema.py` and apply to any kind that lists the field.
OPTIONS = "options"
EARLIER = "earlier"
RELATES_TO = "relates_to"
BASE_RATE_FIELDS = frozenset({"base_rate", "base_rate_note"})
NUMERIC_FIELDS = frozenset({"numeric_format", "interval_confidence", "unit"})
CONFIDENCE_SCALE = "confidence_scale"

DEFAULT_DECISIONS = (
    "No further action",
    "Early help",
    "Child in need plan",
    "Child protection plan",
    "Care proceedings",
)


@dataclass(frozen=True)
class QuestionKind:
    """One kind of question, declared once.

    `value` is what `Question.kind` stores (and a bank file's `kind:` says);
    never change it once stored. A kind with `scoring` is a forecast: it is
    resolved, scored and shown in feedback; one without is only recorded.
    """

    value: str
    label: str
    answer: AnswerShape
    bank_fields: frozenset[str]
    # The partial that draws the question on a stage page (under forecasts/templates/).
    template: str
    scoring: Scoring | None = None
    outcome: Outcome | None = None
    # Options offered when a bank file lists none (empty: options are required).
    default_options: tuple[str, ...] = ()
    # A question of this kind must name the forecast it follows from.
    needs_relates_to: bool = False
    # On-page help for participants (also listed in docs/participant-journey.md). A
    # QUANTITY answer's help depends on its numeric format and lives with the page.
    hint: str = ""
    # How the value is glossed where exports describe it, e.g. "yes/no".
    export_note: str = ""

    @property
    def is_forecast(self) -> bool:
        return self.scoring is not None

    @property
    def takes_options(self) -> bool:
        return OPTIONS in self.bank_fields

    @property
    def takes_number_format(self) -> bool:
        return self.bank_fields >= NUMERIC_FIELDS

    @property
    def takes_confidence_scale(self) -> bool:
        return CONFIDENCE_SCALE in self.bank_fields

    @property
    def has_outcome(self) -> bool:
        return self.outcome is not None

    @property
    def answer_columns(self) -> tuple[str, ...]:
        """The `Forecast` (and forecasts.csv) columns an answer of this kind fills."""
        return ANSWER_COLUMNS[self.answer]

    @property
    def choice(self) -> tuple[str, str]:
        return self.value, self.label


class UnknownKind(KeyError):
    """A kind name that no `QuestionKind` is registered under."""


_REGISTRY: dict[str, QuestionKind] = {}


def register(kind: QuestionKind) -> QuestionKind:
    """Add a kind; registration order is the order kinds are listed everywhere."""
    if kind.value in _REGISTRY:
        raise ValueError(f"a question kind {kind.value!r} is already registered")
    _REGISTRY[kind.value] = kind
    return kind


def unregister(value: str) -> None:
    """Remove a kind (for tests that register a toy kind)."""
    _REGISTRY.pop(value, None)


def get(value: str) -> QuestionKind:
    try:
        return _REGISTRY[value]
    except KeyError:
        raise UnknownKind(value) from None


def find(value: object) -> QuestionKind | None:
    """The kind named `value`, or None for anything else (a typo in a file, a non-string)."""
    return _REGISTRY.get(value) if isinstance(value, str) else None


def registered() -> tuple[QuestionKind, ...]:
    return tuple(_REGISTRY.values())


def values() -> list[str]:
    return list(_REGISTRY)


def choices() -> list[tuple[str, str]]:
    return [kind.choice for kind in _REGISTRY.values()]


def forecast_values() -> list[str]:
    """Kinds that are forecasts: resolved, scored and fed back."""
    return [kind.value for kind in _REGISTRY.values() if kind.is_forecast]


def other_values() -> list[str]:
    """Kinds that are only recorded, not scored (a decision, a rationale)."""
    return [kind.value for kind in _REGISTRY.values() if not kind.is_forecast]


def values_with_outcome() -> list[str]:
    """Kinds whose questions can carry an outcome (forecasts, and decisions: the one taken)."""
    return [kind.value for kind in _REGISTRY.values() if kind.has_outcome]


def values_scored_by(*rules: Scoring) -> list[str]:
    return [kind.value for kind in _REGISTRY.values() if kind.scoring in rules]


def values_answered_as(*shapes: AnswerShape) -> list[str]:
    return [kind.value for kind in _REGISTRY.values() if kind.answer in shapes]


def describe(kinds: Iterable[QuestionKind]) -> str:
    """'binary (yes/no), multiple_choice, ordered or numeric', for data dictionaries."""
    names = [f"{k.value} ({k.export_note})" if k.export_note else k.value for k in kinds]
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} or {names[-1]}"


def _template(name: str) -> str:
    return f"forecasts/includes/question_{name}.html"


_FORECAST_FIELDS = frozenset({EARLIER})

BINARY = register(
    QuestionKind(
        value="binary",
        label="Probability of an event",
        answer=AnswerShape.PROBABILITY,
        bank_fields=_FORECAST_FIELDS | BASE_RATE_FIELDS,
        template=_template("binary"),
        hint=(
            "Enter a whole number from 1 to 99. For example, 30 means it would happen "
            "in about 3 out of 10 cases like this."
        ),
        scoring=Scoring.EVENT,
        outcome=Outcome.YES_NO,
        export_note="yes/no",
    )
)
MULTIPLE_CHOICE = register(
    QuestionKind(
        value="multiple_choice",
        label="Probabilities over options",
        answer=AnswerShape.DISTRIBUTION,
        bank_fields=_FORECAST_FIELDS | {OPTIONS},
        template=_template("distribution"),
        hint=(
            "Give each option a percentage. They must add up to 100%. Use whole numbers "
            "from 1 to 99."
        ),
        scoring=Scoring.CATEGORIES,
        outcome=Outcome.OPTION,
    )
)
ORDERED = register(
    QuestionKind(
        value="ordered",
        label="Probabilities over ordered categories",
        answer=AnswerShape.DISTRIBUTION,
        bank_fields=_FORECAST_FIELDS | {OPTIONS},
        template=_template("distribution"),
        hint=(
            "The options are in order. Give each one a percentage. They must add up to 100%. "
            "Use whole numbers from 1 to 99."
        ),
        scoring=Scoring.ORDERED_CATEGORIES,
        outcome=Outcome.OPTION,
    )
)
NUMERIC = register(
    QuestionKind(
        value="numeric",
        label="A number (percentiles or interval)",
        answer=AnswerShape.QUANTITY,
        bank_fields=_FORECAST_FIELDS | NUMERIC_FIELDS,
        template=_template("numeric"),
        scoring=Scoring.QUANTITY,
        outcome=Outcome.NUMBER,
    )
)
DECISION = register(
    QuestionKind(
        value="decision",
        label="Decision and confidence",
        answer=AnswerShape.CHOICE,
        bank_fields=_FORECAST_FIELDS | {OPTIONS, RELATES_TO, CONFIDENCE_SCALE},
        template=_template("decision"),
        hint="Choose the decision you would take if this were your case.",
        # Not scored, but a bank file may record which option was taken in the real case.
        outcome=Outcome.OPTION,
        default_options=DEFAULT_DECISIONS,
        needs_relates_to=True,
    )
)
RATIONALE = register(
    QuestionKind(
        value="rationale",
        label="Free-text reasoning",
        answer=AnswerShape.TEXT,
        bank_fields=frozenset({RELATES_TO}),
        template=_template("rationale"),
        hint="A few sentences are enough.",
        export_note="free-text reasoning",
    )
)
