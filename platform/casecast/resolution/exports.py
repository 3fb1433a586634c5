"""Pseudonymised CSV exports for analysis in R, Stata or SPSS, and their data dictionary.

Three files, joined on `pseudonym` (and scores to forecasts on `forecast_id`):

- `scores.csv`: one row per scored forecast, with every score;
- `forecasts.csv`: one row per submitted answer (updates, decisions with their
  confidence, reasoning text, forecasts not scored yet), with stage timings;
- `participants.csv`: one row per participant: arm, council, status, About-you
  (baseline) answers, dates, and per-phase completion and time spent.

Every export is a generator over **one** query read in chunks (`iterator`), so
neither memory nor the number of queries grows with the number of rows; the
view streams it. Participants who withdrew and did not let their data be used
(or were erased) contribute no forecast or score rows, and only their
trial-process columns in `participants.csv`.

Cells follow the conventions in `CONVENTIONS` (written into the dictionary).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import RowNumber

from casecast.core.csv_safety import formula_neutralise
from casecast.core.pseudonyms import pseudonym
from casecast.forecasts.models import Assignment, Forecast, StageVisit
from casecast.resolution.models import ForecastScore
from casecast.resolution.selectors import after_randomisation_by_phase
from casecast.studies.models import Arm, BaselineQuestion, Participant, Phase, Study
from casecast.studies.selectors import stratum_counts_visible
from casecast.vignettes.models import DEFAULT_DECISIONS, Question

CHUNK = 2000
DECIMALS = 12

# --- cells ---------------------------------------------------------------------------


def number_cell(value: float) -> str:
    """A float rounded to 12 decimal places, in the shortest form that reads back exactly.

    `0.4355999999999999` is written `0.4356`; whole numbers without `.0`; NaN and
    infinities as an empty cell.
    """
    if not math.isfinite(value):
        return ""
    rounded = round(value, DECIMALS)
    if rounded == 0:
        return "0"
    if rounded.is_integer() and abs(rounded) < 1e15:
        return str(int(rounded))
    return repr(rounded)


def time_cell(value: datetime) -> str:
    """UTC, ISO 8601 to the whole second (truncated), with `Z`: `2026-11-26T15:20:42Z`."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return time_cell(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return number_cell(value)
    return str(value)


def text_cell(value: str | None) -> str:
    """Free text typed by a person: line breaks kept (the cell is quoted), and a `'` put
    in front of text starting with = + - or @ so a spreadsheet never runs it as a formula."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return str(formula_neutralise(text))


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


# --- who may be exported ------------------------------------------------------------------


def _analysable(rows: QuerySet[Any]) -> QuerySet[Any]:
    """Rows of participants whose data may be analysed: not erased, and not withdrawn
    without letting their data be kept (the rule the summaries use)."""
    return rows.filter(participant__erased_at__isnull=True).exclude(
        participant__withdrawn_at__isnull=False, participant__keep_data=False
    )


class _Pseudonyms:
    """Pseudonyms of participants and councils, each computed once per export."""

    def __init__(self, study: Study) -> None:
        self.key = study.pseudonym_key
        self._cache: dict[tuple[str, int], str] = {}

    def __call__(self, kind: str, pk: int | None) -> str:
        if pk is None:
            return ""
        slot = (kind, pk)
        if slot not in self._cache:
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[slot] = pseudonym(key=self.key, kind=kind, pk=pk)
        return self._cache[slot]


# --- the data dictionary --------------------------------------------------------------


@dataclass(frozen=True)
class ExportColumn:
    name: str
    type: str
    description: str


SCORES = "scores.csv"
FORECASTS = "forecasts.csv"
PARTICIPANTS = "participants.csv"
ALL_FILES = "all files"

CONVENTIONS: list[tuple[str, str]] = [
    (
        "(format)",
        "UTF-8 CSV without a byte-order mark, comma separated, fields quoted only when "
        "needed, \\n line ends, header row of column names. R: read.csv(file, "
        'encoding = "UTF-8"); Stata: import delimited using file, varnames(1) '
        "encoding(utf-8) bindquote(strict) (bindquote(strict) keeps line breaks inside "
        "quoted reasoning text in one cell); SPSS: GET DATA /TYPE=TXT.",
    ),
    (
        "(empty cell)",
        "An empty cell means missing or not applicable (for example the probability of "
        "a decision, or the score of a forecast whose question has no outcome yet). It "
        'never means zero. In Stata it reads as . for numbers and "" for text.',
    ),
    ("(flags)", "Yes/no columns are 1 or 0."),
    (
        "(times)",
        "Times are UTC in ISO 8601 to the whole second (truncated), ending in Z: "
        '2026-11-26T15:20:42Z. Stata: clock(substr(x, 1, 19), "YMDhms") after '
        'replacing the T with a space, or clock(x, "YMD#hms#"). Dates are YYYY-MM-DD.',
    ),
    (
        "(numbers)",
        "Decimal point, no thousands separators. Computed values (scores, "
        "probabilities) are rounded to 12 decimal places and written in the shortest "
        "form that reads back as that value (0.4356, not 0.4355999999999999); very "
        "small or large values may use exponent notation (1e-05), which R, Stata and "
        "SPSS read.",
    ),
    (
        "(options)",
        "Options are numbered from 1 in the order the question lists them, everywhere "
        "(outcome, decision, the order of probabilities), as in the outcome CSV import.",
    ),
    (
        "(withdrawal)",
        "Participants who withdrew and asked for their data not to be used, or whose "
        "data were erased, have no rows in scores.csv or forecasts.csv; in "
        "participants.csv their row keeps only pseudonym, arm, council, status flags "
        "and dates, with every answer and phase column empty.",
    ),
    (
        "(pseudonym)",
        "HMAC-SHA256 of the participant's id with the study's secret key, in hex: the "
        "same in every export of this study (join the files on it), different in other "
        "studies, and not reversible without the secret. No names or email addresses "
        "are exported.",
    ),
]


def _arm_description(study: Study) -> str:
    arms = sorted(
        Arm.objects.filter(study=study).values_list("key", "name", "is_control", "position"),
        key=lambda arm: (not arm[2], arm[3]),
    )
    labels = "; ".join(
        f"{key} = {name}{' (control)' if control else ''}" for key, name, control, _ in arms
    )
    return (
        "Arm key the participant was randomised to; empty if not randomised, and empty for "
        "everyone until the study closes (allocation concealment). Arms: "
        f"{labels or 'none yet'}"
    )


# Columns that, per participant, would let staff rebuild the allocation sequence while the
# study recruits (as the allocation list would): blank until it closes.
CONCEALED_COLUMNS = ("arm", "randomised_at")


def _concealing(
    rows_for: Callable[..., Iterator[list[str]]],
) -> Callable[..., Iterator[list[str]]]:
    """Blank `CONCEALED_COLUMNS` in an export's rows until the study has closed."""

    @functools.wraps(rows_for)
    def rows(*, study: Study) -> Iterator[list[str]]:
        produced = rows_for(study=study)
        header = next(produced)
        yield header
        if stratum_counts_visible(study=study):
            yield from produced
            return
        blank = [i for i, name in enumerate(header) if name in CONCEALED_COLUMNS]
        for row in produced:
            for i in blank:
                row[i] = ""
            yield row

    return rows


def _phase_description(study: Study) -> str:
    phases = list(study.phases.order_by("position").values_list("position", "name"))
    labels = "; ".join(f"{position} = {name}" for position, name in phases)
    return f"Phase position (1 = first). Phases: {labels or 'none yet'}"


def _primary_description() -> str:
    return (
        "1 if the row enters the primary outcome on the results page: counted = 1, a "
        "yes/no question with a score, after_randomisation = 1 and the participant has "
        "an arm. Each arm's mean primary Brier is the mean over its participants of each "
        "participant's mean brier over their rows with primary = 1"
    )


def _common_columns(study: Study) -> list[ExportColumn]:
    return [
        ExportColumn(
            "forecast_id",
            "integer",
            "Row id of the answer, the same in scores.csv and forecasts.csv (join on it)",
        ),
        ExportColumn("pseudonym", "text", "The participant's pseudonym (see (pseudonym))"),
        ExportColumn("arm", "text", _arm_description(study)),
        ExportColumn(
            "council",
            "text",
            "Pseudonym of the participant's council (cluster): HMAC-SHA256 of "
            "'council:<id>' with the study's key; empty if none",
        ),
        ExportColumn("vignette", "text", "Vignette (case) key"),
        ExportColumn("vignette_version", "integer", "Version of the vignette the participant saw"),
        ExportColumn("phase", "integer", _phase_description(study)),
    ]


def _answer_columns() -> list[ExportColumn]:
    return [
        ExportColumn("probability", "number", "Yes/no question: forecast probability of yes, 0-1"),
        ExportColumn(
            "probabilities",
            "text",
            "Multiple choice or ordered question: the probability of each option, 0-1, "
            "in the question's option order (option 1 first), separated by ';', e.g. "
            "0.2;0.5;0.3. The number of options is fixed per question. R: "
            "strsplit(x, ';'); Stata: split probabilities, parse(;) destring",
        ),
        ExportColumn(
            "lower", "number", "Numeric question: 5th percentile, or the interval's lower bound"
        ),
        ExportColumn("median", "number", "Numeric question: 50th percentile (percentiles only)"),
        ExportColumn(
            "upper", "number", "Numeric question: 95th percentile, or the interval's upper bound"
        ),
        ExportColumn(
            "interval_confidence",
            "integer",
            "Numeric interval: the confidence the participant stated, in percent",
        ),
    ]


def _flag_columns() -> list[ExportColumn]:
    return [
        ExportColumn(
            "is_update",
            "0/1",
            "1 if the question repeats a forecast asked at an earlier stage of the same "
            "case (the participant updates it), else 0",
        ),
        ExportColumn("is_retest", "0/1", "1 if made in a test-retest repeat of a case, else 0"),
        ExportColumn(
            "is_last",
            "0/1",
            "1 if the participant's last answer to the question in this case (latest "
            "submitted_at, ties by the higher forecast_id), else 0",
        ),
        ExportColumn(
            "counted",
            "0/1",
            "is_last = 1 and is_retest = 0: the answer summaries use. Filter on it for "
            "every analysis except updating and test-retest reliability",
        ),
    ]


def score_columns(study: Study) -> list[ExportColumn]:
    common = _common_columns(study)
    return [
        *common,
        ExportColumn(
            "after_randomisation",
            "0/1",
            "1 if made in the phase participants are randomised before or any later phase "
            "(every phase if none randomises), else 0",
        ),
        ExportColumn("question", "text", "Question key (the same in every vignette version)"),
        ExportColumn("stage", "integer", "Stage (part) of the case, 1 = first"),
        ExportColumn("kind", "text", "binary (yes/no), multiple_choice, ordered or numeric"),
        *_flag_columns(),
        ExportColumn("primary", "0/1", _primary_description()),
        ExportColumn("submitted_at", "time", "When the forecast was submitted (UTC)"),
        *_answer_columns(),
        ExportColumn(
            "outcome",
            "number",
            "The outcome the forecast was scored against: 1 (yes) or 0 (no); the option "
            "number from 1 (multiple choice, ordered); or the number (numeric)",
        ),
        ExportColumn(
            "brier",
            "number",
            "Brier score: yes/no 0-1; multiple choice and ordered 0-2 (lower is better)",
        ),
        ExportColumn(
            "log_score", "number", "-ln(probability given to the outcome); lower is better"
        ),
        ExportColumn("spherical", "number", "Spherical score 0-1; higher is better"),
        ExportColumn(
            "rps", "number", "Ranked probability score 0-1, ordered questions; lower is better"
        ),
        ExportColumn(
            "interval_score", "number", "Interval score, in the question's unit; lower is better"
        ),
        ExportColumn(
            "crps",
            "number",
            "CRPS from the three percentiles, in the question's unit; lower is better",
        ),
        ExportColumn("scored_at", "time", "When the score was computed (UTC)"),
    ]


def forecast_columns(study: Study) -> list[ExportColumn]:
    return [
        *_common_columns(study),
        ExportColumn(
            "case_position",
            "integer",
            "Order in which the case was given within the phase, 1 = first",
        ),
        ExportColumn(
            "after_randomisation",
            "0/1",
            "1 if the case's phase is the phase participants are randomised before or "
            "a later one (every phase if none randomises), else 0",
        ),
        ExportColumn("question", "text", "Question key (the same in every vignette version)"),
        ExportColumn("stage", "integer", "Stage (part) of the case, 1 = first"),
        ExportColumn(
            "kind",
            "text",
            "binary (yes/no), multiple_choice, ordered, numeric, decision or rationale "
            "(free-text reasoning)",
        ),
        ExportColumn(
            "earlier_question",
            "text",
            "For an update: key of the question at the earlier stage it updates",
        ),
        *_flag_columns(),
        ExportColumn(
            "scored",
            "0/1",
            "1 if the answer has a score in scores.csv (a forecast whose question has an "
            "outcome and is not annulled), else 0",
        ),
        ExportColumn("primary", "0/1", _primary_description()),
        ExportColumn(
            "stage_viewed_at", "time", "When this stage of the case was first shown (UTC)"
        ),
        ExportColumn("stage_submitted_at", "time", "When this stage was submitted (UTC)"),
        ExportColumn(
            "stage_seconds",
            "integer",
            "Seconds from first showing the stage to submitting it (includes any time the "
            "page was left open)",
        ),
        ExportColumn("submitted_at", "time", "When the answer was saved (UTC)"),
        *_answer_columns(),
        ExportColumn(
            "decision",
            "integer",
            "Decision question: the option chosen, numbered from 1 in the question's order",
        ),
        ExportColumn("decision_label", "text", "Decision question: the label of that option"),
        ExportColumn(
            "decision_confidence",
            "integer",
            "Decision question: confidence in the decision, 1 (not at all confident) to 5 "
            "(completely confident)",
        ),
        ExportColumn(
            "rationale",
            "text",
            "Reasoning the participant typed, as written (may contain line breaks; a "
            "leading ' is added to text starting with = + - or @ so spreadsheets do not "
            "treat it as a formula). Free text can contain identifying details: read it "
            "before sharing the file",
        ),
    ]


# --- participants: study-specific columns ----------------------------------------------

_STATA_NAME = re.compile(r"[^a-z0-9_]")


def _column_name(prefix: str, key: str, taken: set[str]) -> str:
    """A column name Stata accepts: letters, digits and _, at most 32 characters, unique."""
    base = (prefix + _STATA_NAME.sub("_", key.lower()))[:32]
    name, n = base, 2
    while name in taken:
        suffix = f"_{n}"
        name, n = base[: 32 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


@dataclass(frozen=True)
class _ParticipantLayout:
    baseline: list[tuple[str, BaselineQuestion]]  # column name, question
    phases: list[Phase]
    columns: list[ExportColumn]


PARTICIPANT_FIXED = [
    "pseudonym",
    "arm",
    "council",
    "status",
    "enrolment_route",
    "consented",
    "baseline_done",
    "randomised",
    "withdrawn",
    "keep_data",
    "erased",
    "analysed",
    "consent_version",
    "enrolled_at",
    "consented_at",
    "baseline_completed_at",
    "randomised_at",
    "withdrawn_at",
]
PHASE_FIELDS = ("cases", "cases_completed", "completed", "started_at", "completed_at", "seconds")
# What participant_export_rows reads per phase (p<position>_<name>) to fill PHASE_FIELDS.
_PHASE_READ = ("cases", "done", "started", "completed", "time")


def _participant_layout(study: Study) -> _ParticipantLayout:
    taken = set(PARTICIPANT_FIXED)
    baseline = [
        (_column_name("baseline_", question.key, taken), question)
        for question in BaselineQuestion.objects.filter(study=study).order_by("position", "pk")
    ]
    phases = list(study.phases.order_by("position"))
    statuses = ", ".join(f"{value} ({label})" for value, label in Participant.Status.choices)
    columns = [
        ExportColumn("pseudonym", "text", "The participant's pseudonym (see (pseudonym))"),
        ExportColumn("arm", "text", _arm_description(study)),
        ExportColumn(
            "council", "text", "Pseudonym of the participant's council (as in scores.csv)"
        ),
        ExportColumn("status", "text", f"Where the participant is: {statuses}"),
        ExportColumn(
            "enrolment_route",
            "text",
            "How they enrolled: invitation, council_code, single_code or study_code",
        ),
        ExportColumn("consented", "0/1", "1 if they gave consent"),
        ExportColumn("baseline_done", "0/1", "1 if they answered the About-you questions"),
        ExportColumn("randomised", "0/1", "1 if allocated to an arm"),
        ExportColumn("withdrawn", "0/1", "1 if they withdrew"),
        ExportColumn(
            "keep_data",
            "0/1",
            "On withdrawal: 1 if data given so far may be analysed, 0 if not; empty if "
            "not withdrawn",
        ),
        ExportColumn("erased", "0/1", "1 if their answers and personal data were erased"),
        ExportColumn(
            "analysed",
            "0/1",
            "1 if their data may be analysed (not erased, and not withdrawn with "
            "keep_data = 0); 0 rows have empty answer and phase columns",
        ),
        ExportColumn("consent_version", "integer", "Version of the consent text they agreed to"),
        ExportColumn("enrolled_at", "time", "When they enrolled (UTC)"),
        ExportColumn("consented_at", "time", "When they gave consent (UTC)"),
        ExportColumn(
            "baseline_completed_at", "time", "When they answered the About-you questions (UTC)"
        ),
        ExportColumn(
            "randomised_at",
            "time",
            "When they were allocated to an arm (UTC); empty until the study closes",
        ),
        ExportColumn("withdrawn_at", "time", "When they withdrew (UTC)"),
    ]
    for name, question in baseline:
        choices = f" Answers: {'; '.join(map(str, question.choices))}." if question.choices else ""
        kind = {"number": "integer", "choice": "text", "text": "text"}.get(question.kind, "text")
        columns.append(
            ExportColumn(
                name,
                kind,
                f"About you: '{question.label}' ({question.get_kind_display().lower()})."
                f"{choices} Empty if not answered",
            )
        )
    for phase in phases:
        n = phase.position
        about = f"Phase {n} ({phase.name})"
        columns += [
            ExportColumn(f"phase{n}_cases", "integer", f"{about}: cases given to them"),
            ExportColumn(f"phase{n}_cases_completed", "integer", f"{about}: cases completed"),
            ExportColumn(
                f"phase{n}_completed",
                "0/1",
                f"{about}: 1 if every case given was completed; empty if no case was given",
            ),
            ExportColumn(
                f"phase{n}_started_at", "time", f"{about}: when they first opened a case (UTC)"
            ),
            ExportColumn(
                f"phase{n}_completed_at",
                "time",
                f"{about}: when they completed the last case (UTC); empty until all are done",
            ),
            ExportColumn(
                f"phase{n}_seconds",
                "integer",
                f"{about}: time spent, the seconds from first showing each stage of a case "
                "to submitting it, summed over the stages submitted (includes any time a "
                "page was left open); empty if no stage was submitted",
            ),
        ]
    return _ParticipantLayout(baseline=baseline, phases=phases, columns=columns)


def participant_columns(study: Study) -> list[ExportColumn]:
    return _participant_layout(study).columns


def data_dictionary_rows(*, study: Study) -> Iterator[list[str]]:
    """`file, column, type, description` for every column of every export, after the
    conventions that apply to all of them."""
    yield ["file", "column", "type", "description"]
    for name, description in CONVENTIONS:
        yield [ALL_FILES, name, "", description]
    for filename, columns in (
        (SCORES, score_columns(study)),
        (FORECASTS, forecast_columns(study)),
        (PARTICIPANTS, participant_columns(study)),
    ):
        for column in columns:
            yield [filename, column.name, column.type, column.description]


# --- scores.csv ------------------------------------------------------------------------

_SCORE_READ = (
    "forecast_id",
    "participant_id",
    "participant__arm__key",
    "participant__council_id",
    "question__version__vignette__key",
    "question__version__number",
    "forecast__assignment__phase__position",
    "after_randomisation",
    "question__key",
    "question__stage__position",
    "kind",
    "forecast__is_update",
    "is_retest",
    "is_last",
    "forecast__submitted_at",
    "forecast__probability_pct",
    "forecast__probabilities_pct",
    "forecast__lower",
    "forecast__median",
    "forecast__upper",
    "forecast__interval_confidence",
    "probability",
    "outcome_binary",
    "outcome_category",
    "outcome_numeric",
    "brier",
    "log_score",
    "spherical",
    "rps",
    "interval_score",
    "crps",
    "scored_at",
)


def _probabilities(pcts: Sequence[int] | None) -> str | None:
    if not pcts:
        return None
    return ";".join(number_cell(v / 100) for v in pcts)


def _pct(value: int | None) -> float | None:
    return value / 100 if value is not None else None


@_concealing
def score_export_rows(*, study: Study) -> Iterator[list[str]]:
    """The header, then one row per scored forecast of participants whose data may be used."""
    yield [column.name for column in score_columns(study)]
    names = _Pseudonyms(study)
    rows = (
        _analysable(ForecastScore.objects.filter(study=study))
        .order_by("participant_id", "forecast__submitted_at", "forecast_id")
        .values_list(*_SCORE_READ)
    )
    for row in rows.iterator(chunk_size=CHUNK):
        r = dict(zip(_SCORE_READ, row, strict=True))
        yield [cell(v) for v in _score_values(r, names)]


def _score_outcome(r: dict[str, Any]) -> Any:
    if r["outcome_binary"] is not None:
        return r["outcome_binary"]
    if r["outcome_category"] is not None:
        return r["outcome_category"] + 1  # 1-based, as in the CSV import
    return r["outcome_numeric"]


def _score_values(r: dict[str, Any], names: _Pseudonyms) -> list[Any]:
    counted = r["is_last"] and not r["is_retest"]
    primary = (
        counted
        and r["probability"] is not None
        and r["after_randomisation"]
        and r["participant__arm__key"] is not None
    )
    return [
        r["forecast_id"],
        names("participant", r["participant_id"]),
        r["participant__arm__key"],
        names("council", r["participant__council_id"]),
        r["question__version__vignette__key"],
        r["question__version__number"],
        r["forecast__assignment__phase__position"],
        r["after_randomisation"],
        r["question__key"],
        r["question__stage__position"],
        r["kind"],
        r["forecast__is_update"],
        r["is_retest"],
        r["is_last"],
        counted,
        primary,
        r["forecast__submitted_at"],
        _pct(r["forecast__probability_pct"]),
        _probabilities(r["forecast__probabilities_pct"]),
        r["forecast__lower"],
        r["forecast__median"],
        r["forecast__upper"],
        r["forecast__interval_confidence"],
        _score_outcome(r),
        r["brier"],
        r["log_score"],
        r["spherical"],
        r["rps"],
        r["interval_score"],
        r["crps"],
        r["scored_at"],
    ]


# --- forecasts.csv ---------------------------------------------------------------------


def _visit(field: str) -> Subquery:
    return Subquery(
        StageVisit.objects.filter(
            assignment_id=OuterRef("assignment_id"), stage_id=OuterRef("question__stage_id")
        ).values(field)[:1]
    )


def _forecast_rows(study: Study) -> QuerySet[Forecast, dict[str, Any]]:
    return (
        _analysable(Forecast.objects.filter(participant__study=study))
        .annotate(
            recency=Window(
                RowNumber(),
                partition_by=[F("participant_id"), F("assignment_id"), F("question_id")],
                order_by=[F("submitted_at").desc(), F("pk").desc()],
            ),
            stage_viewed_at=_visit("first_viewed_at"),
            stage_submitted_at=_visit("submitted_at"),
        )
        .order_by(
            "participant_id",
            "assignment__phase__position",
            "assignment__position",
            "assignment_id",
            "question__stage__position",
            "question__position",
            "submitted_at",
            "pk",
        )
        .values(
            "pk",
            "participant_id",
            "participant__arm__key",
            "participant__council_id",
            "question__version__vignette__key",
            "question__version__number",
            "assignment__phase_id",
            "assignment__phase__position",
            "assignment__position",
            "assignment__is_retest",
            "question_id",
            "question__key",
            "question__stage__position",
            "question__kind",
            "question__earlier__key",
            "is_update",
            "recency",
            "score__scored_at",
            "score__probability",
            "score__after_randomisation",
            "stage_viewed_at",
            "stage_submitted_at",
            "submitted_at",
            "probability_pct",
            "probabilities_pct",
            "lower",
            "median",
            "upper",
            "interval_confidence",
            "decision",
            "decision_confidence",
            "rationale",
        )
    )


def _decision_labels(study: Study) -> dict[int, list[str]]:
    """Question id -> option labels of every decision question in the study (one query)."""
    return {
        pk: [str(o) for o in options] or list(DEFAULT_DECISIONS)
        for pk, options in Question.objects.filter(
            version__vignette__study=study, kind=Question.Kind.DECISION
        ).values_list("pk", "options")
    }


@_concealing
def forecast_export_rows(*, study: Study) -> Iterator[list[str]]:
    """The header, then one row per submitted answer of participants whose data may be used."""
    yield [column.name for column in forecast_columns(study)]
    names = _Pseudonyms(study)
    after = after_randomisation_by_phase(study_id=study.pk)
    labels = _decision_labels(study)
    for r in _forecast_rows(study).iterator(chunk_size=CHUNK):
        yield _forecast_values(r, names, after, labels)


def _forecast_values(
    r: dict[str, Any], names: _Pseudonyms, after: dict[int, bool], labels: dict[int, list[str]]
) -> list[str]:
    is_last = r["recency"] == 1
    is_retest = r["assignment__is_retest"]
    counted = is_last and not is_retest
    scored = r["score__scored_at"] is not None
    after_randomisation = (
        r["score__after_randomisation"] if scored else after.get(r["assignment__phase_id"], True)
    )
    primary = (
        counted
        and r["score__probability"] is not None
        and bool(r["score__after_randomisation"])
        and r["participant__arm__key"] is not None
    )
    decision = r["decision"]
    options = labels.get(r["question_id"], [])
    label = options[decision] if decision is not None and decision < len(options) else None
    values: list[Any] = [
        r["pk"],
        names("participant", r["participant_id"]),
        r["participant__arm__key"],
        names("council", r["participant__council_id"]),
        r["question__version__vignette__key"],
        r["question__version__number"],
        r["assignment__phase__position"],
        r["assignment__position"] + 1,
        after_randomisation,
        r["question__key"],
        r["question__stage__position"],
        r["question__kind"],
        r["question__earlier__key"],
        r["is_update"],
        is_retest,
        is_last,
        counted,
        scored,
        primary,
        r["stage_viewed_at"],
        r["stage_submitted_at"],
        _seconds(r["stage_viewed_at"], r["stage_submitted_at"]),
        r["submitted_at"],
        _pct(r["probability_pct"]),
        _probabilities(r["probabilities_pct"]),
        r["lower"],
        r["median"],
        r["upper"],
        r["interval_confidence"],
        decision + 1 if decision is not None else None,
        label,
        r["decision_confidence"],
    ]
    return [*(cell(v) for v in values), text_cell(r["rationale"])]


# --- participants.csv ------------------------------------------------------------------


def _phase_annotations(phases: list[Phase]) -> dict[str, Any]:
    """Per phase, correlated subqueries over the participant's assignments and stage visits."""
    annotations: dict[str, Any] = {}

    def aggregate(rows: QuerySet[Any], value: Any) -> Subquery:
        return Subquery(rows.order_by().values("participant_id").annotate(v=value).values("v")[:1])

    for phase in phases:
        mine = Assignment.objects.filter(participant_id=OuterRef("pk"), phase_id=phase.pk)
        n = phase.position
        annotations[f"p{n}_cases"] = aggregate(mine, Count("pk"))
        annotations[f"p{n}_done"] = aggregate(mine.filter(completed_at__isnull=False), Count("pk"))
        annotations[f"p{n}_started"] = aggregate(mine, Min("started_at"))
        annotations[f"p{n}_completed"] = aggregate(mine, Max("completed_at"))
        visits = StageVisit.objects.filter(
            assignment__participant_id=OuterRef("pk"),
            assignment__phase_id=phase.pk,
            submitted_at__isnull=False,
        )
        annotations[f"p{n}_time"] = Subquery(
            visits.order_by()
            .values("assignment__participant_id")
            .annotate(
                v=Sum(
                    ExpressionWrapper(
                        F("submitted_at") - F("first_viewed_at"), output_field=DurationField()
                    )
                )
            )
            .values("v")[:1],
            output_field=DurationField(),
        )
    return annotations


@_concealing
def participant_export_rows(*, study: Study) -> Iterator[list[str]]:
    """The header, then one row per participant of the study (every status)."""
    layout = _participant_layout(study)
    yield [column.name for column in layout.columns]
    names = _Pseudonyms(study)
    rows = (
        Participant.objects.filter(study=study)
        .annotate(**_phase_annotations(layout.phases))
        .order_by("pk")
        .values(
            "pk",
            "arm__key",
            "council_id",
            "status",
            "enrolled_via",
            "consent_version__number",
            "enrolled_at",
            "consented_at",
            "baseline",
            "baseline_completed_at",
            "randomised_at",
            "withdrawn_at",
            "keep_data",
            "erased_at",
            *(f"p{p.position}_{f}" for p in layout.phases for f in _PHASE_READ),
        )
    )
    for r in rows.iterator(chunk_size=CHUNK):
        yield [cell(v) for v in _participant_values(r, layout, names)]


def _participant_values(
    r: dict[str, Any], layout: _ParticipantLayout, names: _Pseudonyms
) -> list[Any]:
    erased = r["erased_at"] is not None
    withdrawn = r["withdrawn_at"] is not None
    analysed = not erased and not (withdrawn and r["keep_data"] is False)
    values: list[Any] = [
        names("participant", r["pk"]),
        r["arm__key"],
        names("council", r["council_id"]),
        r["status"],
        r["enrolled_via"],
        r["consented_at"] is not None,
        r["baseline_completed_at"] is not None,
        r["arm__key"] is not None,
        withdrawn,
        r["keep_data"] if withdrawn else None,
        erased,
        analysed,
        r["consent_version__number"],
        r["enrolled_at"],
        r["consented_at"],
        r["baseline_completed_at"],
        r["randomised_at"],
        r["withdrawn_at"],
    ]
    baseline = (r["baseline"] or {}) if analysed else {}
    for _, question in layout.baseline:
        answer = baseline.get(question.key)
        values.append(text_cell(str(answer)) if answer not in (None, "") else None)
    for phase in layout.phases:
        values += _phase_values(r, phase.position) if analysed else [None] * len(PHASE_FIELDS)
    return values


def _phase_values(r: dict[str, Any], n: int) -> list[Any]:
    cases = r[f"p{n}_cases"] or 0
    done = r[f"p{n}_done"] or 0
    complete = cases > 0 and done == cases
    time: timedelta | None = r[f"p{n}_time"]
    return [
        cases,
        done,
        complete if cases else None,
        r[f"p{n}_started"],
        r[f"p{n}_completed"] if complete else None,
        max(0, int(time.total_seconds())) if time is not None else None,
    ]


# --- for views ---------------------------------------------------------------------------

EXPORTS: dict[str, tuple[str, Callable[..., Iterator[list[str]]]]] = {
    "scores": (SCORES, score_export_rows),
    "forecasts": (FORECASTS, forecast_export_rows),
    "participants": (PARTICIPANTS, participant_export_rows),
}
