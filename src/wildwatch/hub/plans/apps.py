from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "wildwatch.hub.plans"
    label = "plans"
    verbose_name = "Action plans and training"
