"""The participant journey: task list, one page per part of a case, and "Case complete".

Views parse the request, check whose case it is and call a service or a
selector. An assignment that is not the signed-in user's own is a 404, so
nobody can open (or learn about) another participant's cases.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from casecast.feedback.selectors import case_feedback
from casecast.forecasts import pages, selectors, services
from casecast.forecasts.models import Assignment
from casecast.forecasts.selectors import CaseProgress
from casecast.studies.models import Phase
from casecast.studies.permissions import (
    ParticipantRequest,
    participant_required,
    withdrawn_notice,
)
from casecast.teams.selectors import team_questions
from casecast.vignettes.models import Stage

LOCKED_MESSAGE = "You have already submitted this part, so your answers are locked."
SAVED_MESSAGE = "Your answers have been saved. You can come back to this case at any time."

AssignmentView = Callable[..., HttpResponse]


def own_assignment(view: AssignmentView) -> AssignmentView:
    """Load the signed-in participant's own assignment, or answer 404; send them to
    consent, re-consent or the about-you questions first when those are due. Every page
    inside a case uses it (the team panel too), so the checks are made in one place."""

    @login_not_required  # participants sign in by link: send them for a new one, below
    @wraps(view)
    def wrapped(request: HttpRequest, assignment_id: int, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect("accounts:request_link")
        assignment = selectors.assignment_for_user(user=request.user, assignment_id=assignment_id)
        if assignment is None:
            raise Http404("No such case.")
        participant = assignment.participant
        if participant.withdrawn_at is not None:
            return withdrawn_notice(request, participant)
        if participant.consented_at is None or assignment.reconsent_due:
            # No consent yet, or changed information they must agree to first (read with
            # the assignment: `reconsent_needed`'s answer).
            return redirect("studies:consent", slug=participant.study.slug)
        if participant.baseline_completed_at is None:
            return redirect("studies:baseline", slug=participant.study.slug)
        # As `participant_required` does: the menu reads the participation from here.
        participant_request = cast(ParticipantRequest, request)
        participant_request.participant = participant
        return view(participant_request, assignment, **kwargs)

    return wrapped


def _stage_url(assignment: Assignment, progress: CaseProgress, stage: Stage) -> str:
    return reverse("forecasts:stage", args=[assignment.pk, progress.part_number(stage)])


def _next_url(assignment: Assignment, progress: CaseProgress, stage: Stage) -> str:
    following = progress.next_stage(stage)
    if following is None:
        return reverse("forecasts:complete", args=[assignment.pk])
    return _stage_url(assignment, progress, following)


# --- Task list and phases -------------------------------------------------------------


@never_cache
@participant_required
def tasks(request: ParticipantRequest) -> HttpResponse:
    participant = request.participant
    task_list = selectors.task_list(participant=participant)
    return render(
        request,
        "forecasts/tasks.html",
        {"page_title": "Your cases", "task_list": task_list},
    )


@require_POST
@participant_required
def phase_start(request: ParticipantRequest, phase_id: int) -> HttpResponse:
    participant = request.participant
    phase = get_object_or_404(Phase, pk=phase_id, study_id=participant.study_id)
    try:
        assignments = services.phase_start(participant=participant, phase=phase)
    except services.JourneyError as error:
        messages.info(request, str(error))
        return redirect("forecasts:tasks")
    following = next((a for a in assignments if a.completed_at is None), None)
    if following is None:
        return redirect("forecasts:tasks")
    return redirect("forecasts:case", following.pk)


# --- A case -------------------------------------------------------------------------------


@never_cache
@own_assignment
def case(request: HttpRequest, assignment: Assignment) -> HttpResponse:
    """Resume a case where the participant left it."""
    progress = selectors.case_progress(assignment=assignment)
    current = progress.current_stage
    if current is None:
        return redirect("forecasts:complete", assignment.pk)
    return redirect(_stage_url(assignment, progress, current))


def _stage_for(progress: CaseProgress, part: int) -> Stage:
    stage = progress.stage_at(part)
    if stage is None:
        raise Http404("No such part.")
    return stage


def _idempotency_key(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None


@never_cache
@own_assignment
def stage(request: HttpRequest, assignment: Assignment, part: int) -> HttpResponse:
    progress = selectors.case_progress(assignment=assignment)
    current = _stage_for(progress, part)
    if not progress.is_reachable(current):
        return redirect(_stage_url(assignment, progress, progress.current_stage))  # type: ignore[arg-type]
    if request.method == "POST":
        return _stage_post(request, assignment, progress, current)
    if progress.is_submitted(current):
        return _render_submitted(request, assignment, progress, current)
    services.stage_view_record(assignment=assignment, stage=current, progress=progress)
    # The draft was read with the case's progress.
    values = dict(progress.draft_answers.get(current.pk, {}))
    key = _idempotency_key(values.get(services.IDEMPOTENCY_FIELD)) or uuid.uuid4()
    return _render_form(request, assignment, progress, current, values=values, key=key)


def _stage_post(
    request: HttpRequest, assignment: Assignment, progress: CaseProgress, current: Stage
) -> HttpResponse:
    data = request.POST
    key = _idempotency_key(data.get(services.IDEMPOTENCY_FIELD)) or uuid.uuid4()
    try:
        if data.get("action") == "save":
            services.draft_save(
                assignment=assignment, stage=current, answers=data, progress=progress
            )
            messages.success(request, SAVED_MESSAGE)
            return redirect("forecasts:tasks")
        result = services.stage_submit(
            assignment=assignment,
            stage=current,
            answers=data,
            idempotency_key=key,
            progress=progress,
        )
        if not result.ok:
            services.draft_save(
                assignment=assignment, stage=current, answers=data, progress=progress
            )
            values = {name: data.get(name, "") for name in data}
            return _render_form(
                request,
                assignment,
                progress,
                current,
                values=values,
                key=key,
                errors=result.errors,
            )
    except services.DataLocked as error:
        messages.info(request, str(error))
        return redirect("forecasts:tasks")
    except services.StageLocked:
        messages.info(request, LOCKED_MESSAGE)
        return redirect(_stage_url(assignment, progress, current))
    except services.StageNotReady:
        return redirect("forecasts:case", assignment.pk)
    return redirect(_next_url(assignment, progress, current))


def _page_title(progress: CaseProgress, current: Stage) -> str:
    return (
        f"Case {progress.case_number} of {progress.case_count} · "
        f"Part {progress.part_number(current)} of {progress.stage_count}"
    )


def _case_context(assignment: Assignment, progress: CaseProgress, current: Stage) -> dict[str, Any]:
    part = progress.part_number(current)
    back = (
        reverse("forecasts:stage", args=[assignment.pk, part - 1])
        if part > 1
        else reverse("forecasts:tasks")
    )
    return {
        "assignment": assignment,
        "version": assignment.vignette_version,
        "progress": progress,
        "stage": current,
        "part": part,
        "case_text": pages.case_text_html(
            version=assignment.vignette_version, stages=progress.stages, part=part
        ),
        "progress_text": _page_title(progress, current),
        "back_url": back,
        # Team arms: the questions whose team panel is open to them (answered ones only).
        "team_links": [
            (question, reverse("teams:panel", args=[assignment.pk, question.pk]))
            for question in team_questions(
                participant=assignment.participant, assignment_id=assignment.pk
            )
        ],
    }


def _render_form(
    request: HttpRequest,
    assignment: Assignment,
    progress: CaseProgress,
    current: Stage,
    *,
    values: dict[str, str],
    key: uuid.UUID,
    errors: list[Any] | None = None,
) -> HttpResponse:
    questions = selectors.stage_questions(stage=current, version=assignment.vignette_version)
    arm = assignment.participant.arm
    blocks = pages.question_blocks(
        questions=questions,
        values=values,
        errors=errors or [],
        show_base_rates=bool(arm and arm.shows_base_rates),
        earlier=selectors.earlier_forecasts(
            assignment=assignment, questions=questions, version=assignment.vignette_version
        ),
    )
    summary = pages.error_summary(blocks)
    title = _page_title(progress, current)
    context = {
        **_case_context(assignment, progress, current),
        "blocks": blocks,
        "error_summary": summary,
        "page_title": title,
        "idempotency_key": key,
        "is_last_part": progress.next_stage(current) is None,
        "rationale_max_chars": pages.RATIONALE_MAX_CHARS,
    }
    return render(request, "forecasts/stage.html", context)


def _render_submitted(
    request: HttpRequest, assignment: Assignment, progress: CaseProgress, current: Stage
) -> HttpResponse:
    questions = selectors.stage_questions(stage=current, version=assignment.vignette_version)
    forecasts = selectors.stage_forecasts(assignment=assignment, stage=current)
    answered = [
        (q, pages.answer_text(q, forecasts[q.pk]) if q.pk in forecasts else "Not answered")
        for q in questions
    ]
    context = {
        **_case_context(assignment, progress, current),
        "answered": answered,
        "page_title": f"{_page_title(progress, current)} (submitted)",
        "next_url": _next_url(assignment, progress, current),
    }
    return render(request, "forecasts/stage_submitted.html", context)


@require_POST
@own_assignment
def draft(request: HttpRequest, assignment: Assignment, part: int) -> HttpResponse:
    """Autosave from journey.js: keep what has been typed so far, no checks."""
    progress = selectors.case_progress(assignment=assignment)
    current = _stage_for(progress, part)
    if progress.current_stage != current:
        return JsonResponse({"saved": False, "reason": "locked"}, status=409)
    try:
        saved = services.draft_save(
            assignment=assignment, stage=current, answers=request.POST, progress=progress
        )
    except services.StageLocked:
        return JsonResponse({"saved": False, "reason": "locked"}, status=409)
    saved_at = timezone.localtime(saved.updated_at).strftime("%H:%M")
    return JsonResponse({"saved": True, "saved_at": saved_at})


@never_cache
@own_assignment
def complete(request: HttpRequest, assignment: Assignment) -> HttpResponse:
    if assignment.completed_at is None:
        return redirect("forecasts:case", assignment.pk)
    task_list = selectors.task_list(participant=assignment.participant)
    context = {
        "page_title": "Case complete",
        "assignment": assignment,
        "version": assignment.vignette_version,
        "task_list": task_list,
        "next_assignment": task_list.next_assignment,
        # None when the arm or the study's timing withholds outcome feedback.
        "feedback": case_feedback(participant=assignment.participant, assignment=assignment),
    }
    return render(request, "forecasts/complete.html", context)
