from django.urls import path

from casecast.practice import views

app_name = "practice"

urlpatterns = [
    path("practice/", views.home, name="home"),
    path("practice/new/", views.new, name="new"),
    path("practice/<int:pk>/outcome/", views.resolve, name="resolve"),
    path("practice/calibration/", views.calibration, name="calibration"),
    path("practice/export.csv", views.export, name="export"),
    path("practice/delete/", views.delete_all, name="delete_all"),
    path("practice/sharing/", views.sharing, name="sharing"),
    path("studies/<slug:slug>/practice/", views.study_practice, name="study_practice"),
    path("studies/<slug:slug>/practice/invite/", views.invite, name="invite"),
    path(
        "studies/<slug:slug>/practice/invite/<int:pk>/remove/",
        views.invite_revoke,
        name="invite_revoke",
    ),
]
