from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "casecast.training"
    label = "training"
    verbose_name = "Training modules"
