"""Study staff pages about participants: the list, withdrawals recorded by staff,
invitations and codes, the CONSORT flow, and allocation downloads.

(The pages participants themselves use are in `participant.py`.) Allocations
stay concealed while recruiting: counts by arm and the allocation export appear
only once `stratum_counts_visible` says so.
"""

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
from casecast.core.downloads import from_our_pages
from casecast.core.form_views import errors_onto_form, posted
from casecast.studies import blinding, selectors, services
from casecast.studies.forms import AdvanceListForm, CodesForm, InvitationCsvForm, StaffWithdrawForm
from casecast.studies.models import Participant, Study
from casecast.studies.permissions import MANAGERS, StaffRequest, study_staff_required
from casecast.studies.views.staff_pages import form_view, staff_page


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


# --- Participants and CONSORT -----------------------------------------------------------


@study_staff_required()
def participant_list(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return staff_page(
        request,
        "studies/staff/participants.html",
        "Participants",
        participants=selectors.participants_for_staff(study=study),
        show_arms=selectors.stratum_counts_visible(study=study),
        arm_labels=blinding.arm_labels(study=study, role=request.study_role),
        show_contact=request.study_role in MANAGERS,
    )


@study_staff_required(*MANAGERS)
def participant_withdraw(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    """Record a withdrawal the participant asked for outside the platform."""
    participant = get_object_or_404(Participant, study=request.study, pk=pk, erased_at__isnull=True)
    form = StaffWithdrawForm(posted(request))
    who = participant.user.email if participant.user else f"participant {participant.pk}"
    return form_view(
        request,
        form,
        save=lambda data: services.participant_withdraw(
            participant=participant,
            keep_data=data["keep_data"] == "yes",
            by=request.user,
            reason=data["reason"],
        ),
        notice=lambda _: (
            "Withdrawal recorded."
            if form.cleaned_data["keep_data"] == "yes"
            else "Withdrawal recorded and their data erased."
        ),
        back="studies:participants",
        title=f"Record a withdrawal: {who}",
        submit="Record withdrawal",
        intro=(
            "Use this when a participant asks to leave by email, phone or in person. "
            "They stop receiving emails at once. If they ask us to delete their answers, "
            "their forecasts and email address are erased; this cannot be undone."
        ),
    )


@study_staff_required()
def consort(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    visible = selectors.stratum_counts_visible(study=study)
    labels = blinding.arm_labels(study=study, role=request.study_role)
    flow = selectors.consort_flow(study=study, labels=labels)
    by_arm = selectors.arm_counts_visible(study=study)
    return staff_page(
        request,
        "studies/staff/consort.html",
        "CONSORT flow",
        flow=flow,
        table=selectors.consort_table(flow=flow, by_arm=by_arm),
        by_arm=by_arm,
        strata=selectors.stratum_counts(study=study, keys=[arm.key for arm in flow.arms])
        if visible
        else None,
        blinded=blinding.is_blinded(study=study, role=request.study_role),
    )


# --- Invitations and codes ------------------------------------------------------------


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
                    study=study, csv_text=upload.cleaned_data["file"].text, by=request.user
                )
            except services.InvitationCsvError as error:
                row_errors = error.errors
                upload.add_error("file", "The file has problems. Nobody was invited.")
            except ValidationError as error:
                errors_onto_form(upload, error)
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
    return staff_page(
        request,
        "studies/staff/invitations.html",
        "Invitations",
        upload=upload,
        codes_form=codes,
        row_errors=row_errors,
        codes=selectors.invitation_codes(study=study),
        email_invitations=study.invitations.filter(kind="email").count(),
    )


@from_our_pages
@study_staff_required(*MANAGERS)
def codes_download(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    rows = [
        {"code": i.code, "council": i.council.name, "used": "yes" if i.used_at else "no"}
        for i in selectors.invitation_codes(study=study)
    ]
    audit_record(
        action="invitations.codes_export",
        actor=request.user,
        study_id=study.pk,
        target=study,
        data={"file": "codes.csv", "format": "csv", "rows": len(rows)},
    )
    return _csv_response(f"{study.slug}-codes.csv", ["code", "council", "used"], rows)


# --- Allocation downloads -------------------------------------------------------------


@from_our_pages
@study_staff_required()
def allocations_download(request: StaffRequest, slug: str) -> HttpResponse:
    """Pseudonymised allocations: only once the study has closed (concealment)."""
    study = request.study
    if not selectors.stratum_counts_visible(study=study):
        raise PermissionDenied
    audit_record(
        action="allocations.export",
        actor=request.user,
        study_id=study.pk,
        target=study,
        data={"file": "allocations.csv", "format": "csv"},
    )
    return _csv_response(
        f"{study.slug}-allocations.csv",
        selectors.ALLOCATION_EXPORT_COLUMNS,
        selectors.allocation_export_rows(
            study=study,
            labels=blinding.arm_labels(study=study, role=request.study_role)
            if blinding.is_blinded(study=study, role=request.study_role)
            else None,
        ),
    )


def advance_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Site administrators only: the allocation list made in advance from the secret seed."""
    if not getattr(request.user, "is_site_admin", False):
        raise PermissionDenied
    study = get_object_or_404(Study, slug=slug)
    form = AdvanceListForm(posted(request))
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
