"""Law-enforcement holds: identifiers normalised and kept only as keyed hashes, the hold check before referral
(``hold_for_case``), expiry and lifting, the strictest notice, and the agency told of every match."""

from __future__ import annotations

import os
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.enforcement import identifiers as ids
from wildwatch.hub.enforcement import services
from wildwatch.hub.enforcement.models import Hold, HoldIdentifier, HoldKind, Notification
from wildwatch.hub.reports import services as reports
from wildwatch.hub.reports.models import Case, CaseStatus

pytestmark = pytest.mark.django_db
PHONE = "+84 912 345 678"
URL = "https://www.hshop.example/item/77?utm_source=mail&fbclid=x"


@pytest.fixture
def world(db: Any, role_users: dict[str, Any]) -> dict[str, Any]:
    market = accounts.create_organisation("h-market", "H Market", "member")
    shop = accounts.add_platform(market, "h-shop", "H Shop", "ecommerce", ["VN"], domains=["hshop.example"])
    agency = accounts.create_organisation("h-police", "Wildlife Crime Unit H", "agency", country="VN")
    officer = accounts.add_member(agency, "h-officer", "officer", email="officer@police.example")
    return {"shop": shop, "agency": agency, "officer": officer, "analyst": role_users["analyst"]}


def hold(world: dict[str, Any], *, url: str = "", contacts: tuple[str, ...] = (), seller: str = "",
         kind: str = HoldKind.DO_NOT_ACT, days: int = 30, reference: str = "OP-TUSK-17") -> Hold:
    found = [ids.url_identifier(url)] if url else []
    found += [ident for c in contacts if (ident := ids.contact_identifier(c, "VN")) is not None]
    if seller:
        found.append(ids.seller_identifier(world["shop"].slug, seller))  # type: ignore[arg-type]
    return services.create_hold(world["agency"], kind=kind, case_reference=reference,
                                until=timezone.localdate() + timedelta(days=days), identifiers=found,
                                actor=world["officer"])


def new_case(url: str = "https://hshop.example/item/77", **facts: Any) -> Case:
    return reports.file_report("public", url, **facts).case


@pytest.mark.parametrize(("raw", "expected"), [
    ("+84 912 345 678", ("phone", "+84912345678")),
    ("(+84) 912-345-678", ("phone", "+84912345678")),
    ("0084912345678", ("phone", "+84912345678")),
    ("0912 345 678", ("phone", "+84912345678")),  # the region's numbers without a country code
    ("tel:+84912345678", ("phone", "+84912345678")),
    ("https://wa.me/84912345678", ("phone", "+84912345678")),  # a WhatsApp account is its number
    ("zalo: 0912345678", ("phone", "+84912345678")),
    ("mailto:Ivory.Dealer+shop@GoogleMail.com", ("email", "ivorydealer@gmail.com")),
    ("https://t.me/Ivory_Dealer", ("handle", "telegram:ivory_dealer")),
    ("telegram: ivory_dealer", ("handle", "telegram:ivory_dealer")),
    ("@Ivory_Dealer", ("handle", "@ivory_dealer")),
])
def test_contacts_are_normalised_by_the_engine(raw: str, expected: tuple[str, str]) -> None:
    ident = ids.contact_identifier(raw, "VN")
    assert ident is not None and (ident.kind, ident.value) == expected


def test_unusable_contacts_and_urls_are_refused() -> None:
    for raw in ("", "call me", "skype:dealer", "12"):
        assert ids.contact_identifier(raw, "VN") is None, raw
    with pytest.raises(ValueError):
        ids.url_identifier("javascript:alert(1)")
    assert ids.seller_identifier("h-shop", "  @ ") is None
    assert ids.seller_identifier("h-shop", "@Ivory  King") == ids.Identifier("seller", "h-shop:ivory king")


@given(st.text(max_size=300) | st.from_regex(r"(https?://|tel:|mailto:|wa\.me/|t\.me/|@|\+|00)[ -~]{0,40}"))
@hypothesis_settings(max_examples=300, deadline=None, derandomize=True, database=None)
def test_any_text_is_an_identifier_or_none_never_an_error(text: str) -> None:
    ident = ids.contact_identifier(text, "VN")
    assert ident is None or (ident.kind in ("phone", "email", "handle") and ident.value)


def test_a_bare_handle_covers_every_platform_but_a_platform_handle_only_its_own() -> None:
    variants = ids.query_variants([ids.Identifier("handle", "telegram:dealer")])
    assert variants == {ids.Identifier("handle", "telegram:dealer"), ids.Identifier("handle", "@dealer")}
    assert ids.query_variants([ids.Identifier("handle", "@dealer")]) == {ids.Identifier("handle", "@dealer")}


def test_the_database_holds_no_plaintext_identifier(world: dict[str, Any]) -> None:
    made = hold(world, url=URL, contacts=(PHONE, "https://t.me/ivory_dealer", "dealer@tusks.example"),
                seller="IvoryKing")
    assert made.identifiers.count() == 5
    case = new_case(seller_contacts=["0912345678"], seller_handle="ivoryking")
    reports.accept(case, world["analyst"])
    secrets = ["hshop.example/item/77", "912345678", "ivory_dealer", "dealer@tusks", "tusks.example", "ivoryking"]
    tables = [HoldIdentifier._meta.db_table, Hold._meta.db_table, Notification._meta.db_table]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = cursor.fetchall()
            assert rows, table
            dump = repr(rows).lower()
            for secret in secrets:
                assert secret not in dump, (table, secret)
    for entry in AuditEntry.objects.filter(action__in=["hold.create", "hold.match", "deconflict.check"]):
        assert not any(secret in repr(entry.details).lower() for secret in secrets), entry.action
    # what officers see of them: the kind, the platform's host or name, the last digits of a number
    assert sorted(HoldIdentifier.objects.values_list("hint", flat=True)) == ["", "h-shop", "hshop.example",
                                                                             "telegram", "…78"]


def test_the_key_comes_from_the_settings_or_a_private_file(settings: Any, tmp_path: Path) -> None:
    settings.WILDWATCH_HOLD_KEY = None
    settings.VAR_DIR = tmp_path
    ident = ids.Identifier("phone", "+84912345678")
    first = ids.digest(ident)
    key_file = tmp_path / ids.KEY_FILE
    assert key_file.exists() and stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert ids.digest(ident) == first and len(first) == 64  # the same key next time
    assert "912345678" not in key_file.read_text()
    settings.WILDWATCH_HOLD_KEY = "a-configured-secret"
    assert ids.digest(ident) != first  # the setting wins, and another key gives another digest
    assert ids.digest(ident) == ids.digest(ident, b"a-configured-secret")


def test_a_held_url_or_phone_blocks_referral_whatever_the_spelling(world: dict[str, Any],
                                                                   mailoutbox: list[Any],
                                                                   django_capture_on_commit_callbacks: Any) -> None:
    hold(world, url=URL, contacts=(PHONE,))
    with django_capture_on_commit_callbacks(execute=True):
        by_url = reports.accept(new_case("http://m.hshop.example/item/77/?gclid=1#pics"), world["analyst"])
        by_phone = reports.accept(new_case("https://hshop.example/item/78", seller_contacts=["0912.345.678"]),
                                  world["analyst"])
        free = reports.accept(new_case("https://hshop.example/item/79", seller_contacts=["+84 912 345 679"]),
                              world["analyst"])
    assert (by_url.status, by_phone.status, free.status) == (CaseStatus.ON_HOLD, CaseStatus.ON_HOLD,
                                                             CaseStatus.REFERRED)
    notes = Notification.objects.filter(agency=world["agency"]).order_by("id")
    assert [n.case_id for n in notes] == [by_url.pk, by_phone.pk]
    assert [n.source for n in notes] == ["case", "case"] and notes[1].matched[0]["kind"] == "phone"
    assert len(mailoutbox) == 2 and mailoutbox[0].to == ["officer@police.example"]
    assert "OP-TUSK" not in mailoutbox[0].body and "hshop" not in mailoutbox[0].body  # nothing leaves in e-mails
    checks = AuditEntry.objects.filter(action="deconflict.check")
    assert checks.count() == 3 and sorted(e.details["matched"] for e in checks) == [False, True, True]
    assert AuditEntry.objects.filter(action="hold.match", organisation=world["agency"]).count() == 2


def test_a_seller_account_on_the_platform_is_held(world: dict[str, Any]) -> None:
    hold(world, seller="Ivory.King")
    assert reports.accept(new_case(seller_handle="@ivory.king"), world["analyst"]).status == CaseStatus.ON_HOLD
    other = accounts.add_platform(accounts.create_organisation("o-market", "O", "member"), "o-shop", "O Shop",
                                  "ecommerce", ["VN"], domains=["oshop.example"])
    elsewhere = reports.accept(new_case("https://oshop.example/p/1", seller_handle="ivory.king"), world["analyst"])
    assert elsewhere.platform == other and elsewhere.status == CaseStatus.REFERRED  # another platform's account


def test_expired_and_lifted_holds_do_not_match(world: dict[str, Any]) -> None:
    old = hold(world, url=URL)
    Hold.objects.filter(pk=old.pk).update(until=timezone.localdate())  # ends today: no longer applies
    lifted = hold(world, contacts=(PHONE,))
    services.lift_hold(lifted, actor=world["officer"])
    case = new_case(seller_contacts=[PHONE])
    assert services.hold_for_case(case) is None
    assert reports.accept(case, world["analyst"]).status == CaseStatus.REFERRED
    assert not Notification.objects.exists()
    with pytest.raises(services.HoldError):
        services.lift_hold(lifted)


def test_a_case_on_hold_is_referred_once_the_hold_expires(world: dict[str, Any]) -> None:
    made = hold(world, url=URL)
    case = reports.accept(new_case(), world["analyst"])
    assert case.status == CaseStatus.ON_HOLD
    Hold.objects.filter(pk=made.pk).update(until=timezone.localdate() - timedelta(days=1))
    assert reports.accept(case, world["analyst"]).status == CaseStatus.REFERRED


def test_several_holds_give_one_notice_the_strictest(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    hold(world, url=URL, kind=HoldKind.REMOVE_AND_PRESERVE, days=90, reference="A")
    hold(world, contacts=(PHONE,), kind=HoldKind.DO_NOT_ACT, days=20, reference="B")
    hold(world, contacts=(PHONE,), kind=HoldKind.DO_NOT_ACT, days=40, reference="C")
    notice = services.hold_for_case(new_case(seller_contacts=[PHONE]))
    assert notice == services.HoldNotice(until=today + timedelta(days=40), kind=HoldKind.DO_NOT_ACT)
    assert not notice.may_remove and "do not act before" in notice.message
    Hold.objects.exclude(case_reference="A").update(lifted_at=timezone.now())
    notice = services.hold_for_case(Case.objects.get())
    assert notice is not None and notice.may_remove and notice.until == today + timedelta(days=90)
    assert notice.to_dict().keys() == services.NO_HOLD.keys()
    assert Notification.objects.filter(hold__case_reference="A").count() == 2


def test_holds_are_refused_without_what_they_need(world: dict[str, Any]) -> None:
    today = timezone.localdate()
    phone = [ids.Identifier("phone", "+84912345678")]
    bad: list[dict[str, Any]] = [
        {"until": today, "identifiers": phone},
        {"until": today + timedelta(days=400), "identifiers": phone},
        {"until": today + timedelta(days=5), "identifiers": []},
        {"until": today + timedelta(days=5), "identifiers": phone, "case_reference": " "},
        {"until": today + timedelta(days=5), "identifiers": phone, "kind": "watch"},
    ]
    for kwargs in bad:
        args = {"kind": HoldKind.DO_NOT_ACT, "case_reference": "X", **kwargs}
        with pytest.raises(services.HoldError):
            services.create_hold(world["agency"], **args)
    with pytest.raises(services.HoldError):
        services.create_hold(world["shop"].organisation, kind=HoldKind.DO_NOT_ACT, case_reference="X",
                             until=today + timedelta(days=5), identifiers=phone)
    assert not Hold.objects.exists()
    made = services.create_hold(world["agency"], kind=HoldKind.DO_NOT_ACT, case_reference="X",
                                until=today + timedelta(days=5), identifiers=phone * 2)
    assert made.identifiers.count() == 1  # the same identifier twice is one
    entry = AuditEntry.objects.get(action="hold.create")
    assert entry.organisation == world["agency"] and entry.details["kinds"] == ["phone"]
