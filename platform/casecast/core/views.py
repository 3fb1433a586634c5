from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from casecast.core import health
from casecast.core.error_pages import server_error
from casecast.core.selectors import home_url_for


@login_not_required
def start(request: HttpRequest) -> HttpResponse:
    return render(request, "core/start.html", {"page_title": "Decision forecasting studies"})


def home(request: HttpRequest) -> HttpResponse:
    url = home_url_for(request.user)
    if url:
        return redirect(url)
    return render(request, "core/home.html", {"page_title": "Your account"})


@login_not_required
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html", {"page_title": "Privacy notice"})


@login_not_required
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html", {"page_title": "Accessibility statement"})


@login_not_required
def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "core/contact.html", {"page_title": "Contact"})


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for monitoring: 503 only when the database is down; the body names
    every dependency, so a broker or worker failure is visible without failing it."""
    report = health.report()
    status = 200 if report.database_ok else 503
    return JsonResponse(_health_body(report, ok=report.database_ok), status=status)


@login_not_required
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 503 naming whatever is down — database, broker or worker."""
    report = health.report()
    status = 200 if report.all_ok else 503
    return JsonResponse(_health_body(report, ok=report.all_ok), status=status)


def _health_body(report: health.Report, *, ok: bool) -> dict[str, object]:
    return {
        "status": "ok" if ok else "error",
        "database": report.database,
        "broker": report.broker,
        "worker": report.worker,
        "failures": report.failures(),
    }


def _as_participant(request: HttpRequest) -> bool:
    """Whether to explain a refusal in a participant's terms: signed in by their link,
    in a study, and not study staff (staff get the plain page)."""
    user = getattr(request, "user", None)
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_participant
        and not user.is_study_staff
        and not user.is_site_admin
    )


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    context = {"page_title": "You do not have access", "as_participant": _as_participant(request)}
    return render(request, "403.html", context, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    context = {"page_title": "Page not found", "as_participant": _as_participant(request)}
    return render(request, "404.html", context, status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # Rendered without the database: it may be the reason for the error.
    return server_error(page_title="Sorry, there is a problem")
