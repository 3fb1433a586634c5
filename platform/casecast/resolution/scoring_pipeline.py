"""Bulk scoring: read forecasts into arrays, score with the engine, write in bulk.

Nothing here issues a query per forecast. Each entry point scores *complete*
groups of forecasts — every forecast of a participant on a question — so the
"last forecast counts" flag can be set in the same pass, and writes by upsert,
so running it twice (or two workers at once) leaves the same rows. All writes
for a study happen inside one transaction holding a lock on the study row;
question outcome changes take the same lock, so a score never mixes an old
outcome with a new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import transaction
from django.utils import timezone

from casecast import scoring
from casecast.forecasts.models import Forecast
from casecast.resolution import summaries
from casecast.resolution.models import ForecastScore, RescoreJob
from casecast.studies.models import Phase, Study

QUANTILE_TAUS = (0.05, 0.5, 0.95)
QUANTILE_ALPHA = 0.1  # p5..p95 is a central 90% interval
DEFAULT_CONFIDENCE = 90
WRITE_BATCH = 2000
ID_BATCH = 5000
RESCORE_CHUNK_FORECASTS = 20_000

SCORE_FIELDS = [
    "study",
    "participant",
    "question",
    "kind",
    "probability",
    "brier",
    "log_score",
    "spherical",
    "rps",
    "interval_score",
    "crps",
    "outcome_binary",
    "outcome_category",
    "outcome_numeric",
    "is_last",
    "is_retest",
    "after_randomisation",
    "scored_at",
]

_READ = (
    "id",
    "participant_id",
    "question_id",
    "assignment_id",
    "submitted_at",
    "probability_pct",
    "probabilities_pct",
    "lower",
    "median",
    "upper",
    "interval_confidence",
    "question__kind",
    "question__numeric_format",
    "question__interval_confidence",
    "question__outcome_binary",
    "question__outcome_category",
    "question__outcome_numeric",
    "question__annulled",
    "assignment__is_retest",
    "assignment__phase_id",
    "participant__study_id",
)


@dataclass(frozen=True)
class ScoringResult:
    scored: int
    unscored: int


@dataclass
class _Columns:
    """The forecasts read, one numpy array (or list) per column."""

    ids: npt.NDArray[np.int64]
    participant: npt.NDArray[np.int64]
    question: npt.NDArray[np.int64]
    assignment: npt.NDArray[np.int64]
    submitted: npt.NDArray[np.float64]
    pct: list[Any]
    pcts: list[Any]
    lower: npt.NDArray[np.float64]
    median: npt.NDArray[np.float64]
    upper: npt.NDArray[np.float64]
    confidence: npt.NDArray[np.float64]
    kind: npt.NDArray[np.str_]
    numeric_format: npt.NDArray[np.str_]
    question_confidence: npt.NDArray[np.float64]
    outcome_binary: list[Any]
    outcome_category: list[Any]
    outcome_numeric: npt.NDArray[np.float64]
    annulled: npt.NDArray[np.bool_]
    retest: npt.NDArray[np.bool_]
    phase: npt.NDArray[np.int64]
    study: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.ids.shape[0])


# --- entry points -----------------------------------------------------------------


def score_submission(*, forecast_ids: Sequence[int]) -> ScoringResult:
    """Score newly submitted forecasts (and re-flag the earlier ones they replace)."""
    pairs = Forecast.objects.filter(pk__in=list(forecast_ids)).values_list(
        "participant__study_id", "participant_id", "question_id"
    )
    by_study: dict[int, tuple[set[int], set[int]]] = {}
    for study_id, participant_id, question_id in pairs:
        people, questions = by_study.setdefault(study_id, (set(), set()))
        people.add(participant_id)
        questions.add(question_id)
    total = ScoringResult(0, 0)
    for study_id, (people, questions) in sorted(by_study.items()):
        forecasts = Forecast.objects.filter(participant_id__in=people, question_id__in=questions)
        total = _add(total, _score_study(study_id, forecasts))
    return total


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


def forecasts_scorable(*, forecast_ids: Sequence[int]) -> list[int]:
    """Those of these forecasts whose question already has an outcome (one query)."""
    return list(
        Forecast.objects.filter(pk__in=list(forecast_ids), question__annulled=False)
        .exclude(
            question__outcome_binary__isnull=True,
            question__outcome_category__isnull=True,
            question__outcome_numeric__isnull=True,
        )
        .values_list("pk", flat=True)
    )


# --- one study, under its lock ----------------------------------------------------


def _score_study(study_id: int, forecasts: Any) -> ScoringResult:
    with transaction.atomic():
        _lock_study(study_id)
        result = _score_locked(study_id, forecasts)
        summaries.refresh_locked(study_id=study_id)
    return result


def _lock_study(study_id: int) -> None:
    # A row lock on PostgreSQL; SQLite serialises writers anyway.
    list(Study.objects.select_for_update().filter(pk=study_id).values_list("pk"))


def _score_locked(study_id: int, forecasts: Any) -> ScoringResult:
    columns = _read(forecasts.values_list(*_READ))
    if not len(columns):
        return ScoringResult(0, 0)
    after = _after_randomisation(study_id)
    scores, unscored_ids = build_scores(columns, after, timezone.now())
    _write(scores, unscored_ids)
    return ScoringResult(len(scores), len(unscored_ids))


def _forecasts_per_participant(study_id: int) -> list[tuple[int, int]]:
    from django.db.models import Count

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
    return ScoringResult(a.scored + b.scored, a.unscored + b.unscored)


def _after_randomisation(study_id: int) -> dict[int, bool]:
    phases = list(
        Phase.objects.filter(study_id=study_id).values_list("pk", "position", "randomise_before")
    )
    starts = [position for _, position, randomises in phases if randomises]
    first = min(starts) if starts else None
    return {pk: first is None or position >= first for pk, position, _ in phases}


# --- reading ----------------------------------------------------------------------


def _floats(values: Iterable[Any]) -> npt.NDArray[np.float64]:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _read(rows: Iterable[tuple[Any, ...]]) -> _Columns:
    materialised = list(rows)
    if not materialised:
        empty: list[Any] = [()] * len(_READ)
        cols = empty
    else:
        cols = list(zip(*materialised, strict=True))
    c = dict(zip(_READ, cols, strict=True))
    return _Columns(
        ids=np.array(c["id"], dtype=np.int64),
        participant=np.array(c["participant_id"], dtype=np.int64),
        question=np.array(c["question_id"], dtype=np.int64),
        assignment=np.array(c["assignment_id"], dtype=np.int64),
        submitted=np.array([_timestamp(d) for d in c["submitted_at"]], dtype=np.float64),
        pct=list(c["probability_pct"]),
        pcts=list(c["probabilities_pct"]),
        lower=_floats(c["lower"]),
        median=_floats(c["median"]),
        upper=_floats(c["upper"]),
        confidence=_floats(c["interval_confidence"]),
        kind=np.array(c["question__kind"], dtype=np.str_),
        numeric_format=np.array(c["question__numeric_format"], dtype=np.str_),
        question_confidence=_floats(c["question__interval_confidence"]),
        outcome_binary=list(c["question__outcome_binary"]),
        outcome_category=list(c["question__outcome_category"]),
        outcome_numeric=_floats(c["question__outcome_numeric"]),
        annulled=np.array(c["question__annulled"], dtype=np.bool_),
        retest=np.array(c["assignment__is_retest"], dtype=np.bool_),
        phase=np.array(c["assignment__phase_id"], dtype=np.int64),
        study=np.array(c["participant__study_id"], dtype=np.int64),
    )


def _timestamp(value: datetime | None) -> float:
    return value.timestamp() if value is not None else 0.0


# --- scoring ----------------------------------------------------------------------


def last_in_group(
    participant: npt.NDArray[np.int64],
    assignment: npt.NDArray[np.int64],
    question: npt.NDArray[np.int64],
    submitted: npt.NDArray[np.float64],
    ids: npt.NDArray[np.int64],
) -> npt.NDArray[np.bool_]:
    """True for the last forecast (by submission time, then id) of each participant,
    assignment and question."""
    n = ids.shape[0]
    order = np.lexsort((ids, submitted, question, assignment, participant))
    keys = np.stack([participant[order], assignment[order], question[order]])
    ends = np.ones(n, dtype=np.bool_)
    if n > 1:
        ends[:-1] = (keys[:, 1:] != keys[:, :-1]).any(axis=0)
    last = np.empty(n, dtype=np.bool_)
    last[order] = ends
    return last


@dataclass
class _Scores:
    """Per-row score arrays (NaN where a rule does not apply)."""

    ok: npt.NDArray[np.bool_]
    probability: npt.NDArray[np.float64]
    brier: npt.NDArray[np.float64]
    log_score: npt.NDArray[np.float64]
    spherical: npt.NDArray[np.float64]
    rps: npt.NDArray[np.float64]
    interval_score: npt.NDArray[np.float64]
    crps: npt.NDArray[np.float64]

    @classmethod
    def empty(cls, n: int) -> _Scores:
        def nan() -> npt.NDArray[np.float64]:
            return np.full(n, np.nan)

        return cls(np.zeros(n, dtype=np.bool_), nan(), nan(), nan(), nan(), nan(), nan(), nan())


def compute_scores(c: _Columns) -> _Scores:
    """Score every row by its question's kind; rows without an outcome stay unscored."""
    out = _Scores.empty(len(c))
    live = ~c.annulled
    _score_binary(c, out, np.flatnonzero(live & (c.kind == "binary")))
    for kind in ("multiple_choice", "ordered"):
        _score_categorical(c, out, np.flatnonzero(live & (c.kind == kind)), kind)
    _score_numeric(c, out, np.flatnonzero(live & (c.kind == "numeric")))
    return out


def _score_binary(c: _Columns, out: _Scores, rows: npt.NDArray[np.intp]) -> None:
    rows = np.array(
        [i for i in rows if c.outcome_binary[i] is not None and c.pct[i] is not None], dtype=np.intp
    )
    if not rows.size:
        return
    p = np.array([c.pct[i] for i in rows], dtype=np.float64) / 100.0
    y = np.array([1 if c.outcome_binary[i] else 0 for i in rows], dtype=np.int8)
    out.ok[rows] = True
    out.probability[rows] = p
    out.brier[rows] = scoring.brier(p, y)
    out.log_score[rows] = scoring.log_score(p, y)
    out.spherical[rows] = scoring.spherical(p, y)


def _score_categorical(c: _Columns, out: _Scores, rows: npt.NDArray[np.intp], kind: str) -> None:
    by_width: dict[int, list[int]] = {}
    for i in rows:
        category, pcts = c.outcome_category[i], c.pcts[i]
        if category is None or not pcts or category >= len(pcts):
            continue
        by_width.setdefault(len(pcts), []).append(int(i))
    for group in by_width.values():
        idx = np.array(group, dtype=np.intp)
        P = np.array([c.pcts[i] for i in group], dtype=np.float64) / 100.0
        y = np.array([c.outcome_category[i] for i in group], dtype=np.intp)
        out.ok[idx] = True
        out.brier[idx] = scoring.brier_multi(P, y)
        if kind == "ordered":
            out.rps[idx] = scoring.rps(P, y)
        else:
            out.log_score[idx] = scoring.log_score_multi(P, y)
            out.spherical[idx] = scoring.spherical_multi(P, y)


def _score_numeric(c: _Columns, out: _Scores, rows: npt.NDArray[np.intp]) -> None:
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
        out.crps[quantiles] = scoring.crps_quantiles(Q, y, QUANTILE_TAUS)
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


def build_scores(
    c: _Columns, after: dict[int, bool], now: datetime
) -> tuple[list[ForecastScore], list[int]]:
    """ForecastScore objects for scorable rows, and the ids of rows to unscore."""
    scores = compute_scores(c)
    last = last_in_group(c.participant, c.assignment, c.question, c.submitted, c.ids)
    rows = np.flatnonzero(scores.ok)
    column = {
        name: _nullable(getattr(scores, name)[rows])
        for name in (
            "probability",
            "brier",
            "log_score",
            "spherical",
            "rps",
            "interval_score",
            "crps",
        )
    }
    numeric = _nullable(c.outcome_numeric[rows])
    objects = [
        ForecastScore(
            forecast_id=int(c.ids[i]),
            study_id=int(c.study[i]),
            participant_id=int(c.participant[i]),
            question_id=int(c.question[i]),
            kind=str(c.kind[i]),
            probability=column["probability"][n],
            brier=column["brier"][n],
            log_score=column["log_score"][n],
            spherical=column["spherical"][n],
            rps=column["rps"][n],
            interval_score=column["interval_score"][n],
            crps=column["crps"][n],
            outcome_binary=c.outcome_binary[i],
            outcome_category=c.outcome_category[i],
            outcome_numeric=numeric[n],
            is_last=bool(last[i]),
            is_retest=bool(c.retest[i]),
            after_randomisation=after.get(int(c.phase[i]), True),
            scored_at=now,
        )
        for n, i in enumerate(rows)
    ]
    unscored = [int(x) for x in c.ids[~scores.ok]]
    return objects, unscored


def _nullable(values: npt.NDArray[np.float64]) -> list[float | None]:
    """Plain floats, with None where a value is NaN or infinite."""
    return [None if not np.isfinite(x) else x for x in values.tolist()]


# --- writing ----------------------------------------------------------------------


def _write(scores: list[ForecastScore], unscored_ids: list[int]) -> None:
    for start in range(0, len(unscored_ids), ID_BATCH):
        ForecastScore.objects.filter(
            forecast_id__in=unscored_ids[start : start + ID_BATCH]
        ).delete()
    # Sorted so two writers take row locks in the same order and cannot deadlock.
    scores.sort(key=lambda score: score.forecast_id)
    ForecastScore.objects.bulk_create(
        scores,
        batch_size=WRITE_BATCH,
        update_conflicts=True,
        unique_fields=["forecast"],
        update_fields=SCORE_FIELDS,
    )
