from django.apps import AppConfig


class TrialResultsConfig(AppConfig):
    name = "casecast.trial_results"
    label = "trial_results"
    verbose_name = "Forecasting trial results"
