"""What the report task runs, and the same computation run in-process for the command.

Never imports `tasks` (import contract): the task calls `report_build`; services enqueue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from casecast.reports import selectors
from casecast.reports.compute import ReportInputs, compute_report, engine_version, input_hash
from casecast.reports.models import TrialReport
from casecast.studies.models import DesignVersion, Study
from casecast.studies.selectors import analysis_plan_current


@dataclass(frozen=True)
class Prepared:
    """A study's analysis plan and arrays, and the hash that keys their report."""

    version: DesignVersion
    plan: dict[str, Any]
    inputs: ReportInputs
    input_hash: str


def report_prepare(*, study: Study) -> Prepared:
    version, plan = analysis_plan_current(study=study)
    inputs = selectors.report_inputs(study=study, plan=plan)
    return Prepared(version, plan, inputs, input_hash(inputs, plan))


def report_row(*, study: Study, prepared: Prepared) -> tuple[TrialReport, bool]:
    """The report row for these inputs, created (queued) if there is none: (row, created)."""
    existing = selectors.report_cached(study=study, input_hash=prepared.input_hash)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            row = TrialReport.objects.create(
                study=study,
                input_hash=prepared.input_hash,
                sap_version=prepared.version.number,
                engine_version=engine_version(),
            )
    except IntegrityError:  # another request made it first
        row = TrialReport.objects.get(study=study, input_hash=prepared.input_hash)
        return row, False
    return row, True


def _run(row: TrialReport, prepared: Prepared) -> None:
    def progress(percent: int, text: str) -> None:
        TrialReport.objects.filter(pk=row.pk).update(percent=percent, step=text)

    TrialReport.objects.filter(pk=row.pk).update(
        status=TrialReport.Status.RUNNING, percent=0, step="Reading the data", error=""
    )
    try:
        result = compute_report(prepared.inputs, prepared.plan, progress=progress)
    except ValueError as error:
        TrialReport.objects.filter(pk=row.pk).update(
            status=TrialReport.Status.FAILED, error=str(error), finished_at=timezone.now()
        )
        return
    # Stored as JSON text reads it back, so a cached and a fresh report print the same.
    TrialReport.objects.filter(pk=row.pk).update(
        status=TrialReport.Status.DONE,
        result=json.loads(json.dumps(result, sort_keys=True)),
        percent=100,
        step="",
        finished_at=timezone.now(),
    )


def report_build(*, report_id: int) -> None:
    """Compute a queued report (the Celery task). Idempotent: a finished report is left
    alone; if the data changed since it was queued it fails with a message to reload."""
    row = TrialReport.objects.select_related("study").filter(pk=report_id).first()
    if row is None or row.status == TrialReport.Status.DONE:
        return
    prepared = report_prepare(study=row.study)
    if prepared.input_hash != row.input_hash:
        TrialReport.objects.filter(pk=row.pk).update(
            status=TrialReport.Status.FAILED,
            error="the scores, outcomes or analysis plan changed meanwhile: open the report "
            "again to analyse the current data",
            finished_at=timezone.now(),
        )
        return
    _run(row, prepared)


def report_compute_now(*, study: Study) -> tuple[TrialReport, Prepared]:
    """The current report, computed in this process if it is not cached (the command)."""
    prepared = report_prepare(study=study)
    row, _ = report_row(study=study, prepared=prepared)
    if row.status != TrialReport.Status.DONE:
        _run(row, prepared)
        row.refresh_from_db()
    return row, prepared
