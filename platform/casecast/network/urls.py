from django.urls import path

from casecast.network import views

app_name = "network"

urlpatterns = [
    path("", views.track_record, name="track_record"),
    path("invite/", views.invite_top, name="invite"),
    path("pooled-data/", views.pooled_data, name="pooled_data"),
]
