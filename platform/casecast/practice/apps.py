from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "casecast.practice"
    label = "practice"
    verbose_name = "Practice forecasts"
