"""The officers' pages: holds registered and seen only by their agency, the referred cases of their jurisdiction
(by platform country or the seller's stated location) by severity with their evidence, the CSV export,
subscriptions and notifications. Every access is audited."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from login_helpers import login as sign_in

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.enforcement import services
from wildwatch.hub.enforcement.models import Hold, HoldKind, Notification, Subscription
from wildwatch.hub.library.models import Taxon
from wildwatch.hub.reports import services as reports
from wildwatch.hub.reports.models import Case, CaseStatus

pytestmark = pytest.mark.django_db
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def world(db: Any, role_users: dict[str, Any], password: str, settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path
    vn_market = accounts.create_organisation("v-market", "V Market", "member")
    vn_shop = accounts.add_platform(vn_market, "v-shop", "V Shop", "ecommerce", ["VN"], domains=["vshop.example"])
    fr_market = accounts.create_organisation("f-market", "F Market", "member")
    fr_shop = accounts.add_platform(fr_market, "f-shop", "F Shop", "ecommerce", ["FR"], domains=["fshop.example"])
    agency = accounts.create_organisation("v-police", "Vietnam Wildlife Police", "agency", country="VN")
    officer = accounts.add_member(agency, "v-officer", "officer", password=password, email="v@police.example")
    other = accounts.create_organisation("x-police", "Other Police", "agency", country="FR")
    other_officer = accounts.add_member(other, "x-officer", "officer", password=password)
    pangolin = Taxon.objects.create(taxon_id="manis-javanica", scientific_name="Manis javanica",
                                    category="prohibited", cites_appendix="I")
    return {"vn_shop": vn_shop, "fr_shop": fr_shop, "agency": agency, "officer": officer, "other": other,
            "other_officer": other_officer, "pangolin": pangolin, "analyst": role_users["analyst"]}


def login(user: Any, password: str = "correct-horse-battery-9") -> Client:
    client = Client()
    assert sign_in(client, user.username, password)
    return client


def referred(url: str, analyst: Any, *, severity: int = 10, status: str = "", **facts: Any) -> Case:
    case = reports.accept(reports.file_report("public", url, **facts).case, analyst)
    Case.objects.filter(pk=case.pk).update(severity=severity, **({"status": status} if status else {}))
    case.refresh_from_db()
    return case


def test_an_officer_registers_a_hold_that_only_their_agency_sees(world: dict[str, Any]) -> None:
    client = login(world["officer"])
    until = timezone.localdate() + timedelta(days=60)
    response = client.post(reverse("enforcement:hold_new"), {
        "kind": HoldKind.REMOVE_AND_PRESERVE, "case_reference": "VN-OP-88", "until": until.isoformat(),
        "url": "https://vshop.example/item/3?utm_source=x", "seller_platform": world["vn_shop"].pk,
        "seller_account": "Rhino.Horn.Shop", "contacts": "0912 345 678\nt.me/horn_seller\n"})
    assert response.status_code == 302 and response["Location"] == reverse("enforcement:home")
    made = Hold.objects.get()
    assert made.agency == world["agency"] and made.created_by == world["officer"] and made.until == until
    assert sorted(made.identifiers.values_list("kind", flat=True)) == ["handle", "phone", "seller", "url"]
    html = client.get(reverse("enforcement:home")).content.decode()
    assert "VN-OP-88" in html and "Remove and preserve" in html and "vshop.example" in html
    assert "912345678" not in html and "horn_seller" not in html  # the page never had the plaintext
    # the same identifier, another spelling: the phone number read in the agency's country
    case = reports.file_report("public", "https://vshop.example/item/9", seller_contacts=["+84912345678"]).case
    assert reports.accept(case, world["analyst"]).status == CaseStatus.ON_HOLD
    other = login(world["other_officer"])
    assert "VN-OP-88" not in other.get(reverse("enforcement:home")).content.decode()
    assert other.post(reverse("enforcement:hold_lift", args=[made.pk])).status_code == 404
    assert client.post(reverse("enforcement:hold_lift", args=[made.pk])).status_code == 302
    made.refresh_from_db()
    assert made.lifted_at is not None and made.lifted_by == world["officer"]
    assert AuditEntry.objects.filter(action="hold.lift", organisation=world["agency"]).exists()


def test_hold_form_errors(world: dict[str, Any]) -> None:
    client = login(world["officer"])
    until = (timezone.localdate() + timedelta(days=10)).isoformat()
    url = reverse("enforcement:hold_new")
    base = {"kind": HoldKind.DO_NOT_ACT, "case_reference": "R-1", "until": until}
    for data, text in [
        (base, "at least one identifier"),
        ({**base, "contacts": "+84912345678\nnot a contact"}, "Line 2"),
        ({**base, "url": "ftp://x"}, "web address"),
        ({**base, "seller_account": "someone"}, "Choose the platform"),
        ({**base, "until": timezone.localdate().isoformat(), "contacts": "+84912345678"}, "after today"),
    ]:
        response = client.post(url, data)
        assert response.status_code == 422 and text in response.content.decode(), text
    assert not Hold.objects.exists()
    assert client.get(url).status_code == 200


def test_officers_see_the_referred_cases_of_their_jurisdiction_by_severity(world: dict[str, Any]) -> None:
    analyst = world["analyst"]
    low = referred("https://vshop.example/item/1", analyst, severity=20)
    high = referred("https://vshop.example/item/2", analyst, severity=90, status=CaseStatus.DECIDED)
    seller_vn = referred("https://fshop.example/p/1", analyst, severity=50, seller_location="Hà Nội, Việt Nam")
    seller_code = referred("https://fshop.example/p/2", analyst, severity=40, seller_location="Saigon (VN)")
    french = referred("https://fshop.example/p/3", analyst, severity=99, seller_location="Lyon, France")
    reports.file_report("public", "https://vshop.example/item/4")  # waiting for triage: not referred
    client = login(world["officer"])
    response = client.get(reverse("enforcement:cases"))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    shown = [c.pk for c in response.context["page"].object_list]
    assert shown == [high.pk, seller_vn.pk, seller_code.pk, low.pk]
    assert french.pk not in shown
    filtered = client.get(reverse("enforcement:cases"), {"status": "referred", "min_severity": "30"})
    assert [c.pk for c in filtered.context["page"].object_list] == [seller_vn.pk, seller_code.pk]
    other = login(world["other_officer"])  # a French agency
    assert [c.pk for c in other.get(reverse("enforcement:cases")).context["page"].object_list] == [
        french.pk, seller_vn.pk, seller_code.pk]
    entry = AuditEntry.objects.filter(action="enforcement.cases", actor=world["officer"]).order_by("id").first()
    assert entry is not None and entry.organisation == world["agency"] and high.pk in entry.details["shown"]


def test_an_agency_without_a_country_sees_no_case(world: dict[str, Any], role_users: dict[str, Any]) -> None:
    referred("https://vshop.example/item/1", world["analyst"])
    client = login(role_users["officer"])  # t-police has no country
    response = client.get(reverse("enforcement:cases"))
    assert response.status_code == 200 and not response.context["page"].object_list


def test_cases_export_as_csv_and_the_export_is_audited(world: dict[str, Any]) -> None:
    referred("https://vshop.example/item/1", world["analyst"], severity=30, seller_handle="=HYPERLINK(\"x\")",
             seller_contacts=["+84912345678"], species_text="Manis javanica")
    referred("https://vshop.example/item/2", world["analyst"], severity=70)
    referred("https://fshop.example/p/1", world["analyst"], severity=80)  # not in the jurisdiction
    client = login(world["officer"])
    response = client.get(reverse("enforcement:cases_csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["case", "status", "severity", "severity_reasons"] and len(rows) == 3
    header = rows[0]
    assert [row[header.index("severity")] for row in rows[1:]] == ["70", "30"]
    second = dict(zip(header, rows[2], strict=True))
    assert second["seller_handle"] == "'=HYPERLINK(\"x\")"  # no formula runs in a spreadsheet
    assert second["seller_contacts"] == "'+84912345678" and second["species"] == "Manis javanica"
    assert second["platform"] == "V Shop" and second["url"] == "https://vshop.example/item/1"
    entry = AuditEntry.objects.get(action="enforcement.cases_export")
    assert entry.actor == world["officer"] and entry.details["rows"] == 2
    filtered = client.get(reverse("enforcement:cases_csv"), {"min_severity": "50"})
    assert len(list(csv.reader(io.StringIO(filtered.content.decode("utf-8-sig"))))) == 2


def test_evidence_is_shown_to_officers_of_the_jurisdiction_only(world: dict[str, Any]) -> None:
    image = SimpleUploadedFile("shot.png", PNG, content_type="image/png")
    report = reports.file_report("public", "https://vshop.example/item/1", screenshot=image,
                                 notes="seen on the shop", email="reporter@example.org")
    reports.accept(report.case, world["analyst"])
    client = login(world["officer"])
    html = client.get(reverse("enforcement:case", args=[report.case_id])).content.decode()
    assert "seen on the shop" in html and reverse("enforcement:screenshot", args=[report.pk]) in html
    assert "reporter@example.org" not in html  # reporters stay private
    shot = client.get(reverse("enforcement:screenshot", args=[report.pk]))
    assert shot.status_code == 200 and shot["Content-Type"] == "image/png" and shot.getvalue() == PNG
    assert shot["X-Content-Type-Options"] == "nosniff"
    other = login(world["other_officer"])  # France: not its jurisdiction
    assert other.get(reverse("enforcement:case", args=[report.case_id])).status_code == 404
    assert other.get(reverse("enforcement:screenshot", args=[report.pk])).status_code == 404
    analyst = login(world["analyst"])
    assert analyst.get(reverse("enforcement:screenshot", args=[report.pk])).status_code == 403
    assert AuditEntry.objects.filter(action="enforcement.screenshot", actor=world["officer"],
                                     target=f"report:{report.pk}").count() == 1
    assert AuditEntry.objects.filter(action="enforcement.case", actor=world["officer"]).count() == 1


def test_subscriptions_notify_officers_of_new_cases(world: dict[str, Any]) -> None:
    client = login(world["officer"])
    url = reverse("enforcement:subscriptions")
    assert client.post(url, {"species": "Manis javanica"}).status_code == 302
    assert client.post(url, {"country": "TH"}).status_code == 302
    assert client.post(url, {}).status_code == 422
    assert client.post(url, {"species": "unicorn"}).status_code == 422
    assert Subscription.objects.filter(user=world["officer"]).count() == 2
    x_client = login(world["other_officer"])
    assert x_client.post(url, {"species": "manis-javanica"}).status_code == 302
    pangolin = referred("https://vshop.example/item/1", world["analyst"], species_text="Manis javanica")
    thai = referred("https://vshop.example/item/2", world["analyst"], seller_location="Bangkok, Thailand")
    plain = referred("https://vshop.example/item/3", world["analyst"])
    # referral notified the subscribers (the French agency's officer: not its jurisdiction), once per officer
    for case in (pangolin, thai, plain):
        assert services.notify_subscribers(case) == 0
    notes = Notification.objects.filter(recipient=world["officer"], kind="new_case")
    assert {n.case_id for n in notes} == {pangolin.pk, thai.pk} and notes.count() == 2
    html = client.get(reverse("enforcement:home")).content.decode()
    assert reverse("enforcement:case", args=[pangolin.pk]) in html
    assert "Thailand" in client.get(url).content.decode()
    sub = Subscription.objects.filter(user=world["officer"]).first()
    assert sub is not None
    assert x_client.post(reverse("enforcement:unsubscribe", args=[sub.pk])).status_code == 404
    assert client.post(reverse("enforcement:unsubscribe", args=[sub.pk])).status_code == 302
    assert Subscription.objects.filter(user=world["officer"]).count() == 1
    assert AuditEntry.objects.filter(action__in=["enforcement.subscribe", "enforcement.unsubscribe"]).count() == 4


def test_only_officers_use_these_pages_and_every_view_is_audited(world: dict[str, Any],
                                                                  role_users: dict[str, Any]) -> None:
    names = ["enforcement:home", "enforcement:hold_new", "enforcement:cases", "enforcement:cases_csv",
             "enforcement:subscriptions"]
    for role, user in role_users.items():
        if role == "officer":
            continue
        client = login(user)
        for name in names:
            assert client.get(reverse(name)).status_code == 403, (role, name)
    assert Client().get(reverse("enforcement:home")).status_code == 302
    client = login(world["officer"])
    before = AuditEntry.objects.filter(actor=world["officer"]).count()
    for name in names:
        assert client.get(reverse(name)).status_code == 200, name
    assert AuditEntry.objects.filter(actor=world["officer"]).count() - before == 4  # the form page itself: no data


def test_the_pages_are_in_french(world: dict[str, Any]) -> None:
    client = login(world["officer"])
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    html = client.get(reverse("enforcement:home")).content.decode()
    assert '<html lang="fr"' in html and "Enregistrer une mise en attente" in html
