"""The core of cases and reports: deduplication by canonical URL, the platform from the URL's host, severity with
its reasons, triage and referral, decisions and reopening with their feedback, and what reporters may know."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry, Organisation
from wildwatch.hub.library.models import Taxon, Term
from wildwatch.hub.library.services import import_starter
from wildwatch.hub.reports import services
from wildwatch.hub.reports.models import Case, CaseStatus, MemberSettings, Report
from wildwatch.hub.reports.severity import quantity_kg_or_pieces

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db: Any) -> Any:
    org = accounts.create_organisation("r-market", "R Market", "member")
    return accounts.add_platform(org, "r-shop", "R Shop", "ecommerce", ["FR"], domains=["rshop.example"])


def test_spellings_of_one_listing_make_one_case_that_keeps_every_reporter(shop: Any) -> None:
    a = services.file_report("public", "https://www.rshop.example/item/42?utm_source=x#photos", email="a@x.org")
    b = services.file_report("public", "http://rshop.example/item/42", email="b@x.org", species_text="pangolin")
    c = services.file_report("volunteer", "https://m.rshop.example/item/42/?fbclid=abc")
    assert a.case_id == b.case_id == c.case_id
    case = Case.objects.get()
    assert case.platform == shop and case.host == "rshop.example" and case.reports.count() == 3
    assert {r.reporter_email for r in case.reports.all()} == {"a@x.org", "b@x.org", ""}
    assert case.species_text == "pangolin"  # facts missing on the case are filled in by later reports
    assert a.tracking_code and a.tracking_code != b.tracking_code and a.tracking_code.startswith("WW-")
    other = services.file_report("public", "https://rshop.example/item/43")
    assert other.case_id != a.case_id
    assert AuditEntry.objects.filter(action="report.create").count() == 4


def test_a_host_that_is_no_member_gives_a_case_without_platform(shop: Any) -> None:
    report = services.file_report("public", "https://elsewhere.example/p/1")
    assert report.case.platform is None
    assert services.platform_for_host("shop.rshop.example") == shop  # subdomains belong to the platform


@pytest.mark.parametrize("url", ["", "not a url", "ftp://rshop.example/x", "javascript:alert(1)",
                                 "https://" + "a" * 2100 + ".example/"])
def test_bad_urls_are_refused(shop: Any, url: str) -> None:
    with pytest.raises(services.ReportError):
        services.file_report("public", url)
    assert Case.objects.count() == 0


def test_bad_kinds_products_and_categories_are_refused(shop: Any) -> None:
    for kwargs in ({"kind": "rumour"}, {"kind": "public", "product": "gold"}, {"kind": "public", "category": "meh"}):
        kind = kwargs.pop("kind")
        with pytest.raises(services.ReportError):
            services.file_report(kind, "https://rshop.example/item/1", **kwargs)


@pytest.mark.django_db(transaction=True)
def test_two_first_reports_racing_still_make_one_case(shop: Any) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def report(n: int) -> None:
        try:
            barrier.wait()
            services.file_report("public", f"https://rshop.example/item/7?utm_campaign={n}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Case.objects.count() == 1 and Report.objects.count() == 2


def test_severity_counts_appendix_live_quantity_and_repeat_sellers(shop: Any) -> None:
    import_starter()
    appendix_i = Taxon.objects.filter(cites_appendix="I").first()
    assert appendix_i is not None
    live = services.file_report("public", "https://rshop.example/item/1", species_text=appendix_i.scientific_name,
                                product="live_animal", listing_text="3 baby animals, 20 pcs available",
                                seller_handle="@tusk_trader")
    case = live.case
    assert case.taxon == appendix_i and case.live_animal
    assert case.severity == 40 + 20 + 20
    assert any("Appendix I" in r for r in case.severity_reasons) and any("live" in r for r in case.severity_reasons)
    assert any("20 pieces" in r for r in case.severity_reasons)
    other_org = accounts.create_organisation("r-social", "R Social", "member")
    accounts.add_platform(other_org, "r-social-net", "R Social", "social", ["FR"], domains=["rsocial.example"])
    again = services.file_report("volunteer", "https://rsocial.example/post/9", seller_handle="@tusk_trader",
                                 product="ivory", category="prohibited", listing_text="2 kg raw ivory")
    assert again.case.severity == 40 + 10 + 20
    assert any("seller seen in 1 other case" in r and "1 other platform" in r for r in again.case.severity_reasons)
    case.refresh_from_db()  # the first case learnt of the second
    assert case.severity == 100 and any("seller seen" in r for r in case.severity_reasons)
    plain = services.file_report("public", "https://rshop.example/item/99")
    assert plain.case.severity == 0 and plain.case.severity_reasons == []


@pytest.mark.parametrize(("text", "expected"), [
    ("5 kg of scales", (5.0, "kg")), ("500g", (0.5, "kg")), ("2,5 kilos", (2.5, "kg")),
    ("10 pcs, 3 kg", (10.0, "pieces")), ("no numbers", None), ("model 3000", None), ("20只", (20.0, "pieces")),
])
def test_quantities(text: str, expected: tuple[float, str] | None) -> None:
    assert quantity_kg_or_pieces(text) == expected


def test_triage_refers_member_cases_and_marks_the_others_for_outreach(shop: Any, role_users: dict[str, Any]) -> None:
    analyst = role_users["analyst"]
    member_case = services.file_report("public", "https://rshop.example/item/1").case
    outside = services.file_report("public", "https://nomember.example/item/1").case
    MemberSettings.objects.create(organisation=shop.organisation, sla_hours=6)
    referred = services.accept(member_case, analyst)
    assert referred.status == CaseStatus.REFERRED and referred.due_at is not None
    assert round((referred.due_at - referred.referred_at).total_seconds()) == 6 * 3600
    assert services.accept(outside, analyst).status == CaseStatus.OUTREACH
    with pytest.raises(services.ReportError):
        services.accept(referred, analyst)  # not waiting for triage any more
    rejected = services.reject(services.file_report("public", "https://rshop.example/item/2").case, analyst,
                               "a plastic toy")
    assert rejected.status == CaseStatus.REJECTED and rejected.reject_reason == "a plastic toy"
    with pytest.raises(services.ReportError):
        services.reject(services.file_report("public", "https://rshop.example/item/3").case, analyst, "  ")
    assert {"case.refer", "case.outreach", "case.reject"} <= set(AuditEntry.objects.values_list("action", flat=True))


def test_decisions_feed_terms_reporters_and_can_be_reopened(shop: Any, role_users: dict[str, Any]) -> None:
    import_starter()
    term = Term.objects.order_by("term_id").first()
    assert term is not None
    reviewer, admin = role_users["reviewer"], role_users["member_admin"]
    report = services.file_report("public", "https://rshop.example/item/1", email="a@x.org")
    volunteer_report = services.file_report("volunteer", "https://rshop.example/item/1",
                                            reporter=role_users["volunteer"])
    case = report.case
    Case.objects.filter(pk=case.pk).update(term_ids=[term.term_id])
    case = services.accept(Case.objects.get(pk=case.pk), role_users["analyst"])
    assert services.public_stage(case) == "in_review"
    with pytest.raises(services.ReportError):  # nobody claimed it
        services.decide(case, reviewer, "prohibited", "removed_listing")
    Case.objects.filter(pk=case.pk).update(claimed_by=reviewer)
    with pytest.raises(services.ReportError):
        services.decide(case, reviewer, "prohibited", "burned_it")
    services.decide(case, reviewer, "prohibited", "removed_listing", "seen, removed")
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED and services.public_stage(case) == "action_taken"
    assert Term.objects.get(pk=term.pk).confirmed == term.confirmed + 1
    assert services.reporter_accuracy(role_users["volunteer"]) == (1, 1, 1.0)
    assert volunteer_report.case_id == case.pk
    with pytest.raises(services.ReportError):  # final: a second decision is refused
        services.decide(case, reviewer, "allowed", "no_violation")
    reopened = services.reopen(case, admin, "wrong listing")
    assert reopened.status == CaseStatus.REFERRED and reopened.claimed_by is None
    assert reopened.due_at is not None and reopened.referred_at is not None and reopened.due_at > timezone.now()
    assert Term.objects.get(pk=term.pk).confirmed == term.confirmed
    assert services.reporter_accuracy(role_users["volunteer"]) == (0, 0, None)
    Case.objects.filter(pk=case.pk).update(claimed_by=reviewer)
    services.decide(case, reviewer, "allowed", "no_violation")
    case.refresh_from_db()
    assert services.public_stage(case) == "no_violation"
    assert Term.objects.get(pk=term.pk).rejected == term.rejected + 1
    assert services.reporter_accuracy(role_users["volunteer"]) == (1, 0, 0.0)
    assert case.decisions.count() == 2 and case.decisions.last().reopen_reason == "wrong listing"
    assert AuditEntry.objects.filter(action="case.reopen", actor=admin).exists()


def test_public_stages_never_reveal_a_hold(shop: Any) -> None:
    case = services.file_report("public", "https://rshop.example/item/1").case
    assert services.public_stage(case) == "received"
    for status, stage in ((CaseStatus.ON_HOLD, "in_review"), (CaseStatus.REFERRED, "in_review"),
                          (CaseStatus.REJECTED, "not_actionable"), (CaseStatus.OUTREACH, "outreach")):
        case.status = status
        assert services.public_stage(case) == stage
    assert Organisation.objects.filter(kind="member").count() >= 1


def test_reporters_with_an_address_learn_the_outcome_by_mail(shop: Any, role_users: dict[str, Any], mailoutbox: Any,
                                                             django_capture_on_commit_callbacks: Any) -> None:
    reviewer = role_users["reviewer"]
    with_mail = services.file_report("public", "https://rshop.example/item/1", email="a@x.org")
    services.file_report("public", "https://rshop.example/item/1")  # no address: no mail
    case = services.accept(with_mail.case, role_users["analyst"])
    assert mailoutbox == []  # referral is not an outcome
    Case.objects.filter(pk=case.pk).update(claimed_by=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(case, reviewer, "prohibited", "removed_listing", "seller banned; internal note")
    [mail] = mailoutbox
    assert mail.to == ["a@x.org"] and with_mail.tracking_code in mail.subject
    assert f"/reports/{with_mail.tracking_code}/" in mail.body
    assert "acted on the listing" in mail.body and "a agi sur l’annonce" in mail.body  # English and French
    assert "internal note" not in mail.body and "R Shop" not in mail.body and reviewer.username not in mail.body
    rejected = services.file_report("public", "https://rshop.example/item/2", email="b@x.org")
    with django_capture_on_commit_callbacks(execute=True):
        services.reject(rejected.case, role_users["analyst"], "a toy")
    assert mailoutbox[-1].to == ["b@x.org"] and "could not act" in mailoutbox[-1].body
    assert "a toy" not in mailoutbox[-1].body
