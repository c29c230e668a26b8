"""Triage (coalition analysts), the member companies' review queues and the case pages, under ``/review/``."""

from django.urls import path

from . import actions, views

app_name = "review"
urlpatterns = [
    path("triage/", views.triage, name="triage"),
    path("queue/", views.queue, name="queue"),
    path("queue/next/", actions.claim_next, name="claim_next"),
    path("settings/", views.sla_settings, name="settings"),
    path("cases/<int:pk>/", views.case_page, name="case"),
    path("cases/<int:pk>/accept/", actions.accept, name="accept"),
    path("cases/<int:pk>/reject/", actions.reject, name="reject"),
    path("cases/<int:pk>/claim/", actions.claim, name="claim"),
    path("cases/<int:pk>/release/", actions.release, name="release"),
    path("cases/<int:pk>/decide/", actions.decide, name="decide"),
    path("cases/<int:pk>/reopen/", actions.reopen, name="reopen"),
    path("reports/<int:pk>/screenshot/", views.screenshot, name="screenshot"),
]
