"""Action plans: templates per platform type, assessment → suggested items, progress snapshots, confidentiality."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from login_helpers import force_login

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry, Organisation
from wildwatch.hub.accounts.roles import PlatformType, Role
from wildwatch.hub.plans import plan_templates, services
from wildwatch.hub.plans.models import ActionPlan, ItemSource, ItemStatus, PlanItem

PASSWORD = "correct-horse-battery-9"  # as in conftest

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(role_users: dict[str, Any]) -> dict[str, Any]:
    """t-market (member, partner NGO t-ngo) with a plan; another member and another NGO with their own people."""
    ngo = Organisation.objects.get(slug="t-ngo")
    market = Organisation.objects.get(slug="t-market")
    other_ngo = accounts.create_organisation("o-ngo", "Other NGO", "ngo")
    other_member = accounts.create_organisation("o-shop", "Other Shop", "member")
    users = {
        "analyst": role_users[Role.ANALYST], "admin": role_users[Role.MEMBER_ADMIN],
        "reviewer": role_users[Role.REVIEWER],
        "other_analyst": accounts.add_member(other_ngo, "o-analyst", Role.ANALYST, password=PASSWORD),
        "other_admin": accounts.add_member(other_member, "o-admin", Role.MEMBER_ADMIN, password=PASSWORD),
    }
    plan = services.create_plan(market, ngo, PlatformType.ECOMMERCE, {"private_messaging": True},
                                actor=users["analyst"])
    return {"plan": plan, "ngo": ngo, "market": market, "other_ngo": other_ngo, "other_member": other_member,
            **users}


def _client(user: Any) -> Client:
    client = Client()
    force_login(client, user)
    return client


@pytest.mark.parametrize("platform_type", PlatformType.values)
def test_a_plan_starts_from_its_platform_types_template(platform_type: str, role_users: dict[str, Any]) -> None:
    spec = plan_templates.template_items(platform_type)
    assert 6 <= len(spec) <= 10
    plan = services.create_plan(Organisation.objects.get(slug="t-market"), Organisation.objects.get(slug="t-ngo"),
                                platform_type)
    items = list(plan.items.all())
    assert [i.key for i in items] == [s.key for s in spec]
    assert {i.source for i in items} == {ItemSource.TEMPLATE}
    assert all(i.status == ItemStatus.TODO and i.due_date is not None for i in items)
    assert AuditEntry.objects.filter(action="plan.create", target=f"plan:{plan.pk}").exists()


def test_template_texts_are_translated() -> None:
    with translation.override("fr"):
        for specs in plan_templates.TEMPLATES.values():
            for spec in specs:
                assert translation.gettext(spec.title) != spec.title, spec.title
        for q in plan_templates.ASSESSMENT:
            assert translation.gettext(q.text) != q.text, q.text


def test_the_assessment_suggests_items(role_users: dict[str, Any]) -> None:
    assert plan_templates.suggested_items({}) == []
    keys = [s.key for s in plan_templates.suggested_items({"private_messaging": True, "in_app_payment": True,
                                                           "search": False})]
    assert keys == ["a-message-reports", "a-off-platform", "a-payments"]
    plan = services.create_plan(Organisation.objects.get(slug="t-market"), Organisation.objects.get(slug="t-ngo"),
                                PlatformType.SOCIAL, {"live_animals": True, "unknown": True, "search": False})
    assert plan.assessment == {"live_animals": True, "search": False}  # answers stored, unknown keys dropped
    suggested = list(plan.items.filter(source=ItemSource.ASSESSMENT).values_list("key", flat=True))
    assert suggested == ["a-live-animals"]
    assert plan.items.count() == len(plan_templates.template_items(PlatformType.SOCIAL)) + 1


def test_plan_rules(world: dict[str, Any]) -> None:
    with pytest.raises(services.PlansError):  # one plan per company and platform type
        services.create_plan(world["market"], world["ngo"], PlatformType.ECOMMERCE)
    with pytest.raises(services.PlansError):
        services.create_plan(world["ngo"], world["ngo"], PlatformType.SOCIAL)
    with pytest.raises(services.PlansError):
        services.create_plan(world["other_member"], world["market"], PlatformType.SOCIAL)


def test_progress_snapshots_on_every_status_change(world: dict[str, Any]) -> None:
    plan: ActionPlan = world["plan"]
    total = plan.items.count()
    assert [(s.done, s.total) for s in plan.snapshots.all()] == [(0, total)]
    first, second = plan.items.all()[:2]
    services.update_item(first, owner="Trust & Safety", due_date=None, status=ItemStatus.DONE, notes="",
                         actor=world["admin"])
    services.update_item(first, owner="T&S team", due_date=None, status=ItemStatus.DONE, notes="renamed")
    services.update_item(second, owner="", due_date=None, status=ItemStatus.DROPPED, notes="")
    services.add_item(plan, "Audit the pet category", owner="Ops")
    assert [(s.done, s.total) for s in plan.snapshots.all()] == [(0, total), (1, total), (1, total - 1),
                                                                  (1, total)]
    assert services.progress(plan) == (1, total)
    html = _client(world["admin"]).get(reverse("plans:plan", args=[plan.pk])).content.decode()
    assert 'id="snapshots"' in html and "Audit the pet category" in html
    assert AuditEntry.objects.filter(action="plan.item.update").count() == 3


def test_a_plan_is_confidential(world: dict[str, Any]) -> None:
    url = reverse("plans:plan", args=[world["plan"].pk])
    for who in ("analyst", "admin", "reviewer"):
        assert _client(world[who]).get(url).status_code == 200, who
        assert url in _client(world[who]).get(reverse("plans:home")).content.decode(), who
    for who in ("other_analyst", "other_admin"):
        assert _client(world[who]).get(url).status_code == 404, who
        assert url not in _client(world[who]).get(reverse("plans:home")).content.decode(), who
        item = world["plan"].items.first()
        response = _client(world[who]).post(reverse("plans:item", args=[world["plan"].pk, item.pk]),
                                            {f"item{item.pk}-status": "done"})
        assert response.status_code == 404, who
    assert world["plan"].items.filter(status=ItemStatus.DONE).count() == 0


def test_editors_edit_items_and_readers_do_not(world: dict[str, Any]) -> None:
    plan: ActionPlan = world["plan"]
    item = plan.items.first()
    assert item is not None
    url = reverse("plans:item", args=[plan.pk, item.pk])
    data = {f"item{item.pk}-owner": "Policy team", f"item{item.pk}-due_date": "2030-01-31",
            f"item{item.pk}-status": "in_progress", f"item{item.pk}-notes": "Draft shared"}
    assert _client(world["reviewer"]).post(url, data).status_code == 403
    assert "Edit this action" not in _client(world["reviewer"]).get(reverse("plans:plan", args=[plan.pk])).content.decode()
    response = _client(world["admin"]).post(url, data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.owner, str(item.due_date), item.status, item.notes) == ("Policy team", "2030-01-31", "in_progress",
                                                                         "Draft shared")
    bad = _client(world["analyst"]).post(url, {**data, f"item{item.pk}-status": "nonsense"})
    assert bad.status_code == 422
    added = _client(world["analyst"]).post(reverse("plans:add_item", args=[plan.pk]),
                                           {"title": "Quarterly review call", "owner": "NGO"})
    assert added.status_code == 302
    assert PlanItem.objects.filter(plan=plan, title="Quarterly review call", source=ItemSource.CUSTOM).exists()


def test_an_analyst_creates_a_plan(world: dict[str, Any]) -> None:
    client = _client(world["analyst"])
    page = client.get(reverse("plans:new"))
    assert page.status_code == 200 and "Vulnerability assessment" in page.content.decode()
    response = client.post(reverse("plans:new"), {
        "organisation": world["other_member"].pk, "partner": world["ngo"].pk, "platform_type": "search",
        "a_search": "on", "a_cross_border": "on"})
    assert response.status_code == 302
    plan = ActionPlan.objects.get(organisation=world["other_member"])
    assert plan.partner == world["ngo"] and plan.created_by == world["analyst"]
    assert set(plan.items.filter(source=ItemSource.ASSESSMENT).values_list("key", flat=True)) == {
        "a-search-popups", "a-cross-border"}
    # the analyst cannot name another NGO as partner
    refused = client.post(reverse("plans:new"), {
        "organisation": world["other_member"].pk, "partner": world["other_ngo"].pk, "platform_type": "social"})
    assert refused.status_code == 422
    # duplicates are refused with a message, not an error page
    again = client.post(reverse("plans:new"), {
        "organisation": world["other_member"].pk, "partner": world["ngo"].pk, "platform_type": "search"})
    assert again.status_code == 422


def test_the_plan_page_in_french(world: dict[str, Any]) -> None:
    client = _client(world["admin"])
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    html = client.get(reverse("plans:plan", args=[world["plan"].pk])).content.decode()
    assert "Publier une politique" in html and "Évaluation de la vulnérabilité" in html


def test_reassessing_adds_the_missing_suggestions(world: dict[str, Any]) -> None:
    plan: ActionPlan = world["plan"]  # assessed with private messaging: two suggested items
    before = plan.items.count()
    added = services.reassess(plan, {"private_messaging": True, "in_app_payment": True})
    assert [i.key for i in added] == ["a-payments"]
    assert services.reassess(plan, {"private_messaging": False, "in_app_payment": True}) == []
    plan.refresh_from_db()
    assert plan.assessment == {"private_messaging": False, "in_app_payment": True}
    assert plan.items.count() == before + 1  # items already in the plan stay
    response = _client(world["analyst"]).post(reverse("plans:assessment", args=[plan.pk]),
                                              {"a_cross_border": "on", "a_in_app_payment": "on"})
    assert response.status_code == 302
    assert plan.items.filter(key="a-cross-border", source=ItemSource.ASSESSMENT).exists()
    assert _client(world["reviewer"]).post(reverse("plans:assessment", args=[plan.pk]), {}).status_code == 403
    assert _client(world["other_analyst"]).post(reverse("plans:assessment", args=[plan.pk]), {}).status_code == 404
    annotated = services.with_progress(services.visible_plans(world["admin"])).get(pk=plan.pk)
    assert (annotated.done, annotated.total) == services.progress(plan)
