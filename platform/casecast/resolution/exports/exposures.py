"""`exposures.csv`: what each participant was exposed to, for per-protocol analyses: one row
per training module started (with when it was completed and the time spent) and one per
feedback page seen (first and last time, and how often; a case's feedback page once per
case, joining forecasts on pseudonym, phase and case_position).

Only once the study closes, and not while it is blinded: a training module or a feedback
page belongs to an arm, so a row per participant would tell staff their arm while the
study recruits (allocation concealment), and which arm is which while it is blinded. Two
queries (training, feedback), each read in chunks and both in participant order, merged
as they stream.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import F

from casecast.feedback.models import FeedbackSeen
from casecast.resolution.exports.columns import (
    CHUNK,
    Column,
    ColumnType,
    Field,
    Pseudonyms,
    Row,
    Source,
    flag,
    table,
)
from casecast.resolution.exports.shared import analysable, pseudonym_column
from casecast.studies.blinding import is_blinded
from casecast.studies.models import Study
from casecast.studies.selectors import stratum_counts_visible
from casecast.training.models import ModuleKey, TrainingAttempt

FILENAME = "exposures.csv"

FEEDBACK = "feedback_"  # exposure key of a feedback page: feedback_<page>
EXPOSURES: tuple[tuple[str, str], ...] = (
    *ModuleKey.choices,
    *(
        (f"{FEEDBACK}{page}", f"Feedback page: {label}")
        for page, label in FeedbackSeen.Page.choices
    ),
)

# The fields every row has, whichever query it came from (see `_training` and `_feedback`).
_FIELDS = (
    "participant_id",
    "exposure",
    "module_version",
    "phase",
    "case_position",
    "vignette",
    "started_at",
    "last_seen_at",
    "completed_at",
    "seconds",
    "times",
)


def _is_training(row: Row) -> bool:
    return not row.db["exposure"].startswith(FEEDBACK)


def exposure_columns(study: Study) -> list[Column[Row]]:
    return [
        pseudonym_column(participant_id="participant_id"),
        Column(
            "exposure",
            ColumnType.TEXT,
            "Training module or feedback page",
            "What the participant was exposed to: a training module ("
            + ", ".join(f"{k} = {v}" for k, v in ModuleKey.choices)
            + ") or a feedback page ("
            + ", ".join(f"{FEEDBACK}{k} = {v}" for k, v in FeedbackSeen.Page.choices)
            + ")",
            Field("exposure"),
            value_labels=EXPOSURES,
        ),
        Column(
            "module_version",
            ColumnType.INTEGER,
            "Module version started",
            "Training: version of the module's content the participant started",
            Field("module_version"),
        ),
        Column(
            "phase",
            ColumnType.INTEGER,
            "Feedback on a case: the case's phase (1 = first)",
            "Feedback on a case: phase position of the case (1 = first); with case_position "
            "it joins forecasts. Empty for other rows",
            Field("phase"),
        ),
        Column(
            "case_position",
            ColumnType.INTEGER,
            "Feedback on a case: order of the case in the phase",
            "Feedback on a case: order of the case within its phase, 1 = first (as in "
            "forecasts). Empty for other rows",
            Field("case_position", lambda position: position + 1 if position is not None else None),
        ),
        Column(
            "vignette",
            ColumnType.TEXT,
            "Feedback on a case: vignette key",
            "Feedback on a case: the case's vignette key. Empty for other rows",
            Field("vignette"),
        ),
        Column(
            "started_at",
            ColumnType.TIME,
            "Started or first seen (UTC)",
            "Training: when they opened the module; feedback: when they first opened the "
            "page (UTC)",
            Field("started_at"),
        ),
        Column(
            "last_seen_at",
            ColumnType.TIME,
            "Last seen (UTC)",
            "When they last opened a page of the module, or the feedback page (UTC)",
            Field("last_seen_at"),
        ),
        flag(
            "completed",
            "Completed the module",
            "Training: 1 if they completed the module, else 0. Empty for feedback",
            lambda row: row.db["completed_at"] is not None if _is_training(row) else None,
            reads=("completed_at", "exposure"),
        ),
        Column(
            "completed_at",
            ColumnType.TIME,
            "Completed (UTC)",
            "Training: when they completed the module (UTC); empty if not completed",
            Field("completed_at"),
        ),
        Column(
            "seconds",
            ColumnType.INTEGER,
            "Seconds spent on the module",
            "Training: time on the module's pages in seconds; gaps over 10 minutes count as "
            "10 minutes",
            Field("seconds"),
        ),
        Column(
            "times_seen",
            ColumnType.INTEGER,
            "Feedback: times the page was opened",
            "Feedback: how many times they opened the page (reloads count). Empty for training",
            Field("times"),
        ),
    ]


def _training(study: Study) -> Iterable[dict[str, Any]]:
    rows = (
        analysable(TrainingAttempt.objects.filter(participant__study=study))
        .order_by("participant_id", "key")
        .values(
            "participant_id",
            exposure=F("key"),
            module_version=F("version__number"),
            started=F("started_at"),
            last_seen=F("last_seen_at"),
            completed=F("completed_at"),
            seconds=F("seconds_spent"),
        )
    )
    for db in rows.iterator(chunk_size=CHUNK):
        yield {
            **dict.fromkeys(_FIELDS),
            "participant_id": db["participant_id"],
            "exposure": db["exposure"],
            "module_version": db["module_version"],
            "started_at": db["started"],
            "last_seen_at": db["last_seen"],
            "completed_at": db["completed"],
            "seconds": db["seconds"],
        }


def _feedback(study: Study) -> Iterable[dict[str, Any]]:
    rows = (
        analysable(FeedbackSeen.objects.filter(participant__study=study))
        .order_by("participant_id", "page", "assignment__phase__position", "assignment__position")
        .values_list(
            "participant_id",
            "page",
            "assignment__phase__position",
            "assignment__position",
            "assignment__vignette_version__vignette__key",
            "first_seen_at",
            "last_seen_at",
            "times",
        )
    )
    for participant_id, page, phase, position, vignette, first, last, times in rows.iterator(
        chunk_size=CHUNK
    ):
        yield {
            **dict.fromkeys(_FIELDS),
            "participant_id": participant_id,
            "exposure": f"{FEEDBACK}{page}",
            "phase": phase,
            "case_position": position,
            "vignette": vignette,
            "started_at": first,
            "last_seen_at": last,
            "times": times,
        }


def exposure_source(*, study: Study, unblinded: bool = False) -> Source[Row]:
    """Training modules started, then feedback pages seen, per participant (in participant
    order); no rows until the study has closed, nor while it is blinded (unless
    `unblinded`: the data monitoring committee's export)."""
    columns = exposure_columns(study)
    if not stratum_counts_visible(study=study) or is_blinded(study=study, unblinded=unblinded):
        return Source(columns, ())
    names = Pseudonyms(study)
    # Both streams are ordered by participant; merging keeps a participant's rows together
    # (training first) without holding either in memory.
    merged = heapq.merge(_training(study), _feedback(study), key=lambda db: db["participant_id"])
    return Source(columns, (Row(db, names) for db in merged))


def exposure_export_rows(*, study: Study) -> Iterator[list[str]]:
    """The header, then the CSV cells of `exposure_source`."""
    return table(study=study, source=exposure_source(study=study))
