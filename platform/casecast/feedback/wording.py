"""Plain-English feedback: what a participant said, what happened, and what scores mean."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from casecast.forecasts.models import Forecast
from casecast.resolution.models import ForecastScore
from casecast.resolution.outcomes import Outcome, outcome_label
from casecast.vignettes.kinds import AnswerShape, Scoring
from casecast.vignettes.models import Question

if TYPE_CHECKING:
    from casecast.feedback.selectors import Standing, TrackRecord


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
        return score.brier, "Scores run from 0, perfect, to 2."
    if rules == Scoring.ORDERED_CATEGORIES:
        return score.rps, "Scores run from 0, perfect, to 1, and are lower when you were close."
    value = score.crps if forecast.median is not None else score.interval_score
    if value is None:
        value = score.interval_score if score.crps is None else score.crps
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


def _calibration_sentence(record: TrackRecord) -> str:
    assert record.reliability is not None and record.mean_forecast is not None
    assert record.event_rate is not None
    if record.reliability < 0.01:
        verdict = (
            "You are well calibrated: your percentages closely match how often things happened."
        )
    elif record.reliability < 0.04:
        verdict = (
            "You are fairly well calibrated: your percentages match how often things "
            "happened, with room to improve."
        )
    else:
        verdict = "Your percentages do not match how often things happened very well yet."
    said, happened = round(100 * record.mean_forecast), round(100 * record.event_rate)
    if said > happened + 5:
        lean = (
            f" On average you said {said}% and things happened {happened}% of the time: "
            "you tend to over-estimate how likely things are."
        )
    elif said < happened - 5:
        lean = (
            f" On average you said {said}% and things happened {happened}% of the time: "
            "you tend to under-estimate how likely things are."
        )
    else:
        lean = f" On average you said {said}% and things happened {happened}% of the time."
    return f"{verdict}{lean}"


def _resolution_sentence(record: TrackRecord) -> str:
    if record.auc is None:
        return (
            "We cannot yet tell how well you tell likely from unlikely cases, because so far "
            "the outcomes were all the same."
        )
    auc = record.auc
    if auc >= 0.8:
        verdict = "very well"
    elif auc >= 0.7:
        verdict = "well"
    elif auc >= 0.6:
        verdict = "a little better than chance"
    else:
        verdict = "about as well as chance"
    return (
        f"You tell likely from unlikely cases {verdict}: taking one case where the event "
        "happened and one where it did not, you gave the higher percentage to the one where "
        f"it happened {round(100 * auc)}% of the time (50% is chance, 100% is perfect)."
    )


def track_record_sentences(record: TrackRecord) -> list[str]:
    """The plain-English findings; the statistics behind them are in `track_record_numbers`."""
    assert record.brier is not None
    return [
        f"Your overall score is {record.brier:.2f}. Scores run from 0, perfect, to 1; always "
        "saying 50% would score 0.25.",
        _calibration_sentence(record),
        _resolution_sentence(record),
    ]


@dataclass(frozen=True)
class Number:
    """A statistic behind the track record: its name, value and what it means."""

    name: str
    value: str
    meaning: str


def track_record_numbers(record: TrackRecord) -> list[Number]:
    """The statistics the sentences come from, each explained in plain English."""
    assert record.brier is not None
    numbers = [
        Number(
            "Brier score",
            f"{record.brier:.2f}",
            "Your overall score. For each forecast, the gap between what you said (as a "
            "proportion, so 70% is 0.7) and what happened (1 if it happened, 0 if not) is "
            "squared, and the results are averaged. 0 is perfect and 1 is the worst; always "
            "saying 50% would score 0.25.",
        )
    ]
    if record.reliability is not None:
        numbers.append(
            Number(
                "Reliability",
                f"{record.reliability:.3f}",
                "How far your percentages are from how often things happened, group by group "
                "as in the chart. 0 is perfect; lower is better.",
            )
        )
    if record.resolution is not None:
        numbers.append(
            Number(
                "Resolution",
                f"{record.resolution:.3f}",
                "How much the share of cases where it happened differs from one group of your "
                "percentages to another, compared with how often it happened overall. Higher "
                "is better; 0 means every group turned out the same as the overall rate.",
            )
        )
    if record.auc is not None:
        numbers.append(
            Number(
                "AUC",
                f"{record.auc:.2f}",
                "The chance that, for one case where the event happened and one where it did "
                "not, you gave the higher percentage to the one where it happened. 0.5 is "
                "chance and 1 is perfect.",
            )
        )
    return numbers


def standing_sentences(standing: Standing) -> list[str]:
    assert standing.relative_brier is not None and standing.better_than_pct is not None
    relative = standing.relative_brier
    if relative < -0.005:
        compared = "better than"
    elif relative > 0.005:
        compared = "not as good as"
    else:
        compared = "about the same as"
    tenths = round(standing.better_than_pct / 10)
    return [
        f"On the {standing.n_questions} questions you have feedback on, your forecasts were "
        f"{compared} the typical participant's.",
        f"You did better than about {tenths} in 10 of the {standing.n_peers} other participants "
        "who answered the same questions.",
        f"Your relative Brier score is {relative:+.3f}: your score minus the typical (median) "
        "score on each question, averaged. Below 0 is better than typical.",
    ]
