from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from casecast.api import endpoints, views

app_name = "api"

# Mounted at api/ in casecast/urls.py.
urlpatterns = [
    # The token page (signed-in staff, session)
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/new/", views.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    # The research API (bearer tokens)
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "v1/docs/",
        # Swagger UI from our static files, its set-up script a separate file (the CSP).
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    path("v1/studies/", endpoints.StudyListView.as_view(), name="studies"),
    path("v1/studies/<slug:slug>/", endpoints.StudyDetailView.as_view(), name="study"),
    path("v1/studies/<slug:slug>/arms/", endpoints.ArmListView.as_view(), name="arms"),
    path("v1/studies/<slug:slug>/councils/", endpoints.CouncilListView.as_view(), name="councils"),
    path(
        "v1/studies/<slug:slug>/participants/",
        endpoints.ParticipantListView.as_view(),
        name="participants",
    ),
    path(
        "v1/studies/<slug:slug>/questions/", endpoints.QuestionListView.as_view(), name="questions"
    ),
    path("v1/studies/<slug:slug>/outcomes/", endpoints.OutcomeListView.as_view(), name="outcomes"),
    path(
        "v1/studies/<slug:slug>/forecasts/", endpoints.ForecastListView.as_view(), name="forecasts"
    ),
    path("v1/studies/<slug:slug>/scores/", endpoints.ScoreListView.as_view(), name="scores"),
    path("v1/studies/<slug:slug>/results/", endpoints.ResultsView.as_view(), name="results"),
]
