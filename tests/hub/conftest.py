from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from wildwatch.hub.accounts import services
from wildwatch.hub.accounts.roles import Role

PASSWORD = "correct-horse-battery-9"

#: one user per role: (organisation slug, organisation kind, role)
ROLE_USERS: dict[str, tuple[str, str]] = {
    Role.ANALYST: ("t-ngo", "ngo"),
    Role.COALITION_ADMIN: ("t-ngo", "ngo"),
    Role.REVIEWER: ("t-market", "member"),
    Role.MEMBER_ADMIN: ("t-market", "member"),
    Role.ENGINEER: ("t-market", "member"),
    Role.OFFICER: ("t-police", "agency"),
    Role.VOLUNTEER: ("t-volunteers", "volunteers"),
}


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Tests need no slow password hashing (production keeps Django's default)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _usage_flushed_by_tests_only(settings: Any) -> Iterator[None]:
    """The API's usage buffer writes only when a test flushes it: no timed flush from another thread (its rows
    would outlive the test's transaction)."""
    from wildwatch.hub.checks.auth import forget_rates
    from wildwatch.hub.usage import services as usage

    settings.WILDWATCH_USAGE_FLUSH_SECONDS = 3600
    usage.discard()
    forget_rates()  # keys and rate counts this process remembers belong to the test that made them
    yield
    usage.discard()
    forget_rates()


@pytest.fixture
def role_users(db: Any) -> dict[str, Any]:
    """A user for every role, in organisations of the right kinds; password ``PASSWORD``."""
    users = {}
    for role, (slug, kind) in ROLE_USERS.items():
        org = services.create_organisation(slug, slug.upper(), kind)
        if kind == "member" and not org.platforms.exists():
            services.add_platform(org, f"{slug}-shop", "Shop", "ecommerce", ["FR"])
        users[role] = services.add_member(org, f"user-{role}", role, password=PASSWORD)
    return users


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def keys(db: Any) -> dict[str, str]:
    """API keys of a member company's platform: an engineer's and a reviewer's (plaintexts)."""
    org = services.create_organisation("api-market", "API Market", "member")
    services.add_platform(org, "api-shop", "Shop", "ecommerce", ["FR"])
    _, engineer = services.create_api_key("api-market", role="engineer")
    _, reviewer = services.create_api_key("api-market", role="reviewer")
    return {"engineer": engineer, "reviewer": reviewer}


@pytest.fixture
def admin_client(admin_user: Any) -> Any:
    """pytest-django's ``admin_client``, signed in with the second factor the hub asks of every superuser."""
    from django.test import Client
    from login_helpers import force_login

    client = Client()
    force_login(client, admin_user)
    return client
