"""Downloads of study data start only on Casecast's own pages.

Every such download is recorded in the audit log, and some take seconds of work (a
study's whole package). A link or form on another site could make a signed-in
researcher's browser start one (the session cookie is sent with a top-level GET from
anywhere); it could not read the file, but it would add a download to the audit log
that nobody asked for. Browsers name where a request comes from in `Sec-Fetch-Site`
(Fetch Metadata): a download another site or subdomain started ("cross-site",
"same-site") is refused with a page saying how to get the file, before the view runs,
so nothing is read or recorded. Downloads started on our pages ("same-origin"), typed
or bookmarked ("none"), and requests without the header (older browsers, scripts
using a session) are served.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render

View = TypeVar("View", bound=Callable[..., HttpResponseBase])

REFUSED_ORIGINS = frozenset({"cross-site", "same-site"})
# Set on each view `from_our_pages` wraps, so a test can list them all.
MARKER = "download_from_our_pages_only"


def from_our_pages(view: View) -> View:
    """Refuse the download when another site started the request (see the module)."""
    return _checked(view, is_download=None)


def from_our_pages_when(is_download: Callable[[HttpRequest], bool]) -> Callable[[View], View]:
    """`from_our_pages` for a view that is a page as well as a download (a form that
    gives the file once submitted): only requests `is_download` says are downloads are
    checked, so a link to the form from anywhere still shows it."""
    return lambda view: _checked(view, is_download=is_download)


def _checked(view: View, *, is_download: Callable[[HttpRequest], bool] | None) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        started_elsewhere = request.headers.get("Sec-Fetch-Site", "").lower() in REFUSED_ORIGINS
        if started_elsewhere and (is_download is None or is_download(request)):
            return render(
                request,
                "core/download_refused.html",
                {"page_title": "Start the download in Casecast"},
                status=403,
            )
        return view(request, *args, **kwargs)

    setattr(wrapped, MARKER, True)
    return wrapped  # type: ignore[return-value]
