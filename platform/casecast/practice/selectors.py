"""Reads for practice mode: a worker's own forecasts and calibration, and what staff may see.

Staff see counts for their study and, only for workers who opted in to share
with that study, an anonymised record (common question, probability, outcome,
month due). Never a worker's own question text, never who they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet

from casecast.accounts.models import User
from casecast.feedback.calibration import CalibrationChart, calibration_chart
from casecast.practice.models import PracticeAccess, PracticeForecast, PracticeShare
from casecast.practice.questions import question_text
from casecast.studies.models import Participant, Study


def practising_studies(*, user: User) -> QuerySet[Study]:
    """The studies that let the user practise, which are those they may share with: the ones
    they take part in now (consented, not withdrawn) and those that invited them to
    practise only (not revoked)."""
    taking_part = Participant.objects.filter(
        user=user, withdrawn_at__isnull=True, consented_at__isnull=False
    ).values("study")
    invited = PracticeAccess.objects.filter(user=user, revoked_at__isnull=True).values("study")
    return Study.objects.filter(Q(pk__in=taking_part) | Q(pk__in=invited)).order_by("title")


def may_practise(*, user: User) -> bool:
    return practising_studies(user=user).exists()


def practice_access_for(*, study: Study) -> list[PracticeAccess]:
    """The study's practice-only invitations, newest first (revoked ones too)."""
    return list(
        PracticeAccess.objects.filter(study=study)
        .select_related("user")
        .order_by("-created_at", "-pk")
    )


def _study_workers(study: Study, *, current_only: bool = False) -> QuerySet[User]:
    """Accounts that practise through this study: its participants and its practice-only
    invitees."""
    participants = Participant.objects.filter(study=study, user__isnull=False)
    access = PracticeAccess.objects.filter(study=study)
    if current_only:
        participants = participants.filter(withdrawn_at__isnull=True)
        access = access.filter(revoked_at__isnull=True)
    return User.objects.filter(
        Q(pk__in=participants.values("user")) | Q(pk__in=access.values("user"))
    )


def practice_forecasts(*, owner: User) -> list[PracticeForecast]:
    return list(PracticeForecast.objects.filter(owner=owner).order_by("due_on", "pk"))


def practice_forecast_for(*, owner: User, pk: int) -> PracticeForecast | None:
    return PracticeForecast.objects.filter(owner=owner, pk=pk).first()


@dataclass(frozen=True)
class ForecastRow:
    forecast: PracticeForecast
    question: str
    due: bool  # the due date has come and it is not resolved yet


def forecast_rows(*, owner: User, today: date) -> list[ForecastRow]:
    return [
        ForecastRow(
            forecast=f,
            question=question_text(key=f.question_key, custom_text=f.custom_text),
            due=f.outcome is None and f.due_on <= today,
        )
        for f in practice_forecasts(owner=owner)
    ]


# --- calibration over time --------------------------------------------------------------


@dataclass(frozen=True)
class PeriodRow:
    """Resolved forecasts of one quarter (by the date they were resolved)."""

    label: str
    count: int
    mean_forecast_pct: int
    observed_pct: int
    brier: float  # mean (p - outcome)^2, 0 best, 1 worst


def _brier(pairs: Iterable[tuple[float, int]]) -> float:
    values = [(p - y) ** 2 for p, y in pairs]
    return sum(values) / len(values)


def _quarter(day: date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def calibration_over_time(*, forecasts: Iterable[PracticeForecast]) -> list[PeriodRow]:
    """One row per calendar quarter in which forecasts were resolved, oldest first."""
    groups: dict[str, list[tuple[float, int]]] = {}
    for f in sorted(
        (f for f in forecasts if f.outcome is not None and f.resolved_at is not None),
        key=lambda f: (f.resolved_at, f.pk),
    ):
        assert f.resolved_at is not None
        key = _quarter(f.resolved_at.date())
        groups.setdefault(key, []).append((f.probability_pct / 100, int(bool(f.outcome))))
    return [
        PeriodRow(
            label=label,
            count=len(pairs),
            mean_forecast_pct=round(100 * sum(p for p, _ in pairs) / len(pairs)),
            observed_pct=round(100 * sum(y for _, y in pairs) / len(pairs)),
            brier=_brier(pairs),
        )
        for label, pairs in groups.items()
    ]


@dataclass(frozen=True)
class PracticeCalibration:
    resolved: int
    brier: float | None
    chart: CalibrationChart
    periods: list[PeriodRow]


def practice_calibration(*, owner: User) -> PracticeCalibration:
    resolved = [f for f in practice_forecasts(owner=owner) if f.outcome is not None]
    pairs = [(f.probability_pct / 100, int(bool(f.outcome))) for f in resolved]
    chart = calibration_chart(
        probabilities=[p for p, _ in pairs],
        outcomes=[y for _, y in pairs],
        caption="Your practice forecasts: what you said and how often it happened",
    )
    return PracticeCalibration(
        resolved=len(resolved),
        brier=_brier(pairs) if pairs else None,
        chart=chart,
        periods=calibration_over_time(forecasts=resolved),
    )


# --- export -------------------------------------------------------------------------------

EXPORT_HEADER = [
    "local_id",
    "question",
    "common_question_key",
    "probability_pct",
    "due_on",
    "outcome",
    "resolved_at",
    "created_at",
]


def practice_export_rows(*, owner: User) -> list[list[str]]:
    """Everything Casecast holds about the owner's practice, one row per forecast."""
    rows = []
    for f in practice_forecasts(owner=owner):
        outcome = "" if f.outcome is None else ("yes" if f.outcome else "no")
        rows.append(
            [
                f.local_id,
                question_text(key=f.question_key, custom_text=f.custom_text),
                f.question_key,
                str(f.probability_pct),
                f.due_on.isoformat(),
                outcome,
                f.resolved_at.isoformat() if f.resolved_at else "",
                f.created_at.isoformat(),
            ]
        )
    return rows


# --- what staff see -----------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeCounts:
    workers: int  # participants and practice-only invitees with at least one practice forecast
    forecasts: int
    resolved: int
    sharing: int  # of those workers, how many share their anonymised record with this study


def practice_counts(*, study: Study) -> PracticeCounts:
    owners = _study_workers(study)
    totals = PracticeForecast.objects.filter(owner__in=owners).aggregate(
        workers=Count("owner", distinct=True),
        forecasts=Count("pk"),
        resolved=Count("pk", filter=Q(outcome__isnull=False)),
    )
    return PracticeCounts(
        workers=totals["workers"],
        forecasts=totals["forecasts"],
        resolved=totals["resolved"],
        sharing=PracticeShare.objects.filter(study=study, owner__in=owners).count(),
    )


@dataclass(frozen=True)
class SharedForecast:
    question_key: str  # blank for a worker's own question (its text is never shown to staff)
    probability_pct: int
    due_month: str  # "2026-03": the month only
    outcome: bool | None


@dataclass(frozen=True)
class SharedRecord:
    code: str  # "Worker 1", numbered by when they opted in: never who they are
    forecasts: list[SharedForecast]

    @property
    def resolved(self) -> int:
        return sum(1 for f in self.forecasts if f.outcome is not None)

    @property
    def brier(self) -> float | None:
        pairs = [
            (f.probability_pct / 100, int(f.outcome))
            for f in self.forecasts
            if f.outcome is not None
        ]
        return _brier(pairs) if pairs else None


def shared_records(*, study: Study) -> list[SharedRecord]:
    """Anonymised practice records of the study's participants who chose to share them."""
    owners = _study_workers(study, current_only=True)
    shares = PracticeShare.objects.filter(study=study, owner__in=owners).order_by(
        "created_at", "pk"
    )
    records = []
    for number, share in enumerate(shares, start=1):
        forecasts = [
            SharedForecast(
                question_key=f.question_key,
                probability_pct=f.probability_pct,
                due_month=f.due_on.strftime("%Y-%m"),
                outcome=f.outcome,
            )
            for f in PracticeForecast.objects.filter(owner_id=share.owner_id).order_by(
                "due_on", "pk"
            )
        ]
        records.append(SharedRecord(code=f"Worker {number}", forecasts=forecasts))
    return records
