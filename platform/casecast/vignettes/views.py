"""Researcher pages: the study's vignette bank, previews, upload/download, phase plans.

Any study staff may read; study administrators and researchers may change.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from casecast.audit.services import audit_record
from casecast.core.downloads import from_our_pages
from casecast.studies.models import Phase
from casecast.studies.permissions import MANAGERS, study_staff_required
from casecast.studies.selectors import arms_ordered
from casecast.vignettes.bank import bank_export, bank_import
from casecast.vignettes.forms import BankUploadForm, PhasePlanForm
from casecast.vignettes.models import Vignette
from casecast.vignettes.selectors import study_phase_plans, study_vignette_rows
from casecast.vignettes.services import phase_plan_set

_CONTENT_TYPES = {
    "yaml": "application/yaml; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


def _can_edit(request: HttpRequest) -> bool:
    return request.study_role in MANAGERS  # type: ignore[attr-defined]


@study_staff_required()
def vignette_list(request: HttpRequest, slug: str) -> HttpResponse:
    return render(
        request,
        "vignettes/list.html",
        {
            "page_title": "Vignettes",
            "study": request.study,  # type: ignore[attr-defined]
            "rows": study_vignette_rows(study=request.study),  # type: ignore[attr-defined]
            "can_edit": _can_edit(request),
        },
    )


@study_staff_required()
def vignette_detail(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    vignette = get_object_or_404(Vignette, study=request.study, key=key)  # type: ignore[attr-defined]
    versions = list(vignette.versions.order_by("number"))
    number = request.GET.get("version")
    version = (
        versions[-1] if not number else next((v for v in versions if str(v.number) == number), None)
    )
    if version is None:
        raise Http404("No such version.")
    stages = list(version.stages.prefetch_related("questions__relates_to", "questions__earlier"))
    return render(
        request,
        "vignettes/detail.html",
        {
            "page_title": version.title,
            "study": request.study,  # type: ignore[attr-defined]
            "vignette": vignette,
            "version": version,
            "versions": versions,
            "stages": stages,
        },
    )


@study_staff_required(*MANAGERS)
def bank_upload(request: HttpRequest, slug: str) -> HttpResponse:
    study = request.study  # type: ignore[attr-defined]
    form = BankUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = bank_import(
            study=study,
            text=form.cleaned_data["bank_file"].text,
            filename=form.cleaned_data["bank_file"].name,
            by=request.user,
        )
    title = "Upload a vignette bank"
    if report is not None:
        title = "The bank was imported" if report.ok else "The bank was not imported"
    return render(
        request,
        "vignettes/upload.html",
        {
            "page_title": title,
            "study": study,
            "form": form,
            "report": report,
        },
        status=400 if report is not None and not report.ok else 200,
    )


@from_our_pages
@study_staff_required()
def bank_download(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if fmt not in _CONTENT_TYPES:
        raise Http404("Unknown format.")
    study = request.study  # type: ignore[attr-defined]
    audit_record(
        action="vignettes.bank_export",
        actor=request.user,
        study_id=study.pk,
        target=study,
        data={"format": fmt},
    )
    response = HttpResponse(bank_export(study=study, fmt=fmt), content_type=_CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{study.slug}-vignettes.{fmt}"'
    return response


@study_staff_required()
def phase_plans(request: HttpRequest, slug: str) -> HttpResponse:
    return render(
        request,
        "vignettes/phases.html",
        {
            "page_title": "Vignettes in each phase",
            "study": request.study,  # type: ignore[attr-defined]
            "plans": study_phase_plans(study=request.study),  # type: ignore[attr-defined]
            "can_edit": _can_edit(request),
        },
    )


@study_staff_required(*MANAGERS)
def phase_plan_edit(request: HttpRequest, slug: str, position: int) -> HttpResponse:
    study = request.study  # type: ignore[attr-defined]
    phase = get_object_or_404(Phase, study=study, position=position)
    vignettes = list(Vignette.objects.filter(study=study).order_by("pk"))
    form = PhasePlanForm(
        request.POST or None,
        initial=_initial_plan(phase),
        vignettes=vignettes,
        arms=arms_ordered(study=study),
    )
    if request.method == "POST" and form.is_valid():
        try:
            phase_plan_set(phase=phase, plan=form.plan(), by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("vignettes:phases", slug=study.slug)
    return render(
        request,
        "vignettes/phase_edit.html",
        {
            "page_title": f"Vignettes in {phase.name}",
            "study": study,
            "phase": phase,
            "form": form,
        },
    )


def _initial_plan(phase: Phase) -> dict[str, object]:
    initial: dict[str, object] = {}
    for item in phase.items.select_related("vignette", "arm"):
        key = item.vignette.key
        initial[f"position-{key}"] = item.position
        initial[f"group-{key}"] = item.arm.key if item.arm else ""
        initial[f"retest-{key}"] = item.is_retest
    return initial
