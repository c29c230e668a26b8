from django.urls import path

from . import views

app_name = "volunteers"
urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("quiz/", views.quiz, name="quiz"),
    path("submit/", views.submit, name="submit"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/download/", views.download_data, name="download_data"),
    path("my-data/delete/", views.delete_account, name="delete_account"),
]
