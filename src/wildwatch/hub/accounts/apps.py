from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "wildwatch.hub.accounts"
    label = "accounts"
    verbose_name = "Organisations and people"
