from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "casecast.reports"
    label = "reports"
    verbose_name = "Trial reports"
