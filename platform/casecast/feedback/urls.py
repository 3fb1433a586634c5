from django.urls import path

from casecast.feedback import views

app_name = "feedback"

urlpatterns = [
    path("feedback/", views.home, name="home"),
    path("feedback/cases/<int:assignment_id>/", views.case, name="case"),
    path("feedback/cases/<int:assignment_id>/status.json", views.case_status, name="case_status"),
    path("feedback/track-record/", views.track_record, name="track_record"),
    path("feedback/standing/", views.standing, name="standing"),
    path("feedback/profile/", views.profile, name="profile"),
]
