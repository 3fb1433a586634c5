"""The scoring sweep: find questions whose stored scores disagree with their outcome.

Scoring is normally triggered by a task sent after a submission or an outcome
change commits. If that publish was lost (broker down) or its worker died for
good, the sweep — a periodic task, `tasks.sweep.sweep_scoring` — finds the
questions left behind and scores them again. Scoring is an idempotent upsert
per question, so sweeping a question that was fine costs time, not correctness.

A question needs scoring when any of these holds:

- it has an outcome, is not annulled, and a forecast on it has no score;
- it is annulled and some of its forecasts still have scores;
- a stored score was computed against a different outcome (a lost correction).

It also refreshes the summaries of any study with participants still marked as
changed (`SummaryPending`): their delayed refresh task was lost (the publish
failed after the claim), so without the sweep they would wait for the next one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F, Q
from django.utils import timezone

from casecast.resolution import scoring_pipeline, summaries
from casecast.resolution.models import ForecastScore, SummaryPending

# The normal task usually lands within seconds; leave it time to, so the sweep
# does not routinely score the same forecasts a second time.
GRACE = timedelta(minutes=2)
OUTCOME_FIELDS = scoring_pipeline.OUTCOME_FIELDS


def _differs(field: str) -> Q:
    """The score's copy of an outcome field is not the question's current value."""
    current = f"question__{field}"
    return (
        Q(**{f"{field}__isnull": True, f"{current}__isnull": False})
        | Q(**{f"{field}__isnull": False, f"{current}__isnull": True})
        | (
            Q(**{f"{field}__isnull": False, f"{current}__isnull": False})
            & ~Q(**{field: F(current)})
        )
    )


def questions_needing_scores(*, now: datetime | None = None) -> list[int]:
    """Ids of questions whose forecasts' scores are missing, stale or should be gone."""
    cutoff = (now or timezone.now()) - GRACE
    unscored = (
        scoring_pipeline.forecasts_awaiting_scores()
        .filter(submitted_at__lt=cutoff)
        .values_list("question_id", flat=True)
        .distinct()
    )
    stale = (
        ForecastScore.objects.filter(
            Q(question__annulled=True)
            | _differs(OUTCOME_FIELDS[0])
            | _differs(OUTCOME_FIELDS[1])
            | _differs(OUTCOME_FIELDS[2])
        )
        .values_list("question_id", flat=True)
        .distinct()
    )
    return sorted(set(unscored) | set(stale))


def scoring_sweep() -> list[int]:
    """Score every question left behind; return their ids (empty when all is well)."""
    question_ids = questions_needing_scores()
    if question_ids:
        scoring_pipeline.score_questions(question_ids=question_ids)
    summaries_sweep()
    return question_ids


def summaries_sweep() -> list[int]:
    """Refresh every study whose marked participants still wait; return their ids."""
    study_ids = sorted(set(SummaryPending.objects.values_list("study_id", flat=True)))
    for study_id in study_ids:
        summaries.pending_refresh(study_id=study_id)
    return study_ids
