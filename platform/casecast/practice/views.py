"""Practice pages: a worker's own forecasts, calibration, export, deletion and sharing;
and the counts page study staff see."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from casecast.accounts.models import User
from casecast.core.csv_safety import formula_row
from casecast.core.form_views import action_done, form_saved, posted
from casecast.practice import selectors, services
from casecast.practice.forms import (
    PracticeForecastForm,
    PracticeInviteForm,
    ResolveForm,
    SharingForm,
)
from casecast.practice.models import PracticeAccess
from casecast.practice.permissions import practice_required
from casecast.practice.questions import QUESTIONS, question_text
from casecast.studies.permissions import DESIGNERS, StaffRequest, study_staff_required


def _owner(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@never_cache
@practice_required
def home(request: HttpRequest) -> HttpResponse:
    owner = _owner(request)
    rows = selectors.forecast_rows(owner=owner, today=timezone.localdate())
    return render(
        request,
        "practice/home.html",
        {
            "page_title": "Practice forecasts",
            "due": [r for r in rows if r.due],
            "open": [r for r in rows if r.forecast.outcome is None and not r.due],
            "resolved": [r for r in rows if r.forecast.outcome is not None],
            "shared_with": list(
                selectors.practising_studies(user=owner).filter(practice_shares__owner=owner)
            ),
        },
    )


@never_cache
@practice_required
def new(request: HttpRequest) -> HttpResponse:
    owner = _owner(request)
    form = PracticeForecastForm(posted(request), initial={"local_id": services.new_local_id()})
    done = form_saved(
        request,
        form,
        save=lambda data: services.practice_forecast_create(owner=owner, **data),
        notice="Practice forecast saved.",
        to=reverse("practice:home"),
    )
    return done or render(
        request, "practice/new.html", {"page_title": "New practice forecast", "form": form}
    )


@never_cache
@practice_required
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    owner = _owner(request)
    forecast = selectors.practice_forecast_for(owner=owner, pk=pk)
    if forecast is None:
        raise Http404("No such practice forecast.")
    initial = {} if forecast.outcome is None else {"happened": "yes" if forecast.outcome else "no"}
    form = ResolveForm(posted(request), initial=initial)
    done = form_saved(
        request,
        form,
        save=lambda data: services.practice_forecast_resolve(
            owner=owner, forecast=forecast, happened=data["happened"] == "yes"
        ),
        notice="Outcome recorded.",
        to=reverse("practice:home"),
    )
    return done or render(
        request,
        "practice/resolve.html",
        {
            "page_title": "What happened?",
            "form": form,
            "forecast": forecast,
            "question": question_text(key=forecast.question_key, custom_text=forecast.custom_text),
        },
    )


@never_cache
@practice_required
def calibration(request: HttpRequest) -> HttpResponse:
    result = selectors.practice_calibration(owner=_owner(request))
    return render(
        request,
        "practice/calibration.html",
        {"page_title": "Your practice calibration", "result": result, "chart": result.chart},
    )


@never_cache
@practice_required
def export(request: HttpRequest) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(selectors.EXPORT_HEADER)
    # Own questions are typed text: neutralised so a spreadsheet never runs one.
    writer.writerows(
        formula_row(row) for row in selectors.practice_export_rows(owner=_owner(request))
    )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-practice-forecasts.csv"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@practice_required
@require_http_methods(["GET", "POST"])
def delete_all(request: HttpRequest) -> HttpResponse:
    owner = _owner(request)
    if request.method == "POST":
        deleted = services.practice_everything_delete(owner=owner)
        messages.success(
            request, f"Deleted {deleted} practice forecast{'s' if deleted != 1 else ''}."
        )
        return redirect("practice:home")
    return render(
        request,
        "practice/delete_all.html",
        {
            "page_title": "Delete all your practice forecasts",
            "count": len(selectors.practice_forecasts(owner=owner)),
        },
    )


@never_cache
@practice_required
def sharing(request: HttpRequest) -> HttpResponse:
    owner = _owner(request)
    studies = selectors.practising_studies(user=owner)
    form = SharingForm(
        posted(request),
        studies=studies,
        initial={"studies": list(studies.filter(practice_shares__owner=owner))},
    )
    done = form_saved(
        request,
        form,
        save=lambda data: services.practice_sharing_set(owner=owner, studies=list(data["studies"])),
        notice="Your sharing choices are saved.",
        to=reverse("practice:home"),
    )
    return done or render(
        request, "practice/sharing.html", {"page_title": "Share your practice", "form": form}
    )


@never_cache
@study_staff_required()
def study_practice(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    return render(
        request,
        "practice/staff/study_practice.html",
        {
            "page_title": "Practice forecasts",
            "study": study,
            "counts": selectors.practice_counts(study=study),
            "records": selectors.shared_records(study=study),
            "questions": QUESTIONS,
            "invited": selectors.practice_access_for(study=study),
            "can_invite": request.study_role in DESIGNERS,
        },
    )


@never_cache
@study_staff_required(*DESIGNERS)
def invite(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    form = PracticeInviteForm(posted(request))
    done = form_saved(
        request,
        form,
        save=lambda data: services.practice_only_invite(
            study=study, email=data["email"], by=request.user
        ),
        notice="Invitation to practise sent.",
        to=reverse("practice:study_practice", kwargs={"slug": study.slug}),
    )
    return done or render(
        request,
        "practice/staff/invite.html",
        {"page_title": "Invite a worker to practise", "study": study, "form": form},
    )


@study_staff_required(*DESIGNERS)
@require_http_methods(["POST"])
def invite_revoke(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    study = request.study
    access = PracticeAccess.objects.filter(study=study, pk=pk).first()
    if access is None:
        raise Http404("No such invitation.")
    return action_done(
        request,
        lambda: services.practice_only_revoke(access=access, by=request.user),
        notice="Practice access removed.",
        to=reverse("practice:study_practice", kwargs={"slug": study.slug}),
    )
