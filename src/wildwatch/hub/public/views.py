from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from wildwatch.hub.accounts.permissions import public


@public
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.html", {})


@public
def species(request: HttpRequest) -> HttpResponse:
    return render(request, "public/species.html", {})
