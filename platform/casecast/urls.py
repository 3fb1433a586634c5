from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # First: a participant's case pages are most of the traffic, and each pattern before
    # them is tried (and fails) on every one of their requests.
    path("cases/", include("casecast.forecasts.urls")),
    path("", include("casecast.core.urls")),
    path("accounts/", include("casecast.accounts.urls")),
    path("site-admin/", admin.site.urls),
    path("", include("casecast.studies.urls")),
    path("studies/<slug:slug>/resolution/", include("casecast.resolution.urls")),
    path("studies/<slug:slug>/report/", include("casecast.reports.urls")),
    path("studies/<slug:slug>/vignettes/", include("casecast.vignettes.urls")),
    path("studies/<slug:slug>/insights/", include("casecast.judgement.urls")),
    path("", include("casecast.training.urls")),
    path("", include("casecast.feedback.urls")),
    path("", include("casecast.notifications.urls")),
    path("network/", include("casecast.network.urls")),
    path("trial-results/", include("casecast.trial_results.urls")),
    path("", include("casecast.practice.urls")),
    path("api/", include("casecast.api.urls")),
    path("", include("casecast.teams.urls")),
]

handler403 = "casecast.core.views.error_403"
handler404 = "casecast.core.views.error_404"
handler500 = "casecast.core.views.error_500"
