from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "wildwatch.hub.evidence"
    label = "evidence"
    verbose_name = "Evidence packages"
