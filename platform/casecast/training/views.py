"""Training pages: participants do their arm's module; researchers edit and version it.

Every page works without JavaScript: each step is a form that posts and
redirects back to the same step, now showing the feedback.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from casecast.audit.services import audit_record
from casecast.core.downloads import from_our_pages
from casecast.feedback.calibration import calibration_chart
from casecast.studies.permissions import (
    MANAGERS,
    ParticipantRequest,
    StaffRequest,
    participant_required,
    study_staff_required,
)
from casecast.training import selectors, services
from casecast.training.content import (
    CONFIDENCE,
    CONFIDENCE_LEVELS,
    ContentError,
    module_parse,
    module_to_yaml,
)
from casecast.training.forms import CheckAnswerForm, ConfidenceAnswerForm, ModuleEditForm
from casecast.training.models import ModuleKey, TrainingAttempt, TrainingModuleVersion
from casecast.training.selectors import Progress, StepView

# --- participants --------------------------------------------------------------------


def _participant_attempt(request: ParticipantRequest) -> TrainingAttempt:
    participant = request.participant
    if not selectors.module_key_for(participant=participant):
        raise Http404("Your study group has no training module.")
    attempt = selectors.attempt_for(participant=participant)
    if attempt is None:
        attempt = services.training_start(participant=participant)
    services.training_touch(attempt=attempt)
    return attempt


@never_cache
@participant_required
def start(request: ParticipantRequest) -> HttpResponse:
    participant = request.participant
    key = selectors.module_key_for(participant=participant)
    if not key:
        raise Http404("Your study group has no training module.")
    attempt = selectors.attempt_for(participant=participant)
    if request.method == "POST":
        attempt = services.training_start(participant=participant)
        following = selectors.attempt_progress(attempt=attempt).next_step
        if following is None:
            return redirect("training:results")
        return redirect("training:step", following.number)
    # A GET writes nothing: before the first start the page shows the content the
    # participant would get, without saving it as a version.
    if attempt is not None:
        module = attempt.version.module
    else:
        module = selectors.module_content_current(study=participant.study, key=key).module
    progress = selectors.attempt_progress(attempt=attempt) if attempt else None
    return render(
        request,
        "training/start.html",
        {
            "page_title": module.title,
            "module": module,
            "attempt": attempt,
            "progress": progress,
        },
    )


def _answer_form(view: StepView, data: Any = None) -> Any:
    if view.step.type == CONFIDENCE:
        return ConfidenceAnswerForm(data, step=view.step)
    if view.step.check is not None:
        return CheckAnswerForm(data, step=view.step)
    return None


def _record_post(request: HttpRequest, attempt: TrainingAttempt, view: StepView) -> Any:
    """Record the step from the POST; returns the bound form if it has errors."""
    form = _answer_form(view, request.POST)
    if form is not None and not form.is_valid():
        return form
    answer = form.cleaned_data if form is not None else {}
    try:
        services.training_step_record(
            attempt=attempt,
            step_key=view.step.key,
            choice=answer.get("answer"),
            confidence=answer.get("confidence"),
        )
    except services.TrainingError as error:
        messages.error(request, str(error))
    return None


@never_cache
@participant_required
def step(request: ParticipantRequest, number: int) -> HttpResponse:
    attempt = _participant_attempt(request)
    progress = selectors.attempt_progress(attempt=attempt)
    view = progress.step(number)
    if view is None:
        raise Http404("No such step.")
    if not view.reachable:
        following = progress.next_step
        return redirect("training:step", following.number if following else 1)
    form = None
    if request.method == "POST" and not view.done:
        form = _record_post(request, attempt, view)
        if form is None:
            if view.step.type != CONFIDENCE and view.step.check is None:
                return redirect(_after(progress, number))
            return redirect("training:step", number)
    elif not view.done:
        form = _answer_form(view)
    return _render_step(request, progress, view, form)


def _after(progress: Progress, number: int) -> str:
    if number < len(progress.steps):
        return reverse("training:step", args=[number + 1])
    return reverse("training:results")


def _render_step(
    request: HttpRequest, progress: Progress, view: StepView, form: Any
) -> HttpResponse:
    step_ = view.step
    title = step_.title or step_.question
    count = len(progress.steps)
    caption = f"{progress.module.title}: step {view.number} of {count}"
    context = {
        "page_title": f"{title} \N{EN DASH} step {view.number} of {count}",
        "caption": caption,
        "progress": progress,
        "view": view,
        "step": step_,
        "form": form,
        "next_url": _after(progress, view.number),
        "back_url": _back_url(view.number),
    }
    return render(request, "training/step.html", context)


def _back_url(number: int) -> str:
    if number > 1:
        return reverse("training:step", args=[number - 1])
    return reverse("training:start")


@never_cache
@participant_required
def results(request: ParticipantRequest) -> HttpResponse:
    attempt = _participant_attempt(request)
    attempt.refresh_from_db()
    progress = selectors.attempt_progress(attempt=attempt)
    if attempt.completed_at is None:
        following = progress.next_step
        return redirect("training:step", following.number if following else 1)
    exercise = selectors.exercise_result(progress=progress)
    chart = None
    if exercise.n:
        chart = calibration_chart(
            probabilities=exercise.probabilities,
            outcomes=exercise.outcomes,
            caption="How sure you were and how often you were right",
            forecast_label="How sure you were, on average",
            observed_label="How often you were right",
            group_label="How sure you were",
            noun="answer",
            count_label="Answers",
            x_title="How sure you were",
            y_title="How often you were right",
            levels=CONFIDENCE_LEVELS,
        )
    checks = [v for v in progress.steps if v.step.check is not None]
    return render(
        request,
        "training/results.html",
        {
            "page_title": f"{progress.module.title}: your results",
            "progress": progress,
            "module": progress.module,
            "exercise": exercise,
            "chart": chart,
            "checks": checks,
            "time_spent": _time_spent(attempt.seconds_spent),
        },
    )


def _time_spent(seconds: int) -> str:
    """ "about 12 minutes", "less than 1 minute", or "" when no time was recorded."""
    if not seconds:
        return ""
    text = selectors.minutes_text(seconds)
    return text if seconds < 60 else f"about {text}"


# --- researchers ----------------------------------------------------------------------


def _module_key(key: str) -> str:
    if key not in ModuleKey.values:
        raise Http404("No such training module.")
    return key


@study_staff_required()
def staff_overview(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return render(
        request,
        "training/staff/overview.html",
        {
            "page_title": "Training modules",
            "study": study,
            "modules": selectors.module_overviews(study=study),
            "arms": selectors.arm_training_rows(study=study),
            "can_edit": request.study_role in MANAGERS,
        },
    )


@study_staff_required(*MANAGERS)
def staff_edit(request: StaffRequest, slug: str, key: str) -> HttpResponse:
    """Edit a module; a GET only reads (the bundled content is not saved until a save)."""
    study = request.study
    key = _module_key(key)
    current = selectors.module_content_current(study=study, key=key)
    form = ModuleEditForm(
        request.POST or None, request.FILES or None, initial={"source_yaml": current.source_yaml}
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = _save_edit(request, study, key, form.cleaned_data)
        except ContentError as error:
            form.content_problems(error.problems, source_yaml=form.cleaned_data["source_yaml"])
        else:
            messages.success(request, f"Saved version {version.number} of {version.title}.")
            return redirect("training:staff_overview", slug=study.slug)
    return render(
        request,
        "training/staff/edit.html",
        {
            "page_title": f"Edit {ModuleKey(key).label.lower()}",
            "study": study,
            "key": key,
            "label": ModuleKey(key).label,
            "current": current,
            "form": form,
        },
    )


def _save_edit(
    request: HttpRequest, study: Any, key: str, data: dict[str, Any]
) -> TrainingModuleVersion:
    """Save the edit as the next version, first saving the bundled content as version 1."""
    module_parse(data["source_yaml"], key=key)  # check before writing anything
    with transaction.atomic():
        services.module_version_current(study=study, key=key)
        return services.module_version_save(
            study=study,
            key=key,
            source_yaml=data["source_yaml"],
            by=request.user,
            note=data["note"],
        )


@from_our_pages
@study_staff_required()
def staff_version(request: StaffRequest, slug: str, key: str, number: int) -> HttpResponse:
    study = request.study
    version = selectors.version_for_study(study=study, key=_module_key(key), number=number)
    if version is None:
        raise Http404("No such version.")
    if request.GET.get("format") == "yaml":
        audit_record(
            action="training.version_export",
            actor=request.user,
            study_id=study.pk,
            target=version,
            data={"module": key, "version": version.number, "format": "yaml"},
        )
        response = HttpResponse(version.source_yaml, content_type="application/yaml; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{study.slug}-{key}-v{version.number}.yaml"'
        )
        return response
    return render(
        request,
        "training/staff/version.html",
        {
            "page_title": f"{version.title}, version {version.number}",
            "study": study,
            "version": version,
            "module": version.module,
            "completed": selectors.completions_by_version(study=study, key=key).get(number, 0),
            "normalised_yaml": module_to_yaml(version.module),
        },
    )


__all__ = [
    "require_POST",
    "results",
    "staff_edit",
    "staff_overview",
    "staff_version",
    "start",
    "step",
]
