"""The indicators, against hand-computed fixtures: periods in UTC days, scopes, attested figures kept apart."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import Organisation, Platform
from wildwatch.hub.library.models import Download, Release
from wildwatch.hub.metrics import attestations, indicators
from wildwatch.hub.metrics.indicators import ALL, NOTHING, Scope
from wildwatch.hub.reports.models import Case, Decision, Report
from wildwatch.hub.usage.models import DailyCount

pytestmark = pytest.mark.django_db

MARCH = (date(2024, 3, 1), date(2024, 3, 31))


def at(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    a = accounts.create_organisation("m-a", "Market A", "member")
    b = accounts.create_organisation("m-b", "Social B", "member")
    ngo = accounts.create_organisation("m-ngo", "NGO", "ngo")
    Organisation.objects.filter(pk=a.pk).update(joined_on=date(2018, 3, 1))
    Organisation.objects.filter(pk=b.pk).update(joined_on=date(2019, 6, 15))
    Organisation.objects.filter(pk=ngo.pk).update(joined_on=date(2018, 3, 1))
    pa = accounts.add_platform(a, "m-a-shop", "Shop A", "ecommerce", ["FR"])
    pb = accounts.add_platform(b, "m-b-social", "Social B", "social", ["KE"])
    return {"a": a, "b": b, "ngo": ngo, "pa": pa, "pb": pb,
            "admin_a": accounts.add_member(a, "admin-a", "member_admin"),
            "admin_b": accounts.add_member(b, "admin-b", "member_admin"),
            "analyst": accounts.add_member(ngo, "analyst", "analyst")}


_n = iter(range(10**6))


def case(platform: Platform | None, **fields: Any) -> Case:
    n = next(_n)
    return Case.objects.create(canonical_url=f"https://x.example/{n}", url=f"https://x.example/{n}",
                               host="x.example", platform=platform, **fields)


def decide(c: Case, action: str, when: datetime, *, reopened: bool = False) -> Decision:
    d = Decision.objects.create(case=c, category="prohibited", action=action,
                                reopened_at=when + timedelta(hours=1) if reopened else None)
    Decision.objects.filter(pk=d.pk).update(created_at=when)
    return d


def report(c: Case, kind: str, when: datetime) -> Report:
    r = Report.objects.create(case=c, kind=kind, url=c.url)
    Report.objects.filter(pk=r.pk).update(created_at=when)
    return r


def api_decision(platform: Platform, verdict: str, when: datetime) -> None:
    entry = accounts.audit("decision.record", organisation=platform.organisation, target="item",
                           platform=platform.slug, verdict_taken=verdict, policy="prohibited")
    # back-dated before it is sealed into the audit chain: the application refuses updates, the fixture goes around
    models.QuerySet.update(type(entry).objects.filter(pk=entry.pk, seq__isnull=True), created_at=when)


def value(key: str, start: date, end: date, scope: Scope = ALL) -> float | None:
    return indicators.compute(start, end, scope)[key].value


def test_a_decision_on_the_last_day_is_in_the_next_day_out(world: dict[str, Any]) -> None:
    decide(case(world["pa"]), "removed_listing", at(2024, 3, 31, 23, 59))
    decide(case(world["pa"]), "removed_listing", at(2024, 4, 1, 0, 0))
    decide(case(world["pa"]), "removed_listing", at(2024, 3, 1, 0, 0))
    decide(case(world["pa"]), "removed_listing", at(2024, 2, 29, 23, 59))
    assert value("listings_removed", *MARCH) == 2
    assert value("listings_removed", date(2024, 4, 1), date(2024, 4, 1)) == 1
    assert value("listings_removed", date(2024, 2, 1), date(2024, 4, 30)) == 4


def test_days_are_utc_days(world: dict[str, Any]) -> None:
    """23:30 UTC on 31 March is already 1 April in Paris and Nairobi: it still counts in March."""
    when = at(2024, 3, 31, 23, 30)
    assert when.astimezone(ZoneInfo("Europe/Paris")).date() == date(2024, 4, 1)
    decide(case(world["pa"]), "removed_account", when)
    # a time saved while the local time zone is active is stored as the same instant
    with timezone.override(ZoneInfo("Africa/Nairobi")):
        decide(case(world["pb"]), "removed_account", timezone.make_aware(datetime(2024, 4, 1, 2, 30)))
        assert value("accounts_removed", *MARCH) == 2
    assert value("accounts_removed", date(2024, 4, 1), date(2024, 4, 30)) == 0


def test_removals_count_review_and_api_decisions_not_reopened(world: dict[str, Any]) -> None:
    decide(case(world["pa"]), "removed_listing", at(2024, 3, 5))
    decide(case(world["pa"]), "removed_listing", at(2024, 3, 6), reopened=True)
    decide(case(world["pa"]), "no_violation", at(2024, 3, 7))
    decide(case(world["pb"]), "removed_post", at(2024, 3, 7))
    decide(case(world["pb"]), "removed_group", at(2024, 3, 8))
    api_decision(world["pa"], "removed_listing", at(2024, 3, 9))
    api_decision(world["pb"], "removed_post", at(2024, 3, 9))
    api_decision(world["pb"], "no_violation", at(2024, 3, 9))
    api_decision(world["pb"], "removed_post", at(2024, 4, 9))
    figures = indicators.compute(*MARCH)
    assert figures["listings_removed"].value == 2
    assert figures["posts_removed"].value == 2
    assert figures["groups_removed"].value == 1
    assert figures["accounts_removed"].value == 0
    only_a = Scope(organisation_ids=frozenset({world["a"].pk}))
    assert value("listings_removed", *MARCH, only_a) == 2
    assert value("posts_removed", *MARCH, only_a) == 0
    assert value("posts_removed", *MARCH, Scope(platform_type="social")) == 2
    assert value("listings_removed", *MARCH, Scope(region="ke")) == 0
    assert value("posts_removed", *MARCH, Scope(region="KE")) == 2


def test_daily_counts(world: dict[str, Any]) -> None:
    def count(platform: Platform, day: date, metric: str, verdict: str, n: int) -> None:
        DailyCount.objects.create(organisation=platform.organisation, platform=platform, day=day, source="api",
                                  metric=metric, verdict=verdict, count=n)

    count(world["pa"], date(2024, 3, 31), "listings", "block", 5)
    count(world["pa"], date(2024, 4, 1), "listings", "block", 7)
    count(world["pa"], date(2024, 3, 2), "listings", "allow", 100)
    count(world["pb"], date(2024, 3, 2), "listings", "block", 3)
    count(world["pb"], date(2024, 3, 2), "search_popups", "", 11)
    assert value("blocked_at_posting", *MARCH) == 8
    assert value("blocked_at_posting", *MARCH, Scope(platform_ids=frozenset({world["pa"].pk}))) == 5
    assert value("search_popups", *MARCH) == 11


def test_reports_and_their_confirmation(world: dict[str, Any]) -> None:
    removed, cleared, reopened, undecided = (case(world["pa"]) for _ in range(4))
    decide(removed, "removed_listing", at(2024, 3, 20))
    decide(cleared, "no_violation", at(2024, 3, 20))
    decide(reopened, "removed_listing", at(2024, 3, 20), reopened=True)
    for c in (removed, cleared, reopened, undecided):
        report(c, "volunteer", at(2024, 3, 10))
    report(removed, "public", at(2024, 3, 10))
    report(cleared, "public", at(2024, 3, 10))
    report(removed, "public", at(2024, 4, 1, 0, 1))
    report(removed, "forwarded", at(2024, 3, 31, 23, 59))
    figures = indicators.compute(*MARCH)
    assert figures["volunteer_reports"].value == 4
    assert figures["volunteer_reports_confirmed"].value == 1
    assert figures["public_reports"].value == 2
    assert figures["public_reports_confirmed"].value == 1
    assert figures["forwarded_reports"].value == 1


def test_hours_to_action_and_sla(world: dict[str, Any]) -> None:
    for hours, due in ((2, 24), (10, 24), (30, 24), (50, None)):
        referred = at(2024, 3, 3, 0)
        case(world["pa"], referred_at=referred, decided_at=referred + timedelta(hours=hours),
             due_at=referred + timedelta(hours=due) if due else None, status="decided")
    case(world["pa"], referred_at=at(2024, 3, 31), decided_at=at(2024, 4, 2), status="decided")  # April
    figures = indicators.compute(*MARCH)
    assert figures["median_hours_to_action"].value == 20.0  # median of 2, 10, 30, 50
    assert figures["sla_compliance"].value == round(2 / 3, 4)  # 2 of the 3 with a due time
    assert value("median_hours_to_action", *MARCH, Scope(platform_type="social")) is None


def test_library_and_keywords(world: dict[str, Any]) -> None:
    r1 = Release.objects.create(number=1, library_version="1", content_digest="d1", bundle=b"", signature="s",
                                term_snapshot={"t1": "h", "t2": "h"})
    r2 = Release.objects.create(number=2, library_version="2", content_digest="d2", bundle=b"", signature="s",
                                term_snapshot={"t1": "h", "t2": "h", "t3": "h"})
    for release, org, when in ((r1, world["a"], at(2024, 3, 1)), (r2, world["a"], at(2024, 4, 1)),
                               (r1, world["b"], at(2024, 3, 31, 23, 59)), (r2, world["ngo"], at(2024, 3, 2))):
        d = Download.objects.create(release=release, organisation=org, etag="e")
        Download.objects.filter(pk=d.pk).update(created_at=when)
    from wildwatch.hub.metrics.computations import library_releases

    assert library_releases(date(2024, 3, 31)) == {world["a"].pk: 1, world["b"].pk: 1}
    assert library_releases(date(2024, 4, 30)) == {world["a"].pk: 2, world["b"].pk: 1}
    assert value("library_integrated", *MARCH) == 2
    assert value("library_integrated", date(2024, 1, 1), date(2024, 2, 29)) == 0
    today = timezone.now().date()
    assert value("keywords_shared", today, today) == 3


def test_staff_trained_from_training_sessions(world: dict[str, Any]) -> None:
    try:
        session = apps.get_model("plans", "TrainingSession")
    except LookupError:
        pytest.skip("the plans app has no training sessions yet")
    session.objects.create(organisation=world["a"], trainer=world["ngo"], date=date(2024, 3, 31), topic="x",
                           staff_trained=12)
    session.objects.create(organisation=world["b"], trainer=world["ngo"], date=date(2024, 4, 1), topic="x",
                           staff_trained=5)
    assert value("staff_trained", *MARCH) == 12
    assert value("staff_trained", *MARCH, Scope(organisation_ids=frozenset({world["b"].pk}))) == 0


def _accepted(world: dict[str, Any], figures: dict[str, Any], start: date, end: date, org: str = "a",
              platform: Platform | None = None) -> Any:
    a = attestations.create(world[org], start, end, figures, platform=platform, actor=world[f"admin_{org}"])
    attestations.submit(a, actor=world[f"admin_{org}"])
    return attestations.review(a, accept=True, actor=world["analyst"])


def test_attested_figures_are_kept_apart_from_computed(world: dict[str, Any]) -> None:
    decide(case(world["pa"]), "removed_listing", at(2024, 3, 5))
    _accepted(world, {"listings_removed": 100, "redirects": 7, "user_accounts": 5000}, *MARCH)
    _accepted(world, {"user_accounts": 800}, *MARCH, org="b")
    draft = attestations.create(world["a"], *MARCH, {"redirects": 1000}, actor=world["admin_a"])
    attestations.submit(draft, actor=world["admin_a"])  # submitted, not accepted: does not count
    figures = indicators.compute(*MARCH)
    # both computed and attested: the attested figure (it covers the platform's own actions), the hub's beside it
    assert figures["listings_removed"] == indicators.Figure("listings_removed", 100.0, "attested",
                                                            "computed from the hub's records: 1")
    assert indicators.compute(date(2024, 3, 5), date(2024, 3, 5))["listings_removed"] == indicators.Figure(
        "listings_removed", 1.0, "computed", "")  # no attestation inside that period: the hub's own count
    assert figures["redirects"].value == 7 and figures["redirects"].source == "attested"
    assert figures["user_accounts"].value == 5800
    alone = indicators.attested(*MARCH)
    assert alone["listings_removed"].value == 100 and alone["listings_removed"].source == "attested"
    # an attestation of a longer period does not fall inside the period
    assert "redirects" not in indicators.attested(date(2024, 3, 1), date(2024, 3, 30))
    assert indicators.compute_one("redirects", *MARCH) == 7


def test_a_correction_replaces_the_accepted_figures_once_accepted(world: dict[str, Any]) -> None:
    first = _accepted(world, {"redirects": 7}, *MARCH)
    correction = attestations.correct(first, actor=world["admin_a"])
    attestations.edit(correction, {"redirects": 9}, actor=world["admin_a"])
    assert value("redirects", *MARCH) == 7  # the correction is a draft
    attestations.submit(correction, actor=world["admin_a"])
    attestations.review(correction, accept=True, actor=world["analyst"])
    assert value("redirects", *MARCH) == 9


def test_series_by_month_and_cumulative(world: dict[str, Any]) -> None:
    decide(case(world["pa"]), "removed_listing", at(2024, 1, 20))
    decide(case(world["pa"]), "removed_listing", at(2024, 1, 10))  # before the start: out
    decide(case(world["pa"]), "removed_listing", at(2024, 3, 3))
    decide(case(world["pa"]), "removed_listing", at(2024, 3, 4))  # after the end: out
    start, end = date(2024, 1, 15), date(2024, 3, 3)
    assert indicators.series("listings_removed", start, end) == [
        (date(2024, 1, 1), 1.0), (date(2024, 2, 1), 0.0), (date(2024, 3, 1), 1.0)]
    assert indicators.series("listings_removed", start, end, cumulative=True) == [
        (date(2024, 1, 1), 1.0), (date(2024, 2, 1), 1.0), (date(2024, 3, 1), 2.0)]
    assert indicators.series("listings_removed", date(2023, 6, 1), end, step="year") == [
        (date(2023, 1, 1), 0.0), (date(2024, 1, 1), 3.0)]


def test_membership_grows_by_join_date(world: dict[str, Any]) -> None:
    late = accounts.create_organisation("m-c", "Late", "member")
    Organisation.objects.filter(pk=late.pk).update(joined_on=date(2019, 6, 15))
    accounts.create_organisation("m-d", "Not recorded", "member")
    assert indicators.membership(date(2030, 1, 1)) == [(date(2018, 3, 1), 1), (date(2019, 6, 15), 3)]
    assert indicators.membership(date(2019, 6, 14)) == [(date(2018, 3, 1), 1)]
    assert indicators.coalition_start() == date(2018, 3, 1)


def test_coalition_totals_run_from_the_start(world: dict[str, Any]) -> None:
    decide(case(world["pa"]), "removed_listing", at(2018, 3, 1, 0, 5))
    decide(case(world["pb"]), "removed_listing", at(2018, 2, 28))
    decide(case(None), "removed_listing", at(2020, 1, 1))  # a case outside the members still counts coalition-wide
    assert indicators.coalition_totals(date(2024, 1, 1))["listings_removed"].value == 2
    assert indicators.coalition_totals(date(2024, 1, 1), since=date(2019, 1, 1))["listings_removed"].value == 1


def test_visible_scope_keeps_members_apart(world: dict[str, Any]) -> None:
    decide(case(world["pa"]), "removed_listing", at(2024, 3, 5))
    decide(case(world["pb"]), "removed_listing", at(2024, 3, 5))
    decide(case(world["pb"]), "removed_listing", at(2024, 3, 6))
    _accepted(world, {"redirects": 5}, *MARCH, org="b")
    scope_a = indicators.visible_scope(world["admin_a"])
    assert scope_a == Scope(organisation_ids=frozenset({world["a"].pk}))
    assert value("listings_removed", *MARCH, scope_a) == 1
    assert value("redirects", *MARCH, scope_a) is None
    assert value("listings_removed", *MARCH, indicators.visible_scope(world["admin_b"])) == 2
    assert indicators.visible_scope(world["analyst"]) == ALL
    officer = accounts.add_member(accounts.create_organisation("m-pol", "Police", "agency"), "officer", "officer")
    assert indicators.visible_scope(officer) == NOTHING
    nothing = indicators.compute(*MARCH, NOTHING)
    assert {f.value for f in nothing.values()} <= {0.0, None}


def test_attested_figures_follow_the_scope(world: dict[str, Any]) -> None:
    _accepted(world, {"redirects": 3}, *MARCH, platform=world["pa"])
    _accepted(world, {"redirects": 4}, *MARCH)  # the whole company A
    _accepted(world, {"redirects": 10}, *MARCH, org="b", platform=world["pb"])
    assert value("redirects", *MARCH) == 17
    assert value("redirects", *MARCH, Scope(organisation_ids=frozenset({world["a"].pk}))) == 7
    assert value("redirects", *MARCH, Scope(platform_type="social")) == 10
    assert value("redirects", *MARCH, Scope(region="FR")) == 7  # company A has a platform in France
    assert value("redirects", *MARCH, Scope(platform_ids=frozenset({world["pb"].pk}))) == 10
    # stock: each owner's latest level in the period, summed
    _accepted(world, {"user_accounts": 100}, date(2024, 3, 1), date(2024, 3, 15))
    _accepted(world, {"user_accounts": 120}, date(2024, 3, 16), date(2024, 3, 31))
    assert value("user_accounts", *MARCH) == 120
    assert indicators.series("user_accounts", date(2024, 3, 1), date(2024, 4, 30), cumulative=True) == [
        (date(2024, 3, 1), 120.0), (date(2024, 4, 1), 120.0)]  # the level stays


def test_both_sourced_figures_merge_member_by_member(world: dict[str, Any]) -> None:
    """A member that attests counts with its own figure; the others keep the hub's computed count."""
    decide(case(world["pa"]), "removed_listing", at(2024, 3, 2))  # A's, inside its attested 100
    for day in (3, 4, 5):
        decide(case(world["pb"]), "removed_listing", at(2024, 3, day))  # B attests nothing
    _accepted(world, {"listings_removed": 100}, *MARCH)
    figure = indicators.compute(*MARCH)["listings_removed"]
    assert figure == indicators.Figure("listings_removed", 103.0, "both",
                                       "attested: 100; computed for the others: 3")
    assert indicators.compute_one("listings_removed", *MARCH) == 103
    only_a = Scope(organisation_ids=frozenset({world["a"].pk}))
    only_b = Scope(organisation_ids=frozenset({world["b"].pk}))
    assert indicators.compute(*MARCH, only_a)["listings_removed"] == indicators.Figure(
        "listings_removed", 100.0, "attested", "computed from the hub's records: 1")
    assert indicators.compute(*MARCH, only_b)["listings_removed"] == indicators.Figure(
        "listings_removed", 3.0, "computed", "")
    # a platform's own attestation covers that platform only
    _accepted(world, {"listings_removed": 40}, *MARCH, org="b", platform=world["pb"])
    assert value("listings_removed", *MARCH) == 140
    assert indicators.compute(*MARCH)["listings_removed"].source == "attested"


def test_the_headline_total_adds_up_its_parts(world: dict[str, Any]) -> None:
    decide(case(world["pb"]), "removed_post", at(2024, 3, 3))
    decide(case(world["pb"]), "removed_account", at(2024, 3, 3))
    DailyCount.objects.create(organisation=world["a"], platform=world["pa"], day=date(2024, 3, 9), source="api",
                              metric="listings", verdict="block", count=25)
    _accepted(world, {"listings_removed": 1000, "blocked_at_posting": 5000}, *MARCH)
    figures = indicators.compute(*MARCH)
    # A: 1,000 removed + 5,000 blocked attested (the 25 computed blocks are A's own, inside them); B: 2 computed
    assert figures["blocked_or_removed"].value == 6002
    assert figures["blocked_or_removed"].source == "both"
    assert indicators.compute_one("blocked_or_removed", *MARCH) == 6002
    assert "blocked_or_removed" not in indicators.ATTESTED_KEYS  # a total is never attested on its own
    assert value("blocked_or_removed", *MARCH, Scope(organisation_ids=frozenset({world["b"].pk}))) == 2
    assert indicators.compute(*MARCH, Scope(organisation_ids=frozenset({world["b"].pk})))[
        "blocked_or_removed"].source == "computed"


def test_yearly_series_carry_attested_figures(world: dict[str, Any]) -> None:
    _accepted(world, {"blocked_at_posting": 700}, date(2023, 1, 1), date(2023, 12, 31))
    _accepted(world, {"blocked_at_posting": 900}, date(2024, 1, 1), date(2024, 6, 30))
    assert indicators.series("blocked_at_posting", date(2023, 1, 1), date(2024, 12, 31), step="year") == [
        (date(2023, 1, 1), 700.0), (date(2024, 1, 1), 900.0)]
    assert indicators.series("blocked_or_removed", date(2023, 1, 1), date(2024, 12, 31), step="year",
                             cumulative=True) == [(date(2023, 1, 1), 700.0), (date(2024, 1, 1), 1600.0)]
    # by month, a year's attestation lies within no month: the months show what the hub counted (nothing here)
    assert {v for _, v in indicators.series("blocked_at_posting", date(2023, 1, 1), date(2023, 12, 31))} == {0.0}


def test_library_use_is_computed_from_downloads_or_attested(world: dict[str, Any]) -> None:
    release = Release.objects.create(number=1, library_version="1", content_digest="d1", bundle=b"", signature="s",
                                     term_snapshot={})
    d = Download.objects.create(release=release, organisation=world["b"], etag="e")
    Download.objects.filter(pk=d.pk).update(created_at=at(2024, 3, 2))
    _accepted(world, {"library_integrated": 1}, *MARCH)  # A filters with the library, downloaded elsewhere
    figure = indicators.compute(*MARCH)["library_integrated"]
    assert figure.value == 2 and figure.source == "both"
