"""Team pages: a member's team panel on one question, and the staff overview and moderation.

The panel is a 404 for anyone but a member of a team arm opening their own
case, and a 403 until they have submitted their own forecast on the question
(`services.team_reveal_refuse_if_early`; the page never holds teammates' data
before). Then it first asks: seeing the team is recorded, so it happens on the
participant's POST, never on opening the address. Staff pages name arms as blinding
allows (`studies.blinding`).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from casecast.core.form_views import errors_onto_form, posted
from casecast.forecasts.models import Assignment
from casecast.forecasts.pages import answer_text
from casecast.forecasts.views import own_assignment
from casecast.studies.permissions import (
    MANAGERS,
    ParticipantRequest,
    StaffRequest,
    study_staff_required,
)
from casecast.teams import selectors, services
from casecast.teams.forms import CommentForm, HideForm
from casecast.vignettes.models import Question

COMMENT_POSTED = "Your comment has been posted to your team."
REVEAL = "reveal"  # the name of the button that records the choice to see the team


@never_cache
@own_assignment
def panel(request: ParticipantRequest, assignment: Assignment, question_id: int) -> HttpResponse:
    participant = assignment.participant
    question = Question.objects.filter(
        pk=question_id, version_id=assignment.vignette_version_id
    ).first()
    if question is None or selectors.membership_for(participant=participant) is None:
        raise Http404("No team for this question.")
    services.team_reveal_refuse_if_early(participant=participant, question=question)
    if not selectors.team_revealed(participant=participant, question=question):
        return _reveal_choice(request, assignment, question)
    if request.method == "POST" and REVEAL in request.POST:  # a second press: nothing to post
        return redirect(request.path)
    form = CommentForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.team_comment_post(
                participant=participant, question=question, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, COMMENT_POSTED)
            return redirect(request.path)
    panel_data = selectors.team_panel(participant=participant, question=question)
    assert panel_data is not None  # membership and own forecast checked above
    own = assignment.forecasts.filter(question=question).order_by("submitted_at", "pk").last()
    return render(
        request,
        "teams/panel.html",
        {
            "page_title": "Your team's forecasts",
            "assignment": assignment,
            "version": assignment.vignette_version,
            "panel": panel_data,
            "own_answer": answer_text(question, own) if own else "",
            "form": form,
        },
    )


def _reveal_choice(
    request: ParticipantRequest, assignment: Assignment, question: Question
) -> HttpResponse:
    """Seeing the team is recorded (it flags later updates), so it takes the participant's
    own click, a POST: opening or prefetching the address records nothing."""
    if request.method == "POST" and REVEAL in request.POST:
        services.team_reveal_record(participant=assignment.participant, question=question)
        return redirect(request.path)
    return render(
        request,
        "teams/reveal.html",
        {
            "page_title": "See your team's forecasts",
            "assignment": assignment,
            "version": assignment.vignette_version,
            "question": question,
            "reveal": REVEAL,
        },
    )


@study_staff_required()
def staff_overview(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return render(
        request,
        "teams/staff_overview.html",
        {
            "study": study,
            "page_title": "Teams",
            "rows": selectors.team_overview(study=study, role=request.study_role),
            "can_moderate": request.study_role in MANAGERS,
        },
    )


@study_staff_required()
def comments(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return render(
        request,
        "teams/comments.html",
        {
            "study": study,
            "page_title": "Team comments",
            "comments": selectors.comments_for_staff(study=study),
            "can_moderate": request.study_role in MANAGERS,
        },
    )


@study_staff_required(*MANAGERS)
def comment_hide(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    study = request.study
    comment = selectors.comment_for_staff(study=study, pk=pk)
    if comment is None:
        raise Http404("No such comment.")
    if comment.is_hidden:
        messages.info(request, "This comment is already hidden.")
        return redirect("teams:comments", slug=study.slug)
    form = HideForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.team_comment_hide(
                comment=comment, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, "The comment is hidden from the team.")
            return redirect("teams:comments", slug=study.slug)
    return render(
        request,
        "teams/comment_hide.html",
        {"study": study, "page_title": "Hide a comment", "comment": comment, "form": form},
    )
