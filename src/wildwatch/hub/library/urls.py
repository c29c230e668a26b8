from django.urls import path

from . import views

app_name = "library"
urlpatterns = [
    path("", views.home, name="home"),
    path("terms/<int:pk>/", views.term, name="term"),
    path("propose/", views.propose, name="propose"),
    path("proposals/", views.proposals, name="proposals"),
    path("candidates/", views.candidate_terms, name="candidates"),
    path("proposals/<int:proposal_id>/", views.proposal, name="proposal"),
    path("import/", views.bulk_import, name="import"),
    path("releases/", views.releases, name="releases"),
    path("model/", views.release_model_page, name="model"),
    path("releases/publish/", views.publish, name="publish"),
    path("releases/<int:number>/", views.release, name="release"),
    path("releases/<int:number>/download/", views.release_download, name="release_download"),
    path("releases/<int:a>/diff/<int:b>/", views.diff, name="diff"),
]
