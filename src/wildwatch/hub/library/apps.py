from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "wildwatch.hub.library"
    label = "library"
    verbose_name = "Keyword library"
