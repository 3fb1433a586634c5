"""The study audit page: who did what and when in one study, filterable, and as CSV.

Read-only. Only the study's administrators and site administrators may see it:
the trail names staff and records decisions (withdrawals, corrections, design
changes) that researchers and analysts do not all need to see.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from casecast.accounts.links import is_link_session
from casecast.audit.models import AuditEvent
from casecast.audit.services import audit_record
from casecast.core.csv_safety import formula_row
from casecast.core.downloads import from_our_pages
from casecast.studies import audit_trail as selectors
from casecast.studies.forms import AuditFilterForm
from casecast.studies.models import Study, StudyMembership
from casecast.studies.selectors import study_role

PAGE_SIZE = 100
CSV_COLUMNS = ["when", "who", "action", "target", "reason", "details"]


def _study_for_admin(request: HttpRequest, slug: str) -> Study:
    study = get_object_or_404(Study, slug=slug)
    if is_link_session(request):  # a personal link never opens a staff page
        raise PermissionDenied
    is_site_admin = getattr(request.user, "is_site_admin", False) or getattr(
        request.user, "is_superuser", False
    )
    if not is_site_admin and study_role(user=request.user, study=study) != (
        StudyMembership.Role.ADMIN
    ):
        raise PermissionDenied
    return study


def _filter_form(request: HttpRequest, study: Study) -> AuditFilterForm:
    return AuditFilterForm(
        request.GET or None,
        actors=selectors.study_actors(study=study),
        actions=selectors.study_actions(study=study),
    )


def _filtered_events(form: AuditFilterForm, study: Study) -> QuerySet[AuditEvent]:
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return selectors.study_events(
        study=study,
        actor_id=filters.get("actor"),
        action=filters.get("action") or "",
        since=filters.get("since"),
        until=filters.get("until"),
    )


@require_GET
def study_audit(request: HttpRequest, slug: str) -> HttpResponse:
    study = _study_for_admin(request, slug)
    form = _filter_form(request, study)
    events = _filtered_events(form, study)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "studies/staff/audit.html",
        {
            "page_title": "Audit trail",
            "study": study,
            "form": form,
            "page": page,
            "rows": selectors.audit_rows(study=study, events=page.object_list),
            "query": query.urlencode(),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@from_our_pages
@require_GET
def study_audit_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    study = _study_for_admin(request, slug)
    form = _filter_form(request, study)
    events = _filtered_events(form, study)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    audit_record(
        action="audit.export",
        actor=request.user,
        study_id=study.pk,
        target=study,
        data={
            "format": "csv",
            "filters": {k: str(v) for k, v in filters.items() if v not in (None, "")},
        },
    )

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow(CSV_COLUMNS)
        for row in selectors.audit_rows(study=study, events=events.iterator()):
            cells = [row.actor, row.action, row.target, row.reason, row.details]
            yield writer.writerow([timezone.localtime(row.at).isoformat(), *formula_row(cells)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"{study.slug}-audit-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
