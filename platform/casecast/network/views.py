"""Forecasters across studies: the track record page and inviting its top group.

Site administrators only: the page pools every study whose participants agreed to be
linked, so no single study's team may read it. It shows network ids, never names.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from casecast.accounts.links import is_link_session
from casecast.core.downloads import from_our_pages_when
from casecast.core.form_views import errors_onto_form, posted
from casecast.network import selectors, services
from casecast.network.forms import InviteTopForm, PooledExportForm, TrackRecordFilterForm
from casecast.network.pooled import PoolError, pool_build, poolable_studies, pooled_package_zip
from casecast.resolution.exports.writers import Format


def site_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if is_link_session(request) or not (
            getattr(user, "is_site_admin", False) or getattr(user, "is_superuser", False)
        ):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _criteria(form: TrackRecordFilterForm) -> tuple[int, float]:
    if form.is_bound and form.is_valid():
        return form.cleaned_data["min_n"], float(form.cleaned_data["top_percent"]) / 100
    return selectors.MIN_FORECASTS, selectors.TOP_FRACTION


@require_http_methods(["GET"])
@site_admin_required
def track_record(request: HttpRequest) -> HttpResponse:
    defaults = {"min_n": selectors.MIN_FORECASTS, "top_percent": selectors.TOP_FRACTION * 100}
    form = TrackRecordFilterForm({**defaults, **request.GET.dict()} if request.GET else None)
    min_n, top_fraction = _criteria(form)
    return _page(request, form=form, min_n=min_n, top_fraction=top_fraction)


@require_http_methods(["GET", "POST"])
@site_admin_required
def invite_top(request: HttpRequest) -> HttpResponse:
    form = InviteTopForm(
        posted(request),
        studies=selectors.studies_open_for_invitations(),
        initial={
            name: request.GET[name] for name in ("min_n", "top_percent") if name in request.GET
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.top_forecasters_invite(
                study=form.cleaned_data["study"],
                by=request.user,  # type: ignore[arg-type]
                top_fraction=float(form.cleaned_data["top_percent"]) / 100,
                min_n=form.cleaned_data["min_n"],
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _invited_message(result))
            return redirect("network:track_record")
    return render(
        request,
        "network/invite.html",
        {"form": form, "page_title": "Invite the top forecasters to a study"},
    )


@from_our_pages_when(lambda request: "format" in request.GET)  # the form itself: from anywhere
@require_http_methods(["GET"])
@never_cache
@site_admin_required
def pooled_data(request: HttpRequest) -> HttpResponse:
    """ "Download pooled data": the form, and once submitted the pooled package as a zip
    (audited). A GET like the study's "Download all data", so the browser saves the file."""
    studies = [(study.slug, study.title) for study in poolable_studies()]
    form = PooledExportForm(request.GET if "format" in request.GET else None, studies=studies)
    if form.is_bound and form.is_valid():
        try:
            filename, archive = pooled_package_zip(
                pool=pool_build(slugs=form.cleaned_data["studies"]),
                format=Format(form.cleaned_data["format"]),
                include_reasoning=form.cleaned_data["include_reasoning"],
                actor=request.user,
            )
        except PoolError as error:
            form.add_error("studies", str(error))
        else:
            return cast(HttpResponse, FileResponse(archive, as_attachment=True, filename=filename))
    return render(
        request,
        "network/pooled_data.html",
        {"form": form, "studies": studies, "page_title": "Download pooled data"},
    )


def _invited_message(result: services.TopInvited) -> str:
    parts = [f"Invited {result.invited} of the {result.chosen} forecasters in the top group."]
    if result.already_in_study:
        parts.append(f"{result.already_in_study} were already in the study or on its team.")
    if result.no_council:
        parts.append(
            f"{result.no_council} were not invited because the study has no council with "
            "the same name as theirs."
        )
    return " ".join(parts)


def _page(
    request: HttpRequest, *, form: TrackRecordFilterForm, min_n: int, top_fraction: float
) -> HttpResponse:
    record = selectors.track_record(min_n=min_n, top_fraction=top_fraction)
    return render(
        request,
        "network/track_record.html",
        {
            "form": form,
            "record": record,
            "counts": selectors.linking_counts(),
            "min_n": min_n,
            "top_percent": top_fraction * 100,
            "page_title": "Forecasters across studies",
        },
    )
