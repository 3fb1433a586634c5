"""Study staff pages for the study team: who is on it and in which role."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from casecast.core.form_views import posted
from casecast.studies import services
from casecast.studies.forms import MembershipForm, RoleForm
from casecast.studies.models import StudyMembership
from casecast.studies.permissions import DESIGNERS, StaffRequest, study_staff_required
from casecast.studies.views.staff_pages import action_view, form_view, staff_page


@study_staff_required()
def staff_list(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return staff_page(
        request,
        "studies/staff/team.html",
        "Study team",
        memberships=study.memberships.select_related("user", "council").order_by(
            "role", "user__email"
        ),
    )


@study_staff_required(*DESIGNERS)
def staff_add(request: StaffRequest, slug: str) -> HttpResponse:
    return form_view(
        request,
        MembershipForm(posted(request), study=request.study),
        save=lambda data: services.membership_add(study=request.study, by=request.user, **data),
        notice="Team member added.",
        back="studies:staff",
        title="Add someone to the study team",
        submit="Add",
        intro="They need a staff account on this site already.",
    )


@study_staff_required(*DESIGNERS)
def staff_change(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    membership = get_object_or_404(StudyMembership, study=request.study, pk=pk)
    return form_view(
        request,
        RoleForm(
            posted(request),
            study=request.study,
            initial={"role": membership.role, "council": membership.council_id},
        ),
        save=lambda data: services.membership_change(
            membership=membership, role=data["role"], council=data["council"], by=request.user
        ),
        notice="Role changed.",
        back="studies:staff",
        title=f"Change role: {membership.user}",
        submit="Save role",
    )


@require_POST
@study_staff_required(*DESIGNERS)
def staff_remove(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    membership = get_object_or_404(StudyMembership, study=request.study, pk=pk)
    return action_view(
        request,
        lambda: services.membership_remove(membership=membership, by=request.user),
        notice="Team member removed.",
        back="studies:staff",
    )
