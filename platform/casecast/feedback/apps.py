from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "casecast.feedback"
    label = "feedback"
    verbose_name = "Participant feedback"
