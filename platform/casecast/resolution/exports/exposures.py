"""`exposures.csv`: what each participant was exposed to: one row per training module
started, with when it was completed and the time spent (for per-protocol analyses).

Only once the study closes: a training module belongs to an arm, so a row per participant
would tell staff their arm while the study recruits (allocation concealment), and
which arm is which while it is blinded (so no rows until unblinding either). Feedback
pages are not recorded per view, so they are not here (see docs/exports.md).
"""

from __future__ import annotations

from collections.abc import Iterator

from casecast.resolution.exports.columns import (
    CHUNK,
    Column,
    ColumnType,
    Field,
    Pseudonyms,
    Row,
    Source,
    fields_read,
    flag,
    table,
)
from casecast.resolution.exports.shared import analysable, pseudonym_column
from casecast.studies.blinding import is_blinded
from casecast.studies.models import Study
from casecast.studies.selectors import stratum_counts_visible
from casecast.training.models import ModuleKey, TrainingAttempt

FILENAME = "exposures.csv"


def exposure_columns(study: Study) -> list[Column[Row]]:
    return [
        pseudonym_column(participant_id="participant_id"),
        Column(
            "exposure",
            ColumnType.TEXT,
            "Training module",
            "The training module: " + ", ".join(f"{k} ({v})" for k, v in ModuleKey.choices),
            Field("key"),
            value_labels=tuple(ModuleKey.choices),
        ),
        Column(
            "module_version",
            ColumnType.INTEGER,
            "Module version started",
            "Version of the module's content the participant started",
            Field("version__number"),
        ),
        Column(
            "started_at",
            ColumnType.TIME,
            "Started (UTC)",
            "When they opened the module (UTC)",
            Field("started_at"),
        ),
        Column(
            "last_seen_at",
            ColumnType.TIME,
            "Last seen (UTC)",
            "When they last opened a page of the module (UTC)",
            Field("last_seen_at"),
        ),
        flag(
            "completed",
            "Completed the module",
            "1 if they completed the module, else 0",
            Field("completed_at", lambda value: value is not None),
        ),
        Column(
            "completed_at",
            ColumnType.TIME,
            "Completed (UTC)",
            "When they completed the module (UTC); empty if not completed",
            Field("completed_at"),
        ),
        Column(
            "seconds",
            ColumnType.INTEGER,
            "Seconds spent on the module",
            "Time on the module's pages in seconds; gaps over 10 minutes count as 10 minutes",
            Field("seconds_spent"),
        ),
    ]


def exposure_source(*, study: Study) -> Source[Row]:
    """One row per training module started; no rows until the study has closed, nor while
    it is blinded (a module names its arm's intervention: the rows would unblind)."""
    columns = exposure_columns(study)
    if not stratum_counts_visible(study=study) or is_blinded(study=study):
        return Source(columns, ())
    names = Pseudonyms(study)
    rows = (
        analysable(TrainingAttempt.objects.filter(participant__study=study))
        .order_by("participant_id", "key")
        .values(*fields_read(columns, Row))
    )
    return Source(columns, (Row(db, names) for db in rows.iterator(chunk_size=CHUNK)))


def exposure_export_rows(*, study: Study) -> Iterator[list[str]]:
    """The header, then the CSV cells of `exposure_source`."""
    return table(study=study, source=exposure_source(study=study))
