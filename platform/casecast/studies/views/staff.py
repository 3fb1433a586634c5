"""Study staff pages: overview, set-up sections, team, status, participants, CONSORT.

Every view is wrapped in `study_staff_required` with the roles that may use
it; analysts get read-only pages only. Nothing here shows the allocation seed,
the pseudonym key, the next allocation or per-stratum counts while recruiting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from casecast.studies import selectors, services
from casecast.studies.forms import (
    ArmForm,
    BaselineQuestionForm,
    ConsentTextForm,
    CouncilForm,
    EligibilityQuestionForm,
    MembershipForm,
    PhaseForm,
    RandomisationForm,
    RoleForm,
    StaffWithdrawForm,
    StatusForm,
    StudyCreateForm,
    StudyDetailsForm,
)
from casecast.studies.models import (
    Arm,
    BaselineQuestion,
    Council,
    EligibilityQuestion,
    Participant,
    Phase,
    Study,
    StudyMembership,
)
from casecast.studies.permissions import (
    DESIGNERS,
    MANAGERS,
    StaffRequest,
    may_create_studies,
    study_staff_required,
)
from casecast.studies.views.participant import _add_errors, _posted

Role = StudyMembership.Role


def _page(request: HttpRequest, template: str, title: str, **context: Any) -> HttpResponse:
    study = getattr(request, "study", None)
    role = getattr(request, "study_role", None)
    return render(
        request,
        template,
        {
            "page_title": title,
            "study": study,
            "role": role,
            "can_design": role in DESIGNERS,
            "can_manage": role in MANAGERS,
            **context,
        },
    )


def _form_page(
    request: StaffRequest,
    form: Any,
    *,
    title: str,
    submit: str,
    back: str,
    intro: str = "",
    **context: Any,
) -> HttpResponse:
    back_url = reverse(back, kwargs={"slug": request.study.slug})
    return _page(
        request,
        "studies/staff/form_page.html",
        title,
        form=form,
        submit=submit,
        back_url=back_url,
        intro=intro,
        **context,
    )


def _saved(request: StaffRequest, text: str, to: str) -> HttpResponse:
    messages.success(request, text)
    return redirect(to, slug=request.study.slug)


def _done_or_refused(
    request: StaffRequest, action: Callable[[], object], text: str, to: str
) -> HttpResponse:
    """Run a removal or move; a refusal (e.g. the design is frozen) is shown, not raised."""
    try:
        done = action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(to, slug=request.study.slug)
    if done is False:  # nothing to do, e.g. moving the first item up
        return redirect(to, slug=request.study.slug)
    return _saved(request, text, to)


# --- Study list, creation, overview ----------------------------------------------------


def study_list(request: HttpRequest) -> HttpResponse:
    studies = selectors.studies_for_staff(user=request.user)
    can_create = may_create_studies(request.user)
    return render(
        request,
        "studies/staff/list.html",
        {"studies": studies, "can_create": can_create, "page_title": "Your studies"},
    )


def study_create(request: HttpRequest) -> HttpResponse:
    if not may_create_studies(request.user):
        raise PermissionDenied
    form = StudyCreateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        study = services.study_create(title=form.cleaned_data["title"], by=request.user)  # type: ignore[arg-type]
        messages.success(request, "Study created. Set it up using the sections below.")
        return redirect("studies:detail", slug=study.slug)
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
    return _page(
        request,
        "studies/staff/detail.html",
        study.title,
        version=version,
        arms=selectors.arms_ordered(study=study),
        flow=selectors.consort_flow(study=study),
        by_arm=selectors.arm_counts_visible(study=study),
        problems=services.study_readiness_problems(study=study) if study.is_draft else [],
        councils=study.councils.all(),
        phases=study.phases.all(),
        consent=study.consent_versions.order_by("-number").first(),
    )


@study_staff_required(*DESIGNERS)
def study_edit(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    form = StudyDetailsForm(_posted(request), instance=Study.objects.get(pk=study.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.study_update(study=study, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _saved(request, "Study details saved.", "studies:detail")
    return _form_page(
        request, form, title="Study details", submit="Save details", back="studies:detail"
    )


@study_staff_required(*DESIGNERS)
def study_status(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    allowed = [(s, Study.Status(s).label) for s in services.TRANSITIONS[study.status]]
    form = StatusForm(_posted(request), allowed=allowed)
    if request.method == "POST" and form.is_valid():
        try:
            services.study_status_change(
                study=study,
                to=form.cleaned_data["status"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _saved(request, "Study status changed.", "studies:detail")
    return _page(
        request, "studies/staff/status.html", "Change the study status", form=form, allowed=allowed
    )


# --- Arms and randomisation -------------------------------------------------------------


@study_staff_required()
def arm_list(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return _page(
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
    form = ArmForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.arm_save(
                study=study,
                by=request.user,
                arm=arm,
                reason=form.cleaned_data["reason"],
                **form.service_fields(),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _saved(request, "Arm saved.", "studies:arms")
    return _form_page(
        request,
        form,
        title=f"Change arm: {arm.name}" if arm else "Add an arm",
        submit="Save arm",
        back="studies:arms",
        frozen=not study.is_draft,
    )


@require_POST
@study_staff_required(*DESIGNERS)
def arm_delete(request: StaffRequest, slug: str, key: str) -> HttpResponse:
    arm = get_object_or_404(Arm, study=request.study, key=key)
    return _done_or_refused(
        request,
        lambda: services.arm_delete(arm=arm, by=request.user),
        "Arm removed.",
        "studies:arms",
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
    form = RandomisationForm(_posted(request), initial=initial, study=study)
    if request.method == "POST" and form.is_valid():
        try:
            services.randomisation_save(study=study, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _saved(request, "Randomisation design saved.", "studies:detail")
    return _form_page(
        request,
        form,
        title="Randomisation",
        submit="Save randomisation design",
        back="studies:detail",
        frozen=not study.is_draft,
        intro="Who is randomised, how, and what the allocation is balanced on.",
    )


# --- Councils, phases, baseline and eligibility questions, consent ------------------------


@study_staff_required()
def council_list(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return _page(
        request,
        "studies/staff/councils.html",
        "Councils",
        councils=study.councils.all(),
        show_arms=selectors.stratum_counts_visible(study=study),
    )


@study_staff_required(*DESIGNERS)
def council_edit(request: StaffRequest, slug: str, pk: int | None = None) -> HttpResponse:
    study = request.study
    council = get_object_or_404(Council, study=study, pk=pk) if pk else None
    initial = {"name": council.name, "region": council.region} if council else {}
    form = CouncilForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.council_save(
                study=study, by=request.user, council=council, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _saved(request, "Council saved.", "studies:councils")
    return _form_page(
        request,
        form,
        title="Change council" if council else "Add a council",
        submit="Save council",
        back="studies:councils",
    )


@require_POST
@study_staff_required(*DESIGNERS)
def council_delete(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    council = get_object_or_404(Council, study=request.study, pk=pk)
    return _done_or_refused(
        request,
        lambda: services.council_delete(council=council, by=request.user),
        "Council removed.",
        "studies:councils",
    )


@study_staff_required()
def phase_list(request: StaffRequest, slug: str) -> HttpResponse:
    return _page(request, "studies/staff/phases.html", "Phases", phases=request.study.phases.all())


@require_POST
@study_staff_required(*DESIGNERS)
def phase_move(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    phase = get_object_or_404(Phase, study=request.study, pk=pk)
    up = request.POST.get("direction") == "up"
    return _done_or_refused(
        request,
        lambda: services.phase_move(phase=phase, up=up, by=request.user),
        f"Moved {phase.name!r} {'up' if up else 'down'}.",
        "studies:phases",
    )


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
    form = PhaseForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        opens = data.pop("opens_at")
        from datetime import datetime, time

        from django.utils import timezone

        opens_at = timezone.make_aware(datetime.combine(opens, time(9))) if opens else None
        try:
            services.phase_save(
                study=study, by=request.user, phase=phase, opens_at=opens_at, **data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _saved(request, "Phase saved.", "studies:phases")
    return _form_page(
        request,
        form,
        title="Change phase" if phase else "Add a phase",
        submit="Save phase",
        back="studies:phases",
    )


@require_POST
@study_staff_required(*DESIGNERS)
def phase_delete(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    phase = get_object_or_404(Phase, study=request.study, pk=pk)
    return _done_or_refused(
        request,
        lambda: services.phase_delete(phase=phase, by=request.user),
        "Phase removed.",
        "studies:phases",
    )


@study_staff_required()
def baseline_list(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return _page(
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
    return _done_or_refused(
        request,
        lambda: services.baseline_question_move(question=question, up=up, by=request.user),
        f"Moved {question.label!r} {'up' if up else 'down'}.",
        "studies:questions",
    )


@study_staff_required(*DESIGNERS)
def baseline_edit(request: StaffRequest, slug: str, pk: int | None = None) -> HttpResponse:
    study = request.study
    question = get_object_or_404(BaselineQuestion, study=study, pk=pk) if pk else None
    initial: dict[str, Any] = {"required": True}
    if question:
        initial = {name: getattr(question, name) for name in BaselineQuestionForm.base_fields}
        initial["choices"] = "\n".join(question.choices)
    form = BaselineQuestionForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.baseline_question_save(
                study=study, by=request.user, question=question, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _saved(request, "Question saved.", "studies:questions")
    return _form_page(
        request,
        form,
        title="Change baseline question" if question else "Add a baseline question",
        submit="Save question",
        back="studies:questions",
    )


@require_POST
@study_staff_required(*DESIGNERS)
def baseline_delete(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    question = get_object_or_404(BaselineQuestion, study=request.study, pk=pk)
    return _done_or_refused(
        request,
        lambda: services.baseline_question_delete(question=question, by=request.user),
        "Question removed.",
        "studies:questions",
    )


@study_staff_required(*DESIGNERS)
def eligibility_add(request: StaffRequest, slug: str) -> HttpResponse:
    form = EligibilityQuestionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        services.eligibility_question_save(
            study=request.study,
            by=request.user,
            text=form.cleaned_data["text"],
            help_text=form.cleaned_data["help_text"],
            eligible_answer=form.cleaned_data["eligible_answer"] == "yes",
        )
        return _saved(request, "Eligibility question saved.", "studies:questions")
    return _form_page(
        request,
        form,
        title="Add an eligibility question",
        submit="Save question",
        back="studies:questions",
        intro="Asked before someone joins with a study or council code.",
    )


@require_POST
@study_staff_required(*DESIGNERS)
def eligibility_delete(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    question = get_object_or_404(EligibilityQuestion, study=request.study, pk=pk)
    services.eligibility_question_delete(question=question, by=request.user)
    return _saved(request, "Eligibility question removed.", "studies:questions")


@study_staff_required()
def consent_view(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return _page(
        request,
        "studies/staff/consent.html",
        "Consent text",
        versions=study.consent_versions.order_by("-number"),
    )


@study_staff_required(*DESIGNERS)
def consent_edit(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    latest = study.consent_versions.order_by("-number").first()
    form = ConsentTextForm(_posted(request), initial={"text": latest.text if latest else ""})
    if request.method == "POST" and form.is_valid():
        services.consent_save(
            study=study,
            text=form.cleaned_data["text"],
            by=request.user,
            require_reconsent=form.cleaned_data["require_reconsent"],
        )
        return _saved(request, "Consent text saved.", "studies:consent_text")
    return _form_page(
        request,
        form,
        title="Change the consent text",
        submit="Save consent text",
        back="studies:consent_text",
    )


# --- Team -------------------------------------------------------------------------------


@study_staff_required()
def staff_list(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return _page(
        request,
        "studies/staff/team.html",
        "Study team",
        memberships=study.memberships.select_related("user").order_by("role", "user__email"),
    )


@study_staff_required(*DESIGNERS)
def staff_add(request: StaffRequest, slug: str) -> HttpResponse:
    form = MembershipForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_add(study=request.study, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _saved(request, "Team member added.", "studies:staff")
    return _form_page(
        request,
        form,
        title="Add someone to the study team",
        submit="Add",
        back="studies:staff",
        intro="They need a staff account on this site already.",
    )


@study_staff_required(*DESIGNERS)
def staff_change(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    membership = get_object_or_404(StudyMembership, study=request.study, pk=pk)
    form = RoleForm(_posted(request), initial={"role": membership.role})
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_change(
                membership=membership, role=form.cleaned_data["role"], by=request.user
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _saved(request, "Role changed.", "studies:staff")
    return _form_page(
        request,
        form,
        title=f"Change role: {membership.user}",
        submit="Save role",
        back="studies:staff",
    )


@require_POST
@study_staff_required(*DESIGNERS)
def staff_remove(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    membership = get_object_or_404(StudyMembership, study=request.study, pk=pk)
    return _done_or_refused(
        request,
        lambda: services.membership_remove(membership=membership, by=request.user),
        "Team member removed.",
        "studies:staff",
    )


# --- Participants and CONSORT -----------------------------------------------------------


@study_staff_required()
def participant_list(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return _page(
        request,
        "studies/staff/participants.html",
        "Participants",
        participants=selectors.participants_for_staff(study=study),
        show_arms=selectors.stratum_counts_visible(study=study),
        show_contact=request.study_role in MANAGERS,
    )


@study_staff_required(*MANAGERS)
def participant_withdraw(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    """Record a withdrawal the participant asked for outside the platform."""
    participant = get_object_or_404(Participant, study=request.study, pk=pk, erased_at__isnull=True)
    form = StaffWithdrawForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        keep = form.cleaned_data["keep_data"] == "yes"
        services.participant_withdraw(
            participant=participant,
            keep_data=keep,
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
        done = "Withdrawal recorded." if keep else "Withdrawal recorded and their data erased."
        return _saved(request, done, "studies:participants")
    who = participant.user.email if participant.user else f"participant {participant.pk}"
    return _form_page(
        request,
        form,
        title=f"Record a withdrawal: {who}",
        submit="Record withdrawal",
        back="studies:participants",
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
    flow = selectors.consort_flow(study=study)
    by_arm = selectors.arm_counts_visible(study=study)
    return _page(
        request,
        "studies/staff/consort.html",
        "CONSORT flow",
        flow=flow,
        table=selectors.consort_table(flow=flow, by_arm=by_arm),
        by_arm=by_arm,
        strata=selectors.stratum_counts(study=study) if visible else None,
    )
