from django.apps import AppConfig


class StudiesConfig(AppConfig):
    name = "casecast.studies"
    label = "studies"
    verbose_name = "Studies"
