from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "casecast.network"
    label = "network"
    verbose_name = "Forecasters across studies"

    def ready(self) -> None:
        from casecast.network import checks  # noqa: F401  (registers the system check)
