"""``POST /api/v1/deconflict``: a member asks before acting and learns only the hold's notice (or a plain "no hold"
of the same shape); only about its own platform's listings; limited per key; every question audited; identifiers
in the body only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from api_helpers import error_of, post
from django.core.cache import caches
from django.test import Client
from django.urls import clear_url_caches
from django.utils import timezone

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.enforcement import identifiers as ids
from wildwatch.hub.enforcement import services
from wildwatch.hub.enforcement.models import Hold, HoldKind, Notification
from wildwatch.hub.reports import services as reports
from wildwatch.hub.reports.models import CaseStatus

pytestmark = pytest.mark.django_db
PATH = "/api/v1/deconflict"
NOTICE_KEYS = {"hold", "action", "until", "may_remove", "must_preserve", "message", "shared_signals"}
AGENCY_NAME = "Wildlife Crime Unit D"
REFERENCE = "OP-PANGOLIN-4411"


def _rebuild_api_urls() -> None:
    from wildwatch.hub.checks import urls as api_urls
    from wildwatch.hub.checks.api import api

    api._bound_routers_cache = None
    api_urls.urlpatterns[:] = api.urls[0]
    clear_url_caches()


@pytest.fixture(autouse=True)
def deconflict_mounted() -> Iterator[None]:
    """``api.add_router("/deconflict", router)``, as ``checks.api`` will say once the lead engineer adds it; until
    then the router is mounted for these tests only, and unmounted after them."""
    from wildwatch.hub.checks.api import api
    from wildwatch.hub.enforcement.api import router

    if any(registration[1] is router for registration in api._router_registrations):
        yield
        return
    api._bound_routers_cache = None
    api.add_router("/deconflict", router)
    _rebuild_api_urls()
    try:
        yield
    finally:
        api._router_registrations = [r for r in api._router_registrations if r[1] is not router]
        api._routers = [r for r in api._routers if r[1] is not router]
        _rebuild_api_urls()


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    caches["default"].clear()


@pytest.fixture
def world(db: Any, role_users: dict[str, Any]) -> dict[str, Any]:
    market = accounts.create_organisation("d-market", "D Market", "member")
    shop = accounts.add_platform(market, "d-shop", "D Shop", "ecommerce", ["VN"], domains=["dshop.example"])
    other = accounts.create_organisation("o-market", "O Market", "member")
    accounts.add_platform(other, "o-shop", "O Shop", "ecommerce", ["VN"], domains=["oshop.example"])
    agency = accounts.create_organisation("d-police", AGENCY_NAME, "agency", country="VN")
    officer = accounts.add_member(agency, "d-officer", "officer", email="officer@police.example")
    _, key = accounts.create_api_key("d-market", role="reviewer")
    _, other_key = accounts.create_api_key("o-market")
    return {"shop": shop, "agency": agency, "officer": officer, "key": key, "other_key": other_key,
            "analyst": role_users["analyst"]}


def hold(world: dict[str, Any], *, url: str = "", contacts: tuple[str, ...] = (), seller: str = "",
         kind: str = HoldKind.DO_NOT_ACT, days: int = 30) -> Hold:
    found = [ids.url_identifier(url)] if url else []
    found += [ident for c in contacts if (ident := ids.contact_identifier(c, "VN")) is not None]
    if seller:
        found.append(ids.seller_identifier("d-shop", seller))  # type: ignore[arg-type]
    return services.create_hold(world["agency"], kind=kind, case_reference=REFERENCE,
                                until=timezone.localdate() + timedelta(days=days), identifiers=found,
                                actor=world["officer"])


def ask(world: dict[str, Any], body: Any, key: str | None = None, **extra: Any) -> Any:
    return post(PATH, body, world["key"] if key is None else key, **extra)


def assert_learns_only_the_notice(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == NOTICE_KEYS
    text = response.content.decode()
    for secret in (AGENCY_NAME, "d-police", REFERENCE, "PANGOLIN", "officer", "hold:", "case"):
        assert secret not in text, secret
    return dict(body)


def test_a_hold_blocks_referral_and_a_member_learns_nothing_but_the_hold(
        world: dict[str, Any], mailoutbox: list[Any], django_capture_on_commit_callbacks: Any) -> None:
    until = timezone.localdate() + timedelta(days=30)
    hold(world, url="https://dshop.example/item/5", contacts=("+84 912 345 678",))
    by_url = reports.file_report("public", "https://www.dshop.example/item/5?utm_source=x").case
    by_phone = reports.file_report("public", "https://dshop.example/item/6", seller_contacts=["0912345678"]).case
    with django_capture_on_commit_callbacks(execute=True):
        assert reports.accept(by_url, world["analyst"]).status == CaseStatus.ON_HOLD
        assert reports.accept(by_phone, world["analyst"]).status == CaseStatus.ON_HOLD
        response = ask(world, {"url": "http://dshop.example/item/5/?fbclid=abc#top"})
    body = assert_learns_only_the_notice(response)
    assert body == {"hold": True, "action": "do_not_act", "until": until.isoformat(), "may_remove": False,
                    "must_preserve": False, "message": body["message"], "shared_signals": []}
    assert "do not act before " + until.isoformat() in body["message"] and "contact the coalition" in body["message"]
    notes = list(Notification.objects.filter(agency=world["agency"]).order_by("id"))
    assert [(n.source, n.case_id) for n in notes] == [("case", by_url.pk), ("case", by_phone.pk),
                                                      ("api", None)]
    assert notes[-1].platform == world["shop"] and notes[-1].matched == [{"kind": "url", "hint": "dshop.example"}]
    assert len(mailoutbox) == 3 and all(m.to == ["officer@police.example"] for m in mailoutbox)


def test_no_hold_is_a_plain_answer_of_the_same_shape(world: dict[str, Any]) -> None:
    hold(world, url="https://dshop.example/item/5")
    body = assert_learns_only_the_notice(ask(world, {"url": "https://dshop.example/item/9"}))
    assert body == {"hold": False, "action": None, "until": None, "may_remove": True, "must_preserve": False,
                    "message": "no hold", "shared_signals": []}
    assert not Notification.objects.exists()


def test_remove_and_preserve_says_the_member_may_remove_but_must_keep_the_data(world: dict[str, Any]) -> None:
    hold(world, seller="Pangolin.Trader", kind=HoldKind.REMOVE_AND_PRESERVE)
    body = assert_learns_only_the_notice(ask(world, {"seller": {"id": "@pangolin.trader"}}))
    assert body["hold"] and body["action"] == "remove_and_preserve" and body["may_remove"] and body["must_preserve"]
    assert "preserve" in body["message"]


@pytest.mark.parametrize("body", [
    {"url": "https://m.dshop.example/item/5/?utm_campaign=spring&gclid=1"},
    {"url": "HTTP://WWW.DSHOP.EXAMPLE/item/5#photos"},
    {"seller": {"contacts": ["0084 912 345 678"]}},
    {"seller": {"contacts": ["(+84) 912-345-678"]}},
    {"seller": {"contacts": ["0912.345.678"]}},  # the platform's country: VN
    {"seller": {"contacts": ["https://wa.me/84912345678"]}},
    {"seller": {"contacts": ["t.me/Ivory_Dealer"]}},
    {"seller": {"id": "someone", "contacts": ["mailto:Tusk.Seller+ads@googlemail.com"]}},
])
def test_the_same_identifier_spelled_differently_still_matches(world: dict[str, Any], body: dict[str, Any]) -> None:
    hold(world, url="https://dshop.example/item/5",
         contacts=("+84912345678", "@ivory_dealer", "tuskseller@gmail.com"))
    assert assert_learns_only_the_notice(ask(world, body))["hold"] is True


def test_expired_holds_do_not_match(world: dict[str, Any]) -> None:
    made = hold(world, url="https://dshop.example/item/5")
    Hold.objects.filter(pk=made.pk).update(until=timezone.localdate())
    assert ask(world, {"url": "https://dshop.example/item/5"}).json()["hold"] is False


def test_another_platforms_listing_is_refused_and_audited(world: dict[str, Any]) -> None:
    hold(world, url="https://oshop.example/p/1")
    for url in ("https://oshop.example/p/1", "https://unknown.example/p/1"):
        error_of(ask(world, {"url": url}), 403, "not_your_listing")
    assert not Notification.objects.exists()
    refused = AuditEntry.objects.filter(action="deconflict.refused")
    assert refused.count() == 2 and all("oshop" not in repr(e.details) for e in refused)
    assert ask(world, {"url": "https://oshop.example/p/1"}, world["other_key"]).json()["hold"] is True


def test_the_deconflict_limit_is_per_key_and_stricter(world: dict[str, Any], settings: Any) -> None:
    settings.WILDWATCH_DECONFLICT_RATE = 2
    for _ in range(2):
        assert ask(world, {"url": "https://dshop.example/item/1"}).status_code == 200
    for _ in range(2):
        response = ask(world, {"url": "https://dshop.example/item/1"})
        error = error_of(response, 429, "rate_limited")
        assert error["details"]["limit"] == 2 and int(response["Retry-After"]) > 0
    assert AuditEntry.objects.filter(action="deconflict.limited").count() == 1  # once a window
    assert ask(world, {"url": "https://oshop.example/p/1"}, world["other_key"]).status_code == 200  # another key
    assert post("/api/v1/check", {"id": "1", "text": "a chair"}, world["key"]).status_code == 200  # other endpoints


def test_error_paths(world: dict[str, Any]) -> None:
    error_of(ask(world, {"url": "https://dshop.example/item/1"}, key=""), 401, "unauthorized")
    error_of(post(PATH, {"url": "https://dshop.example/item/1"}, None), 401, "unauthorized")
    error_of(ask(world, {"url": "https://dshop.example/item/1"}, key="ww_nope_nope"), 401, "unauthorized")
    error_of(ask(world, {}), 422, "invalid_request")
    error_of(ask(world, {"seller": {"contacts": []}}), 422, "invalid_request")
    error_of(ask(world, {"url": "not a url"}), 422, "invalid_identifier")
    error = error_of(ask(world, {"seller": {"contacts": ["+84912345678", "call me maybe"]}}), 422,
                     "invalid_identifier")
    assert error["details"][0]["loc"] == ["body", "seller", "contacts", "1"]
    error_of(ask(world, {"url": "https://dshop.example/\u0000"}), 422, "invalid_request")
    error_of(ask(world, {"seller": {"contacts": ["x"] * 21}}), 422, "invalid_request")
    error_of(ask(world, b"{not json"), 422, "malformed_json")
    # identifiers never travel in a URL: there is no GET
    response = Client().get(PATH + "?url=https://dshop.example/item/1", HTTP_X_API_KEY=world["key"])
    error_of(response, 405, "method_not_allowed")
    assert not AuditEntry.objects.filter(action="deconflict.check").exists()


def test_an_idempotency_key_gives_the_first_answer_back(world: dict[str, Any]) -> None:
    hold(world, url="https://dshop.example/item/5")
    body = {"url": "https://dshop.example/item/5"}
    first = ask(world, body, HTTP_IDEMPOTENCY_KEY="retry-1")
    again = ask(world, body, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert Notification.objects.count() == 1  # asked once, whatever the retries
    assert AuditEntry.objects.filter(action="deconflict.check").count() == 1
    error_of(ask(world, {"url": "https://dshop.example/item/6"}, HTTP_IDEMPOTENCY_KEY="retry-1"), 422,
             "idempotency_key_reused")


def test_every_question_is_audited_without_its_identifiers(world: dict[str, Any]) -> None:
    hold(world, contacts=("+84912345678",))
    ask(world, {"url": "https://dshop.example/item/5", "seller": {"id": "pangolin_king", "contacts": [
        "+84 912 345 678"]}})
    ask(world, {"seller": {"contacts": ["dealer@tusks.example"]}})
    checks = list(AuditEntry.objects.filter(action="deconflict.check").order_by("id"))
    assert [e.details["matched"] for e in checks] == [True, False]
    assert checks[0].details["kinds"] == ["phone", "seller", "url"] and checks[0].api_key is not None
    assert all(e.organisation == world["shop"].organisation for e in checks)
    dump = json.dumps([e.details for e in AuditEntry.objects.all()]) + "".join(
        e.target for e in AuditEntry.objects.all())
    for secret in ("912345678", "pangolin_king", "tusks", "item/5"):
        assert secret not in dump, secret
    match = AuditEntry.objects.get(action="hold.match")
    assert match.organisation == world["agency"] and match.details["source"] == "api"
