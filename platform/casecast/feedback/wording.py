"""Plain-English feedback: what a participant said, what happened, and what scores mean."""

from __future__ import annotations

from dataclasses import dataclass

from casecast.forecasts.models import Forecast
from casecast.resolution.models import ForecastScore
from casecast.resolution.outcomes import Outcome, outcome_label
from casecast.vignettes.kinds import AnswerShape, Scoring
from casecast.vignettes.models import Question

NOT_YET = "We will show you what happened, and your score, when the outcome can be shared."
NEVER_SHOWN = "Outcomes are not shared in this study, so there is no score to show."
SCORING = "Your score is being calculated. This usually takes a few seconds."


def _number(value: float | None) -> str:
    """A number as people write it: "18", "2.6", "1,200"; at most two decimal places."""
    if value is None:
        return ""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def sentence_start(text: str) -> str:
    """Capitalise the first letter only, so "very high" reads "Very high" and "CAMHS" stays."""
    return text[:1].upper() + text[1:]


def _with_unit(value: float | None, question: Question) -> str:
    return f"{_number(value)} {question.unit}" if question.unit else _number(value)


def _answer_shape(question: Question) -> AnswerShape | None:
    kind = question.declared_kind
    return kind.answer if kind else None


def _rules(question: Question) -> Scoring | None:
    kind = question.declared_kind
    return kind.scoring if kind else None


def answer_text(*, question: Question, forecast: Forecast) -> str:
    """What the participant said, in their own terms."""
    shape = _answer_shape(question)
    if shape == AnswerShape.PROBABILITY and forecast.probability_pct is not None:
        return f"You said {forecast.probability_pct}%."
    if shape == AnswerShape.DISTRIBUTION and forecast.probabilities_pct:
        options = list(question.options or [])
        parts = [
            f"{label} {pct}%"
            for label, pct in zip(options, forecast.probabilities_pct, strict=False)
        ]
        return "You said: " + "; ".join(parts) + "."
    if shape == AnswerShape.QUANTITY:
        if forecast.median is not None:
            return (
                f"Your middle estimate was {_with_unit(forecast.median, question)} "
                f"(90% range {_number(forecast.lower)} to {_number(forecast.upper)})."
            )
        sure = forecast.interval_confidence or question.interval_confidence
        return f"You said {_number(forecast.lower)} to {_with_unit(forecast.upper, question)}" + (
            f", {sure}% sure." if sure else "."
        )
    return ""


@dataclass(frozen=True)
class _Range:
    """A numeric answer's range and where the outcome fell against it."""

    lower: float
    upper: float
    outcome: float

    @property
    def width(self) -> float:
        return self.upper - self.lower

    @property
    def below(self) -> float:
        return max(self.lower - self.outcome, 0.0)

    @property
    def above(self) -> float:
        return max(self.outcome - self.upper, 0.0)

    @property
    def inside(self) -> bool:
        return self.below == 0 and self.above == 0


def _range(question: Question, forecast: Forecast | None) -> _Range | None:
    outcome = Outcome.of(question)
    if (
        forecast is None
        or outcome is None
        or outcome.numeric is None
        or forecast.lower is None
        or forecast.upper is None
    ):
        return None
    return _Range(forecast.lower, forecast.upper, outcome.numeric)


def _range_sentence(question: Question, span: _Range) -> str:
    range_text = f"your range ({_number(span.lower)} to {_number(span.upper)})"
    if span.inside:
        return f"That is inside {range_text}."
    if span.below:
        return f"That is outside {range_text}: {_with_unit(span.below, question)} below it."
    return f"That is outside {range_text}: {_with_unit(span.above, question)} above it."


def outcome_text(*, question: Question, forecast: Forecast | None = None) -> str:
    """What happened, as the value of a "What happened" row (so not repeating the key)."""
    outcome = Outcome.of(question)
    if outcome is None:
        return ""
    if outcome.binary is not None:
        return "It happened." if outcome.binary else "It did not happen."
    if outcome.numeric is not None:
        text = f"{_with_unit(outcome.numeric, question)}."
        span = _range(question, forecast)
        return f"{text} {_range_sentence(question, span)}" if span is not None else text
    label = outcome_label(question=question, outcome=outcome)
    return f"{sentence_start(label)}." if label else ""


BEST_RANGE = (
    "The best score comes from a range that contains what happened and is as narrow as "
    "you can make it."
)


def _numeric_reading(question: Question, forecast: Forecast, value: float) -> str:
    """What a numeric score means, for this answer, in plain words."""
    span = _range(question, forecast)
    if forecast.median is not None:  # scored from the 5th, 50th and 95th percentiles
        where = ""
        if span is not None:
            where = (
                "What happened was inside your range. "
                if span.inside
                else "What happened was outside your range, which adds to your score. "
            )
        return (
            f"{where}Your score is lower the closer your middle estimate was to what happened, "
            "and lower for a narrower range as long as the range still contains what happened."
        )
    if span is None:
        return BEST_RANGE
    width = _with_unit(span.width, question)
    if span.inside:
        return (
            "What happened was inside your range, so your score is the width of your range: "
            f"{_number(span.upper)} minus {_number(span.lower)} is {width}. A narrower range "
            "that still contained what happened would have scored better."
        )
    missed = _with_unit(span.below or span.above, question)
    penalty = _number(max(value - span.width, 0.0))
    return (
        "What happened was outside your range, so your score is the width of your range "
        f"({width}) plus {penalty} for missing it by {missed}. {BEST_RANGE}"
    )


def _score_value(
    question: Question, forecast: Forecast, score: ForecastScore
) -> tuple[float | None, str]:
    """The score shown for a kind's scoring rules, and how to read it."""
    rules = _rules(question)
    if rules == Scoring.EVENT:
        return score.brier, "Scores run from 0, perfect, to 1."
    if rules == Scoring.CATEGORIES:
        return score.brier_multi, "Scores run from 0, perfect, to 2."
    if rules == Scoring.ORDERED_CATEGORIES:
        return score.rps, "Scores run from 0, perfect, to 1, and are lower when you were close."
    value = score.wis if forecast.median is not None else score.interval_score
    if value is None:
        value = score.interval_score if score.wis is None else score.wis
    if value is None:
        return None, ""
    return value, _numeric_reading(question, forecast, value)


def score_text(*, question: Question, forecast: Forecast, score: ForecastScore) -> str:
    """The score and how to read it, as the value of a "Your score" row."""
    value, reading = _score_value(question, forecast, score)
    if value is None:
        return "This answer has no score."
    if _rules(question) == Scoring.QUANTITY:
        return f"{_number(value)} (lower is better; 0 would be perfect). {reading}"
    return f"{value:.2f}. {reading}"
