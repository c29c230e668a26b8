from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "wildwatch.hub.accounts"
    label = "accounts"
    verbose_name = "Organisations and people"

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from .lockout import audit_lockout

        user_locked_out.connect(audit_lockout, dispatch_uid="wildwatch-audit-lockout")
