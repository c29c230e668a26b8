"""The progress report: headline numbers in the reader's language, the HTML and the PDF (its text read back with
pypdf), "since our last report" figures, and publication that freezes a report for good."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.test import Client
from login_helpers import login
from pypdf import PdfReader

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.metrics import publication
from wildwatch.hub.metrics.numbers import NNBSP, figure, headline
from wildwatch.hub.metrics.report_models import ProgressReport, ReportFrozen
from wildwatch.hub.usage.models import DailyCount


@pytest.mark.parametrize(("value", "fr", "en"), [
    (0, "0", "0"),
    (7, "7", "7"),
    (12.34, "12,3", "12.3"),
    (3050, f"3{NNBSP}050", "3,050"),
    (999_999, f"999{NNBSP}999", "999,999"),
    (1_000_000, "1 million", "1 million"),
    (1_500_000, "1,5 million", "1.5 million"),
    (2_000_000, "2 millions", "2 million"),
    (24_100_000, "24,1 millions", "24.1 million"),
    (24_149_999, "24,1 millions", "24.1 million"),
    (999_960_000, "1 milliard", "1 billion"),
    (11_000_000_000, "11 milliards", "11 billion"),
    (2_345_000_000_000, f"2{NNBSP}345 milliards", "2,345 billion"),
    (None, "—", "—"),
])
def test_headline_numbers(value: float | None, fr: str, en: str) -> None:
    assert headline(value, "fr") == fr
    assert headline(value, "en") == en
    assert headline(value, "fr-ca") == fr and headline(value, "de") == en


def test_figures_by_unit() -> None:
    assert figure(0.875, "share", "en") == "87.5%"
    assert figure(0.875, "share", "fr") == "87,5\u00a0%"
    assert figure(12.25, "hours", "fr") == "12,2\u00a0h" or figure(12.25, "hours", "fr") == "12,3\u00a0h"
    assert figure(None, "count", "fr") == "—"


def _listings(n: int, day: date) -> None:
    org = accounts.create_organisation("r-market", "Report Market", "member")
    platform = org.platforms.first() or accounts.add_platform(org, "r-shop", "Report Shop", "ecommerce", ["FR"])
    row, _ = DailyCount.objects.get_or_create(organisation=org, platform=platform, day=day, source="api",
                                              metric="listings", verdict="block", category="prohibited")
    DailyCount.objects.filter(pk=row.pk).update(count=n)


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _normal(text: str) -> str:
    return " ".join(text.replace(NNBSP, " ").replace("\u00a0", " ").split())


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "expected", "title"), [
    ("fr", "24,1 millions", "Rapport d’avancement de la coalition"),
    ("en", "24.1 million", "Coalition progress report"),
])
def test_the_pdf_has_the_headline_figures_in_the_readers_language(lang: str, expected: str, title: str) -> None:
    _listings(24_100_000, date(2026, 2, 10))
    frozen = publication.publish(date(2026, 1, 1), date(2026, 3, 31), lang, None)
    assert frozen.pdf[:5] == b"%PDF-"
    text = _normal(_text(bytes(frozen.pdf)))
    assert expected in text and title in text
    assert "/reports/new/" in text
    blocked = next(r for r in frozen.figures["rows"] if r["key"] == "blocked_at_posting")
    assert blocked["period"]["text"] == expected
    assert expected in frozen.html.replace("\u00a0", " ")


@pytest.mark.django_db
def test_since_our_last_report_and_cumulative_figures() -> None:
    accounts.create_organisation("r-market", "Report Market", "member").__class__.objects.filter(
        slug="r-market").update(joined_on=date(2025, 1, 1))
    _listings(3050, date(2025, 12, 5))
    first = publication.publish(date(2025, 10, 1), date(2025, 12, 31), "en", None)
    assert first.figures["since"] is None
    _listings(1000, date(2026, 2, 10))
    second = publication.publish(date(2026, 1, 1), date(2026, 3, 31), "en", None)
    assert second.figures["since"] == "2026-01-01"
    row = next(r for r in second.figures["rows"] if r["key"] == "blocked_at_posting")
    assert (row["period"]["text"], row["since_last"]["text"], row["cumulative"]["text"]) == ("1,000", "1,000",
                                                                                             "4,050")
    assert "since our last report" in second.html
    # the same period in French is not an "earlier report"
    french = publication.publish(date(2026, 1, 1), date(2026, 3, 31), "fr", None)
    assert french.figures["since"] == "2026-01-01"


@pytest.mark.django_db
def test_a_published_report_never_changes(role_users: dict[str, Any], password: str) -> None:
    _listings(3050, date(2026, 2, 10))
    client = Client()
    assert login(client, "user-analyst", password)
    response = client.post("/metrics/reports/new/", {"start": "2026-01-01", "end": "2026-03-31", "language": "fr"})
    frozen = ProgressReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/metrics/reports/{frozen.pk}/"
    assert frozen.published_by.username == "user-analyst"
    assert AuditEntry.objects.filter(action="metrics.report_publish", actor__username="user-analyst").exists()
    html, pdf = client.get(f"/metrics/reports/{frozen.pk}/"), client.get(f"/metrics/reports/{frozen.pk}/report.pdf")
    assert f"3{NNBSP}050" in html.content.decode() and pdf["Content-Type"] == "application/pdf"

    _listings(9_999_999, date(2026, 2, 10))  # the figures are corrected afterwards
    assert client.get(f"/metrics/reports/{frozen.pk}/").content == html.content
    assert client.get(f"/metrics/reports/{frozen.pk}/report.pdf").content == pdf.content
    again = ProgressReport.objects.get()
    assert again.figures == frozen.figures and bytes(again.pdf) == bytes(frozen.pdf)
    # and it cannot be changed or deleted
    with pytest.raises(ReportFrozen):
        again.save()
    with pytest.raises(ReportFrozen):
        ProgressReport.objects.filter(pk=again.pk).update(html="changed")
    with pytest.raises(ReportFrozen):
        again.delete()
    with pytest.raises(ReportFrozen):
        ProgressReport.objects.all().delete()
    # a new draft does show the corrected figure
    draft = client.get("/metrics/reports/new/", {"start": "2026-01-01", "end": "2026-03-31", "language": "en"})
    assert draft.status_code == 200 and "10 million" in draft.content.decode().replace("\u00a0", " ")
    draft_pdf = client.get("/metrics/reports/new/", {"start": "2026-01-01", "end": "2026-03-31", "language": "en",
                                                      "format": "pdf"})
    assert "10 million" in _normal(_text(draft_pdf.content))
    listing = client.get("/metrics/reports/")
    assert f"/metrics/reports/{frozen.pk}/report.pdf" in listing.content.decode()


@pytest.mark.django_db
def test_who_may_publish_and_read(role_users: dict[str, Any], password: str) -> None:
    frozen = publication.publish(date(2026, 1, 1), date(2026, 3, 31), "en", None)
    for role, publish, read in (("reviewer", 403, 200), ("officer", 403, 403), ("coalition_admin", 200, 200)):
        client = Client()
        assert login(client, f"user-{role}", password)
        assert client.get("/metrics/reports/new/").status_code == publish, role
        assert client.post("/metrics/reports/new/", {"start": "2026-01-01", "end": "2026-01-31",
                                                      "language": "en"}).status_code == (302 if publish == 200
                                                                                          else 403)
        assert client.get(f"/metrics/reports/{frozen.pk}/report.pdf").status_code == read, role
        assert client.get("/metrics/reports/").status_code == read, role


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "lead", "growth"), [
    ("en", ["Between March 2018 and September 2024:", "6.2 million listings, posts and accounts blocked or removed",
            "3 platforms from 2 member companies", "2 illegal listings reported by cyber spotters (1 confirmed",
            "120 platform staff trained"],
     "grown from 1 companies at its launch to 2 today"),
    ("fr", ["Entre mars 2018 et septembre 2024 :",
            "annonces, publications et comptes bloqués ou supprimés : 6,2 millions",
            "3 plateformes de 2 entreprises membres", "cyber-vigies : 2 (dont 1 confirmées",
            "employés de plateformes formés : 120"],
     "passée de 1 entreprises à son lancement à 2"),
])
def test_the_report_leads_with_the_coalitions_key_figures(lang: str, lead: list[str], growth: str) -> None:
    """The model report's opening: blocked or removed (attested by one member, computed for the other), platforms
    and companies, cyber-spotter reports, staff trained; then membership growth and the member highlights."""
    from datetime import UTC, datetime

    from wildwatch.hub.accounts.models import Organisation
    from wildwatch.hub.metrics import attestations
    from wildwatch.hub.reports.models import Case, Decision, Report

    big = accounts.create_organisation("r-big", "Big Market", "member")
    small = accounts.create_organisation("r-small", "Small Social", "member")
    Organisation.objects.filter(pk=big.pk).update(joined_on=date(2018, 3, 1))
    Organisation.objects.filter(pk=small.pk).update(joined_on=date(2020, 5, 1))
    shop = accounts.add_platform(big, "r-big-shop", "Big Shop", "ecommerce", ["FR"])
    accounts.add_platform(big, "r-big-search", "Big Search", "search", ["FR"])
    social = accounts.add_platform(small, "r-small-social", "Small", "social", ["KE"])
    admin = accounts.add_member(big, "r-admin", "member_admin")
    analyst = accounts.add_member(accounts.create_organisation("r-ngo", "NGO", "ngo"), "r-analyst", "analyst")
    draft = attestations.create(big, date(2019, 1, 1), date(2019, 12, 31),
                                {"listings_removed": 2_000_000, "blocked_at_posting": 4_200_000,
                                 "staff_trained": 120}, actor=admin)
    attestations.review(attestations.submit(draft, actor=admin), accept=True, actor=analyst)
    for n, (platform, action) in enumerate(((social, "removed_post"), (social, "no_violation"), (shop, None))):
        c = Case.objects.create(canonical_url=f"https://x.example/{n}", url=f"https://x.example/{n}",
                                host="x.example", platform=platform)
        when = datetime(2021, 6, 1 + n, 12, tzinfo=UTC)
        if action:
            Report.objects.filter(pk=Report.objects.create(case=c, kind="volunteer", url=c.url).pk).update(
                created_at=when)
            Decision.objects.filter(pk=Decision.objects.create(case=c, category="prohibited", action=action).pk
                                    ).update(created_at=when)

    frozen = publication.publish(date(2018, 3, 1), date(2024, 9, 30), lang, None)
    text = _normal(_text(bytes(frozen.pdf)))
    for part in lead:
        assert part in text, part
    assert growth in text
    assert frozen.figures["period"]["blocked_or_removed"]["value"] == 6_200_001  # 6.2 M attested + 1 post computed
    assert frozen.figures["period"]["blocked_or_removed"]["source"] == "both"
    assert [h["name"] for h in frozen.figures["highlights"]] == ["Big Market", "Small Social"]
    assert frozen.figures["step"] == "year"
    assert dict(frozen.figures["series"]["blocked_at_posting"])["2019-01-01"] == 4_200_000  # attested, by year
