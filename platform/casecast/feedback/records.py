"""A participant's track record and standing among peers: the figures and their reading.

`feedback.selectors` computes them; the templates show `sentences` and
`numbers`, written here in plain English.
"""

from __future__ import annotations

from dataclasses import dataclass

from casecast.feedback.calibration import MIN_FORECASTS, CalibrationChart

MIN_PEERS = 4


@dataclass(frozen=True)
class TrackRecord:
    n: int
    brier: float | None
    reliability: float | None
    resolution: float | None
    auc: float | None
    mean_forecast: float | None
    event_rate: float | None
    chart: CalibrationChart

    @property
    def enough(self) -> bool:
        return self.n >= MIN_FORECASTS

    @property
    def sentences(self) -> list[str]:
        return track_record_sentences(self) if self.enough else []

    @property
    def numbers(self) -> list[Number]:
        return track_record_numbers(self) if self.enough else []


@dataclass(frozen=True)
class Standing:
    n_questions: int
    n_peers: int
    relative_brier: float | None
    better_than_pct: int | None

    @property
    def enough(self) -> bool:
        return self.n_questions > 0 and self.n_peers >= MIN_PEERS

    @property
    def sentences(self) -> list[str]:
        return standing_sentences(self) if self.enough else []


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
