"""Law-enforcement holds and deconfliction. Every write and every check is audited.

Officers of an agency register holds on identifiers (``create_hold``). Before a coalition analyst refers a case to a
member platform (``hold_for_case``, called by ``reports.services.refer``) and when a member asks before acting
(``deconflict``, behind ``POST /api/v1/deconflict``), the hub looks the case's or the request's identifiers up among
the active holds. The asker learns only a ``HoldNotice`` (do not act before a date, or remove but preserve the data;
contact the coalition), never the agency, the case or another hold; the agency is told of the match (a
``Notification`` and an e-mail to its officers). Nothing here stores or audits an identifier's plaintext.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wildwatch.hub.accounts.models import ApiKey, Organisation, Platform
from wildwatch.hub.accounts.roles import OrgKind, Role
from wildwatch.hub.accounts.services import audit

from . import identifiers as ids
from .identifiers import Identifier
from .models import Hold, HoldIdentifier, HoldKind, Notification, NotificationKind, Subscription

logger = logging.getLogger("wildwatch.enforcement")
#: the longest a hold may last (an agency renews it with a new hold)
MAX_HOLD_DAYS = 366
COALITION_CONTACT = "contact the coalition"


class HoldError(ValueError):
    """A hold that cannot be registered or lifted (the message says why)."""


@dataclass(frozen=True)
class HoldNotice:
    """All a member may learn of a hold: do not act before ``until`` (``do_not_act``), or remove the listing but
    preserve its data until then (``remove_and_preserve``); contact the coalition."""

    until: date
    kind: str = HoldKind.DO_NOT_ACT

    @property
    def may_remove(self) -> bool:
        return self.kind == HoldKind.REMOVE_AND_PRESERVE

    @property
    def message(self) -> str:
        if self.may_remove:
            return (f"hold for law-enforcement review: you may remove the listing, but preserve its data (listing, "
                    f"account, messages, logs) until {self.until.isoformat()}; {COALITION_CONTACT}")
        return (f"hold for law-enforcement review: do not act before {self.until.isoformat()}; "
                f"{COALITION_CONTACT}")

    def to_dict(self) -> dict[str, Any]:
        """The API's answer: the same keys as ``NO_HOLD``."""
        return {"hold": True, "action": str(self.kind), "until": self.until.isoformat(),
                "may_remove": self.may_remove, "must_preserve": self.may_remove, "message": self.message,
                "shared_signals": []}


#: the API's answer when no hold matches: the same shape as a hold's
NO_HOLD: dict[str, Any] = {"hold": False, "action": None, "until": None, "may_remove": True, "must_preserve": False,
                           "message": "no hold", "shared_signals": []}


@dataclass
class Match:
    hold: Hold
    identifiers: list[HoldIdentifier] = field(default_factory=list)


# --- who is an officer of which agency ---------------------------------------------------------------------------


def agency_of(user: Any) -> Organisation | None:
    """The agency the user is an officer of (the first by name, if several)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Organisation.objects.filter(kind=OrgKind.AGENCY, memberships__user=user.pk,
                                       memberships__role=Role.OFFICER).order_by("name", "id").first()


def holds_of(agency: Organisation) -> QuerySet[Hold]:
    return Hold.objects.filter(agency=agency).prefetch_related("identifiers").order_by("lifted_at", "until", "id")


def active_holds() -> QuerySet[Hold]:
    return Hold.objects.filter(lifted_at=None, until__gt=timezone.localdate())


# --- registering and lifting holds -------------------------------------------------------------------------------


@transaction.atomic
def create_hold(agency: Organisation, *, kind: str, case_reference: str, until: date,
                identifiers: Sequence[Identifier], actor: Any = None) -> Hold:
    """A hold of the agency on the identifiers (already normalised: see ``identifiers``), until ``until``."""
    if agency.kind != OrgKind.AGENCY:
        raise HoldError(f"only law-enforcement agencies register holds; {agency.slug} is a {agency.kind}")
    if kind not in HoldKind.values:
        raise HoldError(f"unknown kind of hold {kind!r}")
    reference = case_reference.strip()
    if not reference:
        raise HoldError("a hold needs the agency's case reference")
    today = timezone.localdate()
    if until <= today:
        raise HoldError("a hold ends in the future")
    if until > today + timedelta(days=MAX_HOLD_DAYS):
        raise HoldError(f"a hold lasts at most {MAX_HOLD_DAYS} days; register a new one to extend it")
    if not identifiers:
        raise HoldError("a hold needs at least one identifier")
    hold = Hold.objects.create(agency=agency, kind=kind, case_reference=reference[:100], until=until,
                               created_by=actor if getattr(actor, "is_authenticated", False) else None)
    key = ids.hold_key()
    rows: dict[str, HoldIdentifier] = {}
    for ident in identifiers:
        digest = ids.digest(ident, key)
        rows.setdefault(digest, HoldIdentifier(hold=hold, kind=ident.kind, digest=digest, hint=ident.hint[:100]))
    HoldIdentifier.objects.bulk_create(rows.values())
    audit("hold.create", actor=actor, organisation=agency, target=f"hold:{hold.pk}", kind=kind,
          until=until.isoformat(), identifiers=len(rows), kinds=sorted({r.kind for r in rows.values()}))
    return hold


@transaction.atomic
def lift_hold(hold: Hold, actor: Any = None) -> Hold:
    """End a hold before its date (only its agency's officers may: the views check)."""
    hold = Hold.objects.select_for_update().get(pk=hold.pk)
    if hold.lifted_at is not None:
        raise HoldError("this hold was already lifted")
    hold.lifted_at = timezone.now()
    hold.lifted_by = actor if getattr(actor, "is_authenticated", False) else None
    hold.save(update_fields=["lifted_at", "lifted_by"])
    audit("hold.lift", actor=actor, organisation=hold.agency, target=f"hold:{hold.pk}")
    return hold


# --- deconfliction -----------------------------------------------------------------------------------------------


def identifiers_of_case(case: Any) -> list[Identifier]:
    """The case's listing URL, its seller's account on the case's platform and the seller's contacts."""
    found = [Identifier("url", case.canonical_url)]
    platform = case.platform
    if platform is not None and case.seller_handle:
        seller = ids.seller_identifier(platform.slug, case.seller_handle)
        if seller is not None:
            found.append(seller)
    region = ids.region_of(platform.countries) if platform is not None else None
    for contact in case.seller_contacts or []:
        ident = ids.contact_identifier(str(contact), region)
        if ident is not None:
            found.append(ident)
    return found


def matching_holds(identifiers: Iterable[Identifier]) -> list[Match]:
    """The active holds one of whose identifiers is among ``identifiers`` (or their variants)."""
    key = ids.hold_key()
    digests = {ids.digest(ident, key) for ident in ids.query_variants(identifiers)}
    if not digests:
        return []
    rows = (HoldIdentifier.objects.filter(digest__in=digests, hold__lifted_at=None,
                                          hold__until__gt=timezone.localdate())
            .select_related("hold__agency").order_by("hold_id", "id"))
    matches: dict[int, Match] = {}
    for row in rows:
        matches.setdefault(row.hold_id, Match(row.hold)).identifiers.append(row)
    return list(matches.values())


def notice_of(matches: Sequence[Match]) -> HoldNotice | None:
    """One notice for all the matching holds, the strictest: ``do not act`` if any says so, until the latest date
    of the holds of that kind (asked again then, the member learns of what remains)."""
    if not matches:
        return None
    strict = [m.hold for m in matches if m.hold.kind == HoldKind.DO_NOT_ACT]
    holds = strict or [m.hold for m in matches]
    return HoldNotice(until=max(h.until for h in holds), kind=holds[0].kind)


def _notify_agencies(matches: Sequence[Match], *, source: str, platform: Platform | None, case: Any,
                     actor: Any, api_key: ApiKey | None) -> None:
    agencies: dict[int, Organisation] = {}
    for match in matches:
        hold = match.hold
        agencies[hold.agency_id] = hold.agency
        matched = [{"kind": row.kind, "hint": row.hint} for row in match.identifiers]
        Notification.objects.create(agency=hold.agency, kind=NotificationKind.HOLD_MATCH, hold=hold, case=case,
                                    platform=platform, source=source, matched=matched)
        audit("hold.match", actor=actor, organisation=hold.agency, api_key=api_key, target=f"hold:{hold.pk}",
              source=source, platform=platform.slug if platform else "", case=case.pk if case is not None else None)
    for agency in agencies.values():
        transaction.on_commit(partial(email_officers, agency), robust=True)


def officer_emails(agency: Organisation) -> list[str]:
    users = get_user_model().objects.filter(memberships__organisation=agency, memberships__role=Role.OFFICER,
                                            is_active=True).exclude(email="").distinct()
    return sorted({u.email for u in users})


def email_officers(agency: Organisation) -> int:
    """Tell the agency's officers that one of its holds matched a check: nothing about the hold or the listing in
    the e-mail (it leaves the hub); they read the details on their page."""
    subject = _("wildwatch: a check matched one of your holds")
    body = _("A platform or a coalition analyst checked a listing or a seller that one of your agency's holds "
             "covers. Sign in to wildwatch to see which hold matched: %(path)s") % {
        "path": reverse("enforcement:home")}
    messages = [mail.EmailMessage(subject, body, to=[address]) for address in officer_emails(agency)]
    if not messages:
        return 0
    with mail.get_connection() as connection:
        return int(connection.send_messages(messages) or 0)


def hold_for_case(case: Any, *, asked_by: Any = None) -> HoldNotice | None:
    """The notice of a hold on the case's listing URL or seller identifiers, or None: before a referral, and when a
    member's report joins a held case. The holding agencies are notified; the check is audited."""
    idents = identifiers_of_case(case)
    matches = matching_holds(idents)
    _notify_agencies(matches, source="case", platform=case.platform, case=case, actor=asked_by, api_key=None)
    audit("deconflict.check", actor=asked_by, target=f"case:{case.pk}", source="case",
          identifiers=len(idents), kinds=sorted({i.kind for i in idents}), matched=bool(matches))
    return notice_of(matches)


def deconflict(api_key: ApiKey, identifiers: Sequence[Identifier]) -> HoldNotice | None:
    """A member's question before acting (the API has checked that the listing is on the key's platform)."""
    matches = matching_holds(identifiers)
    platform = api_key.platform
    _notify_agencies(matches, source="api", platform=platform, case=None, actor=None, api_key=api_key)
    audit("deconflict.check", organisation=platform.organisation, api_key=api_key, target=f"platform:{platform.slug}",
          source="api", identifiers=len(identifiers), kinds=sorted({i.kind for i in identifiers}),
          matched=bool(matches))
    return notice_of(matches)


# --- subscriptions -----------------------------------------------------------------------------------------------


@transaction.atomic
def subscribe(user: Any, agency: Organisation, *, taxon: Any = None, country: str = "") -> Subscription:
    country = country.strip().upper()
    if taxon is None and not country:
        raise HoldError("choose a species or a country")
    found, created = Subscription.objects.get_or_create(user=user, agency=agency, taxon=taxon, country=country)
    if created:
        audit("enforcement.subscribe", actor=user, organisation=agency, target=f"subscription:{found.pk}",
              taxon=taxon.taxon_id if taxon is not None else "", country=country)
    return found


@transaction.atomic
def unsubscribe(subscription: Subscription, actor: Any) -> None:
    audit("enforcement.unsubscribe", actor=actor, organisation=subscription.agency,
          target=f"subscription:{subscription.pk}")
    subscription.delete()


def notify_subscribers(case: Any) -> int:
    """Notifications for the subscriptions a newly referred case matches (its species, or a country of its
    platform or of its seller), for the officers whose jurisdiction covers it (``evidence.services.officer_may_see``,
    the one rule); at most one per officer and case. Returns how many were made."""
    from wildwatch.hub.evidence.services import officer_may_see

    from . import monitoring

    made = 0
    seen: set[int] = set()
    for sub in Subscription.objects.select_related("agency", "user").order_by("user_id", "id"):
        if sub.user_id in seen:
            continue
        if sub.taxon_id is not None and sub.taxon_id != case.taxon_id:
            continue
        if sub.country and not monitoring.case_in_country(case, sub.country):
            continue
        if not officer_may_see(sub.user, case):
            continue
        seen.add(sub.user_id)
        if Notification.objects.filter(recipient_id=sub.user_id, case=case, kind=NotificationKind.NEW_CASE).exists():
            continue
        Notification.objects.create(agency=sub.agency, recipient_id=sub.user_id, kind=NotificationKind.NEW_CASE,
                                    case=case, platform=case.platform, source="subscription")
        made += 1
    if made:
        audit("enforcement.notify", target=f"case:{case.pk}", notifications=made)
    return made


def notifications_for(user: Any, agency: Organisation) -> QuerySet[Notification]:
    """What the officer sees: the agency's notifications for everyone and their own."""
    from django.db.models import Q

    return (Notification.objects.filter(Q(recipient=None) | Q(recipient=user.pk), agency=agency)
            .select_related("hold", "case", "platform"))
