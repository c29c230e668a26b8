from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "wildwatch.hub.campaigns"
    label = "campaigns"
    verbose_name = "Awareness campaigns"
