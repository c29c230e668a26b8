from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "wildwatch.hub.checks"
    label = "checks"
    verbose_name = "API checks"
