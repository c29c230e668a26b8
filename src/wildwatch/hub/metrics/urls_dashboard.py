"""The dashboard's and the progress reports' URL patterns: ``metrics/urls.py`` adds them to its own."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import dashboard, publication

urlpatterns: list[URLPattern] = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/export.csv", dashboard.dashboard_csv, name="dashboard_csv"),
    path("reports/", publication.reports_list, name="reports"),
    path("reports/new/", publication.report_new, name="report_new"),
    path("reports/<int:pk>/", publication.report, name="report"),
    path("reports/<int:pk>/report.pdf", publication.report_pdf, name="report_pdf"),
]
