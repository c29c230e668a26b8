"""The member companies' review queues and the coalition's triage list: who sees which case, exclusive claims
(claim one, claim the next, release, and the expiry of idle claims) and each member's SLA.

Triage and decisions themselves are ``reports.services`` (``accept``, ``reject``, ``decide``, ``reopen``).

A claim is a conditional update (``UPDATE … WHERE claimed_by IS NULL``) whose row count says who won: that holds on
every database (Django ignores ``select_for_update`` on SQLite). On databases with ``SKIP LOCKED`` (PostgreSQL),
"claim the next case" first locks its candidate with ``SELECT … FOR UPDATE SKIP LOCKED`` inside a transaction, so
that concurrent reviewers are handed different cases instead of racing for the same one. Every claim, release and
expiry is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case as Switch
from django.db.models import Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Abs
from django.utils import timezone

from wildwatch.hub.accounts.models import Organisation, Platform
from wildwatch.hub.accounts.roles import COALITION, OrgKind, Role
from wildwatch.hub.accounts.services import audit, roles_of
from wildwatch.hub.reports.models import Case, CaseStatus, MemberSettings

#: the roles that see their company's queue; claiming and deciding need ``Role.REVIEWER``
QUEUE_ROLES = frozenset({Role.REVIEWER, Role.MEMBER_ADMIN})
#: a member sees its cases once referred (never while in triage, rejected or held)
MEMBER_STATUSES = (CaseStatus.REFERRED, CaseStatus.DECIDED)
TRIAGE_STATUSES = (CaseStatus.TRIAGE, CaseStatus.ON_HOLD)
DEFAULT_CLAIM_MINUTES = 120
MAX_SLA_HOURS = 24 * 30
#: "claim next" gives up after this many lost races (each lost race means another reviewer got a case)
MAX_ATTEMPTS = 50


class ReviewError(Exception):
    """An action on a case that cannot be done now (claimed by someone else, no longer open, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- who sees what -----------------------------------------------------------------------------------------------


def member_org_ids(user: Any, roles: frozenset[str] = QUEUE_ROLES) -> list[int]:
    """The member companies in which ``user`` has one of ``roles``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return sorted(set(Organisation.objects.filter(
        kind=OrgKind.MEMBER, memberships__user=user, memberships__role__in=roles).values_list("pk", flat=True)))


def is_coalition(user: Any) -> bool:
    return bool(roles_of(user) & COALITION)


def visible_cases(user: Any) -> QuerySet[Case]:
    """Coalition analysts see every case; a member's people see their own company's cases once referred."""
    if is_coalition(user):
        return Case.objects.all()
    return Case.objects.filter(platform__organisation__in=member_org_ids(user), status__in=MEMBER_STATUSES)


def _platforms(user: Any, roles: frozenset[str]) -> dict[int, Platform]:
    orgs = member_org_ids(user, roles)
    return {p.pk: p for p in Platform.objects.filter(organisation__in=orgs).select_related("organisation")}


def urgent_first(cases: QuerySet[Case], now: datetime | None = None, *, uncertain: bool = False) -> QuerySet[Case]:
    """Overdue cases first, then the most severe, then the soonest due; each case carries ``overdue`` (0 or 1).
    ``uncertain`` (active learning): after the overdue ones, the cases whose classifier score is nearest 0.5 (the
    decisions that teach the model the most), then the unscored ones, most urgent first."""
    now = now or timezone.now()
    cases = cases.annotate(overdue=Switch(When(due_at__lt=now, then=Value(1)), default=Value(0),
                                          output_field=IntegerField()))
    if uncertain:
        cases = cases.annotate(uncertainty=Abs(F("model_score") - Value(0.5)))
        return cases.order_by("-overdue", F("uncertainty").asc(nulls_last=True), "-severity", "due_at", "pk")
    return cases.order_by("-overdue", "-severity", "due_at", "pk")


def prefers_uncertain(org_ids: Iterable[int]) -> bool:
    """Whether a queue over these companies is ordered by uncertainty: when every one of them chose it."""
    ids = set(org_ids)
    chosen = set(MemberSettings.objects.filter(organisation_id__in=ids, queue_order=MemberSettings.QueueOrder
                                               .UNCERTAIN).values_list("organisation_id", flat=True))
    return bool(ids) and chosen == ids


def queue(user: Any, now: datetime | None = None) -> QuerySet[Case]:
    """The open cases (referred, not decided) of the user's companies, in their chosen order."""
    orgs = member_org_ids(user)
    cases = Case.objects.filter(status=CaseStatus.REFERRED, platform__organisation__in=orgs)
    return urgent_first(cases.select_related("platform", "claimed_by"), now, uncertain=prefers_uncertain(orgs))


def recently_decided(user: Any, limit: int = 20) -> QuerySet[Case]:
    return Case.objects.filter(status=CaseStatus.DECIDED, platform__organisation__in=member_org_ids(user)).order_by(
        "-decided_at", "-pk").select_related("platform")[:limit]


@dataclass(frozen=True)
class QueueCounts:
    open: int
    overdue: int
    unclaimed: int
    mine: int


def counts(user: Any, now: datetime | None = None) -> QueueCounts:
    """How many open cases the user's companies have, how many are overdue (past their SLA), unclaimed, theirs."""
    now = now or timezone.now()
    found = Case.objects.filter(status=CaseStatus.REFERRED, platform__organisation__in=member_org_ids(user)).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)),
        unclaimed=Count("pk", filter=Q(claimed_by=None)), mine=Count("pk", filter=Q(claimed_by=user.pk)))
    return QueueCounts(**found)


def triage_queue() -> QuerySet[Case]:
    """Cases waiting for triage, and held ones, most severe first, with their number of reports."""
    return Case.objects.filter(status__in=TRIAGE_STATUSES).select_related("platform").annotate(
        report_count=Count("reports")).order_by("-severity", "created_at", "pk")


def sla_hours(org: Organisation) -> int:
    found = MemberSettings.objects.filter(organisation=org).values_list("sla_hours", flat=True).first()
    return found if found is not None else MemberSettings._meta.get_field("sla_hours").get_default()


# --- claims ------------------------------------------------------------------------------------------------------


def _take(pk: int, reviewer: Any, platform: Platform) -> bool:
    """The conditional update: the case becomes the reviewer's only if nobody holds it. True if it did."""
    now = timezone.now()
    with transaction.atomic():
        won = Case.objects.filter(pk=pk, status=CaseStatus.REFERRED, claimed_by__isnull=True,
                                  platform_id=platform.pk).update(claimed_by=reviewer, claimed_at=now,
                                                                  updated_at=now) == 1
        if won:
            audit("case.claim", actor=reviewer, organisation=platform.organisation, target=f"case:{pk}")
    return won


def claim(case: Case, reviewer: Any) -> Case:
    """The reviewer claims one case of their company's queue; exclusive. Claiming one's own claim again is a
    no-op. Raises ``ReviewError`` if someone else holds it or it is not open."""
    platforms = _platforms(reviewer, frozenset({Role.REVIEWER}))
    platform = platforms.get(case.platform_id) if case.platform_id is not None else None
    if platform is None:
        raise ReviewError("not_yours", "this case is not in your company's queue")
    if not _take(case.pk, reviewer, platform):
        current = Case.objects.filter(pk=case.pk).values_list("status", "claimed_by").first()
        if current is not None and current == (CaseStatus.REFERRED, reviewer.pk):
            return Case.objects.get(pk=case.pk)
        if current is None or current[0] != CaseStatus.REFERRED:
            raise ReviewError("not_open", "this case is not open for review")
        raise ReviewError("taken", "another reviewer has claimed this case")
    return Case.objects.get(pk=case.pk)


def _open_unclaimed(platforms: dict[int, Platform]) -> QuerySet[Case]:
    return urgent_first(Case.objects.filter(status=CaseStatus.REFERRED, claimed_by__isnull=True,
                                            platform_id__in=sorted(platforms)),
                        uncertain=prefers_uncertain({p.organisation_id for p in platforms.values()}))


def claim_next(reviewer: Any) -> Case | None:
    """The most urgent unclaimed case of the reviewer's queue, claimed for them; None when none is left."""
    platforms = _platforms(reviewer, frozenset({Role.REVIEWER}))
    if not platforms:
        return None
    skip_locked = connection.features.has_select_for_update_skip_locked
    for _ in range(MAX_ATTEMPTS):
        if skip_locked:  # PostgreSQL: lock the candidate, skipping the ones other reviewers are taking
            with transaction.atomic():
                row = _open_unclaimed(platforms).select_for_update(skip_locked=True).values_list(
                    "pk", "platform_id").first()
                if row is None:
                    return None
                if _take(row[0], reviewer, platforms[row[1]]):
                    return Case.objects.get(pk=row[0])
        else:  # SQLite: no row locks; read outside a transaction, and the conditional update decides
            row = _open_unclaimed(platforms).values_list("pk", "platform_id").first()
            if row is None:
                return None
            if _take(row[0], reviewer, platforms[row[1]]):
                return Case.objects.get(pk=row[0])
        # another reviewer took that case first: try the next one
    return None


def release(case: Case, user: Any) -> Case:
    """Gives a claimed case back to the queue: by the reviewer who holds it, or by an admin of the company."""
    case = Case.objects.select_related("platform__organisation", "claimed_by").get(pk=case.pk)
    if case.status != CaseStatus.REFERRED or case.claimed_by_id is None:
        raise ReviewError("not_claimed", "this case is not claimed")
    org = case.platform.organisation if case.platform else None
    is_admin = org is not None and org.pk in member_org_ids(user, frozenset({Role.MEMBER_ADMIN}))
    if case.claimed_by_id != user.pk and not is_admin:
        raise ReviewError("held_by_other", "another reviewer holds this case")
    holder = case.claimed_by
    with transaction.atomic():
        released = Case.objects.filter(pk=case.pk, status=CaseStatus.REFERRED, claimed_by_id=case.claimed_by_id
                                       ).update(claimed_by=None, claimed_at=None, updated_at=timezone.now())
        if released != 1:
            raise ReviewError("not_claimed", "this case is no longer claimed by the same reviewer")
        audit("case.release", actor=user, organisation=org, target=f"case:{case.pk}",
              reviewer=holder.get_username() if holder else "")
    return Case.objects.get(pk=case.pk)


def claim_minutes() -> int:
    return int(getattr(settings, "WILDWATCH_CLAIM_MINUTES", DEFAULT_CLAIM_MINUTES))


def expire_claims(now: datetime | None = None) -> int:
    """Releases the claims older than ``WILDWATCH_CLAIM_MINUTES`` (default 120) on open cases; returns how many.
    Each release is audited; a claim renewed meanwhile (another reviewer, a new time) is left alone."""
    now = now or timezone.now()
    minutes = claim_minutes()
    cutoff = now - timedelta(minutes=minutes)
    released = 0
    stale = Case.objects.filter(status=CaseStatus.REFERRED, claimed_by__isnull=False, claimed_at__lt=cutoff)
    for case in stale.select_related("platform__organisation", "claimed_by").order_by("pk"):
        with transaction.atomic():
            done = Case.objects.filter(pk=case.pk, status=CaseStatus.REFERRED, claimed_by_id=case.claimed_by_id,
                                       claimed_at=case.claimed_at).update(claimed_by=None, claimed_at=None,
                                                                          updated_at=now)
            if done:
                assert case.claimed_at is not None
                audit("case.claim_expire", organisation=case.platform.organisation if case.platform else None,
                      target=f"case:{case.pk}", reviewer=case.claimed_by.get_username() if case.claimed_by else "",
                      claimed_at=case.claimed_at.isoformat(), minutes=minutes)
        released += done
    return released


# --- the member's settings ---------------------------------------------------------------------------------------


def queue_order(org: Organisation) -> str:
    found = MemberSettings.objects.filter(organisation=org).values_list("queue_order", flat=True).first()
    return found or MemberSettings.QueueOrder.URGENT


@transaction.atomic
def set_queue_order(org: Organisation, order: str, actor: Any) -> MemberSettings:
    """How the company's review queue is ordered (``MemberSettings.QueueOrder``). Audited."""
    if org.kind != OrgKind.MEMBER:
        raise ReviewError("not_member", "only member companies have a review queue")
    if order not in MemberSettings.QueueOrder.values:
        raise ReviewError("queue_order", f"unknown queue order {order!r}")
    found, _ = MemberSettings.objects.select_for_update().get_or_create(organisation=org)
    old, found.queue_order = found.queue_order, order
    found.save(update_fields=["queue_order"])
    audit("review.queue_order", actor=actor, organisation=org, target=org.slug, old=old, new=order)
    return found


@transaction.atomic
def set_sla(org: Organisation, hours: int, actor: Any) -> MemberSettings:
    """A member company's review SLA; the open cases' due times follow it. Audited."""
    if org.kind != OrgKind.MEMBER:
        raise ReviewError("not_member", "only member companies have a review queue")
    if not 1 <= hours <= MAX_SLA_HOURS:
        raise ReviewError("sla_range", f"the SLA is between 1 and {MAX_SLA_HOURS} hours")
    found, _ = MemberSettings.objects.select_for_update().get_or_create(organisation=org)
    old = found.sla_hours
    found.sla_hours = hours
    found.save(update_fields=["sla_hours"])
    Case.objects.filter(platform__organisation=org, status=CaseStatus.REFERRED, referred_at__isnull=False).update(
        due_at=F("referred_at") + timedelta(hours=hours))
    audit("review.sla", actor=actor, organisation=org, target=org.slug, old=old, new=hours)
    return found
