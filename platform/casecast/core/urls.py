from django.urls import path

from casecast.core import views

app_name = "core"

urlpatterns = [
    path("", views.start, name="start"),
    path("home/", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("contact/", views.contact, name="contact"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
