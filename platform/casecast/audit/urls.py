from django.urls import path

from casecast.audit import views

app_name = "audit"

urlpatterns = [
    path("studies/<slug:slug>/audit/", views.study_audit, name="study_audit"),
    path("studies/<slug:slug>/audit.csv", views.study_audit_csv, name="study_audit_csv"),
]
