"""`allocations.csv`: the allocation sequence, one row per allocation, once the study closes.

While the study recruits the file has its header and no rows: the sequence, strata and
arms would let staff predict the next allocation (the same rule as the allocation
download on the participants page). Councils appear only as pseudonyms, and strata as
numbers, because a stratum's name can hold a council's name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models.functions import Coalesce

from casecast.resolution.exports.columns import (
    CHUNK,
    Column,
    ColumnType,
    Field,
    Pseudonyms,
    Row,
    Source,
    fields_read,
    table,
)
from casecast.resolution.exports.shared import arm_column, council_column, pseudonym_column
from casecast.studies.models import Allocation, Study
from casecast.studies.selectors import stratum_counts_visible

FILENAME = "allocations.csv"


class AllocationRow(Row):
    READS = ("stratum",)
    __slots__ = ("stratum",)

    def __init__(self, db: dict[str, Any], names: Pseudonyms, strata: dict[str, int]) -> None:
        super().__init__(db, names)
        self.stratum = strata.get(db["stratum"])


def allocation_columns(study: Study, unblinded: bool = False) -> list[Column[AllocationRow]]:
    return [
        Column(
            "sequence",
            ColumnType.INTEGER,
            "Allocation sequence number (1 = first)",
            "Order of the allocation in the study, 1 = first (key of this file)",
            Field("sequence", lambda sequence: sequence + 1),
        ),
        pseudonym_column(participant_id="participant_id"),
        council_column(
            council_id="unit_council_id",
            description="Pseudonym of the council allocated (cluster designs) or of the "
            "participant's council, as in the other files; empty if none",
        ),
        arm_column(study, arm_key="arm__key", unblinded=unblinded),
        Column(
            "unit",
            ColumnType.TEXT,
            "Unit allocated",
            "What was allocated: participant, or council (cluster designs, where pseudonym "
            "is empty and every participant of the council has the council's arm)",
            lambda row: "participant" if row.db["participant_id"] is not None else "council",
            reads=("participant_id",),
            value_labels=(("participant", "Participant"), ("council", "Council")),
        ),
        Column(
            "stratum",
            ColumnType.INTEGER,
            "Stratum number",
            "The allocation's stratum, numbered 1, 2, ... in the order of the strata's "
            "names (names are not exported: they can hold a council's name); empty if "
            "the design does not stratify",
            lambda row: row.stratum,
        ),
        Column(
            "design_version",
            ColumnType.INTEGER,
            "Randomisation design version",
            "Version of the randomisation design that made the allocation",
            Field("design_version__number"),
        ),
        Column(
            "allocated_at",
            ColumnType.TIME,
            "Allocated (UTC)",
            "When the allocation was made (UTC)",
            Field("allocated_at"),
        ),
    ]


def _stratum_numbers(study: Study) -> dict[str, int]:
    names = sorted(
        set(
            Allocation.objects.filter(study=study)
            .exclude(stratum="")
            .values_list("stratum", flat=True)
        )
    )
    return {name: n for n, name in enumerate(names, start=1)}


def allocation_source(*, study: Study, unblinded: bool = False) -> Source[AllocationRow]:
    """One row per allocation, in sequence; no rows until the study has closed
    (`unblinded`: real arm keys while blinded)."""
    columns = allocation_columns(study, unblinded)
    if not stratum_counts_visible(study=study):
        return Source(columns, ())
    names = Pseudonyms(study)
    strata = _stratum_numbers(study)
    rows = (
        Allocation.objects.filter(study=study)
        # A participant's allocation names no council; show the participant's own.
        .annotate(unit_council_id=Coalesce("council_id", "participant__council_id"))
        .order_by("sequence")
        .values(*fields_read(columns, AllocationRow))
    )
    return Source(
        columns,
        (AllocationRow(db, names, strata) for db in rows.iterator(chunk_size=CHUNK)),
    )


def allocation_export_rows(*, study: Study) -> Iterator[list[str]]:
    """The header, then the CSV cells of `allocation_source`."""
    return table(study=study, source=allocation_source(study=study))
