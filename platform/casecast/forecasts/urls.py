from django.urls import path

from casecast.forecasts import views

app_name = "forecasts"

urlpatterns = [
    path("", views.tasks, name="tasks"),
    path("phase/<int:phase_id>/start/", views.phase_start, name="phase_start"),
    path("<int:assignment_id>/", views.case, name="case"),
    path("<int:assignment_id>/part/<int:part>/", views.stage, name="stage"),
    path("<int:assignment_id>/part/<int:part>/draft/", views.draft, name="draft"),
    path("<int:assignment_id>/complete/", views.complete, name="complete"),
]
