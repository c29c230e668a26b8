"""The public report form and the status pages (``/reports/``)."""

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("new/", views.new, name="new"),
    path("track/", views.track, name="track"),
    path("species-names/", views.species_names, name="species_names"),
    path("<str:code>/", views.status, name="status"),
]
