"""Usage counts: what the API's checks leave behind (counts in bulk, never a row per check), what embedded engines
send (``POST /api/v1/usage``), and who may see them (``GET /api/v1/usage`` and the usage page)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from api_helpers import error_of, get, post
from django.core.cache import caches
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from login_helpers import login

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry, Platform
from wildwatch.hub.checks import detectors
from wildwatch.hub.usage import services as usage
from wildwatch.hub.usage.models import DailyCount, UsageReport

pytestmark = pytest.mark.django_db
IVORY = "Genuine ivory bangle for sale, $200"


@pytest.fixture(autouse=True)
def _fresh_state() -> None:
    detectors.reset(keep_starter=True)
    caches["default"].clear()


def total(**filters: Any) -> int:
    return int(DailyCount.objects.filter(**filters).aggregate(n=Sum("count"))["n"] or 0)


def today() -> str:
    return timezone.now().date().isoformat()


def test_checks_are_counted_by_verdict_category_and_term_in_bulk(keys: dict[str, str],
                                                                  django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            assert post("/api/v1/check", {"id": f"L{n}", "text": IVORY}, keys["engineer"]).status_code == 200
        post("/api/v1/check/batch", {"items": [{"id": "a", "text": "a garden chair"}, {"id": "b", "text": IVORY},
                                               {"id": "bad"}]}, keys["engineer"])
        post("/api/v1/search/intercept", {"query": "ivory bangle"}, keys["engineer"])
        post("/api/v1/search/intercept", {"query": "garden chairs"}, keys["engineer"])
    assert DailyCount.objects.count() == 0  # buffered: no row per check
    assert usage.flush() > 0
    platform = Platform.objects.get(slug="api-shop")
    assert total(platform=platform, metric="listings") == 7  # the invalid batch item is not a check
    assert total(metric="listings", verdict="block", category="prohibited") == 6
    assert total(metric="listings", verdict="allow", category="none") == 1
    assert (total(metric="searches"), total(metric="search_popups")) == (2, 1)
    term_rows = DailyCount.objects.filter(metric="term_hits")
    assert term_rows and {r.term_id for r in term_rows} and all(r.term_id for r in term_rows)
    assert max(r.count for r in term_rows) == 6  # each flagged listing counts its term once
    rows = DailyCount.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(20):
            post("/api/v1/check", {"id": f"M{n}", "text": IVORY}, keys["engineer"])
    usage.flush()
    assert DailyCount.objects.count() == rows  # more checks add to the same counters
    assert total(metric="listings") == 27
    assert {r.organisation_id for r in DailyCount.objects.all()} == {platform.organisation_id}


def test_the_buffer_flushes_when_due_and_keeps_counts_when_a_flush_fails(keys: dict[str, str], settings: Any,
                                                                          django_capture_on_commit_callbacks: Any
                                                                          ) -> None:
    settings.WILDWATCH_USAGE_FLUSH_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        post("/api/v1/check", {"id": "L1", "text": IVORY}, keys["engineer"])
    assert total(metric="listings") == 1 and usage.pending() == 0  # due at once: written by the request
    platform = Platform.objects.get(slug="api-shop")
    settings.WILDWATCH_USAGE_FLUSH_SECONDS = 3600
    usage.count_search(platform, True)
    original = usage._upsert

    def broken(counts: Any) -> None:
        raise RuntimeError("database down")

    usage._upsert = broken  # type: ignore[assignment]
    try:
        with pytest.raises(RuntimeError):
            usage.flush()
    finally:
        usage._upsert = original  # type: ignore[assignment]
    assert usage.pending() == 2  # kept: nothing lost
    usage.flush()
    assert (total(metric="searches"), total(metric="search_popups")) == (1, 1)


def local_report(day: str | None = None, **overrides: Any) -> dict[str, Any]:
    counts = {"listings": {"block": {"prohibited": 2}, "review": {"cover": 1}, "allow": {"none": 97}},
              "searches": 40, "search_popups": 3, **overrides}
    return {"library_version": "2026.11.0", "days": {day or today(): counts}}


def test_an_embedded_engine_reports_its_counts(keys: dict[str, str]) -> None:
    response = post("/api/v1/usage", local_report(), keys["engineer"])
    assert response.status_code == 200 and response.json() == {"accepted": True, "days": 1, "counters": 5}
    assert total(source="local", metric="listings") == 100
    assert total(source="local", metric="listings", verdict="block", category="prohibited") == 2
    assert (total(metric="searches"), total(metric="search_popups")) == (40, 3)
    post("/api/v1/usage", local_report(), keys["engineer"])  # a second report (another day's send) adds up
    assert total(source="local", metric="listings") == 200
    assert UsageReport.objects.count() == 2 and AuditEntry.objects.filter(action="usage.report").count() == 2
    body = get("/api/v1/usage", keys["reviewer"]).json()
    assert body["platform"] == "api-shop" and body["days"][-1]["day"] == today()
    assert body["days"][-1]["listings"]["allow"] == {"none": 194} and body["days"][-1]["search_popups"] == 6


def test_an_embedded_engine_reports_term_hits_and_campaign_reach(keys: dict[str, str]) -> None:
    from wildwatch.hub.usage.services import campaign_reach

    report = local_report(term_hits={"block": {"prohibited": {"t-product-rhino-horn-en": 2}},
                                     "review": {"cover": {"t-cover-rhino-horn-cup-en": 1}}},
                          campaign_popups={"world-rhino-day-2026": 2})
    response = post("/api/v1/usage", report, keys["engineer"])
    assert response.status_code == 200 and response.json()["counters"] == 8
    assert total(source="local", metric="term_hits", verdict="block", category="prohibited",
                 term_id="t-product-rhino-horn-en") == 2
    assert total(source="local", metric="term_hits", term_id="t-cover-rhino-horn-cup-en") == 1
    assert total(source="local", metric="campaign_popups", term_id="world-rhino-day-2026") == 2
    day = timezone.now().date()
    platform = DailyCount.objects.filter(metric="campaign_popups").values_list("organisation_id", flat=True).first()
    assert campaign_reach("world-rhino-day-2026", day, day) == {platform: 2}  # the campaign's reach, per member


@pytest.mark.parametrize(("report", "words"), [
    (local_report("2026-13-40"), "not a day"),
    (local_report((timezone.now() + timedelta(days=2)).date().isoformat()), "future"),
    (local_report(listings={"deleted": {"none": 1}}), "unknown verdict"),
    (local_report(listings={"block": {"banned": 1}}), "unknown category"),
    (local_report(listings={"block": {"prohibited": -1}}), "whole number"),
    (local_report(listings={"block": {"prohibited": "2"}}), "whole number"),
    (local_report(searches=1, search_popups=3), "more search pop-ups"),
    (local_report(clicks=3), "unknown field"),
    (local_report(term_hits={"block": {"prohibited": {"<script>": 1}}}), "not a term id"),
    (local_report(term_hits={"block": {"banned": {"t-1": 1}}}), "unknown category"),
    (local_report(term_hits={"block": {"prohibited": {"t-1": -4}}}), "whole number"),
    (local_report(term_hits={"block": ["t-1"]}), "must be an object"),
    (local_report(campaign_popups={"pangolin-day": 4}), "more campaign pop-ups"),
    (local_report(campaign_popups={"": 1}), "not a term id or campaign slug"),
    ({"days": {"2026-11-01": [1, 2]}}, "days"),
    ({"library_version": "x"}, "days"),
])
def test_bad_usage_reports_are_refused_whole(keys: dict[str, str], report: dict[str, Any], words: str) -> None:
    good = post("/api/v1/usage", local_report(), keys["engineer"])
    assert good.status_code == 200
    before = (DailyCount.objects.count(), total(), UsageReport.objects.count())
    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    if "days" in report:  # a good day beside the bad one: the whole report is refused
        report = {**report, "days": {yesterday: local_report()["days"][today()], **report["days"]}}
    response = post("/api/v1/usage", report, keys["engineer"])
    error = error_of(response, 422)
    assert words in error["message"] + str(error["details"])
    assert (DailyCount.objects.count(), total(), UsageReport.objects.count()) == before  # all or nothing


def test_usage_needs_a_key_and_a_sane_period(keys: dict[str, str]) -> None:
    error_of(post("/api/v1/usage", local_report(), None), 401)
    error_of(post("/api/v1/usage", local_report(), "ww_nope_nope"), 401)
    error_of(get("/api/v1/usage", None), 401)
    error_of(get("/api/v1/usage?since=2026-11-10&until=2026-11-01", keys["engineer"]), 422, "invalid_period")
    error_of(get("/api/v1/usage?since=2020-01-01&until=2026-11-01", keys["engineer"]), 422, "invalid_period")
    error_of(get("/api/v1/usage?since=yesterday", keys["engineer"]), 422)


def test_a_platform_sees_only_its_own_counts(keys: dict[str, str]) -> None:
    other = accounts.create_organisation("rival", "Rival", "member")
    accounts.add_platform(other, "rival-shop", "Rival shop", "ecommerce")
    _, rival_key = accounts.create_api_key("rival")
    post("/api/v1/usage", local_report(), rival_key)
    assert get("/api/v1/usage", keys["engineer"]).json()["days"] == []
    assert get("/api/v1/usage", rival_key).json()["days"][0]["searches"] == 40


def test_the_usage_page_shows_members_their_own_and_the_coalition_everyone(role_users: dict[str, Any],
                                                                          password: str, keys: dict[str, str]
                                                                          ) -> None:
    accounts.create_api_key("t-market")
    _, market_key = accounts.create_api_key("t-market")
    post("/api/v1/usage", local_report(), market_key)  # the role users' member company
    post("/api/v1/usage", local_report(listings={"block": {"prohibited": 5}}), keys["engineer"])  # another

    def page(role: str) -> Any:
        client = Client()
        assert login(client, f"user-{role}", password)
        return client.get("/usage/")

    member = page("reviewer")
    assert member.status_code == 200
    assert [r["platform"] for r in member.context["platforms"]] == ["Shop"]
    assert member.context["platforms"][0]["organisation"] == "T-MARKET"
    assert member.context["platforms"][0]["local"] == 100
    analyst = page("analyst")
    assert sorted(r["organisation"] for r in analyst.context["platforms"]) == ["API Market", "T-MARKET"]
    for role in ("officer", "volunteer"):
        assert page(role).status_code == 403
    client = Client()
    login(client, "user-analyst", password)
    bad = client.get("/usage/?since=2026-11-10&until=2026-11-01")
    assert bad.status_code == 200 and "after" in bad.content.decode() and bad.context["platforms"] == []
