from django.apps import AppConfig


class SignalsConfig(AppConfig):
    name = "wildwatch.hub.signals"
    label = "signals"
    verbose_name = "Shared signals"
