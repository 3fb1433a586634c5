"""Participants' feedback pages. Every page is 404 for an arm without that kind of feedback,
so control participants cannot learn what other arms receive."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

from casecast.feedback import records, selectors, services
from casecast.feedback.models import FeedbackSeen
from casecast.forecasts.models import Assignment
from casecast.forecasts.selectors import assignment_for_user
from casecast.studies.permissions import ParticipantRequest, participant_required


@never_cache
@participant_required
def home(request: ParticipantRequest) -> HttpResponse:
    overview = selectors.feedback_overview(participant=request.participant)
    if overview is None:
        raise Http404("There is no feedback in your study group.")
    services.feedback_seen_record(participant=request.participant, page=FeedbackSeen.Page.HOME)
    return render(
        request, "feedback/home.html", {"page_title": "Your feedback", "overview": overview}
    )


def _own_case(request: HttpRequest, assignment_id: int) -> selectors.CaseFeedback:
    assignment: Assignment | None = assignment_for_user(
        user=request.user, assignment_id=assignment_id
    )
    if assignment is None or assignment.participant.withdrawn_at is not None:
        raise Http404("No such case.")
    feedback = selectors.case_feedback(participant=assignment.participant, assignment=assignment)
    if feedback is None:
        raise Http404("No feedback for this case.")
    return feedback


@never_cache
@participant_required
def case(request: ParticipantRequest, assignment_id: int) -> HttpResponse:
    feedback = _own_case(request, assignment_id)
    # The page view counts as seeing the case's feedback; the status polls do not.
    services.feedback_seen_record(
        participant=feedback.assignment.participant,
        page=FeedbackSeen.Page.CASE,
        assignment=feedback.assignment,
    )
    return render(
        request,
        "feedback/case.html",
        {
            "page_title": f"What happened: {feedback.title}",
            "feedback": feedback,
        },
    )


@never_cache
@participant_required
def case_status(request: ParticipantRequest, assignment_id: int) -> JsonResponse:
    """Polled while a score is being calculated; `html` replaces the feedback block."""
    feedback = _own_case(request, assignment_id)
    html = render_to_string(
        "feedback/includes/case_feedback.html", {"feedback": feedback}, request=request
    )
    return JsonResponse(
        {
            "pending": feedback.pending,
            "questions": [q.as_json() for q in feedback.questions],
            "html": html,
        }
    )


@never_cache
@participant_required
def track_record(request: ParticipantRequest) -> HttpResponse:
    record = selectors.track_record(participant=request.participant)
    if record is None:
        raise Http404("There is no track record in your study group.")
    services.feedback_seen_record(
        participant=request.participant, page=FeedbackSeen.Page.TRACK_RECORD
    )
    return render(
        request,
        "feedback/track_record.html",
        {
            "page_title": "Your track record",
            "record": record,
            "chart": record.chart,
        },
    )


@never_cache
@participant_required
def standing(request: ParticipantRequest) -> HttpResponse:
    standing = selectors.peer_standing(participant=request.participant)
    if standing is None:
        raise Http404("There is no comparison in your study group.")
    services.feedback_seen_record(participant=request.participant, page=FeedbackSeen.Page.STANDING)
    return render(
        request,
        "feedback/standing.html",
        {
            "page_title": "How you compare",
            "standing": standing,
            "across_waves": selectors.standing_across_waves(participant=request.participant),
            "min_peers": records.MIN_PEERS,
        },
    )


@never_cache
@participant_required
def profile(request: ParticipantRequest) -> HttpResponse:
    found = selectors.judgement_profile(participant=request.participant)
    if found is None:
        raise Http404("There is no judgement profile in your study group.")
    return render(
        request,
        "feedback/profile.html",
        {"page_title": "Your judgement profile", "profile": found, "min_peers": records.MIN_PEERS},
    )
