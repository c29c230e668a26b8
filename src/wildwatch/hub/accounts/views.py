"""Thin views: parse, check the role, call a service or a query, render."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import AuditEntry, Membership
from .permissions import roles_required
from .roles import COALITION, Role
from .services import organisations_of


@roles_required(set(Role))
def members(request: HttpRequest) -> HttpResponse:
    """The members of the user's own organisations (never another organisation's)."""
    orgs = organisations_of(request.user)
    rows = Membership.objects.filter(organisation__in=orgs).select_related("user", "organisation").order_by(
        "organisation__name", "user__username")
    return render(request, "accounts/members.html", {"memberships": rows, "organisations": orgs})


@roles_required(COALITION)
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.select_related("actor", "organisation")
    action = request.GET.get("action", "").strip()
    actor = request.GET.get("actor", "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    if actor:
        entries = entries.filter(actor__username=actor)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    _name_targets(page)
    return render(request, "accounts/audit.html", {"page": page, "action": action, "actor": actor})


def _name_targets(entries: Iterable[AuditEntry]) -> None:
    """Entries name people as ``user:<id>``; beside it, the account's current name (gone once it is anonymised)."""
    rows = list(entries)
    ids = {int(e.target[5:]) for e in rows if e.target.startswith("user:") and e.target[5:].isdigit()}
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username")) if ids else {}
    for e in rows:
        pk = int(e.target[5:]) if e.target.startswith("user:") and e.target[5:].isdigit() else None
        e.target_label = f"{e.target} ({names[pk]})" if pk in names else e.target  # type: ignore[attr-defined]
