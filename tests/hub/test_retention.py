"""Retention of personal data: the purge erases reporters' e-mail addresses, closed cases' content (with the
screenshot files) and inactive volunteers' accounts after their periods; keeps newer data and anything under a
law-enforcement hold or in an evidence package; leaves the cases, reports and metrics as they were; writes one
audit entry per run; changes nothing in a dry run; and finds nothing more to do the second time."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry, Membership
from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.enforcement import identifiers as ids
from wildwatch.hub.enforcement import services as enforcement
from wildwatch.hub.enforcement.models import Hold, HoldKind
from wildwatch.hub.evidence import services as evidence
from wildwatch.hub.library.tasks import SCHEDULES
from wildwatch.hub.metrics import computations, indicators
from wildwatch.hub.reports import services as reports
from wildwatch.hub.reports.models import Case, CaseStatus, Decision, Report
from wildwatch.hub.review import retention
from wildwatch.hub.training import content as training_content
from wildwatch.hub.training import services as training
from wildwatch.hub.training.models import Attempt

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-9"
OLD = timedelta(days=400)
RECENT = timedelta(days=20)


@pytest.fixture(autouse=True)
def _storage(settings: Any, tmp_path: Path) -> None:
    settings.SIGNING_KEY_PATH = tmp_path / "keys" / "signing-key.pem"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WILDWATCH_RETAIN_REPORTER_EMAIL_DAYS = 365
    settings.WILDWATCH_RETAIN_CASE_CONTENT_DAYS = 365
    settings.WILDWATCH_RETAIN_VOLUNTEER_DAYS = 365


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (20, 140, 40)).save(out, format="PNG")
    return out.getvalue()


@dataclass
class World:
    analyst: Any
    reviewer: Any
    volunteer: Any
    agency: Any
    officer: Any
    spotters: Any


@pytest.fixture
def world(db: Any) -> World:
    market = accounts.create_organisation("rt-market", "RT Market", "member")
    accounts.add_platform(market, "rt-shop", "RT Shop", "ecommerce", ["FR"], domains=["rshop.example"])
    ngo = accounts.create_organisation("rt-ngo", "RT NGO", "ngo")
    analyst = accounts.add_member(ngo, "rt-analyst", Role.ANALYST, password=PASSWORD)
    reviewer = accounts.add_member(market, "rt-reviewer", Role.REVIEWER, password=PASSWORD)
    spotters = accounts.create_organisation("rt-spotters", "RT Spotters", "volunteers")
    volunteer = accounts.add_member(spotters, "rt-spotter", Role.VOLUNTEER, password=PASSWORD,
                                    email="spotter@example.org")
    agency = accounts.create_organisation("rt-police", "RT Police", "agency", country="FR")
    officer = accounts.add_member(agency, "rt-officer", Role.OFFICER, password=PASSWORD)
    return World(analyst, reviewer, volunteer, agency, officer, spotters)


def _ago(delta: timedelta) -> Any:
    return timezone.now() - delta


def make_case(world: World, n: int, *, closed: timedelta | None = OLD, filed: timedelta = OLD,
              outcome: str = "decided", phone: str = "", volunteer: Any = None) -> Case:
    """A case of two reports (public with an e-mail address and a screenshot; a volunteer's with notes), filed
    ``filed`` ago and closed ``closed`` ago (``None``: still open, in the platform's queue)."""
    png = _png()
    first = reports.file_report(
        "public", f"https://rshop.example/item/{n}", email=f"witness{n}@example.org",
        listing_text=f"Ivory carving number {n}, call me", species_text="Loxodonta africana", product="ivory",
        seller_handle=f"seller_{n}", seller_location="Lyon", seller_contacts=[phone or f"+3361234{n:04d}"],
        screenshot=SimpleUploadedFile(f"shot {n}.png", png, "image/png"),
        screenshot_sha256=hashlib.sha256(png).hexdigest())
    reports.file_report("volunteer", f"https://www.rshop.example/item/{n}", reporter=volunteer or world.volunteer,
                        notes=f"Seen again, lot {n}", seller_handle=f"seller_{n}_alt")
    case = first.case
    if outcome == "rejected":
        reports.reject(case, world.analyst, "not wildlife")
    elif closed is not None or outcome == "referred":
        case = reports.accept(case, world.analyst)
        if closed is not None:
            Case.objects.filter(pk=case.pk).update(claimed_by=world.reviewer)
            reports.decide(case, world.reviewer, "prohibited", "removed_listing", "ivory")
    Report.objects.filter(case=case).update(created_at=_ago(filed))
    Case.objects.filter(pk=case.pk).update(created_at=_ago(filed))
    if closed is not None:
        at = _ago(closed)
        Case.objects.filter(pk=case.pk).update(triaged_at=at - timedelta(hours=5))
        if outcome == "decided":
            Case.objects.filter(pk=case.pk).update(referred_at=at - timedelta(hours=4), due_at=at + timedelta(1),
                                                   decided_at=at)
            Decision.objects.filter(case=case).update(created_at=at)
    case.refresh_from_db()
    return case


def _figures() -> dict[str, Any]:
    today = timezone.localdate()
    start = today - timedelta(days=900)
    found: dict[str, Any] = {f"all:{k}": f for k, f in indicators.compute(start, today).items()}
    found.update({f"raw:{k}": v for k, v in computations.compute_all(start, today, indicators.ALL).items()})
    for year in range(3):  # per year too: the dates the metrics read must stay
        end = today - timedelta(days=365 * year)
        found.update({f"{year}:{k}": v for k, v in computations.compute_all(
            end - timedelta(days=364), end, indicators.ALL).items()})
    found["counts"] = (Case.objects.count(), Report.objects.count(), Decision.objects.count(),
                       list(Report.objects.order_by("pk").values_list("kind", "created_at", "case_id")),
                       list(Case.objects.order_by("pk").values_list("status", "decided_at", "referred_at",
                                                                     "triaged_at", "platform_id")))
    return found


def _snapshot() -> Any:
    return (list(Case.objects.order_by("pk").values()), list(Report.objects.order_by("pk").values()),
            list(get_user_model().objects.order_by("pk").values()), Attempt.objects.count(),
            Membership.objects.count())


def _file(report: Report) -> Path:
    return Path(report.screenshot.path)


def _purged(case: Case) -> bool:
    case.refresh_from_db()
    rows = list(case.reports.all())
    return (case.listing_text == case.seller_handle == case.seller_location == "" and case.seller_contacts == []
            and all(r.listing_text == r.seller_handle == r.notes == r.reporter_email == "" and not r.screenshot
                    and r.seller_contacts == [] and r.screenshot_sha256 == "" for r in rows))


def _audits() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="retention.purge").order_by("id"))


# --- what is purged and what is kept ---------------------------------------------------------------------------------


def test_old_data_is_purged_newer_kept_and_the_metrics_do_not_change(world: World) -> None:
    old = make_case(world, 1)
    rejected = make_case(world, 2, outcome="rejected")
    recent = make_case(world, 3, closed=RECENT, filed=RECENT)
    open_old = make_case(world, 4, closed=None, outcome="referred")  # filed long ago, still in the queue
    files = {c.pk: [_file(r) for r in c.reports.exclude(screenshot="")] for c in (old, rejected, recent, open_old)}
    assert all(p.exists() for paths in files.values() for p in paths)
    before = _figures()

    counts = retention.purge()

    assert _figures() == before
    assert _purged(old) and _purged(rejected)
    assert not any(p.exists() for p in files[old.pk] + files[rejected.pk])
    old.refresh_from_db()
    assert old.status == CaseStatus.DECIDED and old.species_text == "Loxodonta africana" and old.product == "ivory"
    assert old.url == "https://rshop.example/item/1" and old.decisions.count() == 1 and old.reports.count() == 2
    # a recent case keeps everything
    recent.refresh_from_db()
    assert recent.listing_text and recent.seller_handle and recent.seller_contacts
    assert recent.reports.exclude(reporter_email="").count() == 1 and all(p.exists() for p in files[recent.pk])
    # an open case keeps its content, but a reporter's address goes a year after the report
    open_old.refresh_from_db()
    assert open_old.listing_text and all(p.exists() for p in files[open_old.pk])
    assert not open_old.reports.exclude(reporter_email="").exists()
    assert open_old.reports.get(kind="volunteer").notes == "Seen again, lot 4"
    assert counts.case_contents == 2 and counts.report_contents == 4 and counts.screenshots == 2
    assert counts.reporter_emails == 3 and counts.exempt_cases == 0


def test_the_periods_come_from_the_settings(world: World, settings: Any) -> None:
    case = make_case(world, 5, closed=timedelta(days=40), filed=timedelta(days=41))
    retention.purge()
    assert not _purged(case)
    settings.WILDWATCH_RETAIN_CASE_CONTENT_DAYS = 30
    settings.WILDWATCH_RETAIN_REPORTER_EMAIL_DAYS = 30
    counts = retention.purge()
    assert _purged(case) and counts.case_contents == 1 and counts.reporter_emails == 1
    settings.WILDWATCH_RETAIN_CASE_CONTENT_DAYS = 0
    with pytest.raises(ValueError, match="at least 1 day"):
        retention.purge()


def test_a_reopened_case_is_open_again(world: World) -> None:
    case = make_case(world, 6)
    member_admin = accounts.add_member(case.platform.organisation, "rt-admin", Role.MEMBER_ADMIN)  # type: ignore[union-attr]
    reports.reopen(case, member_admin, "new evidence")
    Report.objects.filter(case=case).update(created_at=_ago(RECENT))
    retention.purge()
    case.refresh_from_db()
    assert case.listing_text and case.reports.exclude(reporter_email="").exists()


# --- exemptions ----------------------------------------------------------------------------------------------------


def _hold(world: World, *, phone: str = "", url: str = "", seller: str = "", days: int = 30) -> Hold:
    found = [ids.url_identifier(url)] if url else []
    if phone:
        found.append(ids.contact_identifier(phone, "FR"))  # type: ignore[arg-type]
    if seller:
        found.append(ids.seller_identifier("rt-shop", seller))  # type: ignore[arg-type]
    return enforcement.create_hold(world.agency, kind=HoldKind.REMOVE_AND_PRESERVE, case_reference="OP-RT",
                                   until=timezone.localdate() + timedelta(days=days), identifiers=found,
                                   actor=world.officer)


def test_held_and_evidence_cases_are_kept_expired_and_lifted_holds_are_not(world: World) -> None:
    by_phone = make_case(world, 10, phone="+33 6 11 22 33 44")
    by_url = make_case(world, 11)
    by_report_handle = make_case(world, 12)  # only a report (not the case) names this handle
    exported = make_case(world, 13)
    lifted = make_case(world, 14)
    expired = make_case(world, 15)
    plain = make_case(world, 16)
    _hold(world, phone="0611223344")
    _hold(world, url="https://rshop.example/item/11")
    _hold(world, seller="seller_12_alt")
    enforcement.lift_hold(_hold(world, url="https://rshop.example/item/14"), actor=world.officer)
    Hold.objects.filter(pk=_hold(world, url="https://rshop.example/item/15").pk).update(
        until=timezone.localdate())
    evidence.build_package(exported, world.analyst, reference="OP-RT")
    shots = {c.pk: [_file(r) for r in c.reports.exclude(screenshot="")]
             for c in (by_phone, by_url, by_report_handle, exported)}

    counts = retention.purge()

    for kept in (by_phone, by_url, by_report_handle, exported):
        kept.refresh_from_db()
        assert kept.listing_text and kept.seller_contacts, kept.pk
        assert kept.reports.exclude(reporter_email="").count() == 1
        assert kept.reports.get(kind="volunteer").notes
        assert all(p.exists() for p in shots[kept.pk])
    assert _purged(lifted) and _purged(expired) and _purged(plain)
    assert counts.exempt_cases == 4 and counts.case_contents == 3
    # the volunteer reported on held cases: kept however long ago they were active
    get_user_model().objects.filter(pk=world.volunteer.pk).update(date_joined=_ago(OLD), last_login=None)
    assert retention.purge().exempt_volunteers == 1
    world.volunteer.refresh_from_db()
    assert world.volunteer.is_active and world.volunteer.username == "rt-spotter"


def test_a_hold_notice_on_the_case_keeps_it_until_its_date(world: World) -> None:
    case = make_case(world, 20)
    Case.objects.filter(pk=case.pk).update(hold_notice={"until": timezone.localdate().isoformat(), "hold": True})
    retention.purge()
    assert not _purged(case)
    Case.objects.filter(pk=case.pk).update(
        hold_notice={"until": (timezone.localdate() - timedelta(days=1)).isoformat(), "hold": True})
    retention.purge()
    assert _purged(case)


# --- volunteers ----------------------------------------------------------------------------------------------------


def _volunteer(world: World, name: str, *, joined: timedelta, login: timedelta | None = None) -> Any:
    user = accounts.add_member(world.spotters, name, Role.VOLUNTEER, password=PASSWORD, email=f"{name}@example.org")
    get_user_model().objects.filter(pk=user.pk).update(
        date_joined=_ago(joined), last_login=_ago(login) if login is not None else None)
    user.refresh_from_db()
    return user


def test_inactive_volunteers_are_anonymised_active_ones_kept(world: World) -> None:
    training_content.install(training_content.CYBER_SPOTTER_BASICS)
    quiz = training.get_quiz("cyber-spotter-basics")
    idle = _volunteer(world, "rt-idle", joined=OLD, login=OLD)
    training.record_attempt(idle, quiz, {})
    Attempt.objects.filter(user=idle).update(submitted_at=_ago(OLD))
    make_case(world, 30, volunteer=idle)  # an old report, decided long ago
    logged_in = _volunteer(world, "rt-seen", joined=OLD, login=RECENT)
    reported = _volunteer(world, "rt-reporter", joined=OLD)
    make_case(world, 31, closed=None, outcome="referred", filed=RECENT, volunteer=reported)
    trained = _volunteer(world, "rt-trainee", joined=OLD)
    training.record_attempt(trained, quiz, {})
    newcomer = _volunteer(world, "rt-new", joined=RECENT)
    staff = _volunteer(world, "rt-both", joined=OLD)
    accounts.add_member(accounts.create_organisation("rt-ngo", "RT NGO", "ngo"), "rt-both", Role.ANALYST)
    Report.objects.filter(reporter=world.volunteer).update(created_at=_ago(RECENT))
    idle_reports = list(Report.objects.filter(reporter=idle).values_list("pk", flat=True))
    before = _figures()

    counts = retention.purge()

    assert _figures() == before
    idle.refresh_from_db()
    assert idle.username == f"deleted-{idle.pk}" and idle.email == "" and not idle.is_active
    assert not idle.has_usable_password() and not Attempt.objects.filter(user=idle).exists()
    assert not Membership.objects.filter(user=idle).exists()
    assert Report.objects.filter(pk__in=idle_reports, reporter=None).count() == len(idle_reports) == 1
    assert not Client().login(username="rt-idle", password=PASSWORD)
    for kept in (logged_in, reported, trained, newcomer, staff, world.volunteer):
        kept.refresh_from_db()
        assert kept.is_active and not kept.username.startswith("deleted-"), kept.username
    assert counts.volunteers == 1 and counts.training_attempts == 1


# --- the run: audit, dry run, idempotence, command, schedule ----------------------------------------------------


def test_one_audit_entry_per_run_without_personal_data_a_dry_run_changes_nothing_and_a_second_run_nothing_more(
        world: World) -> None:
    old = make_case(world, 40)
    make_case(world, 41, closed=RECENT, filed=RECENT)
    _volunteer(world, "rt-gone", joined=OLD)
    shots = [_file(r) for r in old.reports.exclude(screenshot="")]
    snapshot, audits = _snapshot(), AuditEntry.objects.count()

    dry = retention.purge(dry_run=True)

    assert _snapshot() == snapshot and AuditEntry.objects.count() == audits and all(p.exists() for p in shots)
    counts = retention.purge()
    assert dry == counts
    assert counts.as_dict() == {"reporter_emails": 1, "case_contents": 1, "report_contents": 2, "screenshots": 1,
                                "volunteers": 1, "training_attempts": 0, "login_failures": 0, "exempt_cases": 0,
                                "exempt_volunteers": 0}
    assert not any(p.exists() for p in shots)
    entries = _audits()
    assert len(entries) == 1 and AuditEntry.objects.count() == audits + 1
    details = entries[0].details
    assert {k: details[k] for k in counts.as_dict()} == counts.as_dict()
    assert details["periods_days"] == {"reporter_email": 365, "case_content": 365, "volunteer": 365,
                                       "login_failure": 90}
    text = json.dumps(details) + entries[0].target
    for secret in ("@", "witness40", "seller_40", "+33", "Ivory", "rt-gone", "Lyon"):
        assert secret not in text

    snapshot = _snapshot()
    again = retention.purge()
    assert again.as_dict() == retention.PurgeCounts().as_dict()
    assert _snapshot() == snapshot and len(_audits()) == 2


def test_the_command_prints_the_counts_and_dry_run_changes_nothing(world: World) -> None:
    case = make_case(world, 50)
    out = io.StringIO()
    call_command("purge", "--dry-run", stdout=out)
    assert "dry run: would purge" in out.getvalue() and "case_contents: 1" in out.getvalue()
    assert not _purged(case) and not _audits()
    out = io.StringIO()
    call_command("purge", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("purged (retention: reporter_email 365 days")
    assert "case_contents: 1" in lines and "screenshots: 1" in lines and "reporter_emails: 1" in lines
    assert _purged(case) and len(_audits()) == 1


def test_the_purge_is_scheduled_daily() -> None:
    from django_q.models import Schedule

    assert SCHEDULES["purge expired personal data"] == ("wildwatch.hub.review.retention.purge_task",
                                                        Schedule.DAILY, 0)


def test_the_scheduled_task_purges(world: World) -> None:
    case = make_case(world, 60)
    assert retention.purge_task()["case_contents"] == 1
    assert _purged(case)
