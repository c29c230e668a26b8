from django.contrib.auth import views as auth_views
from django.urls import path

from . import keys, twofactor_views, views
from .permissions import public

urlpatterns = [
    path("login/", public(auth_views.LoginView.as_view()), name="login"),
    path("logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path("password-reset/", public(auth_views.PasswordResetView.as_view()), name="password_reset"),
    path("password-reset/done/", public(auth_views.PasswordResetDoneView.as_view()), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", public(auth_views.PasswordResetConfirmView.as_view()),
         name="password_reset_confirm"),
    path("reset/done/", public(auth_views.PasswordResetCompleteView.as_view()), name="password_reset_complete"),
    path("2fa/", twofactor_views.overview, name="two_factor"),
    path("2fa/setup/", twofactor_views.setup, name="two_factor_setup"),
    path("2fa/setup/qr.svg", twofactor_views.qr_code, name="two_factor_qr"),
    path("2fa/recovery-codes/", twofactor_views.recovery_codes, name="two_factor_codes"),
    path("2fa/recovery-codes/new/", twofactor_views.new_recovery_codes, name="two_factor_new_codes"),
    path("2fa/verify/", twofactor_views.verify, name="two_factor_verify"),
    path("2fa/disable/", twofactor_views.disable, name="two_factor_disable"),
    path("members/", views.members, name="members"),
    path("audit/", views.audit_log, name="audit"),
    path("keys/", keys.keys, name="api_keys"),
    path("keys/<str:prefix>/rotate/", keys.rotate, name="api_key_rotate"),
    path("keys/<str:prefix>/revoke/", keys.revoke, name="api_key_revoke"),
]
