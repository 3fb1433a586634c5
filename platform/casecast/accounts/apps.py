from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "casecast.accounts"
    label = "accounts"
    verbose_name = "Accounts"
