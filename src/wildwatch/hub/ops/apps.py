from django.apps import AppConfig
from django.core.signals import request_finished


class OpsConfig(AppConfig):
    name = "wildwatch.hub.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from .middleware import forget_request_id

        request_finished.connect(forget_request_id, dispatch_uid="wildwatch.hub.ops.forget_request_id")
