from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "wildwatch.hub.enforcement"
    label = "enforcement"
    verbose_name = "Law enforcement"
