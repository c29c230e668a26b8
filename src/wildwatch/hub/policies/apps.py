from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "wildwatch.hub.policies"
    label = "policies"
    verbose_name = "Platform policy profiles"
