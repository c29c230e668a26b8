from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "wildwatch.hub.public"
    label = "public"
    verbose_name = "Public pages"
