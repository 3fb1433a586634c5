"""Bulk scoring: read forecasts into arrays, score with the engine, write in bulk.

Nothing here issues a query per forecast. Each entry point scores *complete*
groups of forecasts — every forecast of a participant on a question — so the
"last forecast counts" flag can be set in the same pass, and writes by upsert,
so running it twice (or two workers at once) leaves the same rows. All writes
for a study happen inside one transaction holding a lock on the study row;
question outcome changes take the same lock, so a score never mixes an old
outcome with a new one.

A submission's scores are written at once, but its summaries are refreshed
with other submissions' (`summaries.pending_refresh`): at most once per
`summaries.COALESCE_SECONDS` per study, and then only for the participants
whose scores changed. Resolving a question and a rescore refresh everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connections, router, transaction
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from casecast import scoring
from casecast.core import joined_rows
from casecast.forecasts.models import Forecast
from casecast.resolution import bulk, selectors, summaries
from casecast.resolution.bulk import Column
from casecast.resolution.models import ForecastScore, RescoreJob
from casecast.studies.models import Participant, Study
from casecast.vignettes import kinds
from casecast.vignettes.kinds import AnswerShape, Scoring

QUANTILE_TAUS = (0.05, 0.5, 0.95)
QUANTILE_ALPHA = 0.1  # p5..p95 is a central 90% interval
DEFAULT_CONFIDENCE = 90
ID_BATCH = 5000
RESCORE_CHUNK_FORECASTS = 20_000
OUTCOME_FIELDS = ("outcome_binary", "outcome_category", "outcome_numeric")


def scored_kinds() -> list[kinds.QuestionKind]:
    """The registered kinds with scoring rules; a forecast's kind is read as its index here
    (-1: a kind that is not scored). Read at call time, so a kind registered later counts."""
    return [kind for kind in kinds.registered() if kind.scoring is not None]


SCORE_FIELDS = [
    "study",
    "participant",
    "question",
    "kind",
    "probability",
    "brier",
    "brier_multi",
    "log_score",
    "spherical",
    "rps",
    "interval_score",
    "wis",
    "outcome_binary",
    "outcome_category",
    "outcome_numeric",
    "is_last",
    "is_retest",
    "after_randomisation",
    "scored_at",
]
_SCORE_COLUMNS = (
    "probability",
    "brier",
    "brier_multi",
    "log_score",
    "spherical",
    "rps",
    "interval_score",
    "wis",
)


def _read_spec() -> dict[str, Column]:
    """The forecast columns scoring needs, all numeric so they read as fixed-width arrays.

    "Last forecast counts" is a window in SQL (as in `selectors.counted_forecasts`):
    every group read is complete, so row 1 of its partition is the last forecast.
    """
    return {
        "ids": Column("pk"),
        "participant": Column("participant_id"),
        "question": Column("question_id"),
        "recency": Column(
            Window(
                RowNumber(),
                partition_by=[F("participant_id"), F("assignment_id"), F("question_id")],
                order_by=[F("submitted_at").desc(), F("pk").desc()],
            )
        ),
        "pct": Column("probability_pct"),
        "lower": Column("lower", "float"),
        "median": Column("median", "float"),
        "upper": Column("upper", "float"),
        "confidence": Column("interval_confidence", "float"),
        "kind": Column(
            Case(
                *[
                    When(question__kind=kind.value, then=Value(code))
                    for code, kind in enumerate(scored_kinds())
                ],
                default=Value(-1),
                output_field=IntegerField(),
            )
        ),
        "question_confidence": Column("question__interval_confidence", "float"),
        "outcome_binary": Column("question__outcome_binary", "bool"),
        "outcome_category": Column("question__outcome_category"),
        "outcome_numeric": Column("question__outcome_numeric", "float"),
        "annulled": Column("question__annulled", "bool"),
        "retest": Column("assignment__is_retest", "bool"),
        "phase": Column("assignment__phase_id"),
        "study": Column("participant__study_id"),
    }


@dataclass(frozen=True)
class ScoringResult:
    scored: int
    unscored: int
    # Studies whose summary refresh was put off to share it with later submissions:
    # the caller queues `pending_refresh` for them (see `resolution.services`).
    refresh_deferred: tuple[int, ...] = ()
    # Those of them whose delayed refresh was already queued: no claim needed.
    refresh_queued: tuple[int, ...] = ()


IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass
class _Columns:
    """The forecasts read, one numpy array per column (int NULL = -1, float NULL = NaN)."""

    ids: IntArray
    participant: IntArray
    question: IntArray
    recency: IntArray
    pct: IntArray
    lower: FloatArray
    median: FloatArray
    upper: FloatArray
    confidence: FloatArray
    kind: IntArray
    question_confidence: FloatArray
    outcome_binary: IntArray
    outcome_category: IntArray
    outcome_numeric: FloatArray
    annulled: IntArray
    retest: IntArray
    phase: IntArray
    study: IntArray
    pcts: dict[int, Any]  # row index -> probabilities_pct, categorical rows only

    def __len__(self) -> int:
        return int(self.ids.shape[0])


# --- entry points -----------------------------------------------------------------


def score_submission(*, forecast_ids: Sequence[int]) -> ScoringResult:
    """Score newly submitted forecasts (and re-flag the earlier ones they replace)."""
    by_study: dict[int, tuple[set[int], set[int]]] = {}
    for study_id, participant_id, question_id in _submitted(forecast_ids):
        people, questions = by_study.setdefault(study_id, (set(), set()))
        people.add(participant_id)
        questions.add(question_id)
    total = ScoringResult(0, 0)
    for study_id, (people, questions) in sorted(by_study.items()):
        forecasts = Forecast.objects.filter(participant_id__in=people, question_id__in=questions)
        with transaction.atomic():
            _lock_study(study_id)
            by_ids = {"participant_id": sorted(people), "question_id": sorted(questions)}
            total = _add(total, _score_locked(study_id, forecasts, by_ids=by_ids))
            summaries.pending_mark(study_id=study_id, participant_ids=people)
            # Read under the study lock, so whether a refresh is queued cannot change
            # before this transaction's marks are visible to it.
            deferral = summaries.refresh_deferral(study_id=study_id)
        if deferral == summaries.Deferral.QUEUED:
            deferred = ScoringResult(0, 0, refresh_deferred=(study_id,), refresh_queued=(study_id,))
            total = _add(total, deferred)
        elif deferral == summaries.Deferral.CLAIM or not summaries.pending_refresh(
            study_id=study_id, unless_refreshed_within=summaries.COALESCE_SECONDS
        ):
            total = _add(total, ScoringResult(0, 0, refresh_deferred=(study_id,)))
    return total


def score_recent(*, study_id: int, since: datetime) -> ScoringResult:
    """Score every forecast of the study submitted since `since` that is still without
    a score although its question has an outcome (the submissions a coalesced task
    covers: `forecasts.services.forecasts_submitted`). Scoring twice changes nothing."""
    return score_submission(forecast_ids=unscored_since(study_id=study_id, since=since))


def unscored_since(*, study_id: int, since: datetime) -> list[int]:
    """Ids of the study's forecasts submitted since `since` that should have a score and
    have none (in id order)."""
    rows = forecasts_awaiting_scores().filter(
        participant__study_id=study_id, submitted_at__gte=since
    )
    return sorted(rows.values_list("pk", flat=True))


def forecasts_awaiting_scores() -> QuerySet[Forecast]:
    """Forecasts that should have a score and have none: their question is of a scored
    kind, not annulled, and has an outcome (also what the sweep looks for)."""
    return Forecast.objects.filter(
        has_outcome("question__"),
        score__isnull=True,
        question__annulled=False,
        question__kind__in=[kind.value for kind in scored_kinds()],
    )


def has_outcome(prefix: str = "") -> Q:
    """Some outcome field is set (on the model `prefix` leads to, e.g. "question__")."""
    return ~Q(**{f"{prefix}{field}__isnull": True for field in OUTCOME_FIELDS})


def _submitted(forecast_ids: Sequence[int]) -> list[tuple[int, int, int]]:
    """(study, participant, question) of each forecast: one small read by hand-written
    SQL, as `_lock_study` (once per scored submission)."""
    if not forecast_ids:
        return []
    using = router.db_for_read(Forecast)
    quote = connections[using].ops.quote_name
    forecast, participant = Forecast._meta, Participant._meta
    column = partial(joined_rows.qualified_column, using=using)
    placeholders = ", ".join(["%s"] * len(forecast_ids))
    sql = (
        f"SELECT {column(participant, 'study')}, {column(forecast, 'participant')},"
        f" {column(forecast, 'question')} FROM {quote(forecast.db_table)}"
        f" INNER JOIN {quote(participant.db_table)}"
        f" ON {column(participant, 'id')} = {column(forecast, 'participant')}"
        f" WHERE {column(forecast, 'id')} IN ({placeholders})"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, list(forecast_ids))
        return [(int(s), int(p), int(q)) for s, p, q in cursor.fetchall()]


def score_questions(*, question_ids: Sequence[int]) -> ScoringResult:
    """Score (or unscore) every forecast on these questions, then refresh summaries."""
    study_ids = (
        Forecast.objects.filter(question_id__in=list(question_ids))
        .values_list("participant__study_id", flat=True)
        .distinct()
    )
    total = ScoringResult(0, 0)
    for study_id in sorted(set(study_ids)):
        forecasts = Forecast.objects.filter(
            question_id__in=list(question_ids), participant__study_id=study_id
        )
        total = _add(total, _score_study(study_id, forecasts))
    return total


def rescore_study(*, study_id: int, job_id: int | None = None) -> ScoringResult:
    """Rescore every forecast of a study in chunks of participants, then summarise.

    Each chunk commits on its own (and advances the job's progress); summaries are
    refreshed once, at the end, in one transaction, so they are never partial.
    """
    participant_counts = _forecasts_per_participant(study_id)
    total_forecasts = sum(count for _, count in participant_counts)
    _job_update(job_id, total=total_forecasts, done=0)
    total = ScoringResult(0, 0)
    done = 0
    for chunk, chunk_count in _participant_chunks(participant_counts):
        with transaction.atomic():
            _lock_study(study_id)
            forecasts = Forecast.objects.filter(participant_id__in=chunk)
            total = _add(total, _score_locked(study_id, forecasts))
            done += chunk_count
            _job_update(job_id, total=total_forecasts, done=done)
    with transaction.atomic():
        _lock_study(study_id)
        summaries.refresh_locked(study_id=study_id)
    return total


# --- one study, under its lock ----------------------------------------------------


def _score_study(study_id: int, forecasts: Any) -> ScoringResult:
    with transaction.atomic():
        _lock_study(study_id)
        result = _score_locked(study_id, forecasts)
        summaries.refresh_locked(study_id=study_id)
    return result


def _lock_study(study_id: int) -> None:
    """A row lock on the study (PostgreSQL; SQLite serialises writers anyway).

    Written by hand: it is taken once per scored submission, and the ORM spends several
    times the database's time building so small a query.
    """
    using = router.db_for_write(Study)
    connection = connections[using]
    if not connection.features.has_select_for_update:
        return
    meta = Study._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(meta.pk.column)} FROM {quote(meta.db_table)}"
            f" WHERE {quote(meta.pk.column)} = %s FOR UPDATE",
            [study_id],
        )
        cursor.fetchall()


def _score_locked(
    study_id: int, forecasts: Any, *, by_ids: dict[str, list[int]] | None = None
) -> ScoringResult:
    columns = _read(forecasts, by_ids=by_ids)
    if not len(columns):
        return ScoringResult(0, 0)
    after = selectors.after_randomisation_by_phase(study_id=study_id)
    scores, unscored_ids = build_scores(columns, after)
    _write(scores, unscored_ids, timezone.now())
    return ScoringResult(len(scores["forecast_id"]), len(unscored_ids))


def _forecasts_per_participant(study_id: int) -> list[tuple[int, int]]:
    rows = (
        Forecast.objects.filter(participant__study_id=study_id)
        .values("participant_id")
        .annotate(n=Count("pk"))
        .order_by("participant_id")
        .values_list("participant_id", "n")
    )
    return list(rows)


def _participant_chunks(counts: list[tuple[int, int]]) -> Iterable[tuple[list[int], int]]:
    chunk: list[int] = []
    size = 0
    for participant_id, count in counts:
        chunk.append(participant_id)
        size += count
        if size >= RESCORE_CHUNK_FORECASTS:
            yield chunk, size
            chunk, size = [], 0
    if chunk:
        yield chunk, size


def _job_update(job_id: int | None, *, total: int, done: int) -> None:
    if job_id is not None:
        RescoreJob.objects.filter(pk=job_id).update(total=total, done=min(done, total))


def _add(a: ScoringResult, b: ScoringResult) -> ScoringResult:
    return ScoringResult(
        a.scored + b.scored,
        a.unscored + b.unscored,
        a.refresh_deferred + b.refresh_deferred,
        a.refresh_queued + b.refresh_queued,
    )


# --- reading ----------------------------------------------------------------------


def _read(forecasts: Any, *, by_ids: dict[str, list[int]] | None = None) -> _Columns:
    """One columnar read of the forecasts, plus one for categorical probabilities
    (variable-length JSON) when there are categorical questions among them.

    `by_ids` (field -> ids) says that `forecasts` is exactly the forecasts with those
    values, so the read's SQL can be built once per process (`bulk.read_columns_by_ids`):
    a submission is scored for a few milliseconds of CPU, most of it building this query.
    """
    if by_ids is None:
        arrays = bulk.read_columns(forecasts, _read_spec())
    else:
        # The columns' expressions depend on the scored kinds (their codes) only.
        key = ("scoring-read", tuple(kind.value for kind in scored_kinds()), tuple(by_ids))
        arrays = bulk.read_columns_by_ids(Forecast, _read_spec(), ids=by_ids, key=key)
    kind = arrays["kind"]
    pcts: dict[int, Any] = {}
    distributions = [
        code
        for code, scored in enumerate(scored_kinds())
        if scored.answer == AnswerShape.DISTRIBUTION
    ]
    if np.isin(kind, distributions).any():
        row_of = {int(pk): i for i, pk in enumerate(arrays["ids"])}
        categorical = forecasts.filter(
            question__kind__in=kinds.values_answered_as(AnswerShape.DISTRIBUTION)
        )
        for pk, value in categorical.order_by().values_list("pk", "probabilities_pct"):
            pcts[row_of[pk]] = value
    return _Columns(**arrays, pcts=pcts)


# --- scoring ----------------------------------------------------------------------


@dataclass
class _Scores:
    """Per-row score arrays (NaN where a rule does not apply)."""

    ok: npt.NDArray[np.bool_]
    probability: npt.NDArray[np.float64]
    brier: npt.NDArray[np.float64]  # yes/no, 0-1
    brier_multi: npt.NDArray[np.float64]  # multiple choice and ordered, 0-2
    log_score: npt.NDArray[np.float64]
    spherical: npt.NDArray[np.float64]
    rps: npt.NDArray[np.float64]
    interval_score: npt.NDArray[np.float64]
    wis: npt.NDArray[np.float64]

    @classmethod
    def empty(cls, n: int) -> _Scores:
        def nan() -> npt.NDArray[np.float64]:
            return np.full(n, np.nan)

        return cls(np.zeros(n, dtype=np.bool_), *(nan() for _ in _SCORE_COLUMNS))


def compute_scores(c: _Columns) -> _Scores:
    """Score every row by the rules its question's kind declares; rows without an outcome
    stay unscored."""
    out = _Scores.empty(len(c))
    live = c.annulled != 1
    for code, kind in enumerate(scored_kinds()):
        rules = kind.scoring
        assert rules is not None  # scored_kinds() holds only kinds with rules
        _SCORERS[rules](c, out, np.flatnonzero(live & (c.kind == code)), rules)
    return out


def _score_event(c: _Columns, out: _Scores, rows: npt.NDArray[np.intp], rules: Scoring) -> None:
    rows = rows[(c.outcome_binary[rows] >= 0) & (c.pct[rows] >= 0)]
    if not rows.size:
        return
    p = c.pct[rows].astype(np.float64) / 100.0
    y = c.outcome_binary[rows].astype(np.int8)
    out.ok[rows] = True
    out.probability[rows] = p
    out.brier[rows] = scoring.brier(p, y)
    out.log_score[rows] = scoring.log_score(p, y)
    out.spherical[rows] = scoring.spherical(p, y)


def _score_categorical(
    c: _Columns, out: _Scores, rows: npt.NDArray[np.intp], rules: Scoring
) -> None:
    # Probabilities are JSON lists of any length: group rows by width to score as matrices.
    by_width: dict[int, list[int]] = {}
    for i in rows.tolist():
        category, pcts = int(c.outcome_category[i]), c.pcts.get(i)
        if category < 0 or not pcts or category >= len(pcts):
            continue
        by_width.setdefault(len(pcts), []).append(i)
    for group in by_width.values():
        idx = np.array(group, dtype=np.intp)
        P = np.array([c.pcts[i] for i in group], dtype=np.float64) / 100.0
        y = c.outcome_category[idx].astype(np.intp)
        out.ok[idx] = True
        out.brier_multi[idx] = scoring.brier_multi(P, y)
        if rules == Scoring.ORDERED_CATEGORIES:
            out.rps[idx] = scoring.rps(P, y)
        else:
            out.log_score[idx] = scoring.log_score_multi(P, y)
            out.spherical[idx] = scoring.spherical_multi(P, y)


def _score_numeric(c: _Columns, out: _Scores, rows: npt.NDArray[np.intp], rules: Scoring) -> None:
    usable = rows[
        ~np.isnan(c.outcome_numeric[rows]) & ~np.isnan(c.lower[rows]) & ~np.isnan(c.upper[rows])
    ]
    if not usable.size:
        return
    quantiles = usable[~np.isnan(c.median[usable])]
    intervals = usable[np.isnan(c.median[usable])]
    if quantiles.size:
        Q = np.column_stack([c.lower[quantiles], c.median[quantiles], c.upper[quantiles]])
        y = c.outcome_numeric[quantiles]
        out.ok[quantiles] = True
        out.wis[quantiles] = scoring.weighted_interval_score(Q, y, QUANTILE_TAUS)
        out.interval_score[quantiles] = scoring.interval_score(
            c.lower[quantiles], c.upper[quantiles], y, QUANTILE_ALPHA
        )
    if intervals.size:
        confidence = np.where(
            np.isnan(c.confidence[intervals]),
            c.question_confidence[intervals],
            c.confidence[intervals],
        )
        confidence = np.where(np.isnan(confidence), DEFAULT_CONFIDENCE, confidence)
        out.ok[intervals] = True
        out.interval_score[intervals] = scoring.interval_score(
            c.lower[intervals],
            c.upper[intervals],
            c.outcome_numeric[intervals],
            1.0 - confidence / 100.0,
        )


_SCORERS = {
    Scoring.EVENT: _score_event,
    Scoring.CATEGORIES: _score_categorical,
    Scoring.ORDERED_CATEGORIES: _score_categorical,
    Scoring.QUANTITY: _score_numeric,
}


def build_scores(c: _Columns, after: dict[int, bool]) -> tuple[dict[str, Any], IntArray]:
    """ForecastScore columns (by attname) for scorable rows, and the ids of rows to unscore."""
    scores = compute_scores(c)
    rows = np.flatnonzero(scores.ok)
    before = [phase for phase, is_after in after.items() if not is_after]
    columns: dict[str, Any] = {
        "forecast_id": c.ids[rows],
        "study_id": c.study[rows],
        "participant_id": c.participant[rows],
        "question_id": c.question[rows],
        "kind": np.array([kind.value for kind in scored_kinds()], dtype=np.str_)[c.kind[rows]],
        **{name: getattr(scores, name)[rows] for name in _SCORE_COLUMNS},
        # The outcome the score was computed from; only the kind's own outcome is set.
        "outcome_binary": c.outcome_binary[rows],
        "outcome_category": c.outcome_category[rows],
        "outcome_numeric": c.outcome_numeric[rows],
        "is_last": (c.recency[rows] == 1).astype(np.int64),
        "is_retest": c.retest[rows],
        # Phases unknown to the study map to True, as before.
        "after_randomisation": (~np.isin(c.phase[rows], before)).astype(np.int64),
    }
    return columns, c.ids[~scores.ok]


# --- writing ----------------------------------------------------------------------


def _write(scores: dict[str, Any], unscored_ids: IntArray, now: Any) -> None:
    ids = unscored_ids.tolist()
    for start in range(0, len(ids), ID_BATCH):
        ForecastScore.objects.filter(forecast_id__in=ids[start : start + ID_BATCH]).delete()
    bulk.upsert(
        ForecastScore,
        columns={name: values for name, values in scores.items()},
        constants={"scored_at": now},
        unique="forecast",
        update_fields=SCORE_FIELDS,
    )
