"""`consort.csv`: the CONSORT flow as data, the same numbers as the CONSORT page.

Long format, one count per row: the totals (arm empty), then, once arm counts may be shown
(the page's rule), the follow-up table per arm.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from casecast.resolution.exports.columns import (
    Column,
    ColumnType,
    Field,
    Pseudonyms,
    Row,
    Source,
    table,
)
from casecast.resolution.exports.shared import blinded_arm_codes
from casecast.studies import selectors
from casecast.studies.models import Study

FILENAME = "consort.csv"


def consort_columns(study: Study) -> list[Column[Row]]:
    return [
        Column(
            "step",
            ColumnType.TEXT,
            "Step of the flow",
            "The step of the flow, as the CONSORT page words it",
            Field("step"),
        ),
        Column(
            "arm",
            ColumnType.TEXT,
            "Arm key (empty: all participants)",
            "Arm key the count is for; empty for a count over everyone. Per-arm rows "
            "appear only once the CONSORT page shows counts by arm",
            Field("arm"),
        ),
        Column(
            "n",
            ColumnType.INTEGER,
            "Count",
            "Number of participants (or councils, where the step says so)",
            Field("n"),
        ),
    ]


def _counts(study: Study, unblinded: bool) -> Iterator[dict[str, Any]]:
    flow = selectors.consort_flow(study=study)
    totals = [
        ("Enrolled", flow.invited),
        ("Consented", flow.consented),
        ("Answered the About-you questions", flow.completed_baseline),
        ("Randomised", flow.randomised),
        ("Withdrew", flow.withdrawn),
        ("Withdrew before randomisation", flow.withdrawn_before_randomisation),
        ("Withdrew and asked for erasure", flow.withdrawn_erased),
        ("Analysed", flow.analysed),
    ]
    if flow.is_cluster:
        totals += [
            ("Councils", flow.councils_total),
            ("Councils with participants", flow.councils_with_participants),
            ("Councils randomised", flow.councils_randomised),
        ]
    for step, n in totals:
        yield {"step": step, "arm": None, "n": n}
    if selectors.arm_counts_visible(study=study):
        # While blinded the arm column carries the code letter, as every export does.
        codes = blinded_arm_codes(study=study, unblinded=unblinded)
        keys = [codes.get(arm.key, arm.key) for arm in flow.arms]
        for step, per_arm in selectors.consort_table(flow=flow, by_arm=True).rows:
            for key, n in zip(keys, per_arm, strict=True):
                yield {"step": step, "arm": key, "n": n}


def consort_source(*, study: Study, unblinded: bool = False) -> Source[Row]:
    """The CONSORT counts (`unblinded`: per arm by real key while blinded)."""
    names = Pseudonyms(study)
    return Source(consort_columns(study), (Row(db, names) for db in _counts(study, unblinded)))


def consort_export_rows(*, study: Study) -> Iterator[list[str]]:
    """The header, then the CSV cells of `consort_source`."""
    return table(study=study, source=consort_source(study=study))
