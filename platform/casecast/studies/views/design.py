"""Study staff pages that set the study up: arms, randomisation, councils, phases,
baseline and eligibility questions, consent text, and the design as versions and YAML.

Only study administrators (`DESIGNERS`) change these; everyone on the team reads them.
Each change goes through one service, which refuses (a `ValidationError`) what the
study's status no longer allows, e.g. removing an arm once recruiting.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from casecast.audit.services import audit_record
from casecast.core.downloads import from_our_pages
from casecast.core.form_views import posted
from casecast.studies import blinding, selectors, services
from casecast.studies.analysis_plan import plan_summary
from casecast.studies.design_yaml import DesignFileError, design_export, design_import
from casecast.studies.forms import (
    AnalysisPlanForm,
    ArmForm,
    BaselineQuestionForm,
    ConsentTextForm,
    CouncilForm,
    DesignImportForm,
    EligibilityQuestionForm,
    PhaseForm,
    RandomisationForm,
)
from casecast.studies.models import Arm, BaselineQuestion, Council, EligibilityQuestion, Phase
from casecast.studies.permissions import (
    DESIGNERS,
    StaffRequest,
    may_create_studies,
    study_staff_required,
)
from casecast.studies.views.staff_pages import action_view, form_view, staff_page

# --- Design versions, YAML export and import ---------------------------------------------


@study_staff_required()
def design_versions(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return staff_page(
        request,
        "studies/staff/design_versions.html",
        "Design versions",
        versions=study.design_versions.newest_first().select_related("created_by"),
    )


@from_our_pages
@study_staff_required()
def design_download(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    audit_record(
        action="design.export",
        actor=request.user,
        study_id=study.pk,
        target=study,
        data={"format": "yaml", "via": "page"},
    )
    response = HttpResponse(
        design_export(study=study), content_type="application/yaml; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{study.slug}-design.yaml"'
    return response


def design_upload(request: HttpRequest) -> HttpResponse:
    if not may_create_studies(request.user):
        raise PermissionDenied
    form = DesignImportForm(posted(request), request.FILES or None)
    problems: list[Any] = []
    if request.method == "POST" and form.is_valid():
        try:
            study = design_import(text=form.cleaned_data["file"].text, by=request.user)  # type: ignore[arg-type]
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


# --- The statistical analysis plan ------------------------------------------------------


def _plan_page(request: StaffRequest, template: str) -> HttpResponse:
    study = request.study
    version, values = selectors.analysis_plan_current(study=study)
    return staff_page(
        request,
        template,
        "Statistical analysis plan",
        version=version,
        plan=values,
        summary=plan_summary(values, study=study),
        randomised=selectors.study_randomised(study=study),
    )


@study_staff_required()
def analysis_plan(request: StaffRequest, slug: str) -> HttpResponse:
    return _plan_page(request, "studies/staff/analysis_plan.html")


@study_staff_required()
def analysis_plan_print(request: StaffRequest, slug: str) -> HttpResponse:
    """The same plan on a page with nothing but the plan, to print or save as PDF."""
    return _plan_page(request, "studies/staff/analysis_plan_print.html")


@study_staff_required(*DESIGNERS)
def analysis_plan_edit(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    _, values = selectors.analysis_plan_current(study=study)
    randomised = selectors.study_randomised(study=study)
    form = AnalysisPlanForm(posted(request), initial=values, study=study)
    intro = (
        "Participants have been randomised: saving a change makes a new design version, "
        "and needs a reason that reviewers will see."
        if randomised
        else "Pre-specify how the trial will be analysed. The plan is frozen with the design "
        "once the first participant is randomised."
    )
    return form_view(
        request,
        form,
        save=lambda data: services.analysis_plan_save(
            study=study, by=request.user, reason=data["reason"], **form.service_fields()
        ),
        notice="Analysis plan saved.",
        back="studies:analysis_plan",
        title="Change the statistical analysis plan",
        submit="Save analysis plan",
        intro=intro,
    )


# --- Arms and randomisation -------------------------------------------------------------


@study_staff_required()
def arm_list(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return staff_page(
        request, "studies/staff/arms.html", "Arms", arms=selectors.arms_ordered(study=study)
    )


@study_staff_required(*DESIGNERS)
def arm_edit(request: StaffRequest, slug: str, key: str | None = None) -> HttpResponse:
    study = request.study
    arm = get_object_or_404(Arm, study=study, key=key) if key else None
    initial = (
        {name: getattr(arm, name) for name in ArmForm.base_fields if name != "reason"}
        if arm
        else {}
    )
    form = ArmForm(posted(request), initial=initial)
    return form_view(
        request,
        form,
        save=lambda data: services.arm_save(
            study=study, by=request.user, arm=arm, reason=data["reason"], **form.service_fields()
        ),
        notice="Arm saved.",
        back="studies:arms",
        title=f"Change arm: {arm.name}" if arm else "Add an arm",
        submit="Save arm",
        frozen=not study.is_draft,
    )


@require_POST
@study_staff_required(*DESIGNERS)
def arm_delete(request: StaffRequest, slug: str, key: str) -> HttpResponse:
    arm = get_object_or_404(Arm, study=request.study, key=key)
    return action_view(
        request,
        lambda: services.arm_delete(arm=arm, by=request.user),
        notice="Arm removed.",
        back="studies:arms",
    )


@study_staff_required(*DESIGNERS)
def randomisation_edit(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    version = selectors.design_current(study=study)
    initial = {
        "scheme": version.scheme,
        "unit": version.unit,
        "strata": version.strata,
        "block_multiples": ", ".join(str(m) for m in version.block_multiples),
        "minimisation_probability": version.minimisation_probability,
    }
    form = RandomisationForm(posted(request), initial=initial, study=study)
    return form_view(
        request,
        form,
        save=lambda data: services.randomisation_save(study=study, by=request.user, **data),
        notice="Randomisation design saved.",
        back="studies:detail",
        title="Randomisation",
        submit="Save randomisation design",
        frozen=not study.is_draft,
        intro="Who is randomised, how, and what the allocation is balanced on.",
    )


# --- Councils and phases ------------------------------------------------------------------


@study_staff_required()
def council_list(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return staff_page(
        request,
        "studies/staff/councils.html",
        "Councils",
        councils=study.councils.all(),
        show_arms=selectors.stratum_counts_visible(study=study),
        arm_labels=blinding.arm_labels(study=study, role=request.study_role),
    )


@study_staff_required(*DESIGNERS)
def council_edit(request: StaffRequest, slug: str, pk: int | None = None) -> HttpResponse:
    study = request.study
    council = get_object_or_404(Council, study=study, pk=pk) if pk else None
    initial = {"name": council.name, "region": council.region} if council else {}
    return form_view(
        request,
        CouncilForm(posted(request), initial=initial),
        save=lambda data: services.council_save(
            study=study, by=request.user, council=council, **data
        ),
        notice="Council saved.",
        back="studies:councils",
        title="Change council" if council else "Add a council",
        submit="Save council",
    )


@require_POST
@study_staff_required(*DESIGNERS)
def council_delete(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    council = get_object_or_404(Council, study=request.study, pk=pk)
    return action_view(
        request,
        lambda: services.council_delete(council=council, by=request.user),
        notice="Council removed.",
        back="studies:councils",
    )


@study_staff_required()
def phase_list(request: StaffRequest, slug: str) -> HttpResponse:
    return staff_page(
        request, "studies/staff/phases.html", "Phases", phases=request.study.phases.all()
    )


@require_POST
@study_staff_required(*DESIGNERS)
def phase_move(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    phase = get_object_or_404(Phase, study=request.study, pk=pk)
    up = request.POST.get("direction") == "up"
    return action_view(
        request,
        lambda: services.phase_move(phase=phase, up=up, by=request.user),
        notice=f"Moved {phase.name!r} {'up' if up else 'down'}.",
        back="studies:phases",
    )


def _opening(day: date | None) -> datetime | None:
    """A phase given a release date opens at 9 in the morning, UK time, that day."""
    return timezone.make_aware(datetime.combine(day, time(9))) if day else None


@study_staff_required(*DESIGNERS)
def phase_edit(request: StaffRequest, slug: str, pk: int | None = None) -> HttpResponse:
    study = request.study
    phase = get_object_or_404(Phase, study=study, pk=pk) if pk else None
    initial = (
        {
            "name": phase.name,
            "randomise_before": phase.randomise_before,
            "ordering": phase.ordering,
            "opens_at": phase.opens_at.date() if phase and phase.opens_at else None,
        }
        if phase
        else {}
    )
    return form_view(
        request,
        PhaseForm(posted(request), initial=initial),
        save=lambda data: services.phase_save(
            study=study,
            by=request.user,
            phase=phase,
            **{**data, "opens_at": _opening(data["opens_at"])},
        ),
        notice="Phase saved.",
        back="studies:phases",
        title="Change phase" if phase else "Add a phase",
        submit="Save phase",
    )


@require_POST
@study_staff_required(*DESIGNERS)
def phase_delete(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    phase = get_object_or_404(Phase, study=request.study, pk=pk)
    return action_view(
        request,
        lambda: services.phase_delete(phase=phase, by=request.user),
        notice="Phase removed.",
        back="studies:phases",
    )


# --- Baseline and eligibility questions, consent ------------------------------------------


@study_staff_required()
def baseline_list(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return staff_page(
        request,
        "studies/staff/questions.html",
        "Baseline and eligibility questions",
        baseline=study.baseline_questions.all(),
        eligibility=study.eligibility_questions.all(),
    )


@require_POST
@study_staff_required(*DESIGNERS)
def baseline_move(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    question = get_object_or_404(BaselineQuestion, study=request.study, pk=pk)
    up = request.POST.get("direction") == "up"
    return action_view(
        request,
        lambda: services.baseline_question_move(question=question, up=up, by=request.user),
        notice=f"Moved {question.label!r} {'up' if up else 'down'}.",
        back="studies:questions",
    )


@study_staff_required(*DESIGNERS)
def baseline_edit(request: StaffRequest, slug: str, pk: int | None = None) -> HttpResponse:
    study = request.study
    question = get_object_or_404(BaselineQuestion, study=study, pk=pk) if pk else None
    initial: dict[str, Any] = {"required": True}
    if question:
        initial = {name: getattr(question, name) for name in BaselineQuestionForm.base_fields}
        initial["choices"] = "\n".join(question.choices)
    return form_view(
        request,
        BaselineQuestionForm(posted(request), initial=initial),
        save=lambda data: services.baseline_question_save(
            study=study, by=request.user, question=question, **data
        ),
        notice="Question saved.",
        back="studies:questions",
        title="Change baseline question" if question else "Add a baseline question",
        submit="Save question",
    )


@require_POST
@study_staff_required(*DESIGNERS)
def baseline_delete(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    question = get_object_or_404(BaselineQuestion, study=request.study, pk=pk)
    return action_view(
        request,
        lambda: services.baseline_question_delete(question=question, by=request.user),
        notice="Question removed.",
        back="studies:questions",
    )


@study_staff_required(*DESIGNERS)
def eligibility_add(request: StaffRequest, slug: str) -> HttpResponse:
    return form_view(
        request,
        EligibilityQuestionForm(posted(request)),
        save=lambda data: services.eligibility_question_save(
            study=request.study,
            by=request.user,
            text=data["text"],
            help_text=data["help_text"],
            eligible_answer=data["eligible_answer"] == "yes",
        ),
        notice="Eligibility question saved.",
        back="studies:questions",
        title="Add an eligibility question",
        submit="Save question",
        intro="Asked before someone joins with a study or council code.",
    )


@require_POST
@study_staff_required(*DESIGNERS)
def eligibility_delete(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    question = get_object_or_404(EligibilityQuestion, study=request.study, pk=pk)
    return action_view(
        request,
        lambda: services.eligibility_question_delete(question=question, by=request.user),
        notice="Eligibility question removed.",
        back="studies:questions",
    )


@study_staff_required()
def consent_view(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return staff_page(
        request,
        "studies/staff/consent.html",
        "Consent text",
        versions=study.consent_versions.newest_first(),
    )


@study_staff_required(*DESIGNERS)
def consent_edit(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    latest = study.consent_versions.current()
    return form_view(
        request,
        ConsentTextForm(posted(request), initial={"text": latest.text if latest else ""}),
        save=lambda data: services.consent_save(
            study=study,
            text=data["text"],
            by=request.user,
            require_reconsent=data["require_reconsent"],
        ),
        notice="Consent text saved.",
        back="studies:consent_text",
        title="Change the consent text",
        submit="Save consent text",
    )
