from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "wildwatch.hub.usage"
    label = "usage"
    verbose_name = "Usage counts"
