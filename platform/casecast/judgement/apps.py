from django.apps import AppConfig


class JudgementConfig(AppConfig):
    name = "casecast.judgement"
    label = "judgement"
    verbose_name = "Judgement insights"
