from django.urls import path

from . import views

app_name = "campaigns"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("new/", views.create, name="create"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
]
