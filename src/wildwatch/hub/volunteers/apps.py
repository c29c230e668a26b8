from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "wildwatch.hub.volunteers"
    label = "volunteers"
    verbose_name = "Cyber spotters"
