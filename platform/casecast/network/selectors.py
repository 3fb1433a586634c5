"""Reads across studies, only ever of participants who agreed to be linked.

A *wave* is one phase of one study, in the order the studies were created and the
phases run. Every figure uses each person's counted yes/no forecasts (the last on a
question, not a test–retest repeat), scored on the 0–1 Brier scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db.models import Q, QuerySet

from casecast.insights.skill import (
    Persistence,
    SkillEstimates,
    persistence,
    skill_estimates,
    standardised_brier,
)
from casecast.network.identity import network_label, network_pseudonym
from casecast.resolution.models import ForecastScore
from casecast.studies.models import Participant, Phase, Study

TOP_FRACTION = 0.02
MIN_FORECASTS = 10
# Within one wave people answer a few cases only: persistence needs this many in each.
WAVE_MIN_FORECASTS = 3


def linked_participants() -> QuerySet[Participant]:
    """Participations that may be linked: agreed, in a study that offers it, data usable."""
    return (
        Participant.objects.filter(
            linked_across_studies_at__isnull=False,
            user__isnull=False,
            erased_at__isnull=True,
            study__offers_network_linking=True,
        )
        .exclude(Q(withdrawn_at__isnull=False) & Q(keep_data=False))
        .order_by("pk")
    )


def linking_counts() -> dict[str, int]:
    """How many agreed, across how many studies (for the page and the docs' checks)."""
    linked = linked_participants()
    return {
        "participations": linked.count(),
        "people": linked.values("user_id").distinct().count(),
        "studies": linked.values("study_id").distinct().count(),
    }


@dataclass(frozen=True)
class Wave:
    study_title: str
    study_slug: str
    phase_name: str

    @property
    def label(self) -> str:
        return f"{self.study_title}: {self.phase_name}"


@dataclass(frozen=True)
class NetworkScores:
    """One row per person × wave × question (the last forecast if answered twice)."""

    user: np.ndarray
    wave: np.ndarray  # index into `waves`
    question: np.ndarray
    brier: np.ndarray
    waves: list[Wave]


def network_scores(*, question_ids: set[int] | None = None) -> NetworkScores:
    """Counted yes/no Brier scores of every linked participation (of these questions only,
    if given), in one query."""
    scores = ForecastScore.objects.filter(
        participant__in=linked_participants(),
        is_last=True,
        is_retest=False,
        probability__isnull=False,
        brier__isnull=False,
    )
    if question_ids is not None:
        scores = scores.filter(question_id__in=sorted(question_ids))
    rows = list(
        scores.order_by("forecast_id").values_list(
            "participant__user_id", "forecast__assignment__phase_id", "question_id", "brier"
        )
    )
    phases = {
        phase.pk: phase
        for phase in Phase.objects.filter(pk__in={row[1] for row in rows}).select_related("study")
    }
    order = sorted(phases.values(), key=lambda p: (p.study.created_at, p.study_id, p.position))
    index = {phase.pk: i for i, phase in enumerate(order)}
    latest: dict[tuple[int, int, int], float] = {}
    for user, phase, question, brier in rows:  # later forecasts overwrite earlier ones
        if brier is not None:  # the query excludes it; the type does not know
            latest[(user, index[phase], question)] = brier
    keys = sorted(latest)
    return NetworkScores(
        user=np.array([k[0] for k in keys], dtype=np.int64),
        wave=np.array([k[1] for k in keys], dtype=np.int64),
        question=np.array([k[2] for k in keys], dtype=np.int64),
        brier=np.array([latest[k] for k in keys], dtype=np.float64),
        waves=[Wave(p.study.title, p.study.slug, p.name) for p in order],
    )


@dataclass(frozen=True)
class Forecaster:
    rank: int
    network_id: str  # the short label shown on pages
    user_id: int  # never shown; used to invite
    n: int
    n_waves: int
    estimate: float
    lower: float
    upper: float
    mean_brier: float
    top: bool


@dataclass(frozen=True)
class WavePair:
    first: Wave
    second: Wave
    result: Persistence


@dataclass(frozen=True)
class TrackRecord:
    forecasters: list[Forecaster]  # ranked, best first; only those with at least min_n
    n_people: int  # everyone linked with any scored forecast
    persistence: list[WavePair]
    estimates: SkillEstimates | None


def track_record(*, min_n: int = MIN_FORECASTS, top_fraction: float = TOP_FRACTION) -> TrackRecord:
    """Everyone linked, ranked by skill over all their waves, and persistence between waves."""
    scores = network_scores()
    if scores.user.size == 0:
        return TrackRecord([], 0, [], None)
    # Over all waves a question is answered once per person: keep their latest wave's.
    pooled: dict[tuple[int, int], int] = {}
    for row in range(scores.user.size):
        pooled[(int(scores.user[row]), int(scores.question[row]))] = row
    rows = np.array(sorted(pooled.values()), dtype=np.int64)
    estimates = skill_estimates(scores.user[rows], scores.question[rows], scores.brier[rows])
    waves_per_user = {
        int(u): int(np.unique(scores.wave[scores.user == u]).size) for u in estimates.person
    }
    return TrackRecord(
        forecasters=_ranked(estimates, waves_per_user, min_n=min_n, top_fraction=top_fraction),
        n_people=int(estimates.person.size),
        persistence=_persistence(scores, top_fraction=top_fraction),
        estimates=estimates,
    )


def _ranked(
    estimates: SkillEstimates, waves: dict[int, int], *, min_n: int, top_fraction: float
) -> list[Forecaster]:
    eligible = [i for i in range(estimates.person.size) if estimates.n[i] >= min_n]
    eligible.sort(key=lambda i: (estimates.estimate[i], int(estimates.person[i])))
    n_top = max(1, int(np.ceil(top_fraction * len(eligible)))) if eligible else 0
    return [
        Forecaster(
            rank=rank,
            network_id=network_label(network_pseudonym(user_id=int(estimates.person[i]))),
            user_id=int(estimates.person[i]),
            n=int(estimates.n[i]),
            n_waves=waves[int(estimates.person[i])],
            estimate=float(estimates.estimate[i]),
            lower=float(estimates.lower[i]),
            upper=float(estimates.upper[i]),
            mean_brier=float(estimates.mean_brier[i]),
            top=rank <= n_top,
        )
        for rank, i in enumerate(eligible, start=1)
    ]


def _persistence(scores: NetworkScores, *, top_fraction: float) -> list[WavePair]:
    """Each wave against the next, for people with `WAVE_MIN_FORECASTS` in both."""
    per_wave: list[SkillEstimates | None] = []
    for wave in range(len(scores.waves)):
        here = scores.wave == wave
        per_wave.append(
            skill_estimates(scores.user[here], scores.question[here], scores.brier[here])
            if np.unique(scores.user[here]).size > 1
            else None
        )
    pairs = []
    for a in range(len(per_wave) - 1):
        first, second = per_wave[a], per_wave[a + 1]
        if first is None or second is None:
            continue
        result = persistence(first, second, top_fraction=top_fraction, min_n=WAVE_MIN_FORECASTS)
        if result.n_both:
            pairs.append(WavePair(scores.waves[a], scores.waves[a + 1], result))
    return pairs


@dataclass(frozen=True)
class WaveStanding:
    """One person's place among the linked forecasters of one wave."""

    wave: Wave
    n: int  # their forecasts compared
    n_peers: int  # other linked people who answered some of the same questions
    better_than_pct: int  # share of those peers whose standardised Brier is worse


def standing_across_waves(
    *, user_id: int, question_ids: set[int], min_peers: int
) -> list[WaveStanding]:
    """Per wave, how one person compares with the other linked forecasters, on these
    questions only (the caller passes those whose outcomes the person may see)."""
    scores = network_scores(question_ids=question_ids)
    standings = []
    for wave in np.unique(scores.wave[scores.user == user_id]).tolist():
        here = scores.wave == wave
        z = standardised_brier(scores.question[here], scores.brier[here])
        users = scores.user[here]
        people, who = np.unique(users, return_inverse=True)
        means = np.bincount(who, weights=z) / np.bincount(who)
        own = means[people == user_id][0]
        others = means[people != user_id]
        if others.size >= min_peers:
            standings.append(
                WaveStanding(
                    wave=scores.waves[wave],
                    n=int(np.sum(users == user_id)),
                    n_peers=int(others.size),
                    better_than_pct=round(100 * float(np.mean(others > own))),
                )
            )
    return standings


def studies_open_for_invitations() -> QuerySet[Study]:
    return Study.objects.filter(status=Study.Status.RECRUITING).order_by("title")
