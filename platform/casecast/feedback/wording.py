"""Plain-English feedback: what a participant said, what happened, and what scores mean."""

from __future__ import annotations

from typing import TYPE_CHECKING

from casecast.forecasts.models import Forecast
from casecast.resolution.models import ForecastScore
from casecast.resolution.outcomes import Outcome, outcome_label
from casecast.vignettes.models import Question

if TYPE_CHECKING:
    from casecast.feedback.selectors import Standing, TrackRecord

Kind = Question.Kind

NOT_YET = "We will show you what happened, and your score, when the outcome can be shared."
NEVER_SHOWN = "Outcomes are not shared in this study, so there is no score to show."
SCORING = "Your score is being calculated. This usually takes a few seconds."


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def answer_text(*, question: Question, forecast: Forecast) -> str:
    """What the participant said, in their own terms."""
    if question.kind == Kind.BINARY and forecast.probability_pct is not None:
        return f"You said {forecast.probability_pct}%."
    if question.kind in (Kind.MULTIPLE_CHOICE, Kind.ORDERED) and forecast.probabilities_pct:
        options = list(question.options or [])
        parts = [
            f"{label} {pct}%"
            for label, pct in zip(options, forecast.probabilities_pct, strict=False)
        ]
        return "You said: " + "; ".join(parts) + "."
    if question.kind == Kind.NUMERIC:
        unit = f" {question.unit}" if question.unit else ""
        if forecast.median is not None:
            return (
                f"Your middle estimate was {_number(forecast.median)}{unit} "
                f"(90% range {_number(forecast.lower)} to {_number(forecast.upper)})."
            )
        return (
            f"You said {_number(forecast.lower)} to {_number(forecast.upper)}{unit}, "
            f"{forecast.interval_confidence}% sure."
        )
    return ""


def outcome_text(*, question: Question) -> str:
    outcome = Outcome.of(question)
    if outcome is None:
        return ""
    if outcome.binary is not None:
        return "It happened." if outcome.binary else "It did not happen."
    unit = f" {question.unit}" if question.unit and outcome.numeric is not None else ""
    return f"What happened: {outcome_label(question=question, outcome=outcome)}{unit}."


def _score_value(question: Question, score: ForecastScore) -> tuple[float | None, str]:
    """The score shown for a kind, and how to read it."""
    if question.kind == Kind.BINARY:
        return score.brier, "Scores run from 0, perfect, to 1."
    if question.kind == Kind.MULTIPLE_CHOICE:
        return score.brier, "Scores run from 0, perfect, to 2."
    if question.kind == Kind.ORDERED:
        return score.rps, "Scores run from 0, perfect, to 1, and are lower when you were close."
    value = score.crps if score.crps is not None else score.interval_score
    unit = f" {question.unit}" if question.unit else ""
    return (
        value,
        f"0 is perfect; the score grows, in{unit or ' the same units'}, the further off you were.",
    )


def score_text(*, question: Question, forecast: Forecast, score: ForecastScore) -> str:
    value, reading = _score_value(question, score)
    if value is None:
        return "This answer has no score."
    return f"Your score: {value:.2f}. {reading}"


def _calibration_sentence(record: TrackRecord) -> str:
    assert record.reliability is not None and record.mean_forecast is not None
    assert record.event_rate is not None
    if record.reliability < 0.01:
        verdict = (
            "You are well calibrated: your percentages closely match how often things happened."
        )
    elif record.reliability < 0.04:
        verdict = "You are fairly well calibrated, with room to improve."
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
    return f"Calibration (reliability {record.reliability:.3f}; 0 is perfect). {verdict}{lean}"


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
    resolution = f"resolution {record.resolution:.3f}; " if record.resolution is not None else ""
    return (
        f"Telling likely from unlikely cases ({resolution}AUC {auc:.2f}). You do this "
        f"{verdict}: taking one case where the event happened and one where it did not, "
        f"you gave the higher forecast to the right one {round(100 * auc)}% of the time "
        "(50% is chance, 100% is perfect)."
    )


def track_record_sentences(record: TrackRecord) -> list[str]:
    assert record.brier is not None
    return [
        f"Your Brier score is {record.brier:.2f}. Scores run from 0, perfect, to 1; always "
        "saying 50% would score 0.25.",
        _calibration_sentence(record),
        _resolution_sentence(record),
    ]


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
