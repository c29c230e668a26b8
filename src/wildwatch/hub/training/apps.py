from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "wildwatch.hub.training"
    label = "training"
    verbose_name = "Training quizzes"
