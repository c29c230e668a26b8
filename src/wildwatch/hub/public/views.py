"""The public pages: what the coalition does, and which species are protected."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from wildwatch.hub.accounts.permissions import public

from . import services
from .forms import SpeciesSearchForm


@public
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.html", {})


@public
def species(request: HttpRequest) -> HttpResponse:
    """Search the protected taxa by common name (any language) or scientific name; without a query, the groups."""
    form = SpeciesSearchForm(request.GET or None)
    query = lang = group = ""
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["q"] or ""
        lang = form.cleaned_data["lang"] or ""
        group = form.cleaned_data["group"] or ""
    context: dict[str, Any] = {"form": form, "query": query, "lang": lang, "group": group,
                               "searched": bool(query or group)}
    if query:
        matches = services.find_taxa(query, lang)
        by_pk = {m.taxon_pk: m for m in matches}
        page = Paginator([m.taxon_pk for m in matches], services.PAGE_SIZE).get_page(request.GET.get("page"))
        context["results"] = services.describe(services.load_taxa(list(page.object_list)), by_pk)
    elif group:
        context["group_label"] = services.group_label(group)
        page = Paginator(services.taxa_in_group(group), services.PAGE_SIZE).get_page(request.GET.get("page"))
        context["results"] = services.describe(services.load_taxa(list(page.object_list)))
    else:
        page = None
        context["groups"] = services.groups_overview()
    context["page"] = page
    if page is not None:
        params = request.GET.copy()
        params.pop("page", None)
        context["page_query"] = params.urlencode()
    return render(request, "public/species.html", context)
