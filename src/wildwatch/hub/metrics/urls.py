from django.urls import path

from . import views
from .urls_dashboard import urlpatterns as dashboard_patterns

app_name = "metrics"
urlpatterns: list[object] = [
    path("attestations/", views.attestation_list, name="attestations"),
    path("attestations/new/", views.attestation_new, name="attestation_new"),
    path("attestations/<int:pk>/", views.attestation_detail, name="attestation"),
    path("attestations/<int:pk>/edit/", views.attestation_edit, name="attestation_edit"),
    path("attestations/<int:pk>/submit/", views.attestation_submit, name="attestation_submit"),
    path("attestations/<int:pk>/review/", views.attestation_review, name="attestation_review"),
    path("attestations/<int:pk>/correct/", views.attestation_correct, name="attestation_correct"),
    path("policy/", views.model_policy, name="policy"),
    path("policy/adoptions/<int:pk>/confirm/", views.policy_confirm, name="policy_confirm"),
    path("members/", views.members, name="members"),
    *dashboard_patterns,  # the dashboard and the progress reports
]
