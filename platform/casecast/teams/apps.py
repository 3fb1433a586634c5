from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "casecast.teams"
    label = "teams"
    verbose_name = "Team arms"
