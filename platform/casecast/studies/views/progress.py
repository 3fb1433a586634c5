"""Recruitment and progress by council, and the end of data collection (data lock, unblinding).

The progress page is the one page a council lead reaches: for them it counts their
own council only, with no arms and no individuals. Everyone else who reads the study
sees every council, and completion by arm once counts by arm may be shown (the
CONSORT page's concealment rule), coded while the study is blinded.
"""

from __future__ import annotations

from django.http import HttpResponse

from casecast.core.form_views import posted
from casecast.studies import blinding, progress, selectors, services
from casecast.studies.forms import ConfirmReasonForm, UnblindForm
from casecast.studies.models import StudyMembership
from casecast.studies.permissions import (
    DESIGNERS,
    PROGRESS_VIEWERS,
    StaffRequest,
    study_staff_required,
)
from casecast.studies.views.staff_pages import form_view, staff_page

Role = StudyMembership.Role


def _sort(request: StaffRequest) -> tuple[str, bool]:
    key = request.GET.get("sort", "name")
    return key, request.GET.get("order") == "descending"


def _columns(counts: progress.RecruitmentProgress) -> list[tuple[str, str, bool]]:
    """The council table's columns: (sort key, heading, numeric)."""
    return [
        ("name", "Council", False),
        ("invited", "Invited", True),
        ("enrolled", "Enrolled", True),
        ("consented", "Consented", True),
        ("randomised", "Randomised", True),
        *(
            (f"phase{i}", f"Completed phase {p.position}", True)
            for i, p in enumerate(counts.phases, start=1)
        ),
        ("withdrawn", "Withdrawn", True),
    ]


@study_staff_required(*PROGRESS_VIEWERS)
def recruitment(request: StaffRequest, slug: str) -> HttpResponse:
    study, role = request.study, request.study_role
    council = None
    if role == Role.COUNCIL_LEAD:
        council = selectors.lead_council(user=request.user, study=study)
    counts = progress.recruitment_progress(study=study, council=council)
    key, descending = _sort(request)
    show_arms = council is None and (selectors.arm_counts_visible(study=study) or role == Role.DMC)
    labels = blinding.arm_labels(study=study, role=role) if show_arms else {}
    n_phases = len(counts.phases)
    return staff_page(
        request,
        "studies/staff/recruitment.html",
        f"Progress: {council.name}" if council else "Recruitment and progress by council",
        progress=counts,
        councils=progress.sort_councils(counts.councils, key=key, descending=descending),
        sort_key=key,
        descending=descending,
        council=council,
        chart=progress.enrolment_svg(counts.weeks),
        show_arms=show_arms,
        arm_rows=[
            (label, counts.by_arm.get(pk) or progress.Counts(label, completed=[0] * n_phases))
            for pk, label in labels.items()
        ],
        columns=_columns(counts),
        blinded=blinding.is_blinded(study=study, role=role),
    )


@study_staff_required(*DESIGNERS)
def data_lock(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return form_view(
        request,
        ConfirmReasonForm(posted(request)),
        save=lambda data: services.study_data_lock(
            study=study, by=request.user, reason=data["reason"]
        ),
        notice="The study's data are locked.",
        back="studies:detail",
        title="Lock the study's data",
        submit="Lock the data",
        intro=(
            "Locking the data ends data collection for good: participants can no longer "
            "save answers, and outcomes can no longer be recorded, corrected, annulled or "
            "reinstated. The study must be closed first. This cannot be undone."
        ),
    )


@study_staff_required(*DESIGNERS)
def unblind(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return form_view(
        request,
        UnblindForm(posted(request)),
        save=lambda data: services.study_unblind(
            study=study, by=request.user, reason=data["reason"], confirmed=data["confirm"]
        ),
        notice="The study is unblinded: pages and exports now show the real arm names.",
        back="studies:detail",
        title="Unblind the study",
        submit="Unblind the study",
        intro=(
            "While blinded, the study team sees arms only as coded labels (Arm A, Arm B, …) "
            "and interim results pool all arms. Unblinding shows everyone the real arm "
            "names in every page and export. It is possible only after the data are "
            "locked, it is recorded in the audit trail, and it cannot be undone."
        ),
    )
