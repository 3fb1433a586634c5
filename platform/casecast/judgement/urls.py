from django.urls import path

from casecast.judgement import views

app_name = "judgement"

# Mounted at studies/<slug:slug>/insights/ in casecast/urls.py.
urlpatterns = [
    path("", views.overview, name="overview"),
    path("calibration/", views.calibration, name="calibration"),
    path("questions/", views.questions, name="questions"),
    path("noise/", views.noise, name="noise"),
    path("thresholds/", views.thresholds, name="thresholds"),
    path("updating/", views.updating, name="updating"),
    path("insights.json", views.insights_json, name="json"),
]
