from django.urls import path

from casecast.training import views

app_name = "training"

urlpatterns = [
    path("training/", views.start, name="start"),
    path("training/step/<int:number>/", views.step, name="step"),
    path("training/results/", views.results, name="results"),
    path("studies/<slug:slug>/training/", views.staff_overview, name="staff_overview"),
    path("studies/<slug:slug>/training/<str:key>/edit/", views.staff_edit, name="staff_edit"),
    path(
        "studies/<slug:slug>/training/<str:key>/v<int:number>/",
        views.staff_version,
        name="staff_version",
    ),
]
