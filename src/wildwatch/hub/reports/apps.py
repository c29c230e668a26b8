from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "wildwatch.hub.reports"
    label = "reports"
    verbose_name = "Reports and cases"
