"""Platform policy profiles: a member admin proposes, a coalition analyst approves; the engine applies them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from login_helpers import login

from wildwatch.detect.engine import Detector
from wildwatch.hub.accounts.models import Platform
from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.library.services import export_library, import_starter
from wildwatch.hub.policies import services
from wildwatch.hub.policies.models import ProfileVersion

pytestmark = pytest.mark.django_db

STRICT = '[{"select": {"tags": ["mammoth"]}, "category": "prohibited", "note": "we ban all ivory"}]'


def test_propose_approve_and_apply(role_users: dict[str, Any]) -> None:
    platform = Platform.objects.get(slug="t-market-shop")
    version = services.propose_profile(platform, STRICT, actor=role_users[Role.MEMBER_ADMIN], description="strict")
    assert services.current_profile(platform) is None  # not approved yet
    services.decide_profile(version, actor=role_users[Role.ANALYST], approve=True, comment="ok")
    profile = services.current_profile(platform)
    assert profile is not None
    import_starter()
    library = export_library("test")
    text = "mammoth ivory netsuke for sale"
    assert Detector(library).check(text).verdict == "review"
    assert Detector(library, profile=profile).check(text).verdict == "block"


@pytest.mark.parametrize(("raw", "message"), [
    ("{not json", "not valid JSON"),
    ('{"select": {}}', "JSON list of objects"),
    ('[{"select": {"product": "ivory"}, "category": "maybe"}]', "unknown category"),
    ('[{"select": {"colour": "red"}, "category": "allowed"}]', "unknown selector"),
])
def test_bad_overrides_are_refused_clearly(raw: str, message: str, role_users: dict[str, Any]) -> None:
    platform = Platform.objects.get(slug="t-market-shop")
    with pytest.raises(ValidationError, match=message):
        services.propose_profile(platform, raw, actor=role_users[Role.MEMBER_ADMIN])
    assert not ProfileVersion.objects.exists()


def test_only_member_admins_propose_and_only_analysts_decide(role_users: dict[str, Any]) -> None:
    platform = Platform.objects.get(slug="t-market-shop")
    for role in (Role.ENGINEER, Role.REVIEWER, Role.ANALYST, Role.VOLUNTEER):
        with pytest.raises(PermissionDenied):
            services.propose_profile(platform, "[]", actor=role_users[role])
    version = services.propose_profile(platform, "[]", actor=role_users[Role.MEMBER_ADMIN])
    with pytest.raises(PermissionDenied):
        services.decide_profile(version, actor=role_users[Role.MEMBER_ADMIN], approve=True)
    services.decide_profile(version, actor=role_users[Role.COALITION_ADMIN], approve=False, comment="no")
    with pytest.raises(ValidationError, match="already rejected"):
        services.decide_profile(version, actor=role_users[Role.ANALYST], approve=True)


def test_pages(role_users: dict[str, Any], password: str) -> None:
    admin = Client()
    login(admin, f"user-{Role.MEMBER_ADMIN}", password)
    response = admin.post("/policies/platforms/t-market-shop/", {"overrides": "{broken", "description": "x"})
    assert response.status_code == 200 and "not valid JSON" in response.content.decode()
    response = admin.post("/policies/platforms/t-market-shop/", {"overrides": STRICT, "description": "strict"})
    assert response.status_code == 302
    analyst = Client()
    login(analyst, f"user-{Role.ANALYST}", password)
    version = ProfileVersion.objects.get()
    assert "strict" in analyst.get("/policies/pending/").content.decode()
    analyst.post(f"/policies/versions/{version.pk}/decide/", {"decision": "approve", "comment": "fine"})
    version.refresh_from_db()
    assert version.state == "approved"
    # another organisation's member cannot see this platform's profile
    from wildwatch.hub.accounts import services as accounts

    other = accounts.create_organisation("other-co", "Other", "member")
    accounts.add_member(other, "other-admin", Role.MEMBER_ADMIN, password=password)
    outsider = Client()
    login(outsider, "other-admin", password)
    assert outsider.get("/policies/platforms/t-market-shop/").status_code == 403
