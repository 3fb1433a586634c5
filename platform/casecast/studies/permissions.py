"""View decorators: study staff by role, and participants who have consented.

`study_staff_required(*roles)` loads the study from the URL kwarg `slug` and
answers 403 unless the user is staff in it with one of `roles` (`READERS` if
none are given: every role but the council lead, who sees one page only).
It sets `request.study` and `request.study_role`.

`participant_required` loads the signed-in user's participation — in the study
named by the URL kwarg `slug`, or else their most recent active one — sets
`request.study` and `request.participant`, and sends them to consent or the
baseline questions until both are done. Anonymous visitors are sent to the
page that emails a new link; withdrawn participants see a short notice.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from casecast.accounts.links import is_link_session
from casecast.accounts.models import User
from casecast.studies.models import Participant, Study, StudyMembership
from casecast.studies.selectors import (
    is_study_staff_anywhere,
    latest_participation,
    participation_for,
    reconsent_needed,
    study_role,
)

View = Callable[..., HttpResponse]


class StaffRequest(HttpRequest):
    """A request that passed `study_staff_required` (typing only)."""

    user: User
    study: Study
    study_role: StudyMembership.Role


class ParticipantRequest(HttpRequest):
    """A request that passed `participant_required` (typing only)."""

    user: User
    study: Study
    participant: Participant


Role = StudyMembership.Role

# Roles that may change things; analysts and the data monitoring committee only read.
DESIGNERS = (Role.ADMIN,)
MANAGERS = (Role.ADMIN, Role.RESEARCHER)
# Everyone who reads the study's staff pages. Council leads are not among them: they
# reach only their council's progress page, which names them explicitly.
READERS = (Role.ADMIN, Role.RESEARCHER, Role.ANALYST, Role.DMC)
PROGRESS_VIEWERS = (*READERS, Role.COUNCIL_LEAD)


def may_create_studies(user: Any) -> bool:
    """Staff accounts (with a password) may create or import studies; participants may not."""
    return bool(getattr(user, "is_authenticated", False) and user.has_usable_password())


def may_plan_trials(request: HttpRequest) -> bool:
    """The trial planner is for study staff of any study, in any role, and site
    administrators; never for a participant's link session."""
    user = request.user
    if is_link_session(request) or not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_site_admin", False)) or is_study_staff_anywhere(user=user)


def study_staff_required(*roles: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if is_link_session(request):
                # A personal link only ever opens participant pages.
                raise PermissionDenied
            study = get_object_or_404(Study, slug=kwargs.get("slug"))
            role = study_role(user=request.user, study=study)
            if role is None or role not in (roles or READERS):
                raise PermissionDenied
            staff_request = cast(StaffRequest, request)
            staff_request.study, staff_request.study_role = study, role
            return view(staff_request, *args, **kwargs)

        return wrapped

    return decorator


def _participant_for_request(request: HttpRequest, slug: str | None) -> Participant | None:
    if slug:
        study = get_object_or_404(Study, slug=slug)
        return participation_for(user=request.user, study=study)
    # No study named: their current participation, or else the one they left, so
    # a withdrawn participant sees "You have left this study" rather than a 404.
    return latest_participation(user=request.user)


def withdrawn_notice(request: HttpRequest, participant: Participant) -> HttpResponse:
    return render(
        request,
        "studies/participant/withdrawn.html",
        {"page_title": "You have left this study", "participant": participant},
    )


def participant_gate(*, need_consent: bool, need_baseline: bool) -> Callable[[View], View]:
    """`participant_required` with the consent and baseline checks chosen (for those pages)."""

    def decorator(view: View) -> View:
        @login_not_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect("accounts:request_link")
            participant = _participant_for_request(request, kwargs.get("slug"))
            if participant is None:
                raise Http404("You are not taking part in this study.")
            if participant.withdrawn_at is not None:
                return withdrawn_notice(request, participant)
            slug = participant.study.slug
            if need_consent and participant.consented_at is None:
                return redirect("studies:consent", slug=slug)
            if need_consent and reconsent_needed(participant=participant) is not None:
                return redirect("studies:consent", slug=slug)  # changed information to agree to
            if need_baseline and participant.baseline_completed_at is None:
                return redirect("studies:baseline", slug=slug)
            participant_request = cast(ParticipantRequest, request)
            participant_request.participant = participant
            participant_request.study = participant.study
            return view(participant_request, *args, **kwargs)

        return wrapped

    return decorator


def participant_required(view: View) -> View:
    return participant_gate(need_consent=True, need_baseline=True)(view)
