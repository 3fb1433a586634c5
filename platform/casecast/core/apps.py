from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "casecast.core"
    label = "core"
    verbose_name = "Casecast core"
