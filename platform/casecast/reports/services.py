"""The trial report: ask for it (cached, or computed by a Celery task), or compute it now.

`report_request` is what the page calls: it returns the report for the study's current
data and plan, enqueueing its computation if it is not cached yet. `study_report_json` is
what `manage.py analyse_study --json` prints: the same document, computed in-process.
"""

from __future__ import annotations

from typing import Any

from casecast.reports import jobs
from casecast.reports.document import report_document
from casecast.reports.models import TrialReport
from casecast.studies.models import Study
from tasks.enqueue import enqueue_on_commit
from tasks.reports import build_report


def report_request(*, study: Study) -> tuple[TrialReport, dict[str, Any]]:
    """The report for the current scores, outcomes and plan, and that plan. A report not
    cached yet is queued (it runs in-process, at once, where tasks run eagerly)."""
    prepared = jobs.report_prepare(study=study)
    row, created = jobs.report_row(study=study, prepared=prepared)
    if created:  # a failed report failed on these very inputs: running it again would too
        enqueue_on_commit(build_report, row.pk)
        row.refresh_from_db()
    return row, prepared.plan


def study_report_json(*, study: Study, role: str | None = None) -> dict[str, Any]:
    """The whole report as a plain dict (computed now if not cached). Raises ValueError
    with the engine's reason if the primary analysis cannot run on the data."""
    row, prepared = jobs.report_compute_now(study=study)
    if row.status != TrialReport.Status.DONE:
        raise ValueError(row.error or "the report could not be computed")
    return report_document(study=study, report=row, plan=prepared.plan, role=role)
