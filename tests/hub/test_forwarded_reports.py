"""``POST /api/v1/reports/forwarded`` (reports a platform's users filed in its app) and automated flags (API checks
with a ``review`` verdict, when the member sends reviews to its queue): both become cases in the member's queue."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import error_of, post
from django.core.cache import caches

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.checks import detectors
from wildwatch.hub.reports import flags
from wildwatch.hub.reports.models import Case, CaseStatus, MemberSettings, Report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh() -> None:
    detectors.reset(keep_starter=True)
    caches["default"].clear()
    flags.forget_settings()


@pytest.fixture
def shop_key(db: Any) -> str:
    org = accounts.create_organisation("f-market", "F Market", "member")
    accounts.add_platform(org, "f-shop", "F Shop", "ecommerce", ["FR"], domains=["fshop.example"])
    return accounts.create_api_key("f-market")[1]


def forwarded(n: int = 1, **extra: Any) -> dict[str, Any]:
    return {"id": f"user-report-{n}", "url": f"https://fshop.example/item/{n}?utm_source=app",
            "reason": "looks like real ivory", "species": "elephant", "product": "ivory",
            "seller": {"handle": "@seller", "contacts": ["+33 6 12 34 56 78"]}, **extra}


def test_forwarded_reports_go_straight_to_the_platforms_queue(shop_key: str) -> None:
    response = post("/api/v1/reports/forwarded", {"reports": [forwarded(1), forwarded(2)]}, shop_key)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [(r["id"], r["status"], r["duplicate"]) for r in results] == [
        ("user-report-1", "queued", False), ("user-report-2", "queued", False)]
    case = Case.objects.get(pk=results[0]["case"])
    assert case.status == CaseStatus.REFERRED and case.platform is not None and case.platform.slug == "f-shop"
    assert case.seller_handle == "@seller" and case.product == "ivory" and case.due_at is not None
    report = case.reports.get()
    assert report.kind == "forwarded" and report.external_id == "user-report-1" and report.tracking_code is None
    again = post("/api/v1/reports/forwarded", {"reports": [forwarded(1)]}, shop_key).json()["results"]
    assert again == [{**results[0], "duplicate": True}]
    assert Report.objects.count() == 2


def test_a_forwarded_report_joins_an_existing_case(shop_key: str) -> None:
    from wildwatch.hub.reports import services

    public = services.file_report("public", "https://www.fshop.example/item/1")
    result = post("/api/v1/reports/forwarded", {"reports": [forwarded(1)]}, shop_key).json()["results"][0]
    assert result["case"] == public.case_id
    assert Case.objects.get().status == CaseStatus.REFERRED  # the platform's users reported it too


def test_forwarded_errors_write_nothing(shop_key: str) -> None:
    other = accounts.create_organisation("g-market", "G Market", "member")
    accounts.add_platform(other, "g-shop", "G Shop", "ecommerce", ["FR"], domains=["gshop.example"])
    cases = [
        ({"reports": [forwarded(1), forwarded(2, url="https://gshop.example/item/2")]}, 403, "not_your_platform"),
        ({"reports": [forwarded(1), forwarded(2, url="not a url")]}, 422, "invalid_report"),
        ({"reports": [forwarded(1, product="gold")]}, 422, "invalid_report"),
        ({"reports": []}, 422, "invalid_request"),
        ({"reports": [forwarded(n) for n in range(101)]}, 422, "invalid_request"),
        ({"reports": [forwarded(1, reason="nul\x00byte")]}, 422, "invalid_request"),
        ({"reports": [{"url": "https://fshop.example/item/1"}]}, 422, "invalid_request"),
    ]
    for body, status, code in cases:
        error = error_of(post("/api/v1/reports/forwarded", body, shop_key), status, code)
        assert error["details"], body
        assert Case.objects.count() == 0 and Report.objects.count() == 0, body
    error_of(post("/api/v1/reports/forwarded", {"reports": [forwarded(1)]}, None), 401)


def test_review_verdicts_become_cases_when_the_member_asks(shop_key: str) -> None:
    review_text = "mammoth ivory carving, antique"
    item = {"id": "L1", "text": review_text, "url": "https://fshop.example/item/77"}
    first = post("/api/v1/check", item, shop_key).json()
    assert first["verdict"] == "review"
    assert Case.objects.count() == 0  # the member has not asked for it
    org = accounts.Organisation.objects.get(slug="f-market")
    MemberSettings.objects.create(organisation=org, send_reviews_to_queue=True)
    flags.forget_settings()
    post("/api/v1/check", item, shop_key)
    post("/api/v1/check", item, shop_key)  # the same item again adds nothing
    post("/api/v1/check/batch", {"items": [
        {"id": "L2", "text": review_text, "url": "https://fshop.example/item/78"},
        {"id": "L3", "text": review_text},  # no URL: no case
        {"id": "L4", "text": "a garden chair", "url": "https://fshop.example/item/79"},  # allow: no case
        {"id": "L5", "text": review_text, "url": "https://elsewhere.example/item/80"},  # not its platform
    ]}, shop_key)
    cases = Case.objects.order_by("pk")
    assert [c.canonical_url for c in cases] == ["https://fshop.example/item/77", "https://fshop.example/item/78"]
    case = cases[0]
    assert case.status == CaseStatus.REFERRED and case.listing_text == review_text and case.term_ids
    assert case.category == "cover" and case.reports.get().kind == "automated"


def test_a_held_listing_is_forwarded_on_hold_and_the_member_learns_only_the_notice(shop_key: str) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from wildwatch.hub.enforcement import identifiers
    from wildwatch.hub.enforcement import services as enforcement
    from wildwatch.hub.enforcement.models import Notification

    agency = accounts.create_organisation("f-police", "Secret Wildlife Unit", "agency", country="FR")
    until = timezone.localdate() + timedelta(days=30)
    enforcement.create_hold(agency, kind="remove_and_preserve", case_reference="OP-TUSK-77", until=until,
                            identifiers=[identifiers.url_identifier("https://fshop.example/item/1")])
    first = post("/api/v1/reports/forwarded", {"reports": [forwarded(1)]}, shop_key)
    assert first.status_code == 200
    [result] = first.json()["results"]
    assert result["status"] == "held" and result["hold"]["until"] == until.isoformat()
    assert set(result["hold"]) == {"action", "until", "may_remove", "must_preserve", "message"}
    assert result["hold"]["may_remove"] is True and result["hold"]["must_preserve"] is True
    body = first.content.decode()
    assert "Secret Wildlife Unit" not in body and "OP-TUSK-77" not in body and "f-police" not in body
    assert Case.objects.get().status == CaseStatus.ON_HOLD
    notified = Notification.objects.filter(agency=agency).count()
    assert notified >= 1
    again = post("/api/v1/reports/forwarded", {"reports": [forwarded(1)]}, shop_key).json()["results"][0]
    assert again["duplicate"] is True and again["hold"] == result["hold"]
    assert Notification.objects.filter(agency=agency).count() == notified  # a repeat is not a new check
