"""Every write about cases and reports: intake with deduplication, severity, triage and referral, decisions and
their feedback. Each function is atomic and audited."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from wildwatch.detect.categories import CATEGORIES, PRODUCTS
from wildwatch.detect.urls import canonical_url
from wildwatch.hub.accounts.models import Platform
from wildwatch.hub.accounts.services import audit
from wildwatch.hub.enforcement.services import HoldNotice
from wildwatch.hub.library.models import Taxon, Term

from . import model_scores, severity
from .models import Action, Case, CaseStatus, Decision, MemberSettings, Report, ReportKind

if TYPE_CHECKING:  # enforcement imports the reports' models: no import cycle at run time
    from wildwatch.hub.enforcement.services import HoldNotice

#: tracking codes: no 0/O/1/I/L, so that a code read aloud or retyped is not mistaken
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LIVE_PRODUCTS = frozenset({"live_animal"})


class ReportError(ValidationError):
    """Input that cannot make a report or a decision (the message says why)."""


@dataclass(frozen=True)
class Where:
    canonical: str
    host: str
    platform: Platform | None


def locate(url: str) -> Where:
    """The canonical URL of a reported listing, its host, and the member platform it belongs to (or None)."""
    url = (url or "").strip()
    if len(url) > 2048:
        raise ReportError("the URL is over 2,048 characters")
    try:
        canonical = canonical_url(url)
    except ValueError as exc:
        raise ReportError(f"not a web address: {exc}") from exc
    host = urlsplit(canonical).hostname or ""
    if not host:
        raise ReportError("the web address has no host")
    return Where(canonical, host, platform_for_host(host))


def platform_for_host(host: str) -> Platform | None:
    """The member platform whose domains include ``host`` or a parent of it (``m.shop.example`` → ``shop.example``)."""
    host = host.lower().removeprefix("www.")
    candidates = [host[i + 1:] for i, ch in enumerate(host) if ch == "."]
    wanted = [host, *candidates]
    best: tuple[int, Platform] | None = None
    for platform in Platform.objects.filter(organisation__kind="member").exclude(domains=[]):
        for domain in platform.domains:
            if domain in wanted and (best is None or len(domain) > best[0]):
                best = (len(domain), platform)
    return best[1] if best else None


def new_tracking_code() -> str:
    return "WW-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))


def _taxon_for(species_text: str) -> Taxon | None:
    text = species_text.strip()
    if not text:
        return None
    return (Taxon.objects.filter(Q(taxon_id=text) | Q(scientific_name__iexact=text)).first()
            or Taxon.objects.filter(names__name__iexact=text).first())


def file_report(kind: str, url: str, *, reporter: Any = None, email: str = "", species_text: str = "",
                product: str = "", listing_text: str = "", seller_handle: str = "",
                seller_contacts: Sequence[str] = (), seller_location: str = "", notes: str = "",
                quantity_text: str = "", category: str = "", term_ids: Iterable[str] = (),
                screenshot: UploadedFile | None = None, screenshot_sha256: str = "",
                platform: Platform | None = None, external_id: str = "") -> Report:
    """A report about one listing: it joins the listing's case (made on first report, whatever the spelling of
    the URL), fills the case's missing facts, and recomputes its severity. Atomic; audited."""
    if kind not in ReportKind.values:
        raise ReportError(f"unknown report kind {kind!r}")
    if product and product not in PRODUCTS:
        raise ReportError(f"unknown product {product!r}")
    if category and category not in CATEGORIES:
        raise ReportError(f"unknown policy category {category!r}")
    where = locate(url)
    if platform is not None and where.platform != platform:
        raise ReportError(f"the URL is not on {platform.name}")
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _file(kind, url, where, reporter=reporter, email=email, species_text=species_text,
                             product=product, listing_text=listing_text, seller_handle=seller_handle,
                             seller_contacts=list(seller_contacts), seller_location=seller_location, notes=notes,
                             quantity_text=quantity_text, category=category, term_ids=list(term_ids),
                             screenshot=screenshot, screenshot_sha256=screenshot_sha256,
                             platform=platform or where.platform if kind in (ReportKind.FORWARDED,
                                                                              ReportKind.AUTOMATED) else None,
                             external_id=external_id)
        except IntegrityError:  # two first reports of one listing raced: the loser joins the winner's case
            if attempt == 2 or not Case.objects.filter(canonical_url=where.canonical).exists():
                raise
    raise AssertionError("unreachable")


def _file(kind: str, url: str, where: Where, **f: Any) -> Report:
    case, created = Case.objects.select_for_update().get_or_create(
        canonical_url=where.canonical, defaults={"url": url.strip(), "host": where.host, "platform": where.platform})
    taxon = _taxon_for(f["species_text"])
    for field, value in (("listing_text", f["listing_text"]), ("species_text", f["species_text"]),
                         ("product", f["product"]), ("seller_handle", f["seller_handle"]),
                         ("seller_location", f["seller_location"]), ("quantity_text", f["quantity_text"]),
                         ("category", f["category"])):
        if value and not getattr(case, field):
            setattr(case, field, value[:getattr(Case._meta.get_field(field), "max_length", None) or None])
    if taxon is not None and case.taxon_id is None:
        case.taxon = taxon
    case.seller_contacts = sorted(set(case.seller_contacts) | set(f["seller_contacts"]))
    case.term_ids = sorted(set(case.term_ids) | set(f["term_ids"]))
    case.live_animal = case.live_animal or f["product"] in LIVE_PRODUCTS
    if not case.category and case.taxon is not None:
        case.category = case.taxon.category
    case.severity, case.severity_reasons = compute_severity(case)
    case.save()
    for other in _same_seller(case):  # the seller's other cases now know of this one
        other.severity, other.severity_reasons = compute_severity(other)
        other.save(update_fields=["severity", "severity_reasons", "updated_at"])
    report = Report.objects.create(
        case=case, kind=kind, tracking_code=new_tracking_code() if kind in (ReportKind.PUBLIC, ReportKind.VOLUNTEER)
        else None, reporter=f["reporter"] if getattr(f["reporter"], "is_authenticated", False) else None,
        reporter_email=f["email"], platform=f["platform"], external_id=f["external_id"], url=url.strip(),
        species_text=f["species_text"], product=f["product"], listing_text=f["listing_text"],
        seller_handle=f["seller_handle"], seller_contacts=list(f["seller_contacts"]), notes=f["notes"],
        screenshot_sha256=f["screenshot_sha256"])
    if f["screenshot"] is not None:
        report.screenshot.save(f"{report.tracking_code or report.pk}-{f['screenshot'].name}"[-100:],
                               f["screenshot"], save=True)
    audit("report.create", actor=f["reporter"], organisation=f["platform"].organisation if f["platform"] else None,
          target=f"case:{case.pk}", kind=kind, new_case=created, report=report.pk)
    return report


def compute_severity(case: Case) -> tuple[int, list[str]]:
    """The case's severity from its facts (see ``severity``), counting the seller's other cases and platforms."""
    other_cases = other_platforms = 0
    if case.seller_handle or case.seller_contacts:
        others = _same_seller(case)
        other_cases = others.count()
        elsewhere = others.exclude(platform=None)
        if case.platform_id is not None:
            elsewhere = elsewhere.exclude(platform_id=case.platform_id)
        other_platforms = elsewhere.values("platform").distinct().count()
    facts = severity.Facts(
        appendix=case.taxon.cites_appendix if case.taxon else "", category=case.category,
        live_animal=case.live_animal, quantity_text=" ".join([case.quantity_text, case.listing_text[:2000]]),
        other_cases_of_seller=other_cases, other_platforms_of_seller=other_platforms)
    return severity.score(facts)


def _same_seller(case: Case) -> QuerySet[Case]:
    """The other cases with the same seller handle or one of the same contacts."""
    if not (case.seller_handle or case.seller_contacts):
        return Case.objects.none()
    match = Q(seller_handle=case.seller_handle) if case.seller_handle else Q(pk__in=[])
    for contact in case.seller_contacts:
        match |= Q(seller_contacts__contains=[contact]) if _json_contains() else Q(
            seller_contacts__icontains=f'"{contact}"')
    return Case.objects.filter(match).exclude(pk=case.pk)


def _json_contains() -> bool:
    from django.db import connection

    return connection.features.supports_json_field_contains


# --- triage and referral -----------------------------------------------------------------------------------------


def settings_of(platform: Platform) -> MemberSettings:
    found, _ = MemberSettings.objects.get_or_create(organisation=platform.organisation)
    return found


@transaction.atomic
def accept(case: Case, actor: Any) -> Case:
    """An analyst accepts a case: referred to the member platform's queue (after the law-enforcement check), or
    marked for outreach when the listing is on a platform that is not a member."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status not in (CaseStatus.TRIAGE, CaseStatus.ON_HOLD):
        raise ReportError(f"case {case.pk} is {case.get_status_display().lower()}, not waiting for triage")
    case.triaged_by, case.triaged_at = actor, timezone.now()
    if case.platform is None:
        case.status = CaseStatus.OUTREACH
        case.save()
        audit("case.outreach", actor=actor, target=f"case:{case.pk}", host=case.host)
        _tell_reporters(case, "outreach")
        return case
    return refer(case, actor)


@transaction.atomic
def refer(case: Case, actor: Any) -> Case:
    """Into the member platform's queue, unless a law-enforcement hold matches (then the case waits, on hold)."""
    return refer_case(case, actor)[0]


def refer_case(case: Case, actor: Any) -> tuple[Case, HoldNotice | None]:
    """:func:`refer`, also returning the hold notice when a hold matched (all a member may learn of it)."""
    from wildwatch.hub.enforcement.services import hold_for_case

    assert case.platform is not None
    notice = hold_for_case(case, asked_by=actor)
    if notice is not None:
        case.status = CaseStatus.ON_HOLD
        case.hold_notice = notice.to_dict()
        case.save()
        audit("case.held", actor=actor, target=f"case:{case.pk}", until=notice.until.isoformat())
        return case, notice
    now = timezone.now()
    case.status = CaseStatus.REFERRED
    case.referred_at = now
    case.due_at = now + timedelta(hours=settings_of(case.platform).sla_hours)
    case.claimed_by = case.claimed_at = None
    case.hold_notice = {}
    case.model_score = model_scores.probability(case.listing_text)
    case.save()
    audit("case.refer", actor=actor, organisation=case.platform.organisation, target=f"case:{case.pk}")
    from wildwatch.hub.enforcement.services import notify_subscribers

    notify_subscribers(case)
    return case, None


@transaction.atomic
def reject(case: Case, actor: Any, reason: str) -> Case:
    reason = reason.strip()
    if not reason:
        raise ReportError("a rejection needs a reason")
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status != CaseStatus.TRIAGE:
        raise ReportError(f"case {case.pk} is not waiting for triage")
    case.status, case.reject_reason = CaseStatus.REJECTED, reason[:2000]
    case.triaged_by, case.triaged_at = actor, timezone.now()
    case.save()
    audit("case.reject", actor=actor, target=f"case:{case.pk}", reason=reason[:200])
    _tell_reporters(case, "not_actionable")
    return case


# --- decisions ---------------------------------------------------------------------------------------------------


@transaction.atomic
def decide(case: Case, reviewer: Any, category: str, action: str, comment: str = "") -> Decision:
    """A reviewer's final decision on a case they claimed. It feeds the terms' precision (automated flags), the
    reporters' outcomes and accuracy, and the metrics."""
    if category not in CATEGORIES:
        raise ReportError(f"unknown policy category {category!r}")
    if action not in Action.values:
        raise ReportError(f"unknown action {action!r}")
    updated = Case.objects.filter(pk=case.pk, status=CaseStatus.REFERRED, claimed_by=reviewer).update(
        status=CaseStatus.DECIDED, decided_at=timezone.now())
    if updated != 1:
        raise ReportError("only the reviewer who claimed a case may decide it, once")
    case.refresh_from_db()
    decision = Decision.objects.create(case=case, reviewer=reviewer, category=category, action=action,
                                       comment=comment.strip()[:4000])
    if case.term_ids:
        field = "confirmed" if decision.confirmed else "rejected"
        Term.objects.filter(term_id__in=case.term_ids).update(**{field: F(field) + 1})
    audit("case.decide", actor=reviewer, organisation=case.platform.organisation if case.platform else None,
          target=f"case:{case.pk}", category=category, taken=action)
    _tell_reporters(case, "action_taken" if decision.confirmed else "no_violation")
    return decision


def _tell_reporters(case: Case, stage: str) -> None:
    """Once the change is committed, mail the reporters who left an address (``notify``)."""
    from .notify import notify_reporters

    transaction.on_commit(lambda: notify_reporters(case, stage))


@transaction.atomic
def reopen(case: Case, admin: Any, reason: str) -> Case:
    """A member admin reopens a decided case: the decision stays (marked reopened) and the case goes back to the
    queue, unclaimed. The term counters the decision moved are moved back."""
    reason = reason.strip()
    if not reason:
        raise ReportError("reopening needs a reason")
    case = Case.objects.select_for_update().get(pk=case.pk)
    decision = case.decisions.filter(reopened_at=None).first()
    if case.status != CaseStatus.DECIDED or decision is None:
        raise ReportError(f"case {case.pk} has no decision to reopen")
    now = timezone.now()
    decision.reopened_at, decision.reopened_by, decision.reopen_reason = now, admin, reason[:2000]
    decision.save()
    if case.term_ids:
        field = "confirmed" if decision.confirmed else "rejected"
        Term.objects.filter(term_id__in=case.term_ids, **{f"{field}__gt": 0}).update(**{field: F(field) - 1})
    case.status, case.decided_at, case.claimed_by, case.claimed_at = CaseStatus.REFERRED, None, None, None
    if case.platform is not None:  # back in the queue: a fresh SLA from now
        case.referred_at = now
        case.due_at = now + timedelta(hours=settings_of(case.platform).sla_hours)
    case.save()
    audit("case.reopen", actor=admin, organisation=case.platform.organisation if case.platform else None,
          target=f"case:{case.pk}", reason=reason[:200], decision=decision.pk)
    return case


def hold_message(case: Case) -> dict[str, Any]:
    """All a member may learn of a hold on its case (kept on the case when the hold matched): what to do and until
    when; never the agency or its case."""
    notice = dict(case.hold_notice)
    return {k: notice[k] for k in ("action", "until", "may_remove", "must_preserve", "message") if k in notice}


def current_decision(case: Case) -> Decision | None:
    return case.decisions.filter(reopened_at=None).first()


# --- what reporters see ------------------------------------------------------------------------------------------

#: public stages of a report, in order; nothing private (platform's reviewer, law enforcement, other reports)
STAGES = ("received", "in_review", "action_taken", "no_violation", "not_actionable", "outreach")


def public_stage(case: Case) -> str:
    """What a reporter may know. A case on hold reads as "in review": a hold is never revealed."""
    if case.status == CaseStatus.DECIDED:
        decision = current_decision(case)
        return "action_taken" if decision is not None and decision.confirmed else "no_violation"
    return {CaseStatus.TRIAGE: "received", CaseStatus.REJECTED: "not_actionable",
            CaseStatus.OUTREACH: "outreach"}.get(CaseStatus(case.status), "in_review")


def reporter_accuracy(user: Any) -> tuple[int, int, float | None]:
    """(reports decided, of which confirmed, the share confirmed or None): a volunteer's accuracy."""
    decided = confirmed = 0
    for report in Report.objects.filter(reporter=user, case__status=CaseStatus.DECIDED).select_related("case"):
        decision = current_decision(report.case)
        if decision is None:
            continue
        decided += 1
        confirmed += decision.confirmed
    return decided, confirmed, (confirmed / decided if decided else None)
