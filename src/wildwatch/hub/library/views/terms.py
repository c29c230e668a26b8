"""The term list (with filters and effectiveness) and one term's page."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import F, FloatField, Q, QuerySet
from django.db.models.functions import Cast, NullIf
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.accounts.permissions import roles_required
from wildwatch.hub.accounts.roles import COALITION, LIBRARY_READERS

from ..forms import TermFilterForm
from ..models import Term
from .common import audit_view, can, page_query

PAGE_SIZE = 50
_ORDER: dict[str, list[Any]] = {
    "precision": [F("ratio").asc(nulls_last=True), "term"],
    "-precision": [F("ratio").desc(nulls_last=True), "term"],
    "hits": ["hits", "term"],
    "-hits": ["-hits", "term"],
}


def filtered_terms(filters: dict[str, Any]) -> QuerySet[Term]:
    """Terms matching the filters, with their precision as ``ratio`` (None before any decision)."""
    rows = Term.objects.select_related("taxon").annotate(
        ratio=Cast(F("confirmed"), FloatField()) / Cast(NullIf(F("confirmed") + F("rejected"), 0), FloatField()))
    if filters.get("q"):
        rows = rows.filter(Q(term__icontains=filters["q"]) | Q(term_id__icontains=filters["q"]))
    for name in ("kind", "lang", "status"):
        if filters.get(name):
            rows = rows.filter(**{name: filters[name]})
    order = _ORDER.get(filters.get("sort") or "")
    return rows.order_by(*order) if order else rows


@roles_required(LIBRARY_READERS)
def home(request: HttpRequest) -> HttpResponse:
    form = TermFilterForm(request.GET or None)
    filters: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = Paginator(filtered_terms(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    audit_view(request, "terms", filters={k: v for k, v in filters.items() if v}, page=page.number,
               terms=[t.term_id for t in page.object_list])
    params = request.GET.copy()
    params.pop("sort", None)
    params.pop("page", None)
    return render(request, "library/home.html", {
        "form": form, "page": page, "page_query": page_query(request), "sort_query": params.urlencode(),
        "sort": filters.get("sort") or "", "is_analyst": can(request, COALITION)})


@roles_required(LIBRARY_READERS)
def term(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Term.objects.select_related("taxon"), pk=pk)
    history = AuditEntry.objects.filter(target=item.term_id).filter(
        Q(action__startswith="term.") | Q(action__startswith="proposal.")).select_related("actor")[:200]
    proposals = item.proposals.select_related("proposed_by", "decided_by")
    audit_view(request, item.term_id, term=item.term, lang=item.lang)
    pending = next((p for p in proposals if p.state == p.State.PENDING), None)
    return render(request, "library/term.html", {
        "term": item, "history": history, "proposals": proposals, "pending": pending,
        "is_analyst": can(request, COALITION)})
