"""Retention of personal data: the purge that erases what the hub no longer needs (docs/_draft_retention.md).

Three kinds, each with its period in days (settings, 365 by default):

* **reporter e-mail addresses** (``Report.reporter_email``), ``WILDWATCH_RETAIN_REPORTER_EMAIL_DAYS`` after the
  report's case was *closed* (see below), or, while the case is still open, after the report was filed;
* **case content** — what the listing and the reports said about it and its seller: ``Case.listing_text``,
  ``seller_handle``, ``seller_contacts``, ``seller_location``, and each report's ``listing_text``,
  ``seller_handle``, ``seller_contacts``, ``notes``, ``screenshot`` (the file is deleted from storage) and
  ``screenshot_sha256`` — ``WILDWATCH_RETAIN_CASE_CONTENT_DAYS`` after the case was closed; an open case keeps
  its content;
* **volunteers** (accounts whose only role is volunteer): anonymised by ``volunteers.privacy`` when their last
  activity (registration, last login, last report, last quiz attempt) is older than
  ``WILDWATCH_RETAIN_VOLUNTEER_DAYS``;
* **failed-login records** (django-axes' ``AccessAttempt`` and ``AccessFailureLog``: the user name typed, the
  client's address and browser), ``WILDWATCH_RETAIN_LOGIN_FAILURE_DAYS`` (90 by default) after the attempt. The
  audit log keeps each lockout with the account's id and the client's network only (``accounts.lockout``).

A case is *closed* when decided (``decided_at``; a reopened case is open again), rejected at triage or passed on
for outreach (``triaged_at``).

What stays: the cases and reports themselves (URL, platform, status, dates, species, product, category, severity,
decisions), so the metrics, which count reports by kind and date and decisions by action, do not change.

**Exempt** (never purged while it lasts): a case with an evidence package (``evidence.Package``: packages are
never deleted, so the case keeps its content for good), and a case one of whose identifiers (its listing URL, the
seller's account on its platform, any seller handle or contact of the case or of its reports) matches an active
hold (not lifted, ``until`` after today), that an active hold matched (an ``enforcement.Notification``), or whose
hold notice's date has not passed. A volunteer who reported on an exempt case is kept too.

Writes go through ``purge`` (one transaction per batch); each run that is not a dry run writes one audit entry,
``retention.purge``, with the counts per kind (no personal data).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from wildwatch.hub.accounts.models import Membership
from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.accounts.services import audit
from wildwatch.hub.reports.models import Case, CaseStatus, Report

logger = logging.getLogger("wildwatch.retention")
BATCH = 200
DEFAULT_DAYS = 365
LOGIN_FAILURE_DAYS = 90


@dataclass
class PurgeCounts:
    """What a purge run erased (or, in a dry run, would erase), per kind."""

    reporter_emails: int = 0
    case_contents: int = 0
    report_contents: int = 0
    screenshots: int = 0
    volunteers: int = 0
    training_attempts: int = 0
    login_failures: int = 0
    #: cases left alone because of a hold or an evidence package (whose data is otherwise due)
    exempt_cases: int = 0
    #: volunteers left alone because they reported on an exempt case
    exempt_volunteers: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def period(kind: str) -> timedelta:
    """The retention period of ``kind`` (``reporter_email``, ``case_content``, ``volunteer``) from the settings."""
    name = {"reporter_email": "WILDWATCH_RETAIN_REPORTER_EMAIL_DAYS", "case_content":
            "WILDWATCH_RETAIN_CASE_CONTENT_DAYS", "volunteer": "WILDWATCH_RETAIN_VOLUNTEER_DAYS",
            "login_failure": "WILDWATCH_RETAIN_LOGIN_FAILURE_DAYS"}[kind]
    days = int(getattr(settings, name, LOGIN_FAILURE_DAYS if kind == "login_failure" else DEFAULT_DAYS))
    if days < 1:
        raise ValueError(f"{name} must be at least 1 day")
    return timedelta(days=days)


def closed_before(cutoff: datetime, prefix: str = "") -> Q:
    """Cases (or, with ``prefix="case__"``, reports of cases) closed before ``cutoff``."""
    return (Q(**{f"{prefix}status": CaseStatus.DECIDED, f"{prefix}decided_at__lt": cutoff})
            | Q(**{f"{prefix}status__in": [CaseStatus.REJECTED, CaseStatus.OUTREACH],
                   f"{prefix}triaged_at__lt": cutoff}))


def open_case(prefix: str = "") -> Q:
    return ~Q(**{f"{prefix}status__in": [CaseStatus.DECIDED, CaseStatus.REJECTED, CaseStatus.OUTREACH]})


# --- exemptions ----------------------------------------------------------------------------------------------------


def _identifiers(case: Case) -> list[Any]:
    from wildwatch.hub.enforcement import identifiers as ids
    from wildwatch.hub.enforcement.services import identifiers_of_case

    found = identifiers_of_case(case)
    platform = case.platform
    region = ids.region_of(platform.countries) if platform is not None else None
    for handle, contacts in case.reports.values_list("seller_handle", "seller_contacts"):
        if handle and platform is not None:
            seller = ids.seller_identifier(platform.slug, handle)
            if seller is not None:
                found.append(seller)
        for contact in contacts or []:
            ident = ids.contact_identifier(str(contact), region)
            if ident is not None:
                found.append(ident)
    return found


def _notice_pending(case: Case, today: date) -> bool:
    until = (case.hold_notice or {}).get("until")
    if not until:
        return False
    try:
        return date.fromisoformat(str(until)) >= today
    except ValueError:
        return True  # a notice we cannot read: keep the case rather than guess


def exempt_case_ids(case_ids: Iterable[int]) -> set[int]:
    """The cases among ``case_ids`` whose personal data must be kept: an evidence package references them, or an
    active hold covers them (see the module's docstring)."""
    from wildwatch.hub.enforcement.models import Hold, Notification, NotificationKind
    from wildwatch.hub.enforcement.services import matching_holds
    from wildwatch.hub.evidence.models import Package

    wanted = set(case_ids)
    if not wanted:
        return set()
    today = timezone.localdate()
    exempt = set(Package.objects.filter(case_id__in=wanted).values_list("case_id", flat=True))
    active = Hold.objects.filter(lifted_at=None, until__gt=today)
    exempt |= set(Notification.objects.filter(case_id__in=wanted, kind=NotificationKind.HOLD_MATCH,
                                              hold__in=active).values_list("case_id", flat=True))
    if not active.exists():
        return exempt | {c.pk for c in Case.objects.filter(pk__in=wanted - exempt) if _notice_pending(c, today)}
    for case in Case.objects.filter(pk__in=wanted - exempt).select_related("platform"):
        if _notice_pending(case, today) or matching_holds(_identifiers(case)):
            exempt.add(case.pk)
    return exempt


# --- what is due ---------------------------------------------------------------------------------------------------


def _report_has_content() -> Q:
    return (~Q(listing_text="") | ~Q(seller_handle="") | ~Q(notes="") | ~Q(screenshot="")
            | ~Q(screenshot_sha256="") | ~Q(seller_contacts=[]))


def due_emails(now: datetime) -> QuerySet[Report]:
    cutoff = now - period("reporter_email")
    return Report.objects.exclude(reporter_email="").filter(
        closed_before(cutoff, "case__") | (open_case("case__") & Q(created_at__lt=cutoff)))


def due_cases(now: datetime) -> QuerySet[Case]:
    cutoff = now - period("case_content")
    content = (~Q(listing_text="") | ~Q(seller_handle="") | ~Q(seller_location="") | ~Q(seller_contacts=[])
               | Exists(Report.objects.filter(_report_has_content(), case=OuterRef("pk"))))
    return Case.objects.filter(closed_before(cutoff)).filter(content)


def due_volunteers(now: datetime) -> QuerySet[Any]:
    """Accounts whose only role is volunteer (not staff) with no activity since the cutoff."""
    cutoff = now - period("volunteer")
    other_roles = Membership.objects.filter(user=OuterRef("pk")).exclude(role=Role.VOLUNTEER)
    return (get_user_model().objects
            .filter(memberships__role=Role.VOLUNTEER, is_staff=False, is_superuser=False)
            .exclude(Exists(other_roles))
            .annotate(seen=Coalesce(F("last_login"), F("date_joined")),
                      reported=Coalesce(Max("wildlife_reports__created_at"), F("date_joined")),
                      trained=Coalesce(Max("quiz_attempts__submitted_at"), F("date_joined")))
            .filter(date_joined__lt=cutoff, seen__lt=cutoff, reported__lt=cutoff, trained__lt=cutoff)
            .distinct())


# --- the purge -----------------------------------------------------------------------------------------------------


def _batches(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start:start + BATCH]


def _delete_files(names: Iterable[str]) -> None:
    """Screenshots of purged reports, from storage, once their rows no longer name them."""
    storage = Report._meta.get_field("screenshot").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # already gone, or a read-only mount: the row no longer names it either way
            logger.warning("retention: could not delete a screenshot file", exc_info=True)


def _purge_emails(now: datetime, counts: PurgeCounts, dry_run: bool, exempt: set[int]) -> None:
    ids = list(due_emails(now).exclude(case_id__in=exempt).order_by("pk").values_list("pk", flat=True))
    for batch in _batches(ids):
        if dry_run:
            counts.reporter_emails += len(batch)
            continue
        with transaction.atomic():
            counts.reporter_emails += Report.objects.filter(pk__in=batch).exclude(reporter_email="").update(
                reporter_email="")


def _purge_cases(case_ids: list[int], counts: PurgeCounts, dry_run: bool) -> None:
    for batch in _batches(case_ids):
        reports = Report.objects.filter(_report_has_content(), case_id__in=batch)
        if dry_run:
            counts.case_contents += len(batch)
            counts.report_contents += reports.count()
            counts.screenshots += reports.exclude(screenshot="").count()
            continue
        with transaction.atomic():
            files = [n for n in reports.select_for_update().exclude(screenshot="").values_list("screenshot", flat=True)
                     if n]
            counts.report_contents += reports.update(listing_text="", seller_handle="", seller_contacts=[],
                                                     notes="", screenshot="", screenshot_sha256="")
            counts.case_contents += Case.objects.filter(pk__in=batch).update(
                listing_text="", seller_handle="", seller_contacts=[], seller_location="", updated_at=timezone.now())
        _delete_files(files)  # after the commit: a rolled-back batch keeps its files
        counts.screenshots += len(files)


def _purge_volunteers(now: datetime, counts: PurgeCounts, dry_run: bool) -> None:
    from wildwatch.hub.volunteers.privacy import erase_for_retention

    users = list(due_volunteers(now).order_by("pk"))
    reported: dict[int, set[int]] = {}
    for user_id, case_id in Report.objects.filter(reporter__in=users).values_list("reporter_id", "case_id"):
        reported.setdefault(user_id, set()).add(case_id)
    exempt = exempt_case_ids({c for cases in reported.values() for c in cases})
    keep = [u for u in users if reported.get(u.pk, set()) & exempt]
    counts.exempt_volunteers += len(keep)
    due = [u for u in users if u not in keep]
    for start in range(0, len(due), BATCH):
        batch = due[start:start + BATCH]
        if dry_run:
            counts.volunteers += len(batch)
            continue
        with transaction.atomic():
            for user in batch:
                erased = erase_for_retention(user)
                counts.volunteers += 1
                counts.training_attempts += erased["training_attempts"]


def _purge_login_failures(now: datetime, counts: PurgeCounts, dry_run: bool) -> None:
    """django-axes' failure records older than their period (a running lockout is younger: it is left alone)."""
    from axes.models import AccessAttempt, AccessFailureLog

    cutoff = now - period("login_failure")
    attempts = AccessAttempt.objects.filter(attempt_time__lt=cutoff)
    failures = AccessFailureLog.objects.filter(attempt_time__lt=cutoff)
    counts.login_failures = attempts.count() + failures.count()
    if not dry_run and counts.login_failures:
        with transaction.atomic():
            attempts.delete()
            failures.delete()


def purge(*, dry_run: bool = False, now: datetime | None = None) -> PurgeCounts:
    """Erase the personal data whose retention period is over (see the module's docstring), in batches of
    ``BATCH`` (each atomic). ``dry_run``: count only, change nothing, audit nothing. Idempotent: what was erased
    is not counted again."""
    now = now or timezone.now()
    counts = PurgeCounts()
    cases = list(due_cases(now).order_by("pk").values_list("pk", flat=True))
    email_cases = set(due_emails(now).values_list("case_id", flat=True))
    exempt = exempt_case_ids(set(cases) | email_cases)
    counts.exempt_cases = len(exempt)
    _purge_emails(now, counts, dry_run, exempt)
    _purge_cases([c for c in cases if c not in exempt], counts, dry_run)
    _purge_volunteers(now, counts, dry_run)
    _purge_login_failures(now, counts, dry_run)
    if not dry_run:
        details: dict[str, Any] = {**counts.as_dict(), "periods_days": {
            kind: period(kind).days for kind in ("reporter_email", "case_content", "volunteer", "login_failure")}}
        audit("retention.purge", target="personal data", **details)
    return counts


def purge_task() -> dict[str, int]:
    """The daily scheduled purge (``library.tasks.SCHEDULES``)."""
    return purge().as_dict()
