from django.urls import path

from . import views, views_training

app_name = "plans"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.plan, name="plan"),
    path("<int:pk>/assessment/", views.assessment, name="assessment"),
    path("<int:pk>/items/", views.add_item, name="add_item"),
    path("<int:pk>/items/<int:item_id>/", views.item, name="item"),
    path("training/sessions/", views_training.sessions, name="sessions"),
    path("training/sessions/new/", views_training.new_session, name="new_session"),
    path("training/", views_training.module_list, name="modules"),
    path("training/<slug:slug>/", views_training.module, name="module"),
]
