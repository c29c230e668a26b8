"""Helpers shared by the library pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from wildwatch.hub.accounts.models import AuditEntry, Organisation
from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.accounts.services import audit, roles_of

#: who may take a copy of a release: member engineers and admins, coalition analysts, law-enforcement officers
DOWNLOADERS = frozenset({Role.ENGINEER, Role.MEMBER_ADMIN, Role.ANALYST, Role.COALITION_ADMIN, Role.OFFICER})


def audit_view(request: HttpRequest, target: str, **details: Any) -> AuditEntry:
    """Record that the user saw confidential library data (what: ``target`` and ``details``)."""
    return audit("library.view", actor=request.user, target=target, path=request.path, **details)


def first_organisation(request: HttpRequest) -> Organisation | None:
    """The organisation of the user's first membership."""
    membership = request.user.memberships.select_related("organisation").order_by(  # type: ignore[union-attr]
        "created_at", "pk").first()
    return membership.organisation if membership else None


def can(request: HttpRequest, roles: frozenset[str]) -> bool:
    return bool(roles_of(request.user) & roles)


def page_query(request: HttpRequest) -> str:
    """The query string without its page number, for pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
