"""API keys managed by member admins (pages) and on the command line: create, rotate with a grace period, revoke;
only a company's own admins, and a new key's plaintext shown once."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from api_helpers import error_of, get
from django.core.cache import caches
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from login_helpers import login

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import ApiKey, AuditEntry
from wildwatch.hub.checks.auth import forget_keys

pytestmark = pytest.mark.django_db
KEY_RE = re.compile(r'value="(ww_[A-Za-z0-9_-]+)"')


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    caches["default"].clear()


def admin(role_users: dict[str, Any], password: str) -> Client:
    client = Client()
    assert login(client, "user-member_admin", password)
    return client


def works(plaintext: str) -> bool:
    response = get("/api/v1/usage", plaintext)
    if response.status_code == 401:
        error_of(response, 401)
        return False
    return bool(response.status_code == 200)


def test_an_admin_creates_a_key_shown_once(role_users: dict[str, Any], password: str) -> None:
    client = admin(role_users, password)
    page = client.get("/accounts/keys/")
    assert page.status_code == 200 and "No key yet" in page.content.decode()
    platform = page.context["form"].fields["platform"].queryset.get()
    response = client.post("/accounts/keys/", {"platform": platform.pk, "role": "engineer", "name": "posting"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    (plaintext,) = KEY_RE.findall(response.content.decode())
    assert works(plaintext)
    key = ApiKey.objects.get()
    assert (key.name, key.role, key.platform, key.created_by) == ("posting", "engineer", platform,
                                                                  role_users["member_admin"])
    again = client.get("/accounts/keys/").content.decode()
    assert plaintext not in again and key.prefix in again  # listed, never shown again
    assert AuditEntry.objects.filter(action="apikey.create", actor=role_users["member_admin"]).exists()


def test_create_refuses_bad_input(role_users: dict[str, Any], password: str) -> None:
    client = admin(role_users, password)
    other = accounts.create_organisation("rival", "Rival", "member")
    rival_shop = accounts.add_platform(other, "rival-shop", "Rival shop", "ecommerce")
    for data in ({"platform": rival_shop.pk, "role": "engineer"}, {"platform": 999999, "role": "engineer"},
                 {"platform": "", "role": "engineer"}):
        assert client.post("/accounts/keys/", data).status_code == 422
    platform = client.get("/accounts/keys/").context["form"].fields["platform"].queryset.get()
    assert client.post("/accounts/keys/", {"platform": platform.pk, "role": "member_admin"}).status_code == 422
    assert ApiKey.objects.count() == 0


def test_rotate_with_a_grace_period_then_at_once(role_users: dict[str, Any], password: str) -> None:
    client = admin(role_users, password)
    old, old_plain = accounts.create_api_key("t-market", name="search")
    response = client.post(f"/accounts/keys/{old.prefix}/rotate/", {"grace": "24"})
    (new_plain,) = KEY_RE.findall(response.content.decode())
    old.refresh_from_db()
    assert old.state == "expiring" and old.replaced_by is not None and old.replaced_by.name == "search"
    assert works(old_plain) and works(new_plain)  # both work during the grace period
    ApiKey.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    forget_keys()  # as another process would, KEY_SECONDS later: it reads the key's expiry again
    assert not works(old_plain) and works(new_plain)  # expired
    listing = client.get("/accounts/keys/").content.decode()
    assert "expired" in listing and f"replaced by {old.replaced_by.prefix}" in listing
    assert client.post(f"/accounts/keys/{old.prefix}/rotate/", {"grace": "0"}).status_code == 302  # expired
    new = ApiKey.objects.get(prefix=old.replaced_by.prefix)
    response = client.post(f"/accounts/keys/{new.prefix}/rotate/", {"grace": "0"})
    (newest_plain,) = KEY_RE.findall(response.content.decode())
    assert not works(new_plain) and works(newest_plain)
    assert client.post(f"/accounts/keys/{new.prefix}/rotate/", {"grace": "999"}).status_code == 302
    assert AuditEntry.objects.filter(action="apikey.rotate").count() == 2


def test_revoke_stops_a_key_at_once(role_users: dict[str, Any], password: str) -> None:
    client = admin(role_users, password)
    key, plain = accounts.create_api_key("t-market")
    assert works(plain)
    response = client.post(f"/accounts/keys/{key.prefix}/revoke/", follow=True)
    assert f"Key {key.prefix} is revoked" in response.content.decode()
    assert not works(plain)
    assert client.get(f"/accounts/keys/{key.prefix}/revoke/").status_code == 405


def test_only_the_companys_own_admins(role_users: dict[str, Any], password: str, keys: dict[str, str]) -> None:
    foreign = ApiKey.objects.filter(platform__slug="api-shop").first()
    assert foreign is not None
    client = admin(role_users, password)
    assert client.post(f"/accounts/keys/{foreign.prefix}/revoke/").status_code == 403
    assert client.post(f"/accounts/keys/{foreign.prefix}/rotate/", {"grace": "0"}).status_code == 403
    assert client.post("/accounts/keys/nope/revoke/").status_code == 404
    assert works(keys["engineer"])
    assert foreign.prefix not in client.get("/accounts/keys/").content.decode()
    for role in ("engineer", "reviewer", "analyst", "officer", "volunteer"):
        other = Client()
        login(other, f"user-{role}", password)
        assert other.get("/accounts/keys/").status_code == 403
    assert Client().get("/accounts/keys/").status_code == 302  # to the login page


def test_the_command_line_lists_rotates_and_revokes(role_users: dict[str, Any]) -> None:
    key, plain = accounts.create_api_key("t-market", name="cli")
    out = io.StringIO()
    call_command("apikey", "list", "--org", "t-market", stdout=out)
    assert out.getvalue().split("\t")[:4] == [key.prefix, "t-market-shop", "engineer", "active"]
    out = io.StringIO()
    call_command("apikey", "rotate", key.prefix, "--grace-hours", "2", stdout=out, stderr=io.StringIO())
    new_plain = out.getvalue().strip().splitlines()[-1]
    assert works(plain) and works(new_plain)
    call_command("apikey", "revoke", key.prefix, stderr=io.StringIO())
    assert not works(plain) and works(new_plain)
    with pytest.raises(CommandError, match="revoked"):
        call_command("apikey", "rotate", key.prefix, stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="no key"):
        call_command("apikey", "revoke", "nope")
    with pytest.raises(CommandError, match="no organisation"):
        call_command("apikey", "list", "--org", "nope")
