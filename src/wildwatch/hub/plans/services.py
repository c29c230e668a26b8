"""Action plans and training sessions: who sees what, and every write (atomic and audited).

A plan is seen by its member company's people and by the analysts of its partner NGO, by nobody else (others get a
404); it is edited by the company's member admins and the partner NGO's analysts. Progress counts the items that are
not dropped: ``done`` of ``total``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from wildwatch.hub.accounts.models import Membership, Organisation
from wildwatch.hub.accounts.roles import MEMBERS, OrgKind, PlatformType, Role
from wildwatch.hub.accounts.services import audit

from . import plan_templates
from .models import ActionPlan, ItemSource, ItemStatus, PlanItem, ProgressSnapshot, TrainingSession


class PlansError(ValueError):
    """A request that breaks a rule of action plans or training records."""


def _orgs(user: Any, roles: frozenset[str] | set[str]) -> QuerySet[Organisation]:
    if user is None or not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    ids = Membership.objects.filter(user=user, role__in=roles).values("organisation_id")
    return Organisation.objects.filter(pk__in=ids)


def analyst_ngos(user: Any) -> QuerySet[Organisation]:
    """The NGOs in which ``user`` is an analyst."""
    return _orgs(user, {Role.ANALYST}).filter(kind=OrgKind.NGO)


def member_companies(user: Any, roles: frozenset[str] | set[str] = MEMBERS) -> QuerySet[Organisation]:
    """The member companies in which ``user`` has one of ``roles``."""
    return _orgs(user, roles).filter(kind=OrgKind.MEMBER)


# -- action plans -------------------------------------------------------------------------------------------------

def visible_plans(user: Any) -> QuerySet[ActionPlan]:
    return ActionPlan.objects.filter(
        Q(organisation__in=member_companies(user)) | Q(partner__in=analyst_ngos(user))
    ).select_related("organisation", "partner").distinct()


def visible_plan(user: Any, pk: int) -> ActionPlan:
    """The plan ``pk`` if ``user`` may see it; ``Http404`` otherwise (its existence stays confidential)."""
    plan = visible_plans(user).filter(pk=pk).first()
    if plan is None:
        raise Http404("no such plan")
    return plan


def can_edit(user: Any, plan: ActionPlan) -> bool:
    return (member_companies(user, {Role.MEMBER_ADMIN}).filter(pk=plan.organisation_id).exists()
            or analyst_ngos(user).filter(pk=plan.partner_id).exists())


def progress(plan: ActionPlan) -> tuple[int, int]:
    """(items done, items not dropped)."""
    items = plan.items.exclude(status=ItemStatus.DROPPED)
    return items.filter(status=ItemStatus.DONE).count(), items.count()


def with_progress(plans: QuerySet[ActionPlan]) -> QuerySet[ActionPlan]:
    """The plans annotated with ``done`` and ``total`` (as ``progress``), in one query."""
    return plans.annotate(
        done=Count("items", filter=Q(items__status=ItemStatus.DONE), distinct=True),
        total=Count("items", filter=~Q(items__status=ItemStatus.DROPPED), distinct=True))


def record_snapshot(plan: ActionPlan) -> ProgressSnapshot:
    done, total = progress(plan)
    return ProgressSnapshot.objects.create(plan=plan, date=timezone.localdate(), done=done, total=total)


@transaction.atomic
def create_plan(organisation: Organisation, partner: Organisation, platform_type: str,
                assessment: dict[str, bool] | None = None, *, actor: Any = None) -> ActionPlan:
    """A plan for a member company from the template of its platform type, plus the items its vulnerability
    assessment suggests (answers: {question key: yes/no}); its first progress snapshot is recorded."""
    if organisation.kind != OrgKind.MEMBER:
        raise PlansError(f"action plans are for member companies; {organisation.slug} is a {organisation.kind}")
    if partner.kind != OrgKind.NGO:
        raise PlansError(f"the partner of a plan is an NGO; {partner.slug} is a {partner.kind}")
    if platform_type not in PlatformType.values:
        raise PlansError(f"unknown platform type {platform_type!r}")
    if ActionPlan.objects.filter(organisation=organisation, platform_type=platform_type).exists():
        raise PlansError(f"{organisation.slug} already has a plan for {platform_type}")
    answers = {k: bool(v) for k, v in (assessment or {}).items() if k in plan_templates.ASSESSMENT_KEYS}
    plan = ActionPlan.objects.create(organisation=organisation, partner=partner, platform_type=platform_type,
                                     assessment=answers,
                                     created_by=actor if getattr(actor, "is_authenticated", False) else None)
    today = timezone.localdate()
    specs = [(ItemSource.TEMPLATE, s) for s in plan_templates.template_items(platform_type)]
    specs += [(ItemSource.ASSESSMENT, s) for s in plan_templates.suggested_items(answers)]
    PlanItem.objects.bulk_create(
        PlanItem(plan=plan, position=n, key=spec.key, source=source, title=spec.title,
                 due_date=today + timedelta(days=spec.due_in_days))
        for n, (source, spec) in enumerate(specs, 1))
    record_snapshot(plan)
    audit("plan.create", actor=actor, organisation=organisation, target=f"plan:{plan.pk}", partner=partner.slug,
          platform_type=platform_type, items=len(specs))
    return plan


@transaction.atomic
def update_item(item: PlanItem, *, owner: str, due_date: date | None, status: str, notes: str,
                actor: Any = None) -> PlanItem:
    """Change an item; a status change records a progress snapshot."""
    if status not in ItemStatus.values:
        raise PlansError(f"unknown status {status!r}")
    item = PlanItem.objects.select_for_update().get(pk=item.pk)
    old_status = item.status
    item.owner, item.due_date, item.status, item.notes = owner.strip(), due_date, status, notes.strip()
    item.save()
    if status != old_status:
        record_snapshot(item.plan)
    audit("plan.item.update", actor=actor, organisation=item.plan.organisation, target=f"plan:{item.plan_id}",
          item=item.pk, status=status, previous=old_status)
    return item


@transaction.atomic
def add_item(plan: ActionPlan, title: str, *, owner: str = "", due_date: date | None = None, notes: str = "",
             actor: Any = None) -> PlanItem:
    """An item written by hand, at the end of the plan (the plan's total changes: a snapshot is recorded)."""
    if not title.strip():
        raise PlansError("an item needs a title")
    ActionPlan.objects.select_for_update().filter(pk=plan.pk).first()  # one position at a time
    position = (plan.items.aggregate(m=Max("position"))["m"] or 0) + 1
    item = PlanItem.objects.create(plan=plan, position=position, source=ItemSource.CUSTOM, title=title.strip(),
                                   owner=owner.strip(), due_date=due_date, notes=notes.strip())
    record_snapshot(plan)
    audit("plan.item.add", actor=actor, organisation=plan.organisation, target=f"plan:{plan.pk}", item=item.pk)
    return item


@transaction.atomic
def reassess(plan: ActionPlan, answers: dict[str, bool], *, actor: Any = None) -> list[PlanItem]:
    """Store new assessment answers and add the suggested items the plan does not have yet (items already in it
    stay, whatever the answers). Returns the items added; a snapshot is recorded when there are some."""
    plan = ActionPlan.objects.select_for_update().get(pk=plan.pk)
    plan.assessment = {k: bool(v) for k, v in answers.items() if k in plan_templates.ASSESSMENT_KEYS}
    plan.save(update_fields=["assessment", "updated_at"])
    have = set(plan.items.values_list("key", flat=True))
    position = plan.items.aggregate(m=Max("position"))["m"] or 0
    today = timezone.localdate()
    added = [PlanItem.objects.create(plan=plan, position=position + n, key=spec.key, source=ItemSource.ASSESSMENT,
                                     title=spec.title, due_date=today + timedelta(days=spec.due_in_days))
             for n, spec in enumerate((s for s in plan_templates.suggested_items(plan.assessment)
                                       if s.key not in have), 1)]
    if added:
        record_snapshot(plan)
    audit("plan.reassess", actor=actor, organisation=plan.organisation, target=f"plan:{plan.pk}",
          answers=plan.assessment, added=[i.key for i in added])
    return added


# -- training sessions --------------------------------------------------------------------------------------------

def visible_sessions(user: Any) -> QuerySet[TrainingSession]:
    """Analysts see every session; a member company's admins see their own company's."""
    qs = TrainingSession.objects.select_related("organisation", "trainer")
    if analyst_ngos(user).exists():
        return qs
    return qs.filter(organisation__in=member_companies(user, {Role.MEMBER_ADMIN}))


def session_companies(user: Any) -> QuerySet[Organisation]:
    """The member companies ``user`` may record sessions for."""
    if analyst_ngos(user).exists():
        return Organisation.objects.filter(kind=OrgKind.MEMBER)
    return member_companies(user, {Role.MEMBER_ADMIN})


@transaction.atomic
def record_session(organisation: Organisation, *, date: date, topic: str, trainer: Organisation, staff_trained: int,
                   notes: str = "", actor: Any = None) -> TrainingSession:
    if organisation.kind != OrgKind.MEMBER:
        raise PlansError(f"training sessions are for member companies; {organisation.slug} is a {organisation.kind}")
    if staff_trained < 1:
        raise PlansError("a session trains at least one person")
    if not topic.strip():
        raise PlansError("a session needs a topic")
    session = TrainingSession.objects.create(
        organisation=organisation, date=date, topic=topic.strip(), trainer=trainer, staff_trained=staff_trained,
        notes=notes.strip(), created_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit("training.session.record", actor=actor, organisation=organisation, target=f"session:{session.pk}",
          trainer=trainer.slug, staff_trained=staff_trained, date=date.isoformat())
    return session


def total_staff(sessions: QuerySet[TrainingSession]) -> int:
    return int(sessions.aggregate(n=Sum("staff_trained"))["n"] or 0)


def staff_trained(start: date, end: date, organisation_ids: list[int] | None = None) -> int:
    """The staff trained in sessions dated from ``start`` to ``end`` (both included), for some member companies
    (all of them by default)."""
    qs = TrainingSession.objects.filter(date__gte=start, date__lte=end)
    if organisation_ids is not None:
        qs = qs.filter(organisation_id__in=organisation_ids)
    return total_staff(qs)
