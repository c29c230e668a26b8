from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "wildwatch.hub.review"
    label = "review"
    verbose_name = "Review queues"
