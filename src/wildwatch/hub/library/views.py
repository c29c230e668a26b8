from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from wildwatch.hub.accounts.permissions import roles_required
from wildwatch.hub.accounts.roles import LIBRARY_READERS


@roles_required(LIBRARY_READERS)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "library/home.html", {})
