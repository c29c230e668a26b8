from django.contrib.auth import views as auth_views
from django.urls import path

from . import keys, views
from .permissions import public

urlpatterns = [
    path("login/", public(auth_views.LoginView.as_view()), name="login"),
    path("logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path("password-reset/", public(auth_views.PasswordResetView.as_view()), name="password_reset"),
    path("password-reset/done/", public(auth_views.PasswordResetDoneView.as_view()), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", public(auth_views.PasswordResetConfirmView.as_view()),
         name="password_reset_confirm"),
    path("reset/done/", public(auth_views.PasswordResetCompleteView.as_view()), name="password_reset_complete"),
    path("members/", views.members, name="members"),
    path("audit/", views.audit_log, name="audit"),
    path("keys/", keys.keys, name="api_keys"),
    path("keys/<str:prefix>/rotate/", keys.rotate, name="api_key_rotate"),
    path("keys/<str:prefix>/revoke/", keys.revoke, name="api_key_revoke"),
]
