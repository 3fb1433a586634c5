"""Pages for forecasting the centre's trial results, and for setting them up.

Forecasters: anyone signed in (participants by their personal link, staff and council
leads by password). Setting up and resolving: site administrators and anyone who runs
a study (`selectors.can_manage`), never from a personal-link session.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from casecast.accounts.links import is_link_session
from casecast.accounts.models import User
from casecast.audit.services import audit_record
from casecast.core.csv_safety import formula_row
from casecast.core.downloads import from_our_pages
from casecast.core.form_views import form_saved, posted
from casecast.trial_results import selectors, services
from casecast.trial_results.accuracy import estimate_histogram
from casecast.trial_results.forms import (
    ForecastForm,
    PublishedResultForm,
    ResultsStudyForm,
    TrialQuestionForm,
)
from casecast.trial_results.models import ResultsStudy, TrialQuestion

View = Callable[..., HttpResponse | StreamingHttpResponse]


def managers_only(view: View) -> View:
    @wraps(view)
    def wrapped(
        request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponse | StreamingHttpResponse:
        user = request.user
        if is_link_session(request) or not isinstance(user, User) or not selectors.can_manage(user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # LoginRequiredMiddleware let only users through
    return request.user


# --- forecasters --------------------------------------------------------------------------


@require_GET
def study_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "trial_results/study_list.html",
        {"studies": selectors.open_studies(), "page_title": "Forecast our trials' results"},
    )


@require_GET
def study_detail(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_object_or_404(ResultsStudy, slug=slug, is_open=True)
    return render(
        request,
        "trial_results/study_detail.html",
        {
            "study": study,
            "rows": selectors.questions_for(study=study, user=_user(request)),
            "page_title": study.title,
        },
    )


@require_http_methods(["GET", "POST"])
def forecast(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    question = get_object_or_404(TrialQuestion, pk=pk, study__slug=slug, study__is_open=True)
    if question.resolved:
        return redirect("trial_results:results", slug=slug, pk=pk)
    study, user = question.study, _user(request)
    mine = question.forecasts.filter(user=user).first()
    initial = {"estimate": mine.estimate, "low": mine.low, "high": mine.high} if mine else {}
    form = ForecastForm(
        posted(request), initial=initial, unit=question.unit, level=study.interval_level
    )
    saved = form_saved(
        request,
        form,
        save=lambda data: services.forecast_submit(question=question, user=user, **data),
        notice="Your forecast is saved. You can change it until forecasts close.",
        to=reverse("trial_results:study", args=[slug]),
    )
    return saved or render(
        request,
        "trial_results/forecast.html",
        {
            "study": study,
            "question": question,
            "form": form,
            "mine": mine,
            "page_title": f"Forecast: {question.trial}",
        },
    )


@require_GET
def results(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    question = get_object_or_404(TrialQuestion, pk=pk, study__slug=slug, study__is_open=True)
    if not question.resolved:
        raise Http404("This trial's result has not been published yet.")
    mine = question.forecasts.filter(user=_user(request)).first()
    estimates = list(question.forecasts.values_list("estimate", flat=True))
    return render(
        request,
        "trial_results/results.html",
        {
            "study": question.study,
            "question": question,
            "groups": selectors.accuracy_by_group(question=question),
            "mine": mine,
            "my_score": selectors.own_interval_score(question=question, forecast=mine)
            if mine
            else None,
            "histogram": estimate_histogram(estimates),
            "page_title": f"Result: {question.trial}",
        },
    )


# --- setting up and resolving ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@managers_only
def manage(request: HttpRequest) -> HttpResponse:
    form = ResultsStudyForm(posted(request))
    saved = form_saved(
        request,
        form,
        save=lambda data: services.results_study_save(by=_user(request), **data),
        notice="Results study created. Add the trials to forecast.",
        to=lambda study: reverse("trial_results:manage_study", args=[study.slug]),
    )
    return saved or render(
        request,
        "trial_results/manage.html",
        {
            "form": form,
            "studies": ResultsStudy.objects.all(),
            "page_title": "Trial-results studies",
        },
    )


@require_http_methods(["GET", "POST"])
@managers_only
def manage_study(request: HttpRequest, slug: str) -> HttpResponse:
    study = get_object_or_404(ResultsStudy, slug=slug)
    form = ResultsStudyForm(posted(request), instance=study)
    saved = form_saved(
        request,
        form,
        save=lambda data: services.results_study_save(by=_user(request), study=study, **data),
        notice="Results study saved.",
        to=reverse("trial_results:manage_study", args=[slug]),
    )
    return saved or render(
        request,
        "trial_results/manage_study.html",
        {
            "study": study,
            "form": form,
            "questions": study.questions.all(),
            "page_title": f"Set up: {study.title}",
        },
    )


@require_http_methods(["GET", "POST"])
@managers_only
def manage_question(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    study = get_object_or_404(ResultsStudy, slug=slug)
    question = get_object_or_404(TrialQuestion, pk=pk, study=study) if pk else None
    form = TrialQuestionForm(posted(request), instance=question)
    saved = form_saved(
        request,
        form,
        save=lambda data: services.question_save(
            study=study, by=_user(request), question=question, **data
        ),
        notice="Trial saved.",
        to=reverse("trial_results:manage_study", args=[slug]),
    )
    return saved or render(
        request,
        "trial_results/manage_question.html",
        {
            "study": study,
            "question": question,
            "form": form,
            "page_title": f"Change trial: {question.trial}" if question else "Add a trial",
        },
    )


@require_http_methods(["GET", "POST"])
@managers_only
def resolve(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    question = get_object_or_404(TrialQuestion, pk=pk, study__slug=slug)
    form = PublishedResultForm(posted(request))
    saved = form_saved(
        request,
        form,
        save=lambda data: services.question_resolve(
            question=question,
            by=_user(request),
            estimate=data["published_estimate"],
            low=data["published_low"],
            high=data["published_high"],
            source=data["published_source"],
            reason=data["reason"],
        ),
        notice="Published result recorded; forecasts are scored against it.",
        to=reverse("trial_results:manage_study", args=[slug]),
    )
    return saved or render(
        request,
        "trial_results/resolve.html",
        {
            "study": question.study,
            "question": question,
            "form": form,
            "groups": selectors.accuracy_by_group(question=question),
            "page_title": f"Record the published result: {question.trial}",
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@from_our_pages
@require_GET
@managers_only
def export(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    study = get_object_or_404(ResultsStudy, slug=slug)
    audit_record(action="trial_results.export", actor=request.user, target=study)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(selectors.EXPORT_COLUMNS)
        for row in selectors.export_rows(study=study):
            yield writer.writerow(formula_row(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{study.slug}-forecasts.csv"'
    return response
