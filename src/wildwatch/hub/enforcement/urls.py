from django.urls import path

from . import views

app_name = "enforcement"
urlpatterns = [
    path("", views.home, name="home"),
    path("holds/new/", views.hold_new, name="hold_new"),
    path("holds/<int:pk>/lift/", views.hold_lift, name="hold_lift"),
    path("cases/", views.cases, name="cases"),
    path("cases.csv", views.cases_csv, name="cases_csv"),
    path("cases/<int:pk>/", views.case, name="case"),
    path("reports/<int:pk>/screenshot/", views.screenshot, name="screenshot"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("subscriptions/<int:pk>/remove/", views.unsubscribe, name="unsubscribe"),
]
