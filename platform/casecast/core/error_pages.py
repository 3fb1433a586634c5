"""Error pages that render without touching the database.

The site's context processor builds the navigation from the signed-in user,
which queries the database — exactly what may be broken when a 500 page is
shown. These pages are rendered from a plain context instead: no request, so
no context processors, no user, no messages and no CSRF token.

A request that fails because the database is unreachable (PostgreSQL
restarting, failing over, or a connection dropped) — wherever it fails, in a
view or in the session and authentication middleware — reaches Django's 500
handler. `server_error` answers that case with 503 and a "try again" page
instead. Django closes the broken connection when the request ends, so the
next request opens a new one and the site recovers without a restart. (With
`CONN_HEALTH_CHECKS` on, a persistent connection that died while idle is
replaced before it is used, so most drops never get this far.)
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import get_template

RETRY_AFTER_SECONDS = 10


def render_without_database(template_name: str, *, page_title: str, status: int) -> HttpResponse:
    context = {
        "page_title": page_title,
        "service_name": settings.SITE_NAME,
        "site_name": settings.SITE_NAME,
        "contact_email": settings.CONTACT_EMAIL,
        "nav_items": [],
    }
    return HttpResponse(get_template(template_name).render(context), status=status)


def server_error(*, page_title: str) -> HttpResponse:
    """The 500 page, or the 503 "try again" page when the database is the cause.

    Called by Django's 500 handler while the exception is being handled, so
    `sys.exc_info()` holds it.
    """
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        response = render_without_database(
            "503.html", page_title="Sorry, the service is unavailable", status=503
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return render_without_database("500.html", page_title=page_title, status=500)
