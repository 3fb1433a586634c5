from django.apps import AppConfig


class ResolutionConfig(AppConfig):
    name = "casecast.resolution"
    label = "resolution"
    verbose_name = "Resolution and scoring"
