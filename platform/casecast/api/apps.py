from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "casecast.api"
    label = "api"
    verbose_name = "Research API"

    def ready(self) -> None:
        # Registers the bearer-token scheme with drf-spectacular.
        from casecast.api import schema  # noqa: F401
