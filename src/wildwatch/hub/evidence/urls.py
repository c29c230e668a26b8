"""The evidence pages: a case's packages and custody log, the export, and one exported package."""

from django.urls import path

from . import views

app_name = "evidence"
urlpatterns = [
    path("cases/<int:case_id>/", views.case, name="case"),
    path("cases/<int:case_id>/export/", views.export, name="export"),
    path("cases/<int:case_id>/packages/<str:digest>/", views.package, name="package"),
]
