"""The analyst dashboard: charts and tables, filters, trends, the member restriction and the audited CSV exports."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.test import Client
from login_helpers import login

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.library.models import Taxon, Term
from wildwatch.hub.metrics import dashboard
from wildwatch.hub.usage.models import DailyCount

pytestmark = pytest.mark.django_db


URL = "/metrics/dashboard/"
CSV = "/metrics/dashboard/export.csv"
PERIOD = {"start": "2026-01-01", "end": "2026-03-31"}


def _count(platform: Any, day: date, n: int, *, metric: str = "listings", verdict: str = "block",
           category: str = "prohibited", term_id: str = "") -> None:
    DailyCount.objects.create(organisation=platform.organisation, platform=platform, day=day, source="api",
                              metric=metric, verdict=verdict, category=category, term_id=term_id, count=n)


@pytest.fixture
def trade(role_users: dict[str, Any]) -> dict[str, Any]:
    """Two member companies: t-market (the role users' own, ecommerce in FR) and rival (social, in KE)."""
    own = accounts.create_organisation("t-market", "T-MARKET", "member").platforms.get()
    rival_org = accounts.create_organisation("rival", "Rival Social", "member")
    rival = accounts.add_platform(rival_org, "rival-app", "Rival App", "social", ["KE"])
    taxon = Taxon.objects.create(taxon_id="pholidota", scientific_name="Pholidota", group="Pangolins",
                                 category="prohibited")
    Term.objects.create(term_id="t-scales", term="pangolin scales", lang="en", kind="product", taxon=taxon)
    Term.objects.create(term_id="t-evil", term="=HYPERLINK(\"http://x\")", lang="en", kind="cover")
    for month, n in ((1, 5), (2, 7), (3, 11)):
        _count(own, date(2026, month, 3), n)
        _count(own, date(2026, month, 3), n, metric="term_hits", term_id="t-scales")
        _count(rival, date(2026, month, 9), 100 * n, category="restricted", verdict="review")
        _count(rival, date(2026, month, 9), 100 * n, metric="term_hits", term_id="t-evil", category="restricted")
    _count(rival, date(2026, 2, 9), 999, verdict="allow", category="allowed")  # allowed: never a flagged listing
    return {"own": own, "rival": rival, "rival_org": rival_org}


def _client(role: str, password: str) -> Client:
    client = Client()
    assert login(client, f"user-{role}", password)
    return client


def _trend_rows(response: Any) -> dict[str, list[float]]:
    return {label: [s for _, s in points] for label, points in response.context["tables"]["trend"]["series"].items()}


def test_analyst_sees_charts_and_tables_of_every_member(trade: dict[str, Any], password: str) -> None:
    response = _client("analyst", password).get(URL, {**PERIOD, "trend": "category"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") == 2 and 'id="trend-chart"' in html and 'role="img"' in html
    assert 'id="dashboard-figures"' in html and 'id="dashboard-trend"' in html
    assert _trend_rows(response) == {"restricted": [500, 700, 1100], "prohibited": [5, 7, 11]}
    assert "restricted" in html.split('id="trend-chart"')[1].split("</svg>")[0]  # the legend is text in the SVG


def test_filters_narrow_the_charts_and_tables(trade: dict[str, Any], password: str) -> None:
    client = _client("analyst", password)
    by_member = client.get(URL, {**PERIOD, "organisation": trade["rival_org"].pk})
    assert _trend_rows(by_member) == {"restricted": [500, 700, 1100]}
    by_type = client.get(URL, {**PERIOD, "platform_type": "ecommerce", "trend": "platform_type"})
    assert _trend_rows(by_type) == {"E-commerce": [5, 7, 11]}
    by_region = client.get(URL, {**PERIOD, "region": "KE", "trend": "region"})
    assert _trend_rows(by_region) == {"KE": [500, 700, 1100]}
    yearly = client.get(URL, {**PERIOD, "step": "year", "trend": "group"})
    assert _trend_rows(yearly) == {"Unknown group": [2300], "Pangolins": [23]}
    assert "Pangolins" in yearly.content.decode()
    bad = client.get(URL, {"start": "2026-03-01", "end": "2026-01-01"})
    assert bad.status_code == 200 and "tables" not in bad.context


def test_a_member_sees_only_its_own_company(trade: dict[str, Any], password: str) -> None:
    client = _client("reviewer", password)
    response = client.get(URL, {**PERIOD, "trend": "term"})
    assert response.status_code == 200
    assert _trend_rows(response) == {"pangolin scales": [5, 7, 11]}
    html = response.content.decode()
    assert "Rival" not in html and "HYPERLINK" not in html
    # another company cannot be chosen: the form refuses it, and nothing is shown
    other = client.get(URL, {**PERIOD, "organisation": trade["rival_org"].pk})
    assert "tables" not in other.context and "Rival" not in other.content.decode()
    exported = client.get(CSV, {**PERIOD, "trend": "category", "table": "trend"})
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert [r[0] for r in rows[1:]] == ["prohibited"]


def test_csv_export_is_audited_and_neutralises_formulas(trade: dict[str, Any], password: str) -> None:
    response = _client("analyst", password).get(CSV, {**PERIOD, "trend": "term", "table": "trend"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Term", "2026-01", "2026-02", "2026-03", "Total"]
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", "500.0", "700.0", "1100.0", "2300.0"]
    entry = AuditEntry.objects.get(action="metrics.export_csv")
    assert entry.actor.username == "user-analyst" and entry.target == "trend"
    assert entry.details["rows"] == 2 and entry.details["own_only"] is False
    figures = _client("analyst", password).get(CSV, {**PERIOD, "table": "figures"})
    header, *body = list(csv.reader(io.StringIO(figures.content.decode())))
    assert header == ["Indicator", "Value", "Source", "Detail"] and len(body) >= 10
    assert _client("analyst", password).get(CSV, {**PERIOD, "table": "secrets"}).status_code == 400


@pytest.mark.parametrize("role", ["officer", "volunteer"])
def test_other_roles_may_not_see_or_export(role: str, role_users: dict[str, Any], password: str) -> None:
    client = _client(role, password)
    assert client.get(URL).status_code == 403
    assert client.get(CSV, {"table": "figures"}).status_code == 403
    assert not AuditEntry.objects.filter(action="metrics.export_csv").exists()
    anonymous = Client().get(CSV, {"table": "figures"})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+33 6", "'+33 6"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("ivory", "ivory"), (-2, -2), (3.5, 3.5), ("", "")])
def test_neutralised(value: Any, expected: Any) -> None:
    assert dashboard.neutralised(value) == expected


def test_french_dashboard(trade: dict[str, Any], password: str) -> None:
    client = _client("analyst", password)
    response = client.get(URL, PERIOD, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert "Tableau de bord" in response.content.decode()


def test_library_release_in_use_and_policy_by_member(trade: dict[str, Any], role_users: dict[str, Any],
                                                      password: str) -> None:
    """The release a company downloaded last is the evidence of the one in use; integration can be attested;
    a member sees its own row only; the table exports as CSV."""
    from datetime import UTC, datetime

    from wildwatch.hub.library.models import Download, Release
    from wildwatch.hub.metrics import attestations, policy

    own_org = trade["own"].organisation
    releases = [Release.objects.create(number=n, library_version=str(n), content_digest=f"d{n}", bundle=b"",
                                       signature="s", term_snapshot={}) for n in (1, 2)]
    for release, when in ((releases[0], datetime(2026, 1, 5, tzinfo=UTC)), (releases[1], datetime(2026, 4, 2,
                                                                                                      tzinfo=UTC))):
        d = Download.objects.create(release=release, organisation=own_org, etag="e")
        Download.objects.filter(pk=d.pk).update(created_at=when)  # release 2 comes after the period
    admin = accounts.add_member(trade["rival_org"], "rival-admin", "member_admin")
    draft = attestations.create(trade["rival_org"], date(2026, 1, 1), date(2026, 3, 31), {"library_integrated": 1},
                                actor=admin)
    attestations.review(attestations.submit(draft, actor=admin), accept=True, actor=role_users["analyst"])
    model = policy.publish({"categories_en": "Prohibited: ...", "categories_fr": "Interdit : ..."},
                           published_on=date(2025, 1, 1))
    adoption = policy.record_adoption(trade["rival"], model, "https://rival.example/policy", date(2026, 1, 2))
    policy.confirm_adoption(adoption, actor=role_users["analyst"])
    type(adoption).objects.filter(pk=adoption.pk).update(confirmed_at=datetime(2026, 1, 9, tzinfo=UTC))

    response = _client("analyst", password).get(URL, PERIOD)
    rows = {r[0]: r[1:] for r in response.context["tables"]["members"]["rows"]}
    assert rows["T-MARKET"] == [1, "2026-01-05", None, "0 / 1"]  # release 1 in use on 31 March
    assert rows["Rival Social"] == [None, None, True, "1 / 1"]  # no download, integration attested
    html = response.content.decode()
    assert 'id="dashboard-members"' in html and "yes" in html.split('id="dashboard-members"')[1]
    later = _client("analyst", password).get(URL, {"start": "2026-01-01", "end": "2026-04-30"})
    assert {r[0]: r[1] for r in later.context["tables"]["members"]["rows"]}["T-MARKET"] == 2

    member = _client("reviewer", password).get(URL, PERIOD)
    assert [r[0] for r in member.context["tables"]["members"]["rows"]] == ["T-MARKET"]
    exported = _client("reviewer", password).get(CSV, {**PERIOD, "table": "members"})
    header, *body = list(csv.reader(io.StringIO(exported.content.decode())))
    assert header[1] == "Keyword library release in use" and body == [["T-MARKET", "1", "2026-01-05", "", "0 / 1"]]
    assert AuditEntry.objects.filter(action="metrics.export_csv", target="members").exists()
