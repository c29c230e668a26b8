"""The SDK against a real hub served on a local port (Django's live server): no mocks."""

from __future__ import annotations

from typing import Any

import pytest

from wildwatch.client import AuthenticationError, Client, LocalDetector
from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.library.services import import_starter, public_key, publish_release

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def engineer_key(db: Any) -> str:
    org = accounts.create_organisation("sdk-market", "SDK Market", "member")
    accounts.add_platform(org, "sdk-shop", "SDK Shop", "ecommerce", ["FR"])
    import_starter()
    publish_release(changelog="for the SDK")
    return accounts.create_api_key("sdk-market")[1]


def test_the_client_checks_listings_and_searches(live_server: Any, engineer_key: str) -> None:
    client = Client(live_server.url, engineer_key)
    decision = client.check({"id": "a1", "title": "Rhino horn cup", "description": "WhatsApp for price"})
    assert decision["id"] == "a1" and decision["verdict"] == "block"
    results = client.check_batch([{"id": "b1", "text": "garden chair"}, {"id": "b2", "text": "bán ngà voi"}])
    assert [r["verdict"] for r in results] == ["allow", "block"]
    assert client.check_search("ngà voi", "vi")["intercept"] is True
    with pytest.raises(AuthenticationError):
        Client(live_server.url, "ww_bad_key").check({"id": "x", "text": "x"})


def test_the_local_detector_runs_a_verified_release_from_the_hub(live_server: Any, engineer_key: str) -> None:
    client = Client(live_server.url, engineer_key)
    local = LocalDetector.from_release(client, public_key_pem=public_key(), refresh_seconds=3600)
    try:
        assert local.check("carved ivory bangle for sale").verdict == "block"
        assert local.check("ivory lace wedding dress").verdict == "allow"
    finally:
        local.close()
