from django.urls import path

from . import views

app_name = "policies"
urlpatterns = [
    path("platforms/<slug:slug>/", views.platform, name="platform"),
    path("pending/", views.pending, name="pending"),
    path("versions/<int:pk>/decide/", views.decide, name="decide"),
]
