"""Study staff pages for the study as a whole: the list, creation, overview, details, status.

Every study page is wrapped in `study_staff_required` with the roles that may
use it; analysts get read-only pages only. Nothing here shows the allocation
seed, the pseudonym key, the next allocation or per-stratum counts while
recruiting.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from casecast.core.form_views import form_saved, posted
from casecast.studies import blinding, selectors, services
from casecast.studies.forms import StatusForm, StudyCreateForm, StudyDetailsForm
from casecast.studies.models import Study
from casecast.studies.permissions import (
    DESIGNERS,
    StaffRequest,
    may_create_studies,
    may_plan_trials,
    study_staff_required,
)
from casecast.studies.views.staff_pages import form_view, staff_page, study_url


def study_list(request: HttpRequest) -> HttpResponse:
    studies = selectors.studies_for_staff(user=request.user)
    can_create = may_create_studies(request.user)
    return render(
        request,
        "studies/staff/list.html",
        {
            "studies": studies,
            "can_create": can_create,
            "can_plan": may_plan_trials(request),
            "page_title": "Your studies",
        },
    )


def study_create(request: HttpRequest) -> HttpResponse:
    if not may_create_studies(request.user):
        raise PermissionDenied
    form = StudyCreateForm(posted(request))
    created = form_saved(
        request,
        form,
        save=lambda data: services.study_create(title=data["title"], by=request.user),  # type: ignore[arg-type]
        notice="Study created. Set it up using the sections below.",
        to=lambda study: reverse("studies:detail", kwargs={"slug": study.slug}),
    )
    if created is not None:
        return created
    return render(
        request,
        "studies/staff/form_page.html",
        {
            "form": form,
            "page_title": "Create a study",
            "submit": "Create study",
            "intro": "You will be the study administrator. The study starts as a draft.",
            "back_url": reverse("studies:list"),
        },
    )


@study_staff_required()
def study_detail(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    version = selectors.design_current(study=study)
    labels = blinding.arm_labels(study=study, role=request.study_role)
    arms = selectors.arms_ordered(study=study)
    return staff_page(
        request,
        "studies/staff/detail.html",
        study.title,
        version=version,
        arms=arms,
        has_team_arm=any(arm.team_size for arm in arms),
        flow=selectors.consort_flow(study=study, labels=labels),
        blinded=blinding.is_blinded(study=study, role=request.study_role),
        blinding_started=blinding.blinding_started(study=study),
        lockable=study.status in services.LOCKABLE,
        by_arm=selectors.arm_counts_visible(study=study),
        problems=services.study_readiness_problems(study=study) if study.is_draft else [],
        councils=study.councils.all(),
        phases=study.phases.all(),
        consent=study.consent_versions.current(),
    )


@study_staff_required(*DESIGNERS)
def study_edit(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    form = StudyDetailsForm(posted(request), instance=Study.objects.get(pk=study.pk))
    return form_view(
        request,
        form,
        save=lambda data: services.study_update(study=study, by=request.user, **data),
        notice="Study details saved.",
        back="studies:detail",
        title="Study details",
        submit="Save details",
    )


@study_staff_required(*DESIGNERS)
def study_status(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    allowed = [(s, Study.Status(s).label) for s in services.TRANSITIONS[study.status]]
    form = StatusForm(posted(request), allowed=allowed)
    changed = form_saved(
        request,
        form,
        save=lambda data: services.study_status_change(
            study=study, to=data["status"], by=request.user, reason=data["reason"]
        ),
        notice="Study status changed.",
        to=study_url(request, "studies:detail"),
    )
    if changed is not None:
        return changed
    return staff_page(
        request, "studies/staff/status.html", "Change the study status", form=form, allowed=allowed
    )
