"""Per-participant and per-arm summaries, recomputed from scores by the engine.

Two ways to refresh, with identical results (tests/resolution/test_incremental_summaries.py):

- `refresh_locked` (a resolved question, a rescore) reads every counted score of
  the study, computes all participants and arms at once with grouped engine
  calls, and replaces the summary rows in bulk.
- `refresh_participants_locked` (submissions) recomputes only the participants
  whose scores changed, from their own rows. Two figures depend on everyone's
  forecasts — the relative Brier score (against each question's median) and
  the arms' primary outcome and calibration — so it also reads the yes/no
  scores of the whole study, only the six numeric columns those need, and
  writes the relative Brier of other participants only where it changed.

Submissions do not refresh one by one: scoring marks the participants
(`SummaryPending`) and `pending_refresh` takes all marked participants at once,
at most once per `COALESCE_SECONDS` per study while submissions keep coming
(the task queue runs the deferred refresh). Both run inside a transaction
holding the study lock (see `scoring_pipeline`), so a crash mid-way rolls the
whole refresh back and a refresh never mixes an old outcome with a new one.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connections, router, transaction
from django.db.models import Q
from django.utils import timezone

from casecast import scoring
from casecast.resolution import bulk
from casecast.resolution.bulk import Column
from casecast.resolution.models import (
    ArmSummary,
    ForecastScore,
    ParticipantSummary,
    SummaryPending,
    SummaryState,
)
from casecast.studies.models import Arm, DesignVersion, Participant, Study

N_BOOT = 2000
BOOT_SEED = 0  # fixed, so a refresh twice gives the same interval
BINS = 10
# While submissions keep arriving, a study's summaries are refreshed at most once
# per this many seconds; the submissions in between share that refresh.
COALESCE_SECONDS = 2.0

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_PARTICIPANT_FIELDS = [
    "study",
    "arm",
    "n_scored",
    "n_binary",
    "mean_brier",
    "primary_brier",
    "baseline_brier",
    "relative_brier",
    "mean_brier_multi",
    "mean_log",
    "mean_rps",
    "mean_interval_score",
    "mean_wis",
    "reliability",
    "resolution",
    "auc",
    "mean_forecast",
    "event_rate",
    "refreshed_at",
]
_ARM_FIELDS = [
    "study",
    "n_participants",
    "n_forecasts",
    "mean_brier",
    "difference",
    "se",
    "ci_low",
    "ci_high",
    "n_clusters",
    "reliability",
    "resolution",
    "auc",
    "refreshed_at",
]


@dataclass
class CountedScores:
    """Counted scores of analysable participants: one array per column, `who` = 0..n-1."""

    who: IntArray
    people: IntArray  # participant id of each code
    question: IntArray
    binary: npt.NDArray[np.bool_]  # scored as a yes/no question
    multi: npt.NDArray[np.bool_]  # multiple choice or ordered (a 0-2 Brier score)
    brier: FloatArray  # yes/no, 0-1
    brier_multi: FloatArray  # multiple choice and ordered, 0-2
    log_score: FloatArray
    rps: FloatArray
    interval_score: FloatArray
    wis: FloatArray
    p: FloatArray
    y: FloatArray
    after: npt.NDArray[np.bool_]

    @property
    def n(self) -> int:
        return int(self.people.shape[0])


def _binary_spec(*, with_log: bool = True) -> dict[str, Column]:
    """Columns of yes/no scores (those that store a probability), all numeric.

    The study-wide figures (relative Brier, arms) need no log score: left out there."""
    spec = {
        "participant": Column("participant_id"),
        "question": Column("question_id"),
        "brier": Column("brier", "float"),
        "log_score": Column("log_score", "float"),
        "p": Column("probability", "float"),
        "y": Column("outcome_binary", "bool"),
        "after": Column("after_randomisation", "bool"),
    }
    if not with_log:
        del spec["log_score"]
    return spec


def _other_spec() -> dict[str, Column]:
    """Columns of the other scores: multiple choice and ordered (a Brier score, RPS) and
    numeric (interval score, weighted interval score). Only yes/no scores feed the primary outcome,
    relative Brier and calibration, so these need no question, outcome or phase."""
    return {
        "participant": Column("participant_id"),
        "question": Column("question_id"),
        "brier_multi": Column("brier_multi", "float"),
        "log_score": Column("log_score", "float"),
        "rps": Column("rps", "float"),
        "interval_score": Column("interval_score", "float"),
        "wis": Column("wis", "float"),
    }


def analysable_participants(study_id: int) -> dict[int, tuple[int | None, int | None]]:
    """participant id -> (arm id, council id), leaving out withdrawals that took data back."""
    rows = Participant.objects.filter(study_id=study_id).values_list(
        "pk", "arm_id", "council_id", "withdrawn_at", "keep_data", "erased_at"
    )
    return {
        pk: (arm, council)
        for pk, arm, council, withdrawn, keep, erased in rows
        if not (erased is not None or (withdrawn is not None and keep is False))
    }


def read_counted(
    study_id: int,
    people: dict[int, Any],
    *,
    participant_ids: Iterable[int] | None = None,
    binary_only: bool = False,
) -> CountedScores:
    """Every counted score of the study, restricted to analysable participants
    (and to `participant_ids` if given; to yes/no scores if `binary_only`).

    Two columnar reads (`bulk.read_columns`), yes/no scores and the rest, each of
    only the columns its kind uses: at 120,000 scores reading is most of a
    single-question refresh, and its cost grows with the number of values read
    (a yes/no score has no RPS, interval score or WIS; the others have no
    probability), so add a column only when a summary needs it.
    """
    counted = ForecastScore.objects.filter(study_id=study_id, is_last=True, is_retest=False)
    if participant_ids is not None:
        counted = counted.filter(participant_id__in=list(participant_ids))
    binary_spec = _binary_spec(with_log=not binary_only)
    reads = [bulk.read_columns(counted.filter(probability__isnull=False), binary_spec)]
    if not binary_only:
        reads.append(bulk.read_columns(counted.filter(probability__isnull=True), _other_spec()))
    c = _concatenate(*reads)
    n_rows = len(c["participant"])
    # Each read lacks the other's columns: fill them with NaN.
    for name in ("brier", "brier_multi", "log_score", "rps", "interval_score", "wis"):
        c.setdefault(name, np.full(n_rows, np.nan))
    keep = np.isin(c["participant"], np.fromiter(people, dtype=np.int64, count=len(people)))
    # A canonical row order: PostgreSQL returns rows in no fixed order, and floating-point
    # sums depend on order, so without it a refresh could differ in the last digit.
    order = np.lexsort((c["question"][keep], c["participant"][keep]))
    c = {name: values[keep][order] for name, values in c.items()}
    ids, who = np.unique(c["participant"], return_inverse=True)
    is_binary = np.isfinite(c["p"])
    return CountedScores(
        who=who.astype(np.int64),
        people=ids.astype(np.int64),
        question=c["question"],
        binary=is_binary,
        multi=np.isfinite(c["brier_multi"]),
        brier=c["brier"],
        brier_multi=c["brier_multi"],
        log_score=c["log_score"],
        rps=c["rps"],
        interval_score=c["interval_score"],
        wis=c["wis"],
        p=c["p"],
        # Binary outcome as 0/1, NaN where the score is not binary.
        y=np.where(c["y"] >= 0, c["y"], np.nan).astype(np.float64),
        after=c["after"] == 1,
    )


def _concatenate(*reads: dict[str, Any]) -> dict[str, Any]:
    """One array per column over several reads; where a read lacks a column, its rows
    get that column's null sentinel (NaN for floats, -1 for flags, as `bulk` uses)."""
    names = {name: values.dtype for read in reads for name, values in read.items()}
    return {
        name: np.concatenate(
            [
                read[name] if name in read else _nulls(len(read["participant"]), dtype)
                for read in reads
            ]
        )
        for name, dtype in names.items()
    }


def _nulls(size: int, dtype: np.dtype[Any]) -> Any:
    return np.full(size, np.nan if dtype.kind == "f" else -1, dtype=dtype)


def group_mean(values: FloatArray, who: IntArray, n: int, mask: Any = None) -> FloatArray:
    """Mean of the finite values per group; NaN for a group with none."""
    keep = np.isfinite(values) if mask is None else (np.isfinite(values) & mask)
    count = np.bincount(who[keep], minlength=n).astype(np.float64)
    total = np.bincount(who[keep], weights=values[keep], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def participant_metrics(s: CountedScores) -> dict[str, FloatArray]:
    """Every ParticipantSummary number, as arrays indexed by participant code."""
    n = s.n
    binary = s.binary & np.isfinite(s.brier) & np.isfinite(s.p)
    multi = s.multi
    metrics: dict[str, FloatArray] = {
        "n_scored": np.bincount(s.who, minlength=n).astype(np.float64),
        "n_binary": np.bincount(s.who[binary], minlength=n).astype(np.float64),
        "mean_brier": group_mean(s.brier, s.who, n, binary),
        "primary_brier": group_mean(s.brier, s.who, n, binary & s.after),
        "baseline_brier": group_mean(s.brier, s.who, n, binary & ~s.after),
        "mean_brier_multi": group_mean(s.brier_multi, s.who, n, multi),
        "mean_log": group_mean(s.log_score, s.who, n),
        "mean_rps": group_mean(s.rps, s.who, n),
        "mean_interval_score": group_mean(s.interval_score, s.who, n),
        "mean_wis": group_mean(s.wis, s.who, n),
        "mean_forecast": group_mean(s.p, s.who, n, binary),
        "event_rate": group_mean(s.y, s.who, n, binary),
    }
    metrics.update(_binary_metrics(s, binary, n))
    return metrics


def _binary_metrics(s: CountedScores, binary: Any, n: int) -> dict[str, FloatArray]:
    nan = np.full(n, np.nan)
    if not binary.any():
        return {"relative_brier": nan, "reliability": nan, "resolution": nan, "auc": nan}
    p, y, who = s.p[binary], s.y[binary].astype(np.int8), s.who[binary]
    relative = scoring.relative_brier(s.brier[binary], s.question[binary])
    decomposition = scoring.murphy(p, y, bins=BINS, groups=who, n_groups=n)
    area = scoring.auc(p, y, groups=who, n_groups=n)
    return {
        "relative_brier": group_mean(np.asarray(relative, dtype=np.float64), who, n),
        "reliability": np.asarray(decomposition.reliability, dtype=np.float64),
        "resolution": np.asarray(decomposition.resolution, dtype=np.float64),
        "auc": np.asarray(area.auc, dtype=np.float64),
    }


def _value(x: Any) -> float | None:
    value = float(x)
    return value if np.isfinite(value) else None


def refresh_locked(*, study_id: int) -> None:
    """Recompute and replace all summaries of a study (caller holds the study lock)."""
    now = timezone.now()
    people = analysable_participants(study_id)
    counted = read_counted(study_id, people)
    metrics = participant_metrics(counted)
    ParticipantSummary.objects.filter(study_id=study_id).exclude(
        participant_id__in=counted.people.tolist()
    ).delete()
    _participants_write(study_id, counted, metrics, people, now)
    _refresh_arms(study_id, counted, metrics, people, now)
    # Everyone is up to date: nothing is left for an incremental refresh.
    SummaryPending.objects.filter(study_id=study_id).delete()
    _refreshed(study_id, now)


def refresh_participants_locked(*, study_id: int, participant_ids: Iterable[int]) -> None:
    """Recompute the summaries of these participants only, and the study-wide figures
    (caller holds the study lock). Same results as `refresh_locked`."""
    now = timezone.now()
    people = analysable_participants(study_id)
    changed = sorted(set(participant_ids))
    own = read_counted(study_id, people, participant_ids=changed)
    metrics = participant_metrics(own)
    everyone = read_counted(study_id, people, binary_only=True)
    shared = _study_wide_metrics(everyone)
    # The relative Brier score compares with every participant's forecasts.
    position = {pid: code for code, pid in enumerate(everyone.people.tolist())}
    metrics["relative_brier"] = np.array(
        [
            shared["relative_brier"][position[pid]] if pid in position else np.nan
            for pid in own.people.tolist()
        ],
        dtype=np.float64,
    )
    kept = set(own.people.tolist())
    # As a full refresh: no summary for a changed participant left with no counted score,
    # nor for anyone no longer analysable (withdrawn, taking their data back).
    ParticipantSummary.objects.filter(study_id=study_id).filter(
        Q(participant_id__in=[pid for pid in changed if pid not in kept])
        | ~Q(participant_id__in=list(people))
    ).delete()
    _participants_write(study_id, own, metrics, people, now)
    _relative_brier_update(study_id, everyone.people, shared["relative_brier"], skip=kept)
    _refresh_arms(study_id, everyone, shared, people, now)
    _refreshed(study_id, now)


def _study_wide_metrics(s: CountedScores) -> dict[str, FloatArray]:
    """From the yes/no scores of everyone: relative Brier and primary Brier per participant."""
    binary = s.binary & np.isfinite(s.brier) & np.isfinite(s.p)
    n = s.n
    relative = np.full(n, np.nan)
    if binary.any():
        values = scoring.relative_brier(s.brier[binary], s.question[binary])
        relative = group_mean(np.asarray(values, dtype=np.float64), s.who[binary], n)
    return {
        "relative_brier": relative,
        "primary_brier": group_mean(s.brier, s.who, n, binary & s.after),
    }


def _participants_write(
    study_id: int,
    counted: CountedScores,
    metrics: dict[str, FloatArray],
    people: dict[int, tuple[int | None, int | None]],
    now: Any,
) -> None:
    arm = [people[pid][0] for pid in counted.people.tolist()]
    bulk.upsert(
        ParticipantSummary,
        columns={
            "participant_id": counted.people,
            "arm_id": np.array([-1 if a is None else a for a in arm], dtype=np.int64),
            **{
                name: values.astype(np.int64) if name in ("n_scored", "n_binary") else values
                for name, values in metrics.items()
            },
        },
        constants={"study_id": study_id, "refreshed_at": now},
        unique="participant",
        update_fields=_PARTICIPANT_FIELDS,
    )


def _relative_brier_update(
    study_id: int, people: IntArray, relative: FloatArray, *, skip: set[int]
) -> None:
    """Write the relative Brier of the other participants where it changed (a question's
    median moves only now and then, so usually few rows)."""
    wanted = {
        pid: _value(value)
        for pid, value in zip(people.tolist(), relative.tolist(), strict=True)
        if pid not in skip
    }
    stale = [
        ParticipantSummary(pk=pk, relative_brier=wanted[pid])
        for pk, pid, stored in ParticipantSummary.objects.filter(
            study_id=study_id, participant_id__in=list(wanted)
        ).values_list("pk", "participant_id", "relative_brier")
        if stored != wanted[pid]
    ]
    ParticipantSummary.objects.bulk_update(stale, ["relative_brier"], batch_size=500)


def _refreshed(study_id: int, now: Any) -> None:
    """Record the refresh time (one upsert, whether or not the row exists yet)."""
    SummaryState.objects.bulk_create(
        [SummaryState(study_id=study_id, refreshed_at=now)],
        update_conflicts=True,
        unique_fields=["study"],
        update_fields=["refreshed_at"],
    )


# --- coalesced refresh after submissions -----------------------------------------


def pending_mark(*, study_id: int, participant_ids: Iterable[int]) -> None:
    """Note that these participants' scores changed (inside the scoring transaction)."""
    SummaryPending.objects.bulk_create(
        [SummaryPending(study_id=study_id, participant_id=pid) for pid in sorted(participant_ids)],
        ignore_conflicts=True,
    )


def participants_refresh(*, study_id: int, participant_ids: Iterable[int]) -> None:
    """Refresh now after these participants' data changed outside scoring (erasure)."""
    with transaction.atomic():
        pending_mark(study_id=study_id, participant_ids=participant_ids)
    pending_refresh(study_id=study_id)


class Deferral(enum.Enum):
    """What a submission's scoring does about the study's summaries (`refresh_deferral`)."""

    NOW = "now"  # not refreshed within COALESCE_SECONDS: `pending_refresh` after commit
    CLAIM = "claim"  # refreshed just now: put off; claim and queue one delayed refresh
    QUEUED = "queued"  # refreshed just now and a delayed refresh is already on its way


def refresh_deferral(*, study_id: int) -> Deferral:
    """Whether this submission's summaries wait, read in one small query.

    Call it inside the scoring transaction, after `pending_mark`, holding the study
    lock: `refreshed_at` and the reset of `refresh_queued` are written only under that
    lock (`pending_refresh`, which resets the flag before it reads the marks), so if a
    refresh is queued here, one that reads this transaction's marks is still to come
    (the queued task, or the sweep if its publish was lost). The answers are those
    `pending_refresh(unless_refreshed_within=COALESCE_SECONDS)` and `refresh_queue_claim`
    would give, without their transaction and claim: during a burst, every submission
    but the first of each wait is QUEUED.
    """
    # Hand-written, as the study lock before it (once per scored submission): the ORM
    # spends several times the database's time building so small a query.
    using = router.db_for_write(SummaryState)  # the scoring transaction's connection
    connection = connections[using]
    quote = connection.ops.quote_name
    meta: Any = SummaryState._meta
    refreshed_at, queued_column = (
        quote(meta.get_field(name).column) for name in ("refreshed_at", "refresh_queued")
    )
    since = timezone.now() - timedelta(seconds=COALESCE_SECONDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {queued_column}, {refreshed_at} IS NOT NULL AND {refreshed_at} > %s"
            f" FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s",
            [connection.ops.adapt_datetimefield_value(since), study_id],
        )
        row = cursor.fetchone()
    if row is None or not row[1]:
        return Deferral.NOW
    queued = bool(row[0])
    return Deferral.QUEUED if queued else Deferral.CLAIM


def pending_refresh(*, study_id: int, unless_refreshed_within: float | None = None) -> bool:
    """Refresh every participant marked since the last refresh, in one transaction.

    With `unless_refreshed_within` (seconds), do nothing and return False if the
    study was refreshed that recently: the caller then makes sure a refresh is
    queued (`refresh_queue_claim`), so a burst of submissions shares one refresh.
    """
    with transaction.atomic():
        # The study row first, as every scoring transaction takes it, then the state row.
        list(Study.objects.select_for_update().filter(pk=study_id).values_list("pk"))
        state, _ = SummaryState.objects.select_for_update().get_or_create(study_id=study_id)
        now = timezone.now()
        if (
            unless_refreshed_within is not None
            and state.refreshed_at is not None
            and now - state.refreshed_at < timedelta(seconds=unless_refreshed_within)
        ):
            return False
        SummaryState.objects.filter(pk=study_id).update(refresh_queued=False)
        due = list(
            SummaryPending.objects.filter(study_id=study_id).values_list(
                "participant_id", flat=True
            )
        )
        if due:
            SummaryPending.objects.filter(study_id=study_id, participant_id__in=due).delete()
            refresh_participants_locked(study_id=study_id, participant_ids=due)
    return True


def refresh_queue_claim(*, study_id: int) -> bool:
    """True for exactly one caller until the queued refresh runs: that caller enqueues it.

    A conditional UPDATE is the claim; a refresh in progress holds the row, so a
    claim made meanwhile waits and then succeeds, and its participants are not missed.
    The row almost always exists (the refresh that started the wait wrote it), so the
    claim is tried first and the row made only if the claim found nothing.
    """
    unclaimed = SummaryState.objects.filter(pk=study_id, refresh_queued=False)
    if unclaimed.update(refresh_queued=True):
        return True
    SummaryState.objects.get_or_create(study_id=study_id)
    return bool(unclaimed.update(refresh_queued=True))


# --- arms -------------------------------------------------------------------------


def _arm_order(study_id: int) -> list[int]:
    """Arm ids with the control first (engine code 0), then by position."""
    arms = list(Arm.objects.filter(study_id=study_id).values_list("pk", "is_control", "position"))
    arms.sort(key=lambda arm: (not arm[1], arm[2], arm[0]))
    return [pk for pk, _, _ in arms]


def _is_clustered(study_id: int) -> bool:
    unit = (
        DesignVersion.objects.filter(study_id=study_id)
        .newest_first()
        .values_list("unit", flat=True)
        .first()
    )
    return unit == DesignVersion.Unit.COUNCIL


def _refresh_arms(
    study_id: int,
    s: CountedScores,
    metrics: dict[str, FloatArray],
    people: dict[int, tuple[int | None, int | None]],
    now: Any,
) -> None:
    arm_ids = _arm_order(study_id)
    code_of_arm: dict[int | None, int] = {arm_id: code for code, arm_id in enumerate(arm_ids)}
    person_arm = np.array(
        [code_of_arm.get(people[int(pid)][0], -1) for pid in s.people], dtype=np.int64
    )
    person_council = np.array([people[int(pid)][1] or -1 for pid in s.people], dtype=np.int64)
    primary = metrics["primary_brier"]
    in_trial = (person_arm >= 0) & np.isfinite(primary)
    stats = _arm_stats(s, primary, person_arm, in_trial, len(arm_ids))
    comparison = _compare(study_id, primary, person_arm, person_council, in_trial)
    rows = []
    for code, arm_id in enumerate(arm_ids):
        fields = {name: values[code] for name, values in stats.items()}
        fields.update(_comparison_fields(comparison, code))
        rows.append(
            ArmSummary(
                study_id=study_id,
                arm_id=arm_id,
                refreshed_at=now,
                n_participants=int(fields.pop("n_participants")),
                n_forecasts=int(fields.pop("n_forecasts")),
                n_clusters=fields.pop("n_clusters", None),
                **{name: _value(value) for name, value in fields.items()},
            )
        )
    ArmSummary.objects.filter(study_id=study_id).exclude(arm_id__in=arm_ids).delete()
    ArmSummary.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["arm"], update_fields=_ARM_FIELDS
    )


def _arm_stats(
    s: CountedScores, primary: FloatArray, person_arm: IntArray, in_trial: Any, n_arms: int
) -> dict[str, Any]:
    nan = np.full(n_arms, np.nan)
    people_arm = person_arm[in_trial]
    stats: dict[str, Any] = {
        "n_participants": np.bincount(people_arm, minlength=n_arms),
        "n_forecasts": np.zeros(n_arms, dtype=np.int64),
        "mean_brier": group_mean(primary[in_trial], people_arm, n_arms),
        "reliability": nan,
        "resolution": nan,
        "auc": nan,
    }
    row_arm = person_arm[s.who]
    rows = s.binary & s.after & np.isfinite(s.brier) & in_trial[s.who]
    if rows.any():
        p, y, arm = s.p[rows], s.y[rows].astype(np.int8), row_arm[rows]
        stats["n_forecasts"] = np.bincount(arm, minlength=n_arms)
        decomposition = scoring.murphy(p, y, bins=BINS, groups=arm, n_groups=n_arms)
        stats["reliability"] = np.asarray(decomposition.reliability, dtype=np.float64)
        stats["resolution"] = np.asarray(decomposition.resolution, dtype=np.float64)
        stats["auc"] = np.asarray(scoring.auc(p, y, groups=arm, n_groups=n_arms).auc)
    return stats


def _compare(
    study_id: int, primary: FloatArray, arm: IntArray, council: IntArray, in_trial: Any
) -> scoring.ArmComparison | None:
    """Participant-level comparison: each participant's primary Brier is one unit."""
    if not in_trial.any() or not (arm[in_trial] == 0).any() or len(set(arm[in_trial])) < 2:
        return None
    cluster = council[in_trial] if _is_clustered(study_id) else None
    try:
        return scoring.compare_arms(
            primary[in_trial],
            np.flatnonzero(in_trial),
            arm[in_trial],
            control=0,
            cluster=cluster,
            n_boot=N_BOOT,
            seed=BOOT_SEED,
        )
    except ValueError:
        # Too few units to bootstrap, or a cluster spanning arms: no comparison yet.
        return None


def _comparison_fields(comparison: scoring.ArmComparison | None, code: int) -> dict[str, Any]:
    empty = {"difference": np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    if comparison is None:
        return empty
    hits = np.flatnonzero(np.asarray(comparison.arm) == code)
    if not hits.size:
        return empty
    i = int(hits[0])
    fields: dict[str, Any] = {
        "difference": comparison.difference[i],
        "se": comparison.se[i],
        "ci_low": comparison.ci_low[i],
        "ci_high": comparison.ci_high[i],
    }
    if comparison.n_clusters is not None:
        fields["n_clusters"] = int(comparison.n_clusters[i])
    return fields
