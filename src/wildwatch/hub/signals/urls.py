from django.urls import path

from . import views

app_name = "signals"
urlpatterns = [
    path("", views.home, name="home"),
    path("sharing/", views.sharing, name="sharing"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
]
