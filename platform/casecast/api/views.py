"""The page where staff create, list and revoke their API tokens (docs/api.md).

Staff accounts only: participants (who sign in by link and have no password) are refused.
A new token's secret is shown once, on the page that answers the form, and never again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from casecast.accounts.links import is_link_session
from casecast.api import selectors, services
from casecast.api.forms import TokenCreateForm
from casecast.core.form_views import action_done, errors_onto_form, posted

View = Callable[..., HttpResponse]


def token_holder_required(view: View) -> View:
    """Signed-in staff accounts only (not a personal-link session, not a participant)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if is_link_session(request) or not services.may_hold_tokens(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@require_http_methods(["GET"])
@token_holder_required
def token_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "api/tokens.html",
        {"page_title": "API tokens", "tokens": selectors.tokens_for_user(user=request.user)},
    )


@require_http_methods(["GET", "POST"])
@never_cache
@token_holder_required
def token_create(request: HttpRequest) -> HttpResponse:
    studies = selectors.studies_user_may_scope(user=request.user)
    form = TokenCreateForm(posted(request), studies=studies, initial={"expires_in": 90})
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                studies=form.cleaned_data["studies"],
                days=form.cleaned_data["expires_in"],
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            # The secret is on this page only (never cached: `never_cache` says no-store),
            # not in a redirect, a message or the session.
            return render(
                request,
                "api/token_created.html",
                {"page_title": "Your new API token", "token": token, "secret": secret},
            )
    return render(
        request,
        "api/token_create.html",
        {
            "page_title": "Create an API token",
            "form": form,
            "has_studies": studies.exists(),
            "back_url": reverse("api:tokens"),
        },
    )


@require_http_methods(["GET", "POST"])
@token_holder_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.token_of_user(user=request.user, pk=pk)
    if token is None:
        raise Http404("No such token of yours.")
    if request.method == "POST":
        return action_done(
            request,
            lambda: services.token_revoke(token=token, by=request.user),
            notice=f"Token '{token.name}' revoked. It no longer works.",
            to=reverse("api:tokens"),
        )
    return render(
        request,
        "api/token_revoke.html",
        {"page_title": "Revoke this token?", "token": token, "back_url": reverse("api:tokens")},
    )
