from django.contrib.auth import views as auth_views
from django.urls import path

from casecast.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("link/", views.participant_link, name="link"),
    path("new-link/", views.request_link, name="request_link"),
]
