from django.apps import AppConfig


class ForecastsConfig(AppConfig):
    name = "casecast.forecasts"
    label = "forecasts"
    verbose_name = "Forecasts and the participant journey"
