from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "wildwatch.hub.metrics"
    label = "metrics"
    verbose_name = "Progress metrics"
