from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "casecast.notifications"
    label = "notifications"
    verbose_name = "Notifications"
