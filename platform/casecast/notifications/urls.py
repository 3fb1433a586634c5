from django.urls import path

from casecast.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("studies/<slug:slug>/emails/", views.staff_emails, name="staff_emails"),
    path("studies/<slug:slug>/emails/<str:kind>/", views.staff_email_edit, name="staff_email_edit"),
]
