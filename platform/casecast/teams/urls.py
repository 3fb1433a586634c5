from django.urls import path

from casecast.teams import views

app_name = "teams"

urlpatterns = [
    path(
        "cases/<int:assignment_id>/questions/<int:question_id>/team/",
        views.panel,
        name="panel",
    ),
    path("studies/<slug:slug>/teams/", views.staff_overview, name="staff_overview"),
    path("studies/<slug:slug>/teams/comments/", views.comments, name="comments"),
    path(
        "studies/<slug:slug>/teams/comments/<int:pk>/hide/",
        views.comment_hide,
        name="comment_hide",
    ),
]
