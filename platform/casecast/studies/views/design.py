"""Design versions, YAML export and import, invitations, and allocation exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from casecast.audit.services import audit_record
from casecast.core.csv_safety import formula_mapping
from casecast.studies import selectors, services
from casecast.studies.design_yaml import DesignFileError, design_export, design_import
from casecast.studies.forms import AdvanceListForm, CodesForm, DesignImportForm, InvitationCsvForm
from casecast.studies.models import Study
from casecast.studies.permissions import (
    MANAGERS,
    StaffRequest,
    may_create_studies,
    study_staff_required,
)
from casecast.studies.views.participant import _add_errors, _posted
from casecast.studies.views.staff import _page


def _csv_response(
    filename: str, columns: list[str], rows: Iterable[dict[str, Any]]
) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(formula_mapping(row) for row in rows)  # council names are typed by staff
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@study_staff_required()
def design_versions(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return _page(
        request,
        "studies/staff/design_versions.html",
        "Design versions",
        versions=study.design_versions.select_related("created_by").order_by("-number"),
    )


@study_staff_required()
def design_download(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    response = HttpResponse(
        design_export(study=study), content_type="application/yaml; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{study.slug}-design.yaml"'
    return response


def design_upload(request: HttpRequest) -> HttpResponse:
    if not may_create_studies(request.user):
        raise PermissionDenied
    form = DesignImportForm(_posted(request), request.FILES or None)
    problems: list[Any] = []
    if request.method == "POST" and form.is_valid():
        try:
            study = design_import(text=form.cleaned_data["file"], by=request.user)  # type: ignore[arg-type]
        except DesignFileError as error:
            problems = error.problems
            form.add_error("file", "The design file has problems. Nothing was imported.")
        else:
            messages.success(request, "Study imported as a new draft.")
            return redirect("studies:detail", slug=study.slug)
    return render(
        request,
        "studies/staff/design_import.html",
        {"form": form, "problems": problems, "page_title": "Import a study design"},
    )


@study_staff_required(*MANAGERS)
def invitations(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    upload = InvitationCsvForm(prefix="csv")
    codes = CodesForm(prefix="codes", study=study)
    row_errors: list[Any] = []
    if request.method == "POST" and "csv-file" in request.FILES:
        upload = InvitationCsvForm(request.POST, request.FILES, prefix="csv")
        if upload.is_valid():
            try:
                sent = services.invitations_import_csv(
                    study=study, csv_text=upload.cleaned_data["file"], by=request.user
                )
            except services.InvitationCsvError as error:
                row_errors = error.errors
                upload.add_error("file", "The file has problems. Nobody was invited.")
            except ValidationError as error:
                _add_errors(upload, error)
            else:
                messages.success(request, f"{len(sent)} invitations are being sent.")
                return redirect("studies:invitations", slug=slug)
    elif request.method == "POST":
        codes = CodesForm(request.POST, prefix="codes", study=study)
        if codes.is_valid():
            council = get_object_or_404(study.councils, pk=codes.cleaned_data["council"])
            services.invitation_codes_generate(
                study=study, council=council, count=codes.cleaned_data["count"], by=request.user
            )
            messages.success(request, f"{codes.cleaned_data['count']} codes made for {council}.")
            return redirect("studies:invitations", slug=slug)
    return _page(
        request,
        "studies/staff/invitations.html",
        "Invitations",
        upload=upload,
        codes_form=codes,
        row_errors=row_errors,
        codes=selectors.invitation_codes(study=study),
        email_invitations=study.invitations.filter(kind="email").count(),
    )


@study_staff_required(*MANAGERS)
def codes_download(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    rows = [
        {"code": i.code, "council": i.council.name, "used": "yes" if i.used_at else "no"}
        for i in selectors.invitation_codes(study=study)
    ]
    return _csv_response(f"{study.slug}-codes.csv", ["code", "council", "used"], rows)


@study_staff_required()
def allocations_download(request: StaffRequest, slug: str) -> HttpResponse:
    """Pseudonymised allocations: only once the study has closed (concealment)."""
    study = request.study
    if not selectors.stratum_counts_visible(study=study):
        raise PermissionDenied
    audit_record(action="allocations.export", actor=request.user, study_id=study.pk, target=study)
    return _csv_response(
        f"{study.slug}-allocations.csv",
        selectors.ALLOCATION_EXPORT_COLUMNS,
        selectors.allocation_export_rows(study=study),
    )


def advance_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Site administrators only: the allocation list made in advance from the secret seed."""
    if not getattr(request.user, "is_site_admin", False):
        raise PermissionDenied
    study = get_object_or_404(Study, slug=slug)
    form = AdvanceListForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            rows = selectors.advance_allocation_rows(
                study=study, per_stratum=form.cleaned_data["per_stratum"]
            )
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            audit_record(
                action="allocations.advance_list",
                actor=request.user,
                study_id=study.pk,
                target=study,
                data={"per_stratum": form.cleaned_data["per_stratum"]},
            )
            columns = list(rows[0]) if rows else ["stratum", "position", "arm"]
            return _csv_response(f"{study.slug}-allocation-list.csv", columns, rows)
    return render(
        request,
        "studies/staff/advance_list.html",
        {"form": form, "study": study, "page_title": "Allocation list in advance"},
    )
