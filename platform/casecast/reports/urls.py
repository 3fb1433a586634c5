from django.urls import path

from casecast.reports import views

app_name = "reports"

# Mounted at studies/<slug:slug>/report/ in casecast/urls.py.
urlpatterns = [
    path("", views.report, name="report"),
    path("status.json", views.report_status, name="status"),
]
