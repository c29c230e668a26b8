"""The SDK's shared signals against a real hub (Django's live server): one member shares what it removed, another
keeps a local copy and matches images and texts without calling the hub; contacts never reach the copy."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from test_signals_api import LISTING, photo

from wildwatch.client import Client, ForbiddenError
from wildwatch.client.signals import SignalCopy
from wildwatch.detect.engine import Detector
from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.signals import services as signals

pytestmark = pytest.mark.django_db(transaction=True)


def _member(slug: str, sharing: bool = True) -> str:
    org = accounts.create_organisation(slug, slug.title(), "member")
    accounts.add_platform(org, f"{slug}-shop", "Shop", "ecommerce", ["VN"])
    if sharing:
        signals.set_sharing(org, True)
    return accounts.create_api_key(slug)[1]


def test_a_local_copy_matches_what_another_member_removed(live_server: Any) -> None:
    first = Client(live_server.url, _member("sdk-first"))
    image = base64.b64decode(photo(7))
    shared = first.share_signals("prohibited", images=[image], text=LISTING, contacts=["+84 912 345 678"],
                                 item_id="l-7")
    assert sorted(s["kind"] for s in shared["signals"]) == ["contact", "image_pdq", "image_sha256", "text_minhash"]

    copy = SignalCopy(Client(live_server.url, _member("sdk-next")), pull_seconds=0)
    assert copy.bank.counts()["contact"] == 0 and len(copy.bank) == 3  # contacts stay on the hub
    resized = base64.b64decode(photo(7, quality=55, scale=0.5))
    answer = copy.apply(Detector().check("Vintage bracelet").to_dict(), images=[resized], text=LISTING + " !!")
    kinds = sorted(h["signal_kind"] for h in answer["hits"] if h["kind"] == "shared_signal")
    assert kinds == ["image", "text"] and answer["verdict"] != "allow"
    assert copy.match(images=[base64.b64decode(photo(8))]) == []

    image_signal = next(s["id"] for s in shared["signals"] if s["kind"] == "image_sha256")
    first.retract_signal(image_signal)
    assert copy.sync() == 1  # the retraction, and nothing twice
    assert all(m.kind != "image_sha256" for m in copy.match(images=[image]))
    assert copy.sync() == 0


def test_the_local_detector_checks_with_the_shared_signals(live_server: Any) -> None:
    from wildwatch.client import LocalDetector
    from wildwatch.hub.library.services import import_starter, public_key, publish_release

    import_starter()
    publish_release(changelog="for the SDK")
    Client(live_server.url, _member("sdk-first")).share_signals("prohibited", text=LISTING)
    local = LocalDetector.from_release(Client(live_server.url, _member("sdk-next")), public_key_pem=public_key(),
                                       refresh_seconds=3600, usage_seconds=0, signals=True)
    try:
        answer = local.check_with_signals({"title": "Bracelet", "description": LISTING})
        assert [h["signal_kind"] for h in answer["hits"] if h["kind"] == "shared_signal"] == ["text"]
        assert answer["verdict"] == "block"  # rhino horn in the text blocks anyway; the signal is one more reason
        assert local.check_with_signals("garden chair")["verdict"] == "allow"
    finally:
        local.close()


def test_members_without_sharing_cannot_pull(live_server: Any) -> None:
    with pytest.raises(ForbiddenError):
        SignalCopy(Client(live_server.url, _member("sdk-off", sharing=False)), pull_seconds=0)
