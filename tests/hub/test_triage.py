"""Triage by coalition analysts: the list sorted by severity with its reasons; accept (referral after the
law-enforcement check, or outreach for a platform that is not a member) and reject with a reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from login_helpers import login

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.reports import services as reports
from wildwatch.hub.reports.models import Case, CaseStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(role_users: dict[str, Any]) -> dict[str, Any]:
    market = accounts.create_organisation("t-market", "T-MARKET", "member")
    accounts.add_platform(market, "t-market-web", "Market Web", "ecommerce", ["FR"], domains=["market.example"])
    return {**role_users, "market": market}


@pytest.fixture
def analyst(world: dict[str, Any], password: str) -> Client:
    client = Client()
    assert login(client, "user-analyst", password)
    return client


def new_case(path: str, host: str = "market.example", **facts: Any) -> Case:
    return reports.file_report("public", f"https://{host}/{path}", email="reporter@example.org", **facts).case


def said(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def hold(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A law-enforcement hold on every case (until turned off)."""
    from wildwatch.hub.enforcement import services as enforcement

    state = {"on": True}
    until = timezone.now().date() + timedelta(days=45)
    monkeypatch.setattr(enforcement, "hold_for_case", lambda case, asked_by=None: (
        enforcement.HoldNotice(until=until) if state["on"] else None))
    state["until"] = until
    return state


def test_the_triage_list_is_sorted_by_severity_with_reasons(world: dict[str, Any], analyst: Client) -> None:
    low = new_case("item/1")
    high = new_case("item/2", category="prohibited", product="live_animal", quantity_text="30 birds")
    middle = new_case("item/3", category="restricted")
    done = new_case("item/4")
    reports.reject(done, world["analyst"], "not wildlife")
    response = analyst.get(reverse("review:triage"))
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(f'data-case="{c.pk}"') for c in (high, middle, low)]
    assert positions == sorted(positions)
    assert f'data-case="{done.pk}"' not in html
    for reason in ("prohibited product (+40)", "live animal (+20)", "quantity stated: 30 pieces (+20)",
                   "restricted product (+20)"):
        assert reason in html, reason
    assert '<dd id="count-waiting">3</dd>' in html and "Refer to Market Web" in html


def test_accept_refers_to_the_member_platforms_queue(world: dict[str, Any], analyst: Client) -> None:
    case = new_case("item/1")
    response = analyst.post(reverse("review:accept", args=[case.pk]), {"back": "triage"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("review:triage")
    assert f"Case {case.pk} is referred to Market Web." in said(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED and case.triaged_by == world["analyst"]
    assert case.referred_at is not None and case.due_at == case.referred_at + timedelta(hours=24)
    assert AuditEntry.objects.filter(action="case.refer", target=f"case:{case.pk}").exists()
    again = analyst.post(reverse("review:accept", args=[case.pk]), follow=True)
    assert f"Case {case.pk} is not waiting for triage." in said(again)
    assert again.redirect_chain[-1][0] == reverse("review:case", args=[case.pk])


def test_a_listing_on_a_non_member_platform_is_marked_for_outreach(world: dict[str, Any], analyst: Client) -> None:
    case = new_case("p/1", host="elsewhere.example")
    assert "Mark for outreach" in analyst.get(reverse("review:triage")).content.decode()
    response = analyst.post(reverse("review:accept", args=[case.pk]), follow=True)
    assert "marked for outreach" in said(response)[0]
    case.refresh_from_db()
    assert case.status == CaseStatus.OUTREACH and case.referred_at is None
    assert reports.public_stage(case) == "outreach"


def test_a_held_case_shows_as_held_with_no_detail(world: dict[str, Any], analyst: Client, hold: Any) -> None:
    case = new_case("item/1")
    response = analyst.post(reverse("review:accept", args=[case.pk]), {"back": "triage"}, follow=True)
    assert f"Case {case.pk} is held: it cannot be referred now." in said(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.ON_HOLD and case.referred_at is None and case.claimed_by is None
    assert reports.public_stage(case) == "in_review"  # never revealed to the reporter
    for url in (reverse("review:triage"), reverse("review:case", args=[case.pk])):
        html = analyst.get(url).content.decode()
        assert '<span class="badge badge-held">Held</span>' in html, url
        assert hold["until"].isoformat() not in html and "Check again and refer" in html, url
    assert '<dd id="count-held">1</dd>' in analyst.get(reverse("review:triage")).content.decode()
    hold["on"] = False  # the hold is lifted: referral goes through
    analyst.post(reverse("review:accept", args=[case.pk]))
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REFERRED


def test_reject_needs_a_reason(world: dict[str, Any], analyst: Client) -> None:
    case = new_case("item/1")
    url = reverse("review:reject", args=[case.pk])
    response = analyst.post(url, {"reason": "  ", "back": "triage"}, follow=True)
    assert f"Give a reason for rejecting case {case.pk}." in said(response)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.TRIAGE
    response = analyst.post(url, {"reason": "a plastic toy", "back": "triage"}, follow=True)
    assert f"Case {case.pk} is rejected." in said(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED and case.reject_reason == "a plastic toy"
    assert reports.public_stage(case) == "not_actionable"
    assert AuditEntry.objects.filter(action="case.reject", target=f"case:{case.pk}").exists()
    again = analyst.post(url, {"reason": "again"}, follow=True)
    assert f"Case {case.pk} is not waiting for triage." in said(again)
    assert "a plastic toy" in analyst.get(reverse("review:case", args=[case.pk])).content.decode()


def test_triage_is_for_coalition_analysts_only(world: dict[str, Any], password: str, analyst: Client) -> None:
    case = new_case("item/1")
    assert analyst.get(reverse("review:accept", args=[case.pk])).status_code == 405
    assert analyst.post(reverse("review:accept", args=[999_999])).status_code == 404
    for role in ("reviewer", "member_admin", "engineer", "officer", "volunteer"):
        client = Client()
        login(client, f"user-{role}", password)
        assert client.get(reverse("review:triage")).status_code == 403, role
        assert client.post(reverse("review:accept", args=[case.pk])).status_code == 403, role
        assert client.post(reverse("review:reject", args=[case.pk]), {"reason": "x"}).status_code == 403, role
    csrf = Client(enforce_csrf_checks=True)
    login(csrf, "user-analyst", password)
    assert csrf.post(reverse("review:accept", args=[case.pk])).status_code == 403
    assert Case.objects.get(pk=case.pk).status == CaseStatus.TRIAGE
    admin = Client()
    login(admin, "user-coalition_admin", password)
    assert admin.get(reverse("review:triage")).status_code == 200


def test_analysts_see_every_case_but_take_no_member_action(world: dict[str, Any], analyst: Client) -> None:
    case = reports.accept(new_case("item/1"), world["analyst"])
    html = analyst.get(reverse("review:case", args=[case.pk])).content.decode()
    assert "reporter@example.org" in html and 'id="claim"' not in html and 'id="decide"' not in html
    assert analyst.post(reverse("review:claim", args=[case.pk])).status_code == 403
    assert analyst.post(reverse("review:claim_next")).status_code == 403
    assert analyst.get(reverse("review:queue")).status_code == 403
