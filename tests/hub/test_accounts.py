"""Organisations, memberships, API keys and the audit log, on the real database."""

from __future__ import annotations

from typing import Any

import pytest

from wildwatch.hub.accounts import services
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_roles_and_memberships(role_users: dict[str, Any]) -> None:
    assert services.roles_of(role_users[Role.ANALYST]) == {Role.ANALYST}
    assert services.roles_of(None) == set()
    with pytest.raises(services.AccountsError, match="cannot give the role"):
        org = services.create_organisation("t-ngo", "T", "ngo")
        services.add_member(org, "x", Role.ENGINEER)


def test_api_keys_are_hashed_attributed_and_revocable(role_users: dict[str, Any]) -> None:
    key, plaintext = services.create_api_key("t-market")
    assert key.platform.slug == "t-market-shop"
    assert plaintext.startswith("ww_") and key.secret_hash not in plaintext
    assert services.authenticate_key(plaintext) == key
    assert services.authenticate_key(plaintext + "x") is None
    assert services.authenticate_key("garbage") is None
    services.revoke_api_key(key)
    assert services.authenticate_key(plaintext) is None
    assert AuditEntry.objects.filter(action="apikey.revoke").count() == 1


@pytest.mark.parametrize(("org", "platform", "message"), [
    ("nope", None, "no organisation"),
    ("t-ngo", None, "belong to member companies"),
    ("t-market", "missing", "has no platform 'missing'"),
])
def test_api_key_errors(role_users: dict[str, Any], org: str, platform: str | None, message: str) -> None:
    with pytest.raises(services.AccountsError, match=message):
        services.create_api_key(org, platform)


def test_every_write_is_audited(db: Any) -> None:
    org = services.create_organisation("a-ngo", "A", "ngo")
    services.add_member(org, "ann", Role.ANALYST, password="x" * 12)
    assert list(AuditEntry.objects.values_list("action", flat=True).order_by("id")) == [
        "organisation.create", "member.add"]
