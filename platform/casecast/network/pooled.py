"""The pooled package: several studies' data about the people who agreed to be linked.

Files (joined on `network_id`, and within a study on `study` plus the study's own ids):

- `forecasters`: one row per network pseudonym: in how many of the chosen studies, the
  first and the last;
- `participants`: one row per linked participation: network id, study, the study's own
  pseudonym, arm (coded while that study is blinded), council, status and dates;
- `forecasts` and `scores`: the study files' rows of linked participants only;
- `questions`: each chosen study's questions;

plus `datapackage.json` and `codebook.md`, in any format a study's package is written in.

**Only linked rows.** Who is in the pool is `selectors.linked_participants()`, the same
rule as the track record page: agreed to link, in a study that offers it, not erased, and
not withdrawn without letting their data be used. Nobody else appears in any file, not
even as a count: the `forecasters` file counts studies per linked person only.

**The same declarations.** A pooled file's columns are the study file's columns (each
declared once in `resolution/exports`), after two declared here (`network_id`, `study`).
Every study's rows are read by the study file's own query, with its concealment and
blinding applied per study (arms blank until that study closes, coded while it is
blinded), then written by the same writers. Where studies describe a column differently
(the arms, the phases), the pooled column says so per study and carries no value labels.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from django.db.models import Q, QuerySet
from django.utils import timezone

from casecast.audit.services import audit_record
from casecast.core.csv_safety import formula_neutralise
from casecast.network.identity import network_pseudonym
from casecast.network.selectors import linked_participants
from casecast.resolution.exports import forecasts, participants, questions, scores
from casecast.resolution.exports.codebook import codebook_text
from casecast.resolution.exports.columns import (
    Column,
    ColumnType,
    Field,
    Row,
    Source,
    value_getters,
)
from casecast.resolution.exports.datapackage import Layouts, package_descriptor
from casecast.resolution.exports.dictionary import CONVENTIONS
from casecast.resolution.exports.package import REASONING, package_zip
from casecast.resolution.exports.writers import WRITERS, Format
from casecast.studies.models import Participant, Study

AUDIT_ACTION = "network.pooled_export"
# Also recorded in each pooled study's own audit trail, so its team sees the export.
STUDY_AUDIT_ACTION = "exports.pooled"
NAME = "casecast-network"


class PoolError(ValueError):
    """The studies asked for cannot be pooled (the message says which and why)."""


# --- who is in the pool ------------------------------------------------------------------


@dataclass(frozen=True)
class Linked:
    network_id: str
    linked_at: datetime | None


@dataclass(frozen=True)
class Pool:
    """The chosen studies (oldest first) and their linked participations, by id."""

    studies: list[Study]
    linked: dict[int, Linked] = field(repr=False)

    @property
    def slugs(self) -> list[str]:
        return [study.slug for study in self.studies]

    def of(self, study: Study) -> QuerySet[Participant]:
        """The study's linked participations, as a subquery for its file's query: those
        linked when the pool was built and still linked now (someone who links or unlinks
        while the files are written is left out, never half in)."""
        return linked_participants().filter(study=study, pk__in=list(self.linked))


def poolable_studies() -> QuerySet[Study]:
    """The studies a pool may hold: those that offer linking, oldest first."""
    return Study.objects.filter(offers_network_linking=True).order_by("created_at", "pk")


def pool_build(*, slugs: Sequence[str] = ()) -> Pool:
    """The pool of the studies named by `slugs` (every poolable study if none).

    Raises `PoolError` naming any slug that is not a study offering linking."""
    offered = list(poolable_studies())
    if slugs:
        by_slug = {study.slug: study for study in offered}
        unknown = [slug for slug in dict.fromkeys(slugs) if slug not in by_slug]
        if unknown:
            raise PoolError("Not a study that offers linking across studies: " + ", ".join(unknown))
        wanted = set(slugs)
        offered = [study for study in offered if study.slug in wanted]
    if not offered:
        raise PoolError("No study offers linking across studies, so there is nothing to pool.")
    rows = linked_participants().filter(study__in=offered)
    linked = {
        pk: Linked(network_pseudonym(user_id=user_id), linked_at)
        for pk, user_id, linked_at in rows.values_list("pk", "user_id", "linked_across_studies_at")
    }
    return Pool(studies=offered, linked=linked)


# --- rows and the columns declared here ---------------------------------------------------


class PooledRow(Row):
    """One pooled row: the values by column name (`db`), as the study's file gave them
    (concealed and coded per study already), plus the network id and the study."""

    __slots__ = ()

    def __init__(self, db: dict[str, Any]) -> None:
        # No study's pseudonyms: the values were computed by the study files already.
        self.db = db


def _network_id_column(description: str) -> Column[PooledRow]:
    return Column(
        "network_id",
        ColumnType.TEXT,
        "Network pseudonym (the same person in every study)",
        description,
        Field("network_id"),
    )


NETWORK_ID = (
    "The person's network pseudonym: HMAC-SHA256 of 'person:<account id>' with the "
    "installation's network key, in hex. The same in every study in which the person "
    "agreed to link their answers (join the files on it); nobody who did not agree has one"
)


def _study_column(pool: Pool, name: str = "study", label: str = "Study (slug)") -> Column[Any]:
    return Column(
        name,
        ColumnType.TEXT,
        label,
        "The study's slug (its address); the value labels give each study's title",
        Field(name),
        value_labels=tuple((study.slug, study.title) for study in pool.studies),
    )


def _linked_at_column() -> Column[PooledRow]:
    return Column(
        "linked_at",
        ColumnType.TIME,
        "Agreed to link across studies (UTC)",
        "When the participant agreed, in this study, to link their answers across studies (UTC)",
        Field("linked_at"),
    )


def _forecaster_columns(pool: Pool) -> list[Column[Any]]:
    return [
        _network_id_column(NETWORK_ID + ". One row per person (key of this file)"),
        Column(
            "n_studies",
            ColumnType.INTEGER,
            "Studies linked (of those pooled)",
            "In how many of the pooled studies the person agreed to link their answers",
            Field("n_studies"),
        ),
        _study_column(pool, "first_study", "First linked study (oldest)"),
        _study_column(pool, "last_study", "Last linked study (newest)"),
        Column(
            "studies",
            ColumnType.TEXT,
            "Linked studies, ;-separated, oldest first",
            "The slugs of the pooled studies the person linked, oldest study first, "
            "separated by ';'",
            Field("studies"),
        ),
    ]


# --- pooling a study file's columns ------------------------------------------------------

# Columns studies describe differently (their arms, their phases): the pooled label.
PER_STUDY_LABELS = {
    "arm": "Arm (coded while its study is blinded)",
    "phase": "Phase (1 = first) of its study",
}


def pooled_column(name: str, declared: list[tuple[Study, Column[Any]]]) -> Column[PooledRow]:
    """One column of a pooled file from each study's declaration of it: as declared when
    every study declares it alike; otherwise described study by study, without value
    labels (a code must mean one thing in the whole file)."""
    first = declared[0][1]
    if any(column.type is not first.type for _, column in declared):
        raise PoolError(f"{name}: the studies' files give it different types")
    alike = all(
        (column.label, column.description, column.value_labels)
        == (first.label, first.description, first.value_labels)
        for _, column in declared
    )
    if alike:
        return Column(
            name,
            first.type,
            first.label,
            first.description,
            Field(name),
            value_labels=first.value_labels,
            free_text=first.free_text,
        )
    if name not in PER_STUDY_LABELS:
        raise PoolError(f"{name}: the studies describe it differently and cannot be pooled")
    return Column(
        name,
        first.type,
        PER_STUDY_LABELS[name],
        "Differs by study. "
        + " ".join(f"In {study.slug}: {column.description}." for study, column in declared),
        Field(name),
        free_text=first.free_text,
    )


@dataclass(frozen=True)
class StudyFile:
    """How to read one study file for the pool: its source, restricted to the linked
    participations (`only`), and the field naming the participant."""

    source: Callable[..., Source[Any]]
    only: Callable[[Pool, Study], Q | None]
    participant: str | None  # the field holding the participant id; None: not per person
    keep: tuple[str, ...] = ()  # the study file's columns the pool keeps (all if empty)


def _pooled_source(pool: Pool, study_file: StudyFile, *, reasoning: bool) -> Source[PooledRow]:
    per_study = []
    for study in pool.studies:
        source = study_file.source(study=study, only=study_file.only(pool, study))
        columns = [
            column
            for column in source.columns
            if (not study_file.keep or column.name in study_file.keep)
            and (reasoning or column.name != REASONING)
        ]
        per_study.append((study, Source(columns, source.rows)))
    names = [column.name for column in per_study[0][1].columns]
    for study, source in per_study:
        if [column.name for column in source.columns] != names:
            raise PoolError(f"{study.slug}: its file has other columns than the first study's")
    pooled = [
        pooled_column(name, [(study, source.columns[i]) for study, source in per_study])
        for i, name in enumerate(names)
    ]
    leading: list[Column[PooledRow]] = []
    if study_file.participant is not None:
        leading.append(_network_id_column(NETWORK_ID))
    leading.append(_study_column(pool))
    if study_file.keep:  # the participants file
        pooled.append(_linked_at_column())
    return Source([*leading, *pooled], _rows(pool, study_file, per_study, names))


def _rows(
    pool: Pool,
    study_file: StudyFile,
    per_study: list[tuple[Study, Source[Any]]],
    names: list[str],
) -> Iterator[PooledRow]:
    for study, source in per_study:
        getters = value_getters(study=study, columns=source.columns)
        for row in source.rows:
            db = {name: get(row) for name, get in zip(names, getters, strict=True)}
            db["study"] = study.slug
            if study_file.participant is not None:
                # The study file's query reads only linked participations, so every row
                # has one; a row without would be a bug that must not leak a person.
                linked = pool.linked[row.db[study_file.participant]]
                db["network_id"] = linked.network_id
                db["linked_at"] = linked.linked_at
            yield PooledRow(db)


def _forecasters_source(pool: Pool) -> Source[PooledRow]:
    order = {study.pk: n for n, study in enumerate(pool.studies)}
    slug = {study.pk: study.slug for study in pool.studies}
    studies: dict[str, set[int]] = {}
    for study_id, pk in (
        linked_participants()
        .filter(study__in=pool.studies, pk__in=list(pool.linked))
        .values_list("study_id", "pk")
        .order_by("pk")
    ):
        studies.setdefault(pool.linked[pk].network_id, set()).add(study_id)
    rows = []
    for network_id in sorted(studies):
        theirs = sorted(studies[network_id], key=order.__getitem__)
        rows.append(
            PooledRow(
                {
                    "network_id": network_id,
                    "n_studies": len(theirs),
                    "first_study": slug[theirs[0]],
                    "last_study": slug[theirs[-1]],
                    "studies": ";".join(slug[pk] for pk in theirs),
                }
            )
        )
    return Source(_forecaster_columns(pool), rows)


# --- the files ---------------------------------------------------------------------------


def _of_linked(pool: Pool, study: Study) -> Q:
    return Q(participant__in=pool.of(study).values("pk"))


# The participants file keeps the trial-process columns; About-you answers and per-phase
# columns differ by study and stay in each study's own export.
PARTICIPANT_COLUMNS = (
    "pseudonym",
    "arm",
    "council",
    "status",
    "enrolment_route",
    "consented",
    "randomised",
    "withdrawn",
    "keep_data",
    "consent_version",
    "enrolled_at",
    "consented_at",
    "randomised_at",
    "withdrawn_at",
)


@dataclass(frozen=True)
class PooledFile:
    """One file of the pooled package, with its keys (for datapackage.json)."""

    name: str
    filename: str
    source: Callable[[Pool, bool], Source[PooledRow]]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[str, str, str], ...] = ()

    @property
    def stem(self) -> str:
        return self.filename.removesuffix(".csv")


def _study_file(study_file: StudyFile) -> Callable[[Pool, bool], Source[PooledRow]]:
    return lambda pool, reasoning: _pooled_source(pool, study_file, reasoning=reasoning)


_TO_FORECASTER = ("network_id", "forecasters", "network_id")

POOLED_FILES: tuple[PooledFile, ...] = (
    PooledFile(
        "forecasters",
        "forecasters.csv",
        lambda pool, reasoning: _forecasters_source(pool),
        primary_key=("network_id",),
    ),
    PooledFile(
        "participants",
        "participants.csv",
        _study_file(
            StudyFile(
                participants.participant_source,
                lambda pool, study: Q(pk__in=pool.of(study).values("pk")),
                participant="pk",
                keep=PARTICIPANT_COLUMNS,
            )
        ),
        primary_key=("study", "pseudonym"),
        foreign_keys=(_TO_FORECASTER,),
    ),
    PooledFile(
        "forecasts",
        "forecasts.csv",
        _study_file(StudyFile(forecasts.forecast_source, _of_linked, "participant_id")),
        primary_key=("study", "forecast_id"),
        foreign_keys=(_TO_FORECASTER,),
    ),
    PooledFile(
        "scores",
        "scores.csv",
        _study_file(StudyFile(scores.score_source, _of_linked, "participant_id")),
        primary_key=("study", "forecast_id"),
        foreign_keys=(_TO_FORECASTER,),
    ),
    PooledFile(
        "questions",
        "questions.csv",
        _study_file(StudyFile(questions.question_source, lambda pool, study: None, None)),
        primary_key=("study", "question_id"),
    ),
)

POOLED_CONVENTIONS: list[tuple[str, str]] = [
    (
        "(format)",
        "CSV packages: UTF-8 without a byte-order mark, comma separated, fields quoted only "
        "when needed, \\n line ends, a header row of column names. docs/exports.md shows "
        "how to read every format in R, Stata and Python.",
    ),
    *(
        (name, text)
        for name, text in CONVENTIONS
        if name not in ("(withdrawal)", "(pseudonym)", "(format)")
    ),
    (
        "(who)",
        "Only participants who agreed to link their answers across studies, in studies "
        "that offer it, are in any file; everyone else is left out entirely, even from "
        "counts. People who withdrew and asked for their data not to be used, or whose "
        "data were erased, are left out too.",
    ),
    ("(network_id)", NETWORK_ID + "."),
    (
        "(pseudonym)",
        "The study's own pseudonym of the participation (HMAC-SHA256 with that study's "
        "secret key): the same as in that study's own export, different in every study. "
        "Within a study, files join on study with pseudonym, forecast_id or question_id "
        "(always join on study too: a pseudonym means nothing outside its study).",
    ),
    (
        "(arms)",
        "Each study's arm is blank until that study closes, and is its code letter while "
        "that study is blinded, as in the study's own export.",
    ),
]


# --- writing the package -----------------------------------------------------------------


@dataclass(frozen=True)
class PooledWritten:
    directory: Path
    files: list[str]
    rows: dict[str, int]
    studies: list[str]


def pooled_package_write(
    *,
    pool: Pool,
    format: Format,
    directory: Path,
    include_reasoning: bool = False,
    actor: Any = None,
    via: str,
) -> PooledWritten:
    """Write every pooled file, `datapackage.json` and `codebook.md` into `directory`,
    then audit the export (once for the network, and in each pooled study's trail)."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    rows: dict[str, int] = {}
    layouts: Layouts = {}
    for pooled in POOLED_FILES:
        source = pooled.source(pool, include_reasoning)
        filename = f"{pooled.stem}.{format.value}"
        rows[pooled.name] = WRITERS[format](study=None, source=source, path=directory / filename)
        layouts[pooled.name] = (filename, list(source.columns))
        written.append(filename)
    _describe(pool, format, directory, layouts, rows)
    written += ["datapackage.json", "codebook.md"]
    _audit(
        pool, format=format, include_reasoning=include_reasoning, actor=actor, via=via, rows=rows
    )
    return PooledWritten(directory=directory, files=written, rows=rows, studies=pool.slugs)


def _describe(
    pool: Pool, format: Format, directory: Path, layouts: Layouts, rows: dict[str, int]
) -> None:
    about = (
        "Pooled data of the people who agreed to link their answers across Casecast "
        "studies, from: " + ", ".join(pool.slugs) + "."
    )
    descriptor = package_descriptor(
        name=NAME,
        title="Casecast: pooled data of linked forecasters",
        description=about + " Times are UTC. Files join on network_id, and within a study "
        "on study with pseudonym, forecast_id or question_id; see codebook.md.",
        format=format,
        layouts=layouts,
        files=POOLED_FILES,
    )
    (directory / "datapackage.json").write_text(
        json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (directory / "codebook.md").write_text(
        codebook_text(
            heading="Codebook: pooled data of linked forecasters",
            format=format,
            layouts=layouts,
            rows=rows,
            files=POOLED_FILES,
            about=about,
            conventions=POOLED_CONVENTIONS,
        ),
        encoding="utf-8",
    )


def _audit(
    pool: Pool,
    *,
    format: Format,
    include_reasoning: bool,
    actor: Any,
    via: str,
    rows: dict[str, int],
) -> None:
    data = {
        "studies": pool.slugs,
        "format": format.value,
        "include_reasoning": include_reasoning,
        "via": via,
        "rows": rows,
    }
    audit_record(action=AUDIT_ACTION, actor=actor, data=data)
    for study in pool.studies:
        audit_record(
            action=STUDY_AUDIT_ACTION, actor=actor, study_id=study.pk, target=study, data=data
        )


def pooled_package_name(*, format: Format) -> str:
    """e.g. `casecast-network-data-parquet-20261206`: the zip's name and its folder."""
    return str(formula_neutralise(f"{NAME}-data-{format.value}-{timezone.now():%Y%m%d}"))


def pooled_package_zip(
    *, pool: Pool, format: Format, include_reasoning: bool, actor: Any
) -> tuple[str, BinaryIO]:
    """The pooled package as a zip, as `resolution.exports.package.study_package_zip`
    makes a study's."""
    return package_zip(
        name=pooled_package_name(format=format),
        write=lambda directory: pooled_package_write(
            pool=pool,
            format=format,
            directory=directory,
            include_reasoning=include_reasoning,
            actor=actor,
            via="page",
        ),
    )
