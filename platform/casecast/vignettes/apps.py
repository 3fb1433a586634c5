from django.apps import AppConfig


class VignettesConfig(AppConfig):
    name = "casecast.vignettes"
    label = "vignettes"
    verbose_name = "Vignettes and questions"
