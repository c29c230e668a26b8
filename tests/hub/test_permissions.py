"""Every URL pattern states which roles may use it; each is checked against every role and the anonymous user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from login_helpers import login

from wildwatch.hub.accounts.permissions import PUBLIC, SIGNED_IN
from wildwatch.hub.accounts.roles import Role

pytestmark = pytest.mark.django_db

#: Views that Django itself guards, or that need more than a GET to mean anything.
DJANGO_GUARDED = {"admin"}  # the admin: staff only (coalition admins), by Django
#: Sample values for URL parameters.
SAMPLES = {"uidb64": "MQ", "token": "set-password", "number": "1", "a": "1", "b": "1", "pk": "1", "slug": "x",
           "taxon_id": "loxodonta-africana", "term_id": "1", "proposal_id": "1"}


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, Any, str]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback, namespace


def _url(route: str) -> str:
    import re

    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLES.get(m.group(1), "1"), route)
    return "/" + url.lstrip("^").rstrip("$")


# API endpoints (under api/) authenticate by X-Api-Key, not by session roles: they have their own tests (test_api_*).
ROUTES = [(r, cb, ns) for r, cb, ns in _walk(get_resolver().url_patterns)
          if ns not in DJANGO_GUARDED and not r.startswith("api/")]


def _allowed(callback: Any) -> Any:
    view = getattr(callback, "view_class", None)
    return getattr(callback, "allowed_roles", None) or getattr(view, "allowed_roles", None)


@pytest.mark.parametrize(("route", "callback", "namespace"), ROUTES, ids=[r for r, _, _ in ROUTES])
def test_every_view_states_its_roles(route: str, callback: Any, namespace: str) -> None:
    if route.startswith("i18n/"):
        return  # Django's set_language: public by design
    assert _allowed(callback) is not None, f"{route} does not say which roles may use it"


@pytest.mark.parametrize(("route", "callback", "namespace"), ROUTES, ids=[r for r, _, _ in ROUTES])
def test_permission_matrix(route: str, callback: Any, namespace: str, role_users: dict[str, Any],
                           password: str) -> None:
    allowed = _allowed(callback)
    if allowed is None:
        return
    url = _url(route)
    anonymous = Client().get(url)
    if allowed == PUBLIC:
        assert anonymous.status_code not in (302, 401, 403), (url, anonymous.status_code)
        return
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"], url
    if allowed == SIGNED_IN:  # one's own account (two-factor settings): every role, never the anonymous
        for role in Role:
            client = Client()
            assert login(client, f"user-{role}", password)
            assert client.get(url).status_code not in (401, 403), (url, role)
        return
    for role in Role:
        client = Client()
        assert login(client, f"user-{role}", password)
        status = client.get(url).status_code
        if role in allowed:
            assert status != 403, (url, role)
        else:
            assert status == 403, (url, role, status)


def test_admin_is_for_staff_only(role_users: dict[str, Any], password: str) -> None:
    assert Client().get("/admin/").status_code == 302
    for role in Role:
        client = Client()
        login(client, f"user-{role}", password)
        response = client.get("/admin/")
        assert (response.status_code == 200) is (role == Role.COALITION_ADMIN), role
