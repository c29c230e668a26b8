"""The SDK against a real hub served on a local port (Django's live server): no mocks."""

from __future__ import annotations

from typing import Any

import pytest

from wildwatch.client import AuthenticationError, Client, ForbiddenError, LocalDetector
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


def test_usage_from_the_client_and_the_local_detector_reaches_the_hub(live_server: Any, engineer_key: str) -> None:
    from wildwatch.hub.usage import services as usage

    client = Client(live_server.url, engineer_key)
    client.check({"id": "a1", "text": "rhino horn cup for sale"})
    client.check_search("ngà voi", "vi")
    local = LocalDetector.from_release(client, public_key_pem=public_key(), refresh_seconds=0, usage_seconds=0)
    local.check_many(["carved ivory bangle for sale", "a garden chair"])
    local.check_search("buy rhino horn")
    assert local.send_usage() is True
    assert local.send_usage() is False  # nothing new
    usage.flush()
    [today] = client.usage()["days"]
    assert today["listings"]["block"] == {"prohibited": 2}  # one through the API, one in the embedded engine
    assert today["listings"]["allow"] == {"none": 1}
    assert (today["searches"], today["search_popups"]) == (2, 2)
    local.close()


def test_the_client_forwards_a_users_report_into_the_queue(live_server: Any, db: Any) -> None:
    org = accounts.create_organisation("fw-market", "FW Market", "member")
    accounts.add_platform(org, "fw-shop", "FW Shop", "ecommerce", ["FR"], domains=["fwshop.example"])
    client = Client(live_server.url, accounts.create_api_key("fw-market")[1])
    result = client.forward_report("u-1", "https://fwshop.example/item/5", reason="tiger skin", product="skin_fur")
    assert result["status"] == "queued" and result["duplicate"] is False
    assert client.forward_report("u-1", "https://fwshop.example/item/5")["duplicate"] is True
    with pytest.raises(ForbiddenError):
        client.forward_report("u-2", "https://elsewhere.example/item/5")
